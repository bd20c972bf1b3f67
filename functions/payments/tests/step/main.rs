//! The payment step through its real handler, in process, against the DynamoDB emulator
//! with the template's table: SQS batches made from `events/PaymentsPaymentStepFunction.json`, the
//! sandbox provider's ledger counted in the table, crashes simulated at the step's fault
//! points. The HTTP provider is driven against a local stand-in of the payment company.

mod provider;

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use payments::http_provider::HttpProvider;
use payments::model::{Payment, PaymentState};
use payments::provider::{
    ChargeOutcome, ChargeRequest, PaymentProvider, RefundOutcome, RefundRequest, Unavailable,
};
use payments::sandbox::SandboxProvider;
use payments::step::{self, Faults, Outcome};
use payments::{App, Provider, Store};
use provider::Answer;
use serde_json::{Value, json};
use shared::clock::Clock;
use shared::events::Envelope;
use shared::money::Money;
use shared::saga::MessageType;

const CUSTOMER: &str = "01JDQ2W0X1Y2Z3A4B5C6D7E8F9";

/// The payment step on the emulator.
type Harness = testkit::Harness<App>;

/// The step with the sandbox provider, or with `provider` when given.
async fn harness_with(provider: Option<Provider>) -> Harness {
    Harness::build("PaymentsTable", |db, _, clock| {
        let clock: Arc<dyn Clock> = clock;
        let provider = provider.unwrap_or_else(|| {
            Provider::Sandbox(SandboxProvider::new(
                db.client.clone(),
                &db.table,
                clock.clone(),
            ))
        });
        App {
            store: Store::new(db.client.clone(), db.table.clone()),
            provider,
            clock,
        }
    })
    .await
}

fn krw(amount: i64) -> Money {
    Money::new(amount, "KRW").unwrap_or_else(|e| panic!("{e}"))
}

/// An SQS batch of the sample event, one message per body.
fn batch(bodies: &[Value]) -> SqsEvent {
    let sample: SqsEvent = testkit::sample_as("PaymentsPaymentStepFunction");
    let template = sample
        .records
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("the sample event has no record"));
    let mut event = SqsEvent::default();
    for (i, body) in bodies.iter().enumerate() {
        let mut message = template.clone();
        message.message_id = Some(format!("m{i}"));
        message.body = Some(body.to_string());
        event.records.push(message);
    }
    event
}

/// A fresh envelope (its own id, as each send of the orchestrator's outbox has).
fn command(kind: &str, data: Value) -> Value {
    json!({
        "id": shared::new_id(),
        "type": kind,
        "occurredAt": "2026-11-24T12:00:00Z",
        "userId": CUSTOMER,
        "data": data,
    })
}

fn capture(order_id: &str, token: &str) -> Value {
    command(
        "capture_payment",
        json!({"orderId": order_id, "amount": {"amount": 19000, "currency": "KRW"}, "paymentToken": token}),
    )
}

fn refund(order_id: &str) -> Value {
    command("refund_payment", json!({"orderId": order_id}))
}

/// A fault hook that stops the step at `point` the way a crash would: nothing after it
/// runs and the message is not acknowledged.
fn crash_at(point: &'static str) -> Faults {
    Arc::new(move |reached| {
        if reached == point {
            panic!("simulated crash at {reached}");
        }
    })
}

/// What the tests do through the payment step and read from its table.
trait Step {
    async fn deliver_with(&self, bodies: &[Value], faults: Faults) -> SqsBatchResponse;
    /// Delivers `bodies` as one batch; returns how many messages failed.
    async fn deliver(&self, bodies: &[Value]) -> usize;
    async fn one(&self, body: Value) -> Result<Outcome, payments::Error>;
    async fn payment(&self, order_id: &str) -> Payment;
    /// The sandbox's recorded charges or refunds (`kind`), as tests are told to count them.
    async fn sandbox(&self, kind: &str) -> Vec<shared::dynamo::Item>;
    /// The replies queued for the orchestrator.
    async fn replies(&self) -> Vec<Envelope<MessageType>>;
}

impl Step for Harness {
    async fn deliver_with(&self, bodies: &[Value], faults: Faults) -> SqsBatchResponse {
        step::handle_batch(&self.app, faults, batch(bodies)).await
    }

    async fn deliver(&self, bodies: &[Value]) -> usize {
        self.deliver_with(bodies, step::no_faults())
            .await
            .batch_item_failures
            .len()
    }

