//! The consumer of the payments queue: the order saga's payment step.
//!
//! `capture_payment{orderId, amount, paymentToken}` records the order's payment as
//! `capturing`, charges through the provider with the idempotency key `charge-<orderId>`,
//! then settles it as `captured` or `declined` in one transaction with the reply
//! (`payment_captured` / `payment_declined`) in the outbox. `refund_payment{orderId}` moves a
//! `captured` payment to `refunding`, refunds with the key `refund-<orderId>`, then settles
//! it as `refunded` with `payment_refunded`. Every write is conditional on the state read
//! before it (see [`crate::lifecycle`]), so each order is charged and refunded at most
//! once and each reply queued once, however the commands are repeated or interleaved:
//!
//! - a redelivery of a settled command writes nothing and is acknowledged (the first reply
//!   is already in the outbox);
//! - a crash after the provider call and before the settling write leaves the payment
//!   `capturing` / `refunding`; the redelivery calls the provider again with the same key,
//!   which answers with the first result instead of charging or refunding again.
//!
//! A provider that is unavailable is tried [`PROVIDER_TRIES`] times in process, then the
//! message fails (SQS retries it, then parks it in the dead-letter queue). A message the
//! step cannot read, or of a type it does not handle, is logged and acknowledged: retrying
//! would never make it readable. A refund for an order with no captured payment fails:
//! the orchestrator never asks for one, so it waits in the dead-letter queue for a person.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use serde::de::DeserializeOwned;
use shared::clock::rfc3339;
use shared::events::Envelope;
use shared::saga::{
    CapturePayment, MessageType, OrderRef, PaymentCaptured, PaymentDeclined, PaymentRefunded,
};
use shared::store::StoreError;
use shared::telemetry::count;

use crate::lifecycle::{self, Capture, Refund};
use crate::model::{Payment, PaymentState};
use crate::provider::{
    ChargeOutcome, ChargeRequest, PaymentProvider, RefundOutcome, RefundRequest, Unavailable,
};
use crate::store::{Transition, Written};
use crate::{App, Error};

/// Messages of one batch handled at once: each mostly waits on the provider.
const CONCURRENCY: usize = 10;
/// Reads and decisions per message while another delivery of the same order keeps moving
/// its payment; after that the message fails and is redelivered later.
const ATTEMPTS: u32 = 4;
/// Calls of the provider per message while it is unavailable.
pub const PROVIDER_TRIES: u32 = 3;

/// The pause after the `tries`-th unavailable call: 50 ms, then 150 ms. With the HTTP
/// provider's 1.2 s per call, three tries stay within the step's 5 s timeout.
fn backoff(tries: u32) -> Duration {
    Duration::from_millis(50 * 3u64.pow(tries.saturating_sub(1).min(4)))
}

/// Where the step says it reached a fault point (`after_provider`: the provider charged or
/// refunded and nothing is written yet; `after_write`: settled). In the Lambda this is the
/// local cloud's fault injection ([`shared::fault::point`]); the tests stop the step there
/// as a crash would.
pub type Faults = Arc<dyn Fn(&str) + Send + Sync>;

/// The fault points of one Lambda invocation.
pub fn lambda_faults(ctx: lambda_runtime::Context) -> Faults {
    Arc::new(move |point| shared::fault::point(Some(&ctx), point))
}

/// No fault points.
pub fn no_faults() -> Faults {
    Arc::new(|_| {})
}

/// The provider's idempotency key for the order's charge.
pub fn charge_key(order_id: &str) -> String {
    format!("charge-{order_id}")
}

/// The provider's idempotency key for the order's refund.
pub fn refund_key(order_id: &str) -> String {
    format!("refund-{order_id}")
}

/// What handling one message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Captured,
    Declined,
    Refunded,
    /// `forget_customer`: the payment (if any) no longer names its customer.
    Forgotten,
    /// Handled before: nothing written, the first reply stands.
    AlreadyHandled,
    /// Not a command for this step, or unreadable: logged and acknowledged.
    Ignored,
}

