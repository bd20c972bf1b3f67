//! `GET /v1/learning/enrollments`, and the consumer of learning's enrollments queue: a
//! confirmed order for a program enrolls its customer (`order_confirmed`), its
//! cancellation revokes the enrollment (`order_cancelled`). Both come from the orders
//! outbox; learning keeps its own copy of what it needs and never reads orders.
//!
//! Redelivery is expected: enrolling is a conditional put keyed by the student and the
//! program, revoking a delete conditional on the order, so a second delivery writes
//! nothing (and a second `enrolled` is never queued).

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use http::StatusCode;
use lambda_http::Request;
use serde::Deserialize;
use serde_json::json;
use shared::clock::rfc3339;
use shared::events::{Envelope, EventType};
use shared::http::{HttpResult, json};
use shared::paging::PageRequest;
use shared::sqs_batch::MessageError;

use crate::App;
use crate::model::{Enrollment, Page};
use crate::store::Enrolled;

/// Messages of one batch handled at once; each is one or two small DynamoDB calls.
const CONCURRENCY: usize = 4;

/// List my enrollments
///
/// The programs the caller bought, by program id: each opens its premium modules.
#[utoipa::path(
    get,
    path = "/v1/learning/enrollments",
    tag = "learning",
    operation_id = "listEnrollments",
    security(("bearer" = [])),
    params(shared::openapi::PageQuery),
    responses((status = 200, description = "A page of the caller's enrollments, by program id.",
               body = Page<Enrollment>)),
)]
pub async fn handle_list(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let codec = app.cursors()?;
    let scope = format!("enrollments:{}", caller.user_id);
    let page = PageRequest::from_request(&req, codec, &scope)?;
    let (items, next_cursor) = app
        .store
        .enrollments(&caller.user_id, &page, codec, &scope)
        .await?;
    json(StatusCode::OK, &Page { items, next_cursor })
}

/// What learning keeps of `order_confirmed` and `order_cancelled`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderEvent {
    order_id: String,
    /// `null` for an order of a product that sells no program.
    #[serde(default)]
    program_id: Option<String>,
    #[serde(default)]
    product_name: Option<String>,
}

pub async fn handle_batch(app: &Arc<App>, event: SqsEvent) -> SqsBatchResponse {
    shared::sqs_batch::process(event, CONCURRENCY, |message| enroll(app.clone(), message)).await
}

/// Enrolls or revokes for one order event. A malformed message fails for good (it waits in
/// the dead-letter queue); a store that fails is retried through the queue.
async fn enroll(app: Arc<App>, message: SqsMessage) -> Result<(), MessageError> {
    let envelope: Envelope = shared::sqs_batch::envelope(&message)?;
    let kind = envelope.event_type;
    if !matches!(kind, EventType::OrderConfirmed | EventType::OrderCancelled) {
        tracing::warn!(eventId = %envelope.id, eventType = kind.as_str(), "not an event for enrollments; dropped");
        return Ok(());
    }
    let order: OrderEvent = serde_json::from_value(envelope.data.clone()).map_err(|e| {
        MessageError::permanent(format!(
            "{} {} has unexpected data: {e}",
            kind.as_str(),
            envelope.id
        ))
    })?;
    let Some(program_id) = order.program_id else {
        tracing::info!(eventId = %envelope.id, orderId = %order.order_id, "the order's product sells no program; nothing to do");
        return Ok(());
    };
    if !shared::is_id(&order.order_id)
        || !shared::is_id(&program_id)
        || !shared::is_id(&envelope.user_id)
    {
        return Err(MessageError::permanent(format!(
            "{} {} names no valid order, program or user",
            kind.as_str(),
            envelope.id
        )));
    }
    let now = app.clock.now();
    if kind == EventType::OrderCancelled {
        let revoked = app
            .store
            .revoke(&envelope.user_id, &program_id, &order.order_id, now)
            .await?;
        tracing::info!(eventId = %envelope.id, orderId = %order.order_id, programId = %program_id, revoked, "order cancelled");
        return Ok(());
    }
    let enrollment = Enrollment {
        program_id,
        program_name: order.product_name,
        order_id: order.order_id,
        enrolled_at: rfc3339(now),
    };
    let enrolled = Envelope::new(
        EventType::Enrolled,
        &envelope.user_id,
        json!({
            "programId": enrollment.program_id,
            "programName": enrollment.program_name,
            "orderId": enrollment.order_id,
        }),
        app.clock.as_ref(),
    );
    let outcome = app
        .store
        .enroll(&envelope.user_id, &enrollment, &enrolled, now)
        .await?;
    tracing::info!(eventId = %envelope.id, orderId = %enrollment.order_id, programId = %enrollment.program_id, outcome = ?outcome, "order confirmed");
    if outcome == Enrolled::New {
        shared::telemetry::count("Enrolled");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_event_data_parses_with_or_without_a_program() {
        let with: Result<OrderEvent, _> = serde_json::from_value(json!({
            "orderId": "01J", "productName": "Premium", "total": "19,000 KRW",
            "reason": null, "programId": "01JDEMP0000000000000000001",
        }));
        assert!(with.is_ok_and(|o| o.program_id.is_some()));
        let without: Result<OrderEvent, _> =
            serde_json::from_value(json!({"orderId": "01J", "productName": null}));
        assert!(without.is_ok_and(|o| o.program_id.is_none()));
        let bad: Result<OrderEvent, _> = serde_json::from_value(json!({"programId": "x"}));
        assert!(bad.is_err());
    }
}