    async fn one(&self, body: Value) -> Result<Outcome, payments::Error> {
        let event = batch(&[body]);
        let message = event.records.first().cloned().unwrap_or_default();
        step::handle_message(&self.app, &step::no_faults(), &message).await
    }

    async fn payment(&self, order_id: &str) -> Payment {
        self.app
            .store
            .payment(order_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no payment for {order_id}"))
    }

    async fn sandbox(&self, kind: &str) -> Vec<shared::dynamo::Item> {
        self.db
            .scan(
                "sk = :sk AND kind = :kind",
                &[(":sk", "SANDBOX"), (":kind", kind)],
            )
            .await
    }

    async fn replies(&self) -> Vec<Envelope<MessageType>> {
        let items = self.db.outbox().await;
        items
            .iter()
            .map(|item| {
                assert_eq!(
                    item.get("sk")
                        .and_then(|v| v.as_s().ok())
                        .map(String::as_str),
                    Some("orders")
                );
                let body = shared::dynamo::get_str(item, "body").unwrap_or_else(|e| panic!("{e}"));
                serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}"))
            })
            .collect()
    }
}

#[tokio::test]
async fn the_sample_capture_is_charged_and_answered() {
    let h = harness_with(None).await;
    let event: SqsEvent = testkit::sample_as("PaymentsPaymentStepFunction");
    let sample = step::handle_batch(&h.app, step::no_faults(), event).await;
    assert!(sample.batch_item_failures.is_empty());
    let payment = h.payment("01JDQ4B0C1D2E3F4G5H6J7K8M9").await;
    assert_eq!(payment.state, PaymentState::Captured);
    assert_eq!(payment.user_id, CUSTOMER);
    assert_eq!(h.sandbox("charge").await.len(), 1);
}

#[tokio::test]
async fn capture_twice_charges_once_and_replies_once() {
    let h = harness_with(None).await;
    let order = shared::new_id();
    assert_eq!(
        h.one(capture(&order, "tok_ok")).await.ok(),
        Some(Outcome::Captured)
    );
    assert_eq!(
        h.one(capture(&order, "tok_ok")).await.ok(),
        Some(Outcome::AlreadyHandled)
    );

    let charges = h.sandbox("charge").await;
    assert_eq!(charges.len(), 1);
    let charge = &charges[0];
    assert_eq!(
        charge.get("pk").and_then(|v| v.as_s().ok()),
        Some(&format!("SANDBOX#charge-{order}"))
    );
    assert_eq!(
        charge.get("orderId").and_then(|v| v.as_s().ok()),
        Some(&order)
    );
    assert_eq!(
        charge
            .get("amount")
            .and_then(|v| v.as_n().ok())
            .map(String::as_str),
        Some("19000")
    );
    assert_eq!(
        charge
            .get("currency")
            .and_then(|v| v.as_s().ok())
            .map(String::as_str),
        Some("KRW")
    );
    assert!(charge.contains_key("createdAt"));

    let payment = h.payment(&order).await;
    assert_eq!(payment.state, PaymentState::Captured);
    let replies = h.replies().await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].event_type, MessageType::PaymentCaptured);
    assert_eq!(replies[0].user_id, CUSTOMER);
    assert_eq!(
        replies[0].data,
        json!({"orderId": order, "paymentId": payment.charge_id, "amount": {"amount": 19000, "currency": "KRW"}})
    );
}

#[tokio::test]
async fn concurrent_captures_of_one_order_charge_once() {
    let h = harness_with(None).await;
    let order = shared::new_id();
    let copies: Vec<Value> = (0..4).map(|_| capture(&order, "tok_ok")).collect();
    assert_eq!(h.deliver(&copies).await, 0);
    assert_eq!(h.sandbox("charge").await.len(), 1);
    assert_eq!(h.replies().await.len(), 1);
    assert_eq!(h.payment(&order).await.state, PaymentState::Captured);
}

#[tokio::test]
async fn a_crash_between_the_provider_and_the_write_then_redelivery_charges_once() {
    let h = harness_with(None).await;
    let order = shared::new_id();
    let message = capture(&order, "tok_ok");
    let crashed = h
        .deliver_with(std::slice::from_ref(&message), crash_at("after_provider"))
        .await;
    assert_eq!(crashed.batch_item_failures.len(), 1);
    // Charged, nothing settled or answered yet.
    assert_eq!(h.sandbox("charge").await.len(), 1);
    assert_eq!(h.payment(&order).await.state, PaymentState::Capturing);
    assert!(h.replies().await.is_empty());

    assert_eq!(h.deliver(&[message]).await, 0);
    assert_eq!(h.sandbox("charge").await.len(), 1);
    let payment = h.payment(&order).await;
    assert_eq!(payment.state, PaymentState::Captured);
    let replies = h.replies().await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].data["paymentId"], json!(payment.charge_id));
}