pub async fn handle_batch(app: &Arc<App>, faults: Faults, event: SqsEvent) -> SqsBatchResponse {
    shared::sqs_batch::process(event, CONCURRENCY, |message| {
        let (app, faults) = (app.clone(), faults.clone());
        async move { handle_message(&app, &faults, &message).await.map(|_| ()) }
    })
    .await
}

/// One message: `Err` for what a later delivery may get past, or what a person must see.
pub async fn handle_message(
    app: &App,
    faults: &Faults,
    message: &SqsMessage,
) -> Result<Outcome, Error> {
    match shared::sqs_batch::envelope::<MessageType>(message) {
        Ok(envelope) => step(app, faults, &envelope).await,
        Err(why) => Ok(ignored(
            message.message_id.as_deref().unwrap_or(""),
            "",
            &why.why,
        )),
    }
}

/// One command, by its type.
pub async fn step(
    app: &App,
    faults: &Faults,
    envelope: &Envelope<MessageType>,
) -> Result<Outcome, Error> {
    let kind = envelope.event_type.as_str();
    match envelope.event_type {
        MessageType::CapturePayment => match command::<CapturePayment>(envelope, |c| &c.order_id) {
            Ok(cmd) => capture_payment(app, faults, envelope, &cmd).await,
            Err(why) => Ok(ignored(&envelope.id, kind, &why)),
        },
        MessageType::RefundPayment => match command::<OrderRef>(envelope, |c| &c.order_id) {
            Ok(cmd) => refund_payment(app, faults, envelope, &cmd.order_id).await,
            Err(why) => Ok(ignored(&envelope.id, kind, &why)),
        },
        MessageType::ForgetCustomer => match command::<OrderRef>(envelope, |c| &c.order_id) {
            Ok(cmd) => {
                let forgotten = app.store.forget_customer(&cmd.order_id).await?;
                tracing::info!(orderId = %cmd.order_id, forgotten, "the payment forgets its customer");
                Ok(Outcome::Forgotten)
            }
            Err(why) => Ok(ignored(&envelope.id, kind, &why)),
        },
        _ => Ok(ignored(
            &envelope.id,
            kind,
            "not a command for the payment step",
        )),
    }
}

/// The command's data, with an order id we issue.
fn command<T: DeserializeOwned>(
    envelope: &Envelope<MessageType>,
    order_id: fn(&T) -> &str,
) -> Result<T, String> {
    // serde's message names the field, never echoes its value: the token stays out of logs.
    let cmd: T = serde_json::from_value(envelope.data.clone())
        .map_err(|e| format!("unexpected data: {e}"))?;
    if !shared::is_id(order_id(&cmd)) {
        return Err("the orderId is not an id".to_owned());
    }
    Ok(cmd)
}

fn ignored(message: &str, message_type: &str, why: &str) -> Outcome {
    shared::saga::ignored(message, message_type, why, "PaymentStepMessagesIgnored");
    Outcome::Ignored
}

/// Calls the provider until it answers, at most [`PROVIDER_TRIES`] times.
async fn with_tries<T, Fut>(
    order_id: &str,
    call_name: &'static str,
    mut call: impl FnMut() -> Fut,
) -> Result<T, Error>
where
    Fut: Future<Output = Result<T, Unavailable>>,
{
    let mut tries = 0;
    loop {
        match call().await {
            Ok(answer) => return Ok(answer),
            Err(Unavailable(why)) => {
                tries += 1;
                count("PaymentProviderUnavailable");
                if tries >= PROVIDER_TRIES {
                    return Err(Error::ProviderUnavailable(why));
                }
                tracing::warn!(orderId = %order_id, call = call_name, tries, why, "the payment provider is unavailable; trying again");
                tokio::time::sleep(backoff(tries)).await;
            }
        }
    }
}

