//! `GET /v1/orders/{id}` (the customer's own; admins may read any) and `GET /v1/orders`
//! (the caller's, newest first, paged).

use http::StatusCode;
use lambda_http::Request;
use shared::auth::Caller;
use shared::http::{HttpResult, json, path_id};
use shared::paging::PageRequest;

use crate::model::{Order, OrderView, Page};
use crate::{App, Error};

/// A list cursor is bound to its customer: one from another customer's list is a 400.
fn cursor_scope(user_id: &str) -> String {
    format!("orders:customer:{user_id}")
}

/// The order `id` if `caller` may see it; another customer's order does not exist for them.
pub(crate) async fn visible_order(app: &App, caller: &Caller, id: &str) -> Result<Order, Error> {
    app.store
        .order(id)
        .await?
        .filter(|o| o.user_id == caller.user_id || caller.is_admin())
        .ok_or(Error::OrderNotFound)
}

/// Read an order
///
/// One's own order; admins may read any. Another customer's order is a 404.
#[utoipa::path(
    get,
    path = "/v1/orders/{id}",
    tag = "orders",
    operation_id = "getOrder",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's id.")),
    responses((status = 200, description = "The order as it stands.", body = OrderView)),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle_get(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let id = path_id(&req, "id")?;
    let order = visible_order(app, &caller, &id).await?;
    json(StatusCode::OK, &OrderView::from(&order))
}

/// List one's orders, newest first
#[utoipa::path(
    get,
    path = "/v1/orders",
    tag = "orders",
    operation_id = "listOrders",
    security(("bearer" = [])),
    params(shared::openapi::PageQuery),
    responses((status = 200, description = "A page of the caller's orders, newest first.", body = Page<OrderView>)),
)]
pub async fn handle_list(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let cursors = app.cursors()?;
    let scope = cursor_scope(&caller.user_id);
    let page = PageRequest::from_request(&req, cursors, &scope)?;
    let orders = app
        .store
        .customer_page(&caller.user_id, &page, cursors, &scope)
        .await?;
    json(
        StatusCode::OK,
        &Page {
            items: orders.items.iter().map(OrderView::from).collect(),
            next_cursor: orders.next_cursor,
        },
    )
}