#[tokio::test]
async fn a_crash_after_the_write_then_redelivery_replies_once() {
    let h = harness_with(None).await;
    let order = shared::new_id();
    let message = capture(&order, "tok_ok");
    let crashed = h
        .deliver_with(std::slice::from_ref(&message), crash_at("after_write"))
        .await;
    assert_eq!(crashed.batch_item_failures.len(), 1);
    assert_eq!(h.payment(&order).await.state, PaymentState::Captured);
    assert_eq!(h.replies().await.len(), 1);

    assert_eq!(h.deliver(&[message]).await, 0);
    assert_eq!(h.sandbox("charge").await.len(), 1);
    assert_eq!(h.replies().await.len(), 1);
}

#[tokio::test]
async fn tok_error_is_captured_after_an_in_process_retry() {
    let h = harness_with(None).await;
    let order = shared::new_id();
    assert_eq!(
        h.one(capture(&order, "tok_error")).await.ok(),
        Some(Outcome::Captured)
    );
    assert_eq!(h.sandbox("charge").await.len(), 1);
    let transient = h.db.scan("sk = :sk", &[(":sk", "TRANSIENT")]).await;
    assert_eq!(transient.len(), 1);
    assert_eq!(
        transient[0].get("pk").and_then(|v| v.as_s().ok()),
        Some(&format!("SANDBOX#charge-{order}"))
    );
    assert_eq!(h.payment(&order).await.state, PaymentState::Captured);
    let replies = h.replies().await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].event_type, MessageType::PaymentCaptured);
}

#[tokio::test]
async fn declined_tokens_are_declined_without_a_charge() {
    let h = harness_with(None).await;
    for (token, code) in [
        ("tok_declined", "card_declined"),
        ("tok_stolen", "invalid_token"),
    ] {
        let order = shared::new_id();
        assert_eq!(
            h.one(capture(&order, token)).await.ok(),
            Some(Outcome::Declined)
        );
        // A redelivery answers nothing new.
        assert_eq!(
            h.one(capture(&order, token)).await.ok(),
            Some(Outcome::AlreadyHandled)
        );
        let payment = h.payment(&order).await;
        assert_eq!(payment.state, PaymentState::Declined);
        assert_eq!(payment.decline_code.as_deref(), Some(code));
        let replies: Vec<_> = h
            .replies()
            .await
            .into_iter()
            .filter(|r| r.data["orderId"] == json!(order))
            .collect();
        assert_eq!(replies.len(), 1, "{token}");
        assert_eq!(replies[0].event_type, MessageType::PaymentDeclined);
        assert_eq!(
            replies[0].data,
            json!({"orderId": order, "declineCode": code})
        );
    }
    assert!(h.sandbox("charge").await.is_empty());
}

#[tokio::test]
async fn refund_twice_refunds_once() {
    let h = harness_with(None).await;
    let order = shared::new_id();
    assert_eq!(h.deliver(&[capture(&order, "tok_ok")]).await, 0);
    assert_eq!(h.one(refund(&order)).await.ok(), Some(Outcome::Refunded));
    assert_eq!(
        h.one(refund(&order)).await.ok(),
        Some(Outcome::AlreadyHandled)
    );

    let refunds = h.sandbox("refund").await;
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        refunds[0].get("pk").and_then(|v| v.as_s().ok()),
        Some(&format!("SANDBOX#refund-{order}"))
    );
    assert_eq!(h.sandbox("charge").await.len(), 1);
    let payment = h.payment(&order).await;
    assert_eq!(payment.state, PaymentState::Refunded);
    let refunded: Vec<_> = h
        .replies()
        .await
        .into_iter()
        .filter(|r| r.event_type == MessageType::PaymentRefunded)
        .collect();
    assert_eq!(refunded.len(), 1);
    assert_eq!(
        refunded[0].data,
        json!({"orderId": order, "refundId": payment.refund_id, "amount": {"amount": 19000, "currency": "KRW"}})
    );
}

