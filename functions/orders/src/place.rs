//! `POST /v1/orders` `{productId, quantity, paymentToken}` with a required
//! `Idempotency-Key`: 202 `{orderId, status: "pending"}`. The order, its list entry, the
//! key's record of this answer and the saga's first command (`reserve_stock` to
//! inventory) are one transaction: a placed order always has its saga started, and a
//! retried request finds the answer and places nothing.

use http::StatusCode;
use http::header::{HeaderValue, LOCATION};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;
use shared::ApiError;
use shared::clock::rfc3339;
use shared::dynamo::failed_conditions;
use shared::http::{Fields, FromJson, HttpResult, json, json_body};
use shared::idempotency::{self, IdempotencyKey, Recorded};

use crate::App;
use crate::advance::command_items;
use crate::model::{Order, OrderStatus, PaymentToken, ProductId, Quantity, Step};
use crate::saga;

/// Where the idempotency record stands in the placing transaction.
const RECORD_AT: usize = 2;

pub struct NewOrder {
    pub product_id: ProductId,
    pub quantity: Quantity,
    pub payment_token: PaymentToken,
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

pub async fn handle_place(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let key = IdempotencyKey::required(&req)?;
    let input: NewOrder = json_body(&req)?;
    let fingerprint = idempotency::fingerprint(&req);
    let records = app.store.idempotency();
    if let Some(first) = records.lookup(&caller.user_id, &key).await? {
        return with_location(first.replay(&fingerprint)?);
    }

    let now = app.clock.now();
    let draft = Order {
        id: shared::new_id(),
        user_id: caller.user_id.clone(),
        product_id: input.product_id.into(),
        quantity: input.quantity.get(),
        payment_token: Some(input.payment_token.into()),
        total: None,
        product_name: None,
        payment_id: None,
        status: OrderStatus::Pending,
        reason: None,
        step: Step::Done,
        version: 0,
        created_at: rfc3339(now),
        updated_at: rfc3339(now),
    };
    let (order, first_command) = saga::start(draft).map_err(ApiError::internal)?;
    let body = json!({"orderId": order.id, "status": order.status});
    let answer = Recorded {
        fingerprint: fingerprint.clone(),
        status: StatusCode::ACCEPTED.as_u16(),
        body: body.to_string(),
    };
    let mut items = app.store.place(&order)?;
    items.push(records.record(&caller.user_id, &key, &answer, now)?);
    items.extend(command_items(app, &order, &first_command, now)?);
    if let Err(e) = app.store.transact(items).await {
        if failed_conditions(&e).is_some_and(|f| f.get(RECORD_AT) == Some(&true)) {
            // A concurrent first try with this key won: answer as it did.
            let first = records
                .lookup(&caller.user_id, &key)
                .await?
                .ok_or_else(|| ApiError::internal("the idempotency record vanished"))?;
            return with_location(first.replay(&fingerprint)?);
        }
        return Err(e.into());
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
