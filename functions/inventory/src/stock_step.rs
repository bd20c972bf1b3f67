//! The consumer of inventory's queue: the order saga's stock step.
//!
//! `reserve_stock{orderId, productId, quantity}` takes the units and records the order's
//! reservation, or records why not, and queues the reply (`stock_reserved` or
//! `stock_rejected`) in the same transaction. `release_stock{orderId}` gives reserved units
//! back and queues `stock_released`. Each is done at most once per order: the order's
//! record is created or moved only under a condition on what it was, so a redelivered,
//! repeated or concurrent command finds the order handled, writes nothing and is
//! acknowledged (its first reply is already in the outbox). A message this step cannot
//! read, or of a type it does not handle, is logged and acknowledged: retrying it would
//! never make it readable. Any other failure ([`StepError`]) fails the message, which comes
//! back through the queue.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use serde::de::DeserializeOwned;
use shared::events::Envelope;
use shared::saga::{
    MessageType, OrderRef, ReserveStock, StockRejected, StockRejection, StockReserved,
};
use shared::sqs_batch::MessageError;
use shared::store::StoreError;

use crate::App;
use crate::reservation::{self, Release, Reserve};
use crate::store::{ForOrder, Written};

/// Messages of one batch handled at once; each is a few small DynamoDB calls.
const CONCURRENCY: usize = 4;
/// Reads and decisions per message while what they read keeps changing under them; after
/// that the message fails and the queue redelivers it later.
const ATTEMPTS: u32 = 5;

/// What handling one message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Reserved,
    Rejected(StockRejection),
    Released,
    /// `forget_customer`: the reservation record (if any) no longer names its customer.
    Forgotten,
    /// The order was handled before: nothing written, the first reply stands.
    AlreadyHandled,
    /// Not a command for this step, or unreadable: logged and acknowledged.
    Ignored,
}

/// Why a message could not be handled now. Every one fails the message (it comes back
/// through the queue, and after enough receives waits in the dead-letter queue);
/// [`MessageError`] says which a later delivery can get past.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// What the decision was made on kept changing under it, attempt after attempt: a
    /// later delivery finds it settled.
    #[error("{command} for order {order_id}: {what} kept changing")]
    KeptChanging {
        command: &'static str,
        order_id: String,
        what: &'static str,
    },
    /// A decision to give back units with no record of them (a bug).
    #[error("order {0}: a give-back without a record")]
    GiveBackWithoutRecord(String),
}

impl From<StepError> for MessageError {
    fn from(e: StepError) -> Self {
        match e {
            StepError::Store(e) => e.into(),
            StepError::KeptChanging { .. } => MessageError::retry(e),
            StepError::GiveBackWithoutRecord(_) => MessageError::permanent(e),
        }
    }
}

pub async fn handle_batch(
    app: &Arc<App>,
    ctx: Option<&lambda_runtime::Context>,
    event: SqsEvent,
) -> SqsBatchResponse {
    let ctx = ctx.cloned().map(Arc::new);
    shared::sqs_batch::process(event, CONCURRENCY, |message| {
        let (app, ctx) = (app.clone(), ctx.clone());
        async move {
            let outcome = handle_message(&app, &message).await?;
            if matches!(
                outcome,
                Outcome::Reserved | Outcome::Rejected(_) | Outcome::Released
            ) {
                shared::fault::point(ctx.as_deref(), "after_write");
            }
            Ok::<(), StepError>(())
        }
    })
    .await
}

/// One message: `Err` for what a later delivery may get past (a DynamoDB failure,
/// contention that outlasted the retries) and for a bug; an unreadable message is `Ok`
/// ([`Outcome::Ignored`]).
pub async fn handle_message(app: &App, message: &SqsMessage) -> Result<Outcome, StepError> {
    match shared::sqs_batch::envelope::<MessageType>(message) {
        Ok(envelope) => step(app, &envelope).await,
        Err(e) => Ok(ignored(
            message.message_id.as_deref().unwrap_or(""),
            "",
            &e.why,
        )),
    }
}

/// One command, by its type.
pub async fn step(app: &App, envelope: &Envelope<MessageType>) -> Result<Outcome, StepError> {
    match envelope.event_type {
        MessageType::ReserveStock => match command::<ReserveStock>(envelope) {
            Ok(cmd) if cmd.quantity == 0 => Ok(ignored(
                &envelope.id,
                envelope.event_type.as_str(),
                "the quantity is 0",
            )),
            Ok(cmd) => reserve_stock(app, envelope, &cmd).await,
            Err(why) => Ok(ignored(&envelope.id, envelope.event_type.as_str(), &why)),
        },
        MessageType::ReleaseStock => match command::<OrderRef>(envelope) {
            Ok(cmd) => release_stock(app, envelope, &cmd.order_id).await,
            Err(why) => Ok(ignored(&envelope.id, envelope.event_type.as_str(), &why)),
        },
        MessageType::ForgetCustomer => match command::<OrderRef>(envelope) {
            Ok(cmd) => {
                let forgotten = app.store.forget_customer(&cmd.order_id).await?;
                tracing::info!(orderId = %cmd.order_id, forgotten, "the reservation forgets its customer");
                Ok(Outcome::Forgotten)
            }
            Err(why) => Ok(ignored(&envelope.id, envelope.event_type.as_str(), &why)),
        },
        other => Ok(ignored(
            &envelope.id,
            other.as_str(),
            "not a command for the stock step",
        )),
    }
}

