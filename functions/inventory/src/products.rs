//! `POST /v1/products` (admins), `GET /v1/products` and `GET /v1/products/{id}` (any
//! signed-in user).

use http::StatusCode;
use http::header::{HeaderValue, LOCATION};
use lambda_http::Request;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body, path_id};
use shared::money::Money;
use shared::paging::PageRequest;

use crate::model::{Page, Product, ProductName, Stock};
use crate::{App, Error};

/// Catalogue cursors all come from one list.
const CATALOG_SCOPE: &str = "inventory:products";

/// `{name, price: {amount, currency}, stock}`.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct NewProduct {
    /// The product's name.
    pub name: ProductName,
    /// The price of one unit.
    pub price: Money,
    /// The units there are to sell.
    pub stock: Stock,
    /// The program the product sells: a confirmed order enrolls its buyer in it.
    #[schema(value_type = Option<shared::openapi::Id>)]
    pub program_id: Option<String>,
}

impl FromJson for NewProduct {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let name = f.required("name");
        let price = f.required("price");
        let stock = f.required("stock");
        let program: Option<Option<String>> = f.optional("programId");
        let program_id = match program {
            Some(Some(raw)) => match shared::canonical_id(&raw) {
                Some(id) => Some(Some(id)),
                None => {
                    f.error("programId", "is not a valid id");
                    None
                }
            },
            other => other,
        };
        Some(Self {
            name: name?,
            price: price?,
            stock: stock?,
            program_id: program_id?,
        })
    }
}

/// Add a product to the catalogue
///
/// Admins only. The product starts with `stock` units available.
#[utoipa::path(
    post,
    path = "/v1/products",
    tag = "inventory",
    operation_id = "createProduct",
    security(("bearer" = [])),
    request_body = NewProduct,
    responses(
        (status = 201, description = "The product, with all its stock available.", body = Product,
         headers(("Location" = String, description = "The product's URL: `/v1/products/{id}`.")),
         links(
            ("GetProduct" = (operation_id = "getProduct", parameters(("id" = "$response.body#/id")))),
         )),
    ),
    extensions(("x-problems" = json!({"403": ["forbidden"]}))),
)]
pub async fn handle_create(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    caller.require_admin()?;
    let input: NewProduct = json_body(&req)?;
    let product = Product {
        id: shared::new_id(),
        name: input.name.into(),
        price: input.price,
        available: input.stock.into(),
        program_id: input.program_id,
    };
    if !app
        .store
        .create_product(&product, &rfc3339(app.clock.now()))
        .await?
    {
        // A fresh ULID never collides; if it did, the client may simply retry.
        return Err(shared::ApiError::internal(
            "a new product id was already taken",
        ));
    }
    tracing::info!(productId = %product.id, admin = %caller.user_id, "product created");
    let mut response = json(StatusCode::CREATED, &product)?;
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/products/{}", product.id)) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// List the catalogue
#[utoipa::path(
    get,
    path = "/v1/products",
    tag = "inventory",
    operation_id = "listProducts",
    security(("bearer" = [])),
    params(shared::openapi::PageQuery),
    responses((status = 200, description = "A page of products, by id (so mostly oldest first).", body = Page<Product>)),
)]
pub async fn handle_list(app: &App, req: Request) -> HttpResult {
    app.verifier.authenticate(&req, app.clock.now())?;
    let cursors = app.cursors()?;
    let page = PageRequest::from_request(&req, cursors, CATALOG_SCOPE)?;
    json(
        StatusCode::OK,
        &app.store
            .products_page(&page, cursors, CATALOG_SCOPE)
            .await?,
    )
}

/// Read a product
#[utoipa::path(
    get,
    path = "/v1/products/{id}",
    tag = "inventory",
    operation_id = "getProduct",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The product's id.")),
    responses((status = 200, description = "The product, with the units still available.", body = Product)),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle_get(app: &App, req: Request) -> HttpResult {
    app.verifier.authenticate(&req, app.clock.now())?;
    let id = path_id(&req, "id")?;
    let product = app
        .store
        .product(&id)
        .await?
        .ok_or(Error::ProductNotFound)?;
    json(StatusCode::OK, &product)
}
