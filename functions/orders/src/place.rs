//! `POST /v1/orders` `{productId, quantity, paymentToken}` with a required
//! `Idempotency-Key`: 202 `{orderId, status: "pending"}`. The order, its list entry, the
//! key's record of this answer and the saga's first command (`reserve_stock` to
//! inventory) are one transaction: a placed order always has its saga started, and a
//! retried request finds the answer and places nothing.

use http::StatusCode;
use http::header::{HeaderValue, LOCATION};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use shared::ApiError;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body};
use shared::idempotency::{self, IdempotencyKey, Recorded};

use crate::App;
use crate::advance::command;
use crate::model::{
    Order, OrderStatus, PAYMENT_TOKEN_MAX_CHARS, PaymentToken, ProductId, Quantity,
};
use crate::saga;
use crate::store::{Placed, Sends};

#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct NewOrder {
    /// The product to order (`GET /v1/products`).
    #[schema(value_type = shared::openapi::Id)]
    pub product_id: ProductId,
    /// How many units: 1 to 100.
    #[schema(value_type = u32, minimum = 1, maximum = 100)]
    pub quantity: Quantity,
    /// The payment provider's one-time token (`tok_ok` in the sandbox), never card data.
    #[schema(schema_with = payment_token_schema)]
    pub payment_token: PaymentToken,
}

/// The answer to a placed order (and to its replays).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlaced {
    #[schema(value_type = shared::openapi::Id)]
    pub order_id: String,
    /// Always `pending`: the saga has just started. Read the order to follow it.
    #[schema(schema_with = pending_only)]
    pub status: OrderStatus,
}

/// `PaymentToken`'s rule: 1 to 100 characters, none of them white space or a control.
fn payment_token_schema() -> utoipa::openapi::schema::Object {
    use shared::openapi::{CONTROL, WHITE_SPACE};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(PAYMENT_TOKEN_MAX_CHARS))
        .pattern(Some(format!("^[^{CONTROL}{WHITE_SPACE}]+$")))
        .description(Some(
            "The payment provider's one-time token (`tok_ok` in the sandbox), never card data: \
             1 to 100 characters, no white space or control characters.",
        ))
        .build()
}

/// The one status a new order has.
fn pending_only() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([OrderStatus::Pending.as_str()]))
        .description(Some(
            "Always `pending`: the saga has just started. Read the order to follow it.",
        ))
        .build()
}

impl FromJson for NewOrder {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let product_id = f.required("productId");
        let quantity = f.required("quantity");
        let payment_token = f.required("paymentToken");
        Some(Self {
            product_id: product_id?,
            quantity: quantity?,
            payment_token: payment_token?,
        })
    }
}

/// Place an order
///
/// Requires `Idempotency-Key`. Answers at once with the order `pending`; the saga then
/// reserves the stock and captures the payment, and the order ends `confirmed`, or
/// `rejected` (out of stock, no such product) or `cancelled` (payment declined): read it
/// with `getOrder`. Replaying the same request with the same key answers the first 202 again.
#[utoipa::path(
    post,
    path = "/v1/orders",
    tag = "orders",
    operation_id = "placeOrder",
    security(("bearer" = [])),
    params(shared::openapi::IdempotencyKeyHeader),
    request_body = NewOrder,
    responses(
        (status = 202, description = "The order is placed and its saga started (or this is a replay of that answer).",
         body = OrderPlaced,
         headers(
            ("Location" = String, description = "The order's URL: `/v1/orders/{orderId}`."),
            ("idempotent-replayed" = String, description = "`true` when this is the first answer replayed."),
         ),
         links(
            ("GetOrder" = (operation_id = "getOrder", parameters(("id" = "$response.body#/orderId")))),
            ("CancelOrder" = (operation_id = "cancelOrder", parameters(("id" = "$response.body#/orderId")))),
         )),
    ),
    extensions(("x-problems" = json!({"409": ["idempotency_key_reused"]}))),
)]
pub async fn handle_place(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let key = IdempotencyKey::required(&req)?;
    let input: NewOrder = json_body(&req)?;
    let fingerprint = idempotency::fingerprint(&req);
    if let Some(first) = app.store.recorded(&caller.user_id, &key).await? {
        return with_location(first.replay(&fingerprint)?);
    }

    let now = app.clock.now();
    let draft = Order::placed(
        shared::new_id(),
        caller.user_id.clone(),
        input.product_id.into(),
        input.quantity.get(),
        input.payment_token.into(),
        rfc3339(now),
    );
    let (order, first_command) = saga::start(draft).map_err(ApiError::internal)?;
    let body = OrderPlaced {
        order_id: order.id.clone(),
        status: order.status,
    };
    let answer = Recorded {
        fingerprint: fingerprint.clone(),
        status: StatusCode::ACCEPTED.as_u16(),
        body: serde_json::to_string(&body).map_err(ApiError::internal)?,
    };
    let sends = Sends {
        command: Some(command(app, &order, &first_command)?),
        notification: None,
    };
    if let Placed::Replayed(first) = app.store.place(&order, &key, &answer, &sends, now).await? {
        // A concurrent first try with this key won: answer as it did.
        return with_location(first.replay(&fingerprint)?);
    }
    shared::fault::point(req.lambda_context_ref(), "after_commit");
    tracing::info!(orderId = %order.id, productId = %order.product_id, quantity = order.quantity, "order placed");
    with_location(json(StatusCode::ACCEPTED, &body)?)
}

/// Adds `Location: /v1/orders/<id>` to a 202 that names its order.
fn with_location(mut response: Response<Body>) -> HttpResult {
    if response.status() == StatusCode::ACCEPTED {
        let order_id = serde_json::from_slice::<serde_json::Value>(response.body().as_ref())
            .ok()
            .and_then(|b| b["orderId"].as_str().map(str::to_owned));
        if let Some(location) =
            order_id.and_then(|id| HeaderValue::from_str(&format!("/v1/orders/{id}")).ok())
        {
            response.headers_mut().insert(LOCATION, location);
        }
    }
    Ok(response)
}