/// The command's data, with an order id we issue.
fn command<T: DeserializeOwned + HasOrder>(envelope: &Envelope<MessageType>) -> Result<T, String> {
    let cmd: T = serde_json::from_value(envelope.data.clone())
        .map_err(|e| format!("unexpected data: {e}"))?;
    if !shared::is_id(cmd.order_id()) {
        return Err("the orderId is not an id".to_owned());
    }
    Ok(cmd)
}

trait HasOrder {
    fn order_id(&self) -> &str;
}

impl HasOrder for ReserveStock {
    fn order_id(&self) -> &str {
        &self.order_id
    }
}

impl HasOrder for OrderRef {
    fn order_id(&self) -> &str {
        &self.order_id
    }
}

fn ignored(message: &str, message_type: &str, why: &str) -> Outcome {
    shared::saga::ignored(message, message_type, why, "StockStepMessagesIgnored");
    Outcome::Ignored
}

fn rejection_code(reason: StockRejection) -> &'static str {
    match reason {
        StockRejection::OutOfStock => "out_of_stock",
        StockRejection::ProductNotFound => "product_not_found",
    }
}

async fn reserve_stock(
    app: &App,
    envelope: &Envelope<MessageType>,
    cmd: &ReserveStock,
) -> Result<Outcome, StepError> {
    let order = ForOrder {
        order_id: &cmd.order_id,
        user_id: &envelope.user_id,
        now: app.now(),
    };
    for _ in 0..ATTEMPTS {
        if let Some(record) = app.store.reservation(&cmd.order_id).await? {
            tracing::info!(orderId = %cmd.order_id, state = record.state.as_str(), "order already handled; redelivery acknowledged");
            return Ok(Outcome::AlreadyHandled);
        }
        let product = if shared::is_id(&cmd.product_id) {
            app.store.product(&cmd.product_id).await?
        } else {
            None
        };
        let (outcome, written) = match reservation::reserve(product.as_ref(), cmd.quantity) {
            Reserve::Take {
                product_name,
                unit_price,
                total,
            } => {
                let data = StockReserved {
                    order_id: cmd.order_id.clone(),
                    product_name,
                    unit_price,
                    total,
                    program_id: product.as_ref().and_then(|p| p.program_id.clone()),
                };
                let reply = Envelope::reply_to(
                    envelope,
                    MessageType::StockReserved,
                    &data,
                    app.clock.as_ref(),
                )?;
                let written = app
                    .store
                    .reserve(order, &cmd.product_id, i64::from(cmd.quantity), &reply)
                    .await?;
                (Outcome::Reserved, written)
            }
            Reserve::Reject(reason) => {
                let data = StockRejected {
                    order_id: cmd.order_id.clone(),
                    reason,
                    product_name: product.map(|p| p.name),
                };
                let reply = Envelope::reply_to(
                    envelope,
                    MessageType::StockRejected,
                    &data,
                    app.clock.as_ref(),
                )?;
                // Decided on a consistent read, not under a condition on the product: a
                // unit released just after it only means this order came a moment too
                // early, and rejections of a sold-out product never contend for its item.
                let written = app
                    .store
                    .reject(order, &cmd.product_id, rejection_code(reason), &reply)
                    .await?;
                (Outcome::Rejected(reason), written)
            }
        };
        if written == Written::Done {
            // DEBUG: the orchestrator's "saga moved" line names the reply (stock_reserved or
            // stock_rejected) with the order and the flow.
            tracing::debug!(orderId = %cmd.order_id, productId = %cmd.product_id, quantity = cmd.quantity, outcome = ?outcome, "reserve_stock handled");
            return Ok(outcome);
        }
    }
    Err(StepError::KeptChanging {
        command: "reserve_stock",
        order_id: cmd.order_id.clone(),
        what: "the product or the order",
    })
}

async fn release_stock(
    app: &App,
    envelope: &Envelope<MessageType>,
    order_id: &str,
) -> Result<Outcome, StepError> {
    let order = ForOrder {
        order_id,
        user_id: &envelope.user_id,
        now: app.now(),
    };
    let released = OrderRef {
        order_id: order_id.to_owned(),
    };
    for _ in 0..ATTEMPTS {
        let record = app.store.reservation(order_id).await?;
        let decision = reservation::release(record.as_ref().map(|r| r.state));
        let reply = Envelope::reply_to(
            envelope,
            MessageType::StockReleased,
            &released,
            app.clock.as_ref(),
        )?;
        let written = match (decision, &record) {
            (Release::AlreadyReleased, _) => {
                tracing::info!(orderId = %order_id, "already released; redelivery acknowledged");
                return Ok(Outcome::AlreadyHandled);
            }
            (Release::GiveBack, Some(record)) => app.store.give_back(order, record, &reply).await,
            (Release::CloseRejected, _) => app.store.close_rejected(order, &reply).await,
            (Release::Tombstone, _) => app.store.tombstone(order, &reply).await,
            // release(None) is a tombstone: a give-back always has its record.
            (Release::GiveBack, None) => {
                return Err(StepError::GiveBackWithoutRecord(order_id.to_owned()));
            }
        }?;
        if written == Written::Done {
            tracing::info!(orderId = %order_id, decision = ?decision, quantity = record.map(|r| r.quantity).unwrap_or(0), "release_stock handled");
            return Ok(Outcome::Released);
        }
    }
    Err(StepError::KeptChanging {
        command: "release_stock",
        order_id: order_id.to_owned(),
        what: "the reservation",
    })
}