#[tokio::test]
async fn a_crash_after_the_refund_then_redelivery_refunds_once() {
    let h = harness_with(None).await;
    let order = shared::new_id();
    assert_eq!(h.deliver(&[capture(&order, "tok_ok")]).await, 0);
    let message = refund(&order);
    let crashed = h
        .deliver_with(std::slice::from_ref(&message), crash_at("after_provider"))
        .await;
    assert_eq!(crashed.batch_item_failures.len(), 1);
    assert_eq!(h.payment(&order).await.state, PaymentState::Refunding);
    assert_eq!(h.sandbox("refund").await.len(), 1);

    assert_eq!(h.deliver(&[message]).await, 0);
    assert_eq!(h.payment(&order).await.state, PaymentState::Refunded);
    assert_eq!(h.sandbox("refund").await.len(), 1);
    let kinds: Vec<MessageType> = h.replies().await.iter().map(|r| r.event_type).collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(kinds.contains(&MessageType::PaymentCaptured));
    assert!(kinds.contains(&MessageType::PaymentRefunded));
}

#[tokio::test]
async fn a_refund_without_a_captured_payment_fails_the_message() {
    let h = harness_with(None).await;
    let unknown = shared::new_id();
    let declined = shared::new_id();
    assert_eq!(h.deliver(&[capture(&declined, "tok_declined")]).await, 0);
    let before = h.replies().await.len();

    assert!(matches!(
        h.one(refund(&unknown)).await,
        Err(payments::Error::NothingToRefund { .. })
    ));
    assert_eq!(h.deliver(&[refund(&unknown), refund(&declined)]).await, 2);
    assert!(h.sandbox("refund").await.is_empty());
    assert_eq!(h.replies().await.len(), before);
    assert_eq!(h.payment(&declined).await.state, PaymentState::Declined);
}

#[tokio::test]
async fn unreadable_and_foreign_messages_are_acknowledged_and_change_nothing() {
    let h = harness_with(None).await;
    let order = shared::new_id();
    let bodies = [
        json!("not an envelope"),
        command("stock_reserved", json!({"orderId": order})),
        command(
            "capture_payment",
            json!({"orderId": "../etc", "amount": {"amount": 1, "currency": "KRW"}, "paymentToken": "tok_ok"}),
        ),
        command(
            "capture_payment",
            json!({"orderId": order, "amount": {"amount": 1.5, "currency": "KRW"}, "paymentToken": "tok_ok"}),
        ),
        command("refund_payment", json!({})),
    ];
    for body in &bodies {
        assert_eq!(
            h.one(body.clone()).await.ok(),
            Some(Outcome::Ignored),
            "{body}"
        );
    }
    assert_eq!(h.deliver(&bodies).await, 0);
    assert!(h.db.scan("attribute_exists(pk)", &[]).await.is_empty());
}

// ---------------------------------------------------------------- the HTTP provider

const API_KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

