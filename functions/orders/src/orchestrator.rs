//! The saga orchestrator: the consumer of the orders queue, where inventory and payments
//! send their replies (and the users domain its `user_deleted`: [`crate::erasure`]). Each reply is read with its order, decided by [`crate::saga::next`]
//! and written with what it sends next, in one transaction ([`crate::advance`]).
//!
//! A reply the order's step does not wait for (a redelivery after a crash, a duplicate
//! sent by a relay retried after it published, one out of order) is acknowledged and
//! counted (`SagaReplyIgnored`), never applied. What can never succeed as it is (a body
//! that is no reply, an unknown order, an order whose stored state cannot make the next
//! command) fails the message: after five receives it waits in the dead-letter queue,
//! whose alarm calls someone.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use shared::events::Envelope;
use shared::saga::MessageType;
use shared::telemetry::{Metric, emit};

use crate::App;
use crate::advance::{Advanced, advance};
use crate::error::ReplyError;
use crate::saga::{IllegalTransition, Input, Reply};

/// Messages of one batch handled at once; each is a read and a transaction.
const CONCURRENCY: usize = 4;

/// `ctx` is the invocation's, for the local cloud's fault injection (`after_write`).
pub async fn handle_batch(
    app: &Arc<App>,
    event: SqsEvent,
    ctx: Option<lambda_runtime::Context>,
) -> SqsBatchResponse {
    let ctx = ctx.map(Arc::new);
    shared::sqs_batch::process(event, CONCURRENCY, |message| {
        handle_reply(app.clone(), message, ctx.clone())
    })
    .await
}

fn ignored(kind: MessageType, why: &str) {
    emit(
        &[Metric {
            name: "SagaReplyIgnored",
            unit: "Count",
            value: 1.0,
        }],
        &[("Why", why)],
    );
    tracing::debug!(reply = kind.as_str(), why, "counted an ignored reply");
}

async fn handle_reply(
    app: Arc<App>,
    message: SqsMessage,
    ctx: Option<Arc<lambda_runtime::Context>>,
) -> Result<(), ReplyError> {
    if let Some(user_id) =
        shared::erasure::deleted_user(message.body.as_deref().unwrap_or_default())
    {
        return crate::erasure::forget_customer(&app, &user_id)
            .await
            .map(|_| ());
    }
    let envelope: Envelope<MessageType> = shared::sqs_batch::envelope(&message)?;
    let (id, kind) = (envelope.id, envelope.event_type);
    let reply = match Reply::from_message(kind, envelope.data) {
        Ok(Some(reply)) => reply,
        Ok(None) => {
            tracing::warn!(messageId = %id, kind = kind.as_str(), "a command on the orders queue; dropped");
            ignored(kind, "not_a_reply");
            return Ok(());
        }
        Err(why) => {
            return Err(ReplyError::UnexpectedData {
                kind: kind.as_str(),
                id,
                why,
            });
        }
    };
    let order_id = reply.order_id().to_owned();
    if !shared::is_id(&order_id) {
        return Err(ReplyError::NoValidOrder {
            kind: kind.as_str(),
            id,
        });
    }
    let Some(order) = app.store.order(&order_id).await? else {
        return Err(ReplyError::UnknownOrder {
            kind: kind.as_str(),
            id,
            order_id,
        });
    };
    match advance(&app, order, &Input::Reply(reply)).await? {
        Advanced::Applied { order, transition } => {
            shared::fault::point(ctx.as_deref(), "after_write");
            tracing::info!(
                orderId = %order.id,
                reply = kind.as_str(),
                status = order.status.as_str(),
                step = order.step.as_str(),
                sent = transition.command.as_ref().map(|c| c.command.kind().as_str()).unwrap_or(""),
                notified = transition.notification.as_ref().map(|n| n.event.as_str()).unwrap_or(""),
                "saga moved"
            );
            Ok(())
        }
        Advanced::Refused {
            why: why @ IllegalTransition::Inconsistent(_),
            ..
        } => Err(ReplyError::Inconsistent { order_id, why }),
        Advanced::Refused { order, why } => {
            tracing::warn!(
                orderId = %order.id,
                messageId = %id,
                reply = kind.as_str(),
                step = order.step.as_str(),
                status = order.status.as_str(),
                why = why.why(),
                "reply ignored: {why}"
            );
            ignored(kind, why.why());
            Ok(())
        }
    }
}