async fn capture_payment(
    app: &App,
    faults: &Faults,
    envelope: &Envelope<MessageType>,
    cmd: &CapturePayment,
) -> Result<Outcome, Error> {
    let order_id = cmd.order_id.as_str();
    let key = charge_key(order_id);
    for _ in 0..ATTEMPTS {
        let now = rfc3339(app.clock.now());
        let stored = app.store.payment(order_id).await?;
        let payment = match (lifecycle::capture(stored.as_ref().map(|p| p.state)), stored) {
            (Capture::AlreadySettled(state), _) => {
                tracing::info!(orderId = %order_id, state = state.as_str(), "payment already settled; redelivery acknowledged");
                return Ok(Outcome::AlreadyHandled);
            }
            (Capture::Charge, Some(payment)) => payment,
            (Capture::Start, _) => {
                let payment = Payment {
                    order_id: order_id.to_owned(),
                    user_id: envelope.user_id.clone(),
                    state: PaymentState::Capturing,
                    amount: cmd.amount.clone(),
                    charge_id: None,
                    decline_code: None,
                    refund_id: None,
                    created_at: now.clone(),
                    updated_at: now.clone(),
                };
                if app.store.start_capture(&payment).await? == Written::Stale {
                    continue;
                }
                payment
            }
            (Capture::Charge, None) => {
                return Err(StoreError::Corrupt(format!(
                    "order {order_id}: charging a payment that is not stored"
                ))
                .into());
            }
        };
        if payment.amount != cmd.amount {
            tracing::warn!(orderId = %order_id, "capture_payment repeated with another amount; the first one is charged");
        }
        let request = ChargeRequest {
            idempotency_key: &key,
            order_id,
            amount: &payment.amount,
            token: &cmd.payment_token,
        };
        let outcome = with_tries(order_id, "charge", || app.provider.charge(request)).await?;
        faults("after_provider");

        let (set, reply) = match &outcome {
            ChargeOutcome::Captured { charge_id } => (
                ("chargeId", charge_id.as_str()),
                Envelope::reply_to(
                    envelope,
                    MessageType::PaymentCaptured,
                    &PaymentCaptured {
                        order_id: order_id.to_owned(),
                        payment_id: charge_id.clone(),
                        amount: payment.amount.clone(),
                    },
                    app.clock.as_ref(),
                )?,
            ),
            ChargeOutcome::Declined { decline_code } => (
                ("declineCode", decline_code.as_str()),
                Envelope::reply_to(
                    envelope,
                    MessageType::PaymentDeclined,
                    &PaymentDeclined {
                        order_id: order_id.to_owned(),
                        decline_code: decline_code.clone(),
                    },
                    app.clock.as_ref(),
                )?,
            ),
        };
        let to = lifecycle::settled_by(&outcome);
        let change = Transition {
            order_id,
            from: PaymentState::Capturing,
            to,
            now: &now,
            set: &[set],
        };
        if app.store.settle(change, &reply, app.clock.now()).await? == Written::Stale {
            continue;
        }
        faults("after_write");
        // DEBUG: the orchestrator's "saga moved" line names the reply (payment_captured or
        // payment_declined) with the order and the flow.
        tracing::debug!(orderId = %order_id, state = to.as_str(), provider = app.provider.name(), "capture_payment handled");
        return Ok(match outcome {
            ChargeOutcome::Captured { .. } => {
                count("PaymentsCaptured");
                Outcome::Captured
            }
            ChargeOutcome::Declined { .. } => {
                count("PaymentsDeclined");
                Outcome::Declined
            }
        });
    }
    Err(Error::Contention(order_id.to_owned()))
}

