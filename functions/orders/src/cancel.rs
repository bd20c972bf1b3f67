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