fn http_provider(url: &str) -> HttpProvider {
    HttpProvider::new(url, API_KEY).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn the_http_provider_sends_the_key_and_the_idempotency_key() {
    let api = provider::Provider::start(|call| match call.path.as_str() {
        "/v1/charges" => Answer::new(201, json!({"id": "ch_3Mtw", "status": "succeeded"})),
        _ => Answer::new(200, json!({"id": "re_1Nis", "status": "succeeded"})),
    });
    let http = http_provider(api.url());
    let amount = krw(19000);
    let charged = http
        .charge(ChargeRequest {
            idempotency_key: "charge-01JORDER",
            order_id: "01JORDER",
            amount: &amount,
            token: "tok_visa",
        })
        .await;
    assert_eq!(
        charged,
        Ok(ChargeOutcome::Captured {
            charge_id: "ch_3Mtw".into()
        })
    );
    let refunded = http
        .refund(RefundRequest {
            idempotency_key: "refund-01JORDER",
            order_id: "01JORDER",
            charge_id: "ch_3Mtw",
            amount: &amount,
        })
        .await;
    assert_eq!(
        refunded,
        Ok(RefundOutcome::Refunded {
            refund_id: "re_1Nis".into()
        })
    );

    let calls = api.calls();
    assert_eq!(calls.len(), 2);
    let (charge, refund) = (&calls[0], &calls[1]);
    assert_eq!(
        (charge.method.as_str(), charge.path.as_str()),
        ("POST", "/v1/charges")
    );
    assert_eq!(charge.header("authorization"), format!("Bearer {API_KEY}"));
    assert_eq!(charge.header("idempotency-key"), "charge-01JORDER");
    assert_eq!(charge.header("content-type"), "application/json");
    assert_eq!(
        charge.body,
        json!({"amount": 19000, "currency": "KRW", "source": "tok_visa", "orderId": "01JORDER"})
    );
    assert_eq!(refund.path, "/v1/refunds");
    assert_eq!(refund.header("authorization"), format!("Bearer {API_KEY}"));
    assert_eq!(refund.header("idempotency-key"), "refund-01JORDER");
    assert_eq!(
        refund.body,
        json!({"charge": "ch_3Mtw", "amount": 19000, "currency": "KRW", "orderId": "01JORDER"})
    );
}

#[tokio::test]
async fn the_http_provider_maps_5xx_to_unavailable_and_4xx_to_declined() {
    // The order id in the key chooses the answer.
    let api = provider::Provider::start(|call| {
        let key = call.header("idempotency-key");
        match key.rsplit('-').next().unwrap_or_default() {
            "down" => Answer::new(503, json!({"error": {"message": "try later"}})),
            "busy" => Answer::new(429, json!({})),
            "insufficient" => Answer::new(
                402,
                json!({"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"}}),
            ),
            "bad" => Answer::new(400, json!({"error": {"code": "INVALID_REQUEST"}})),
            "mute" => Answer::new(402, Value::Null),
            "noid" => Answer::new(200, json!({"status": "succeeded"})),
            "gone" => Answer::new(404, json!({"error": {"code": "resource_missing"}})),
            "slow" => Answer {
                status: 200,
                body: json!({"id": "ch_late"}),
                delay: Duration::from_secs(3),
            },
            _ => Answer::new(200, json!({"id": "ch_ok"})),
        }
    });
    let http = http_provider(api.url());
    let amount = krw(1000);
    let charge = |key: &'static str| {
        let http = http.clone();
        let amount = amount.clone();
        async move {
            http.charge(ChargeRequest {
                idempotency_key: key,
                order_id: "o",
                amount: &amount,
                token: "tok",
            })
            .await
        }
    };
    assert!(matches!(charge("charge-down").await, Err(Unavailable(why)) if why.contains("503")));
    assert!(matches!(charge("charge-busy").await, Err(Unavailable(why)) if why.contains("429")));
    assert!(matches!(charge("charge-slow").await, Err(Unavailable(_))));
    assert!(matches!(charge("charge-noid").await, Err(Unavailable(_))));
    let declined = |code: &str| {
        Ok(ChargeOutcome::Declined {
            decline_code: code.to_owned(),
        })
    };
    assert_eq!(
        charge("charge-insufficient").await,
        declined("insufficient_funds")
    );
    assert_eq!(charge("charge-bad").await, declined("invalid_request"));
    assert_eq!(charge("charge-mute").await, declined("card_declined"));
    let refused = http
        .refund(RefundRequest {
            idempotency_key: "refund-gone",
            order_id: "o",
            charge_id: "ch_x",
            amount: &amount,
        })
        .await;
    assert_eq!(
        refused,
        Ok(RefundOutcome::Refused {
            code: "resource_missing".into()
        })
    );
    // Nothing the provider can say puts the key into an outcome.
    assert!(!format!("{refused:?}").contains(API_KEY));
}

#[tokio::test]
async fn the_step_retries_an_unavailable_http_provider_with_the_same_key() {
    // Down for the first two calls of each key, then up.
    let api = provider::Provider::start(|call| {
        if call.attempt <= 2 {
            Answer::new(502, json!({}))
        } else {
            Answer::new(200, json!({"id": format!("ch_{}", call.attempt)}))
        }
    });
    let h = harness_with(Some(Provider::Http(Box::new(http_provider(api.url()))))).await;
    let order = shared::new_id();
    assert_eq!(
        h.one(capture(&order, "tok_visa")).await.ok(),
        Some(Outcome::Captured)
    );
    let calls = api.calls();
    assert_eq!(calls.len(), 3);
    assert!(
        calls
            .iter()
            .all(|c| c.header("idempotency-key") == format!("charge-{order}"))
    );
    let payment = h.payment(&order).await;
    assert_eq!(payment.charge_id.as_deref(), Some("ch_3"));
    let replies = h.replies().await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].data["paymentId"], json!("ch_3"));
}

#[tokio::test]
async fn a_provider_down_through_every_try_fails_the_message_and_leaves_it_capturing() {
    let api = provider::Provider::start(|_| Answer::new(500, json!({})));
    let h = harness_with(Some(Provider::Http(Box::new(http_provider(api.url()))))).await;
    let order = shared::new_id();
    assert_eq!(h.deliver(&[capture(&order, "tok_visa")]).await, 1);
    assert_eq!(api.calls().len(), step::PROVIDER_TRIES as usize);
    assert_eq!(h.payment(&order).await.state, PaymentState::Capturing);
    assert!(h.replies().await.is_empty());
}
