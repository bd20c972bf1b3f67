//! `POST /v1/orders/{id}/cancel`: the customer cancels a confirmed order. 202 with the
//! order as it is now (refund, then release, under way: `step` says which); the same
//! while the cancellation runs; 409 `order_not_cancellable` for a pending, cancelled or
//! rejected order. The change and the `refund_payment` command are one transaction (see
//! [`crate::advance`]).

use http::StatusCode;
use lambda_http::Request;
use shared::ApiError;
use shared::http::{HttpResult, json, path_id};

use crate::advance::{Advanced, advance};
use crate::model::OrderView;
use crate::saga::{IllegalTransition, Input};
use crate::view::visible_order;
use crate::{App, Error};

/// Cancel a confirmed order
///
/// The customer's own only (an admin who is not the customer gets a 403). The payment is
/// refunded, then the stock released; the order stays `confirmed`, with `reason`
/// `cancelled_by_customer` and `step` saying which runs, until it ends `cancelled`.
/// Repeating it while the cancellation runs answers the same.
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/cancel",
    tag = "orders",
    operation_id = "cancelOrder",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's id.")),
    responses((status = 202, description = "The cancellation is under way: the order as it is now.", body = OrderView)),
    extensions(("x-problems" = json!({"403": ["forbidden"], "404": ["not_found"], "409": ["order_not_cancellable"]}))),
)]
pub async fn handle_cancel(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let id = path_id(&req, "id")?;
    let order = visible_order(app, &caller, &id).await?;
    if order.user_id != caller.user_id {
        // An admin may read the order, but the cancellation is the customer's to make.
        return Err(Error::NotTheCustomer.into());
    }
    match advance(app, order, &Input::CustomerCancel).await? {
        Advanced::Applied { order, .. } => {
            tracing::info!(orderId = %order.id, step = order.step.as_str(), "cancellation accepted");
            json(StatusCode::ACCEPTED, &OrderView::from(&order))
        }
        Advanced::Refused {
            order,
            why: IllegalTransition::AlreadyCancelling,
        } => json(StatusCode::ACCEPTED, &OrderView::from(&order)),
        Advanced::Refused {
            why: IllegalTransition::NotCancellable { status },
            ..
        } => Err(Error::NotCancellable(status).into()),
        Advanced::Refused { why, .. } => Err(ApiError::internal(why)),
    }
}
