//! A crash at every step boundary of the saga, forward and compensating: the local cloud
//! aborts the function's process at the fault point once; SQS hands the message out again
//! after the (lowered) visibility timeout, or the stream batch is retried. Every order
//! still reaches its end, stock is never oversold nor lost, and nobody is charged twice.

use std::time::Duration;

use e2e::{Session, TestCloud};
use serde_json::Value;

use crate::{
    PRICE, assert_books, assert_outcome, cancel, cancelled, cloud, create_product, fault_fired,
    get_order, id_of, key, list_orders, order_body, order_events, place_and_settle, place_raw,
    settled, student,
};

const STOCK: i64 = 10;

#[track_caller]
fn assert_fired(t: &TestCloud, function: &str, point: &str) {
    assert!(
        fault_fired(t, function),
        "the fault {function}/{point} never fired: the scenario did not reach that point\n{}",
        t.log_tail(40)
    );
}

/// Places the first order of the test, through a crash if the fault is in CreateOrder:
/// the client saw a 502, retries with the same Idempotency-Key and gets the order that was
/// committed before the crash.
async fn place_first(t: &TestCloud, who: &Session, product: &str, crash_on_create: bool) -> String {
    let k = key();
    let body = order_body(product, 2, "tok_ok");
    let r = place_raw(t, who, Some(&k), &body).await;
    if crash_on_create {
        assert_eq!(r.status, 502, "the create should have crashed: {}", r.text);
        let retried = place_raw(t, who, Some(&k), &body).await;
        assert_eq!(retried.status, 202, "{}", retried.text);
        assert_eq!(retried.body["status"], "pending", "{}", retried.text);
        return retried.body["orderId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    }
    assert_eq!(r.status, 202, "{}", r.text);
    r.body["orderId"].as_str().unwrap_or_default().to_owned()
}

/// The fault fires once, in the first invocation of `function` (the first order's step),
/// then more orders of every outcome follow through the same cloud.
async fn crash_while_ordering(function: &str, point: &str) {
    let (t, admin) = cloud().await;
    let pid = id_of(&create_product(&t, &admin, "Premium program", PRICE, STOCK).await);
    let kim = student(&t, "kim").await;

    t.cloud.inject_fault(function, point, 1);
    let first = place_first(&t, &kim, &pid, function == "OrdersCreateOrderFunction").await;
    let first = settled(&t, &kim, &first).await;
    assert_outcome(&first, "confirmed", None);
    assert_fired(&t, function, point);

    let (declined, flaky) = futures::join!(
        place_and_settle(&t, &kim, &pid, 1, "tok_declined"),
        place_and_settle(&t, &kim, &pid, 3, "tok_error"),
    );
    assert_outcome(&declined, "cancelled", Some("payment_declined"));
    assert_outcome(&flaky, "confirmed", None);

    let orders = [first, declined, flaky];
    // One order each, whatever was retried.
    assert_eq!(list_orders(&t, &kim, 100).await.len(), orders.len());
    assert_books(&t, &kim, &orders, &[(&pid, STOCK)]).await;
}

/// Two confirmed orders; the fault fires once in the first invocation of `function` after
/// the customer cancels one of them (its refund or its release).
async fn crash_while_cancelling(function: &str, point: &str) {
    let (t, admin) = cloud().await;
    let pid = id_of(&create_product(&t, &admin, "Premium program", PRICE, STOCK).await);
    let kim = student(&t, "kim").await;
    let (kept, doomed) = futures::join!(
        place_and_settle(&t, &kim, &pid, 1, "tok_ok"),
        place_and_settle(&t, &kim, &pid, 2, "tok_ok"),
    );
    assert_outcome(&kept, "confirmed", None);
    assert_outcome(&doomed, "confirmed", None);
    // Both order_confirmed events are published: no invocation of the forward path is
    // left that could take the fault meant for the compensation.
    let confirmed = order_events(&t, 2, Duration::from_secs(30)).await;
    assert_eq!(confirmed.len(), 2, "{confirmed:#?}");
    tokio::time::sleep(Duration::from_millis(300)).await;

    t.cloud.inject_fault(function, point, 1);
    let id = id_of(&doomed);
    let r = cancel(&t, &kim, &id).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let done = cancelled(&t, &kim, &id).await;
    assert_outcome(&done, "cancelled", Some("cancelled_by_customer"));
    assert_fired(&t, function, point);

    cancel(&t, &kim, &id)
        .await
        .problem(409, "order_not_cancellable");
    let kept_now: Value = get_order(&t, &kim, &id_of(&kept)).await.body;
    assert_eq!(kept_now, kept, "the other order changed");
    assert_books(&t, &kim, &[kept, done], &[(&pid, STOCK)]).await;
    // The customer is told once per distinct event; a relay retry may repeat a message,
    // never with another id.
    let events = order_events(&t, 1, Duration::from_secs(30)).await;
    assert!(
        !events.is_empty()
            && events
                .iter()
                .all(|e| e["type"] == "order_cancelled" && e["id"] == events[0]["id"]),
        "{events:#?}"
    );
}

// ---------------------------------------------------------------- placing an order

#[tokio::test]
async fn create_order_crashing_after_its_commit_keeps_the_order_and_the_key_replays_it() {
    crash_while_ordering("OrdersCreateOrderFunction", "after_commit").await;
}

#[tokio::test]
async fn the_orchestrator_crashing_after_its_write_resumes_without_doing_a_step_twice() {
    crash_while_ordering("OrdersSagaOrchestratorFunction", "after_write").await;
}

#[tokio::test]
async fn the_stock_step_crashing_after_its_write_never_reserves_twice() {
    crash_while_ordering("InventoryStockStepFunction", "after_write").await;
}

#[tokio::test]
async fn the_payment_step_crashing_after_the_provider_charged_never_charges_twice() {
    crash_while_ordering("PaymentsPaymentStepFunction", "after_provider").await;
}

#[tokio::test]
async fn the_payment_step_crashing_after_its_write_never_charges_twice() {
    crash_while_ordering("PaymentsPaymentStepFunction", "after_write").await;
}

#[tokio::test]
async fn the_orders_relay_crashing_after_publishing_sends_duplicates_that_change_nothing() {
    crash_while_ordering("OrdersOutboxRelayFunction", "after_publish").await;
}

#[tokio::test]
async fn the_inventory_relay_crashing_after_publishing_sends_duplicates_that_change_nothing() {
    crash_while_ordering("InventoryOutboxRelayFunction", "after_publish").await;
}

#[tokio::test]
async fn the_payments_relay_crashing_after_publishing_sends_duplicates_that_change_nothing() {
    crash_while_ordering("PaymentsOutboxRelayFunction", "after_publish").await;
}

// ---------------------------------------------------------------- a customer's cancel

#[tokio::test]
async fn a_cancel_survives_the_orchestrator_crashing_after_its_write() {
    crash_while_cancelling("OrdersSagaOrchestratorFunction", "after_write").await;
}

#[tokio::test]
async fn a_cancel_survives_the_stock_step_crashing_after_the_release() {
    crash_while_cancelling("InventoryStockStepFunction", "after_write").await;
}

#[tokio::test]
async fn a_cancel_survives_the_payment_step_crashing_after_the_provider_refunded() {
    crash_while_cancelling("PaymentsPaymentStepFunction", "after_provider").await;
}

#[tokio::test]
async fn a_cancel_survives_the_payment_step_crashing_after_writing_the_refund() {
    crash_while_cancelling("PaymentsPaymentStepFunction", "after_write").await;
}

#[tokio::test]
async fn a_cancel_survives_the_orders_relay_crashing_after_publishing_the_refund() {
    crash_while_cancelling("OrdersOutboxRelayFunction", "after_publish").await;
}

#[tokio::test]
async fn a_cancel_survives_the_payments_relay_crashing_after_publishing_the_refund() {
    crash_while_cancelling("PaymentsOutboxRelayFunction", "after_publish").await;
}

#[tokio::test]
async fn a_cancel_survives_the_inventory_relay_crashing_after_publishing_the_release() {
    crash_while_cancelling("InventoryOutboxRelayFunction", "after_publish").await;
}