async fn refund_payment(
    app: &App,
    faults: &Faults,
    envelope: &Envelope<MessageType>,
    order_id: &str,
) -> Result<Outcome, Error> {
    let key = refund_key(order_id);
    for _ in 0..ATTEMPTS {
        let now = rfc3339(app.clock.now());
        let stored = app.store.payment(order_id).await?;
        let payment = match (lifecycle::refund(stored.as_ref().map(|p| p.state)), stored) {
            (Refund::AlreadyRefunded, _) => {
                tracing::info!(orderId = %order_id, "payment already refunded; redelivery acknowledged");
                return Ok(Outcome::AlreadyHandled);
            }
            (Refund::NothingToRefund(state), _) => {
                let state = state.map_or("no payment", PaymentState::as_str);
                tracing::error!(orderId = %order_id, state, "refund_payment for a payment that was never captured");
                count("PaymentRefundsWithoutCapture");
                return Err(Error::NothingToRefund {
                    order_id: order_id.to_owned(),
                    state,
                });
            }
            (Refund::Start, Some(payment)) => {
                let change = Transition {
                    order_id,
                    from: PaymentState::Captured,
                    to: PaymentState::Refunding,
                    now: &now,
                    set: &[],
                };
                if app.store.transition(change).await? == Written::Stale {
                    continue;
                }
                payment
            }
            (Refund::Refund, Some(payment)) => payment,
            (Refund::Start | Refund::Refund, None) => {
                return Err(StoreError::Corrupt(format!(
                    "order {order_id}: refunding a payment that is not stored"
                ))
                .into());
            }
        };
        let charge_id = payment.charge_id.as_deref().ok_or_else(|| {
            Error::Store(StoreError::Corrupt(format!(
                "order {order_id}: a captured payment without a chargeId"
            )))
        })?;
        let request = RefundRequest {
            idempotency_key: &key,
            order_id,
            charge_id,
            amount: &payment.amount,
        };
        let refund_id =
            match with_tries(order_id, "refund", || app.provider.refund(request)).await? {
                RefundOutcome::Refunded { refund_id } => refund_id,
                RefundOutcome::Refused { code } => {
                    tracing::error!(orderId = %order_id, code, "the provider refused the refund");
                    count("PaymentRefundsRefused");
                    return Err(Error::RefundRefused {
                        order_id: order_id.to_owned(),
                        code,
                    });
                }
            };
        faults("after_provider");

        let reply = Envelope::reply_to(
            envelope,
            MessageType::PaymentRefunded,
            &PaymentRefunded {
                order_id: order_id.to_owned(),
                refund_id: refund_id.clone(),
                amount: payment.amount.clone(),
            },
            app.clock.as_ref(),
        )?;
        let change = Transition {
            order_id,
            from: PaymentState::Refunding,
            to: PaymentState::Refunded,
            now: &now,
            set: &[("refundId", refund_id.as_str())],
        };
        if app.store.settle(change, &reply, app.clock.now()).await? == Written::Stale {
            continue;
        }
        faults("after_write");
        tracing::info!(orderId = %order_id, provider = app.provider.name(), "refund_payment handled");
        count("PaymentsRefunded");
        return Ok(Outcome::Refunded);
    }
    Err(Error::Contention(order_id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn an_unavailable_provider_is_tried_three_times_then_the_message_fails() {
        let calls = AtomicU32::new(0);
        let result: Result<(), Error> = with_tries("o1", "charge", || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err(Unavailable("503".into())) }
        })
        .await;
        assert!(matches!(result, Err(Error::ProviderUnavailable(_))));
        assert_eq!(calls.load(Ordering::SeqCst), PROVIDER_TRIES);
    }

    #[tokio::test]
    async fn an_answer_after_a_failure_is_taken() {
        let calls = AtomicU32::new(0);
        let result = with_tries("o1", "charge", || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    Err(Unavailable("timeout".into()))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.ok(), Some(1));
    }

    #[test]
    fn idempotency_keys_are_made_from_the_order() {
        assert_eq!(charge_key("01J"), "charge-01J");
        assert_eq!(refund_key("01J"), "refund-01J");
    }
}
