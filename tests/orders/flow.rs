//! The saga's paths end to end: reserve → charge → confirm; a declined payment released;
//! out of stock and unknown products rejected; a customer's cancel refunded and released;
//! and the customer told each time (the events on the notifications queue, and once
//! through the real consumer into the inbox).

use std::time::{Duration, Instant};

use e2e::{NOTIFICATIONS_CONSUMER, Session, TestCloud};
use serde_json::Value;

use crate::{
    CURRENCY, Ledger, PRICE, UNKNOWN_ID, assert_books, assert_outcome, available, cancel,
    cancelled, cloud, cloud_with, create_product, get_order, id_of, money, order_events, place,
    place_and_settle, settled, student,
};

const EVENT_WAIT: Duration = Duration::from_secs(30);

/// The one event of `kind` about `order`, among `events`.
fn event_for<'a>(events: &'a [Value], kind: &str, order: &str) -> &'a Value {
    let found: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == kind && e["data"]["orderId"] == order)
        .collect();
    assert_eq!(found.len(), 1, "{kind} for {order} in {events:#?}");
    found[0]
}

/// The notification's `total`: the order's total, as money or as text ("38,000 KRW").
fn assert_total(event: &Value, amount: i64) {
    let total = &event["data"]["total"];
    let as_text = format!(
        "{} {CURRENCY}",
        amount
            .to_string()
            .as_bytes()
            .rchunks(3)
            .rev()
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(",")
    );
    assert!(
        *total == money(amount) || *total == Value::String(as_text.clone()),
        "total {total} is neither {} nor {as_text:?}: {event}",
        money(amount)
    );
}

fn assert_envelope(event: &Value, who: &Session) {
    assert_eq!(event["userId"], who.user_id.as_str(), "{event}");
    assert!(
        event["id"].as_str().is_some_and(|id| id.len() == 26),
        "{event}"
    );
    assert!(
        event["occurredAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{event}"
    );
}

#[tokio::test]
async fn an_order_is_reserved_charged_and_confirmed_and_the_customer_told() {
    let (t, admin) = cloud().await;
    let product = create_product(&t, &admin, "Premium program", PRICE, 10).await;
    let pid = id_of(&product);
    let kim = student(&t, "kim").await;

    let id = place(&t, &kim, &pid, 2, "tok_ok").await;
    let o = settled(&t, &kim, &id).await;
    assert_outcome(&o, "confirmed", None);
    assert_eq!(o["id"], id.as_str());
    assert_eq!(o["productId"], pid.as_str());
    assert_eq!(o["quantity"], 2);
    assert_eq!(o["total"], money(2 * PRICE));
    assert!(o["updatedAt"].as_str() >= o["createdAt"].as_str(), "{o}");
    // A transient provider error is retried, and the order goes through all the same.
    let flaky = place_and_settle(&t, &kim, &pid, 3, "tok_error").await;
    assert_outcome(&flaky, "confirmed", None);
    assert_eq!(flaky["total"], money(3 * PRICE));

    assert_eq!(available(&t, &kim, &pid).await, 5);
    assert_books(&t, &kim, &[o.clone(), flaky.clone()], &[(&pid, 10)]).await;
    let ledger = Ledger::read(&t).await;
    assert_eq!(
        (ledger.charge_count(), ledger.refund_count()),
        (2, 0),
        "{ledger:?}"
    );

    let events = order_events(&t, 2, EVENT_WAIT).await;
    assert_eq!(events.len(), 2, "{events:#?}");
    for (order, amount) in [(&id, 2 * PRICE), (&id_of(&flaky), 3 * PRICE)] {
        let e = event_for(&events, "order_confirmed", order);
        assert_envelope(e, &kim);
        assert_eq!(e["data"]["productName"], "Premium program", "{e}");
        assert_total(e, amount);
    }
    // Once settled, an order no longer changes.
    assert_eq!(get_order(&t, &kim, &id).await.body, o);
}

#[tokio::test]
async fn a_declined_payment_releases_the_stock_and_cancels_the_order() {
    let (t, admin) = cloud().await;
    let pid = id_of(&create_product(&t, &admin, "Premium program", PRICE, 10).await);
    let kim = student(&t, "kim").await;

    let declined = place_and_settle(&t, &kim, &pid, 3, "tok_declined").await;
    assert_outcome(&declined, "cancelled", Some("payment_declined"));
    assert_eq!(declined["total"], money(3 * PRICE));
    // A token the provider does not know is declined the same way.
    let unknown = place_and_settle(&t, &kim, &pid, 1, "tok_from_another_world").await;
    assert_outcome(&unknown, "cancelled", Some("payment_declined"));

    assert_eq!(available(&t, &kim, &pid).await, 10);
    assert_books(
        &t,
        &kim,
        &[declined.clone(), unknown.clone()],
        &[(&pid, 10)],
    )
    .await;
    assert_eq!(Ledger::read(&t).await.charge_count(), 0);

    let events = order_events(&t, 2, EVENT_WAIT).await;
    assert_eq!(events.len(), 2, "{events:#?}");
    for o in [&declined, &unknown] {
        let e = event_for(&events, "order_cancelled", &id_of(o));
        assert_envelope(e, &kim);
        assert_eq!(e["data"]["reason"], "payment_declined", "{e}");
        assert_eq!(e["data"]["productName"], "Premium program", "{e}");
    }
    // Neither can be cancelled again.
    for o in [&declined, &unknown] {
        cancel(&t, &kim, &id_of(o))
            .await
            .problem(409, "order_not_cancellable");
    }
}

#[tokio::test]
async fn orders_beyond_the_stock_or_for_unknown_products_are_rejected() {
    let (t, admin) = cloud().await;
    let pid = id_of(&create_product(&t, &admin, "Premium program", PRICE, 2).await);
    let kim = student(&t, "kim").await;

    let too_many = place_and_settle(&t, &kim, &pid, 3, "tok_ok").await;
    assert_outcome(&too_many, "rejected", Some("out_of_stock"));
    assert!(too_many["total"].is_null(), "{too_many}");
    let nowhere = place_and_settle(&t, &kim, UNKNOWN_ID, 1, "tok_ok").await;
    assert_outcome(&nowhere, "rejected", Some("product_not_found"));
    assert!(nowhere["total"].is_null(), "{nowhere}");
    // Exactly what is left can still be bought.
    let rest = place_and_settle(&t, &kim, &pid, 2, "tok_ok").await;
    assert_outcome(&rest, "confirmed", None);

    assert_eq!(available(&t, &kim, &pid).await, 0);
    let orders = [too_many.clone(), nowhere.clone(), rest.clone()];
    assert_books(&t, &kim, &orders, &[(&pid, 2)]).await;

    let events = order_events(&t, 3, EVENT_WAIT).await;
    assert_eq!(events.len(), 3, "{events:#?}");
    let e = event_for(&events, "order_rejected", &id_of(&too_many));
    assert_envelope(e, &kim);
    assert_eq!(e["data"]["reason"], "out_of_stock", "{e}");
    assert_eq!(e["data"]["productName"], "Premium program", "{e}");
    let e = event_for(&events, "order_rejected", &id_of(&nowhere));
    assert_eq!(e["data"]["reason"], "product_not_found", "{e}");
    event_for(&events, "order_confirmed", &id_of(&rest));
    for o in [&too_many, &nowhere] {
        cancel(&t, &kim, &id_of(o))
            .await
            .problem(409, "order_not_cancellable");
    }
}

#[tokio::test]
async fn cancelling_a_confirmed_order_refunds_it_and_releases_the_stock() {
    let (t, admin) = cloud().await;
    let pid = id_of(&create_product(&t, &admin, "Premium program", PRICE, 10).await);
    let kim = student(&t, "kim").await;
    let lee = student(&t, "lee").await;
    let kept = place_and_settle(&t, &kim, &pid, 1, "tok_ok").await;
    let o = place_and_settle(&t, &kim, &pid, 2, "tok_ok").await;
    assert_outcome(&o, "confirmed", None);
    let id = id_of(&o);
    assert_eq!(available(&t, &kim, &pid).await, 7);
    // Both order_confirmed events are out, so nothing else is in flight.
    assert_eq!(order_events(&t, 2, EVENT_WAIT).await.len(), 2);

    // While the payments step is down, the cancel is accepted and stays in progress, and
    // asking again answers the same.
    t.cloud.set_broken("PaymentsPaymentStepFunction", true);
    let first = cancel(&t, &kim, &id).await;
    assert_eq!(first.status, 202, "{}", first.text);
    assert_eq!(first.body["id"], id.as_str(), "{}", first.text);
    assert_eq!(first.body["step"], "refund_payment", "{}", first.text);
    assert_ne!(first.body["status"], "cancelled", "{}", first.text);
    let again = cancel(&t, &kim, &id).await;
    assert_eq!(again.status, 202, "{}", again.text);
    assert_eq!(again.body, first.body);
    cancel(&t, &lee, &id).await.problem(404, "not_found");
    t.cloud.set_broken("PaymentsPaymentStepFunction", false);

    let done = cancelled(&t, &kim, &id).await;
    assert_outcome(&done, "cancelled", Some("cancelled_by_customer"));
    assert_eq!(done["total"], money(2 * PRICE));
    assert_eq!(available(&t, &kim, &pid).await, 9);
    assert_books(&t, &kim, &[kept.clone(), done.clone()], &[(&pid, 10)]).await;
    let ledger = Ledger::read(&t).await;
    assert_eq!(
        (ledger.charge_count(), ledger.refund_count()),
        (2, 1),
        "{ledger:?}"
    );

    let events = order_events(&t, 1, EVENT_WAIT).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = event_for(&events, "order_cancelled", &id);
    assert_envelope(e, &kim);
    assert_eq!(e["data"]["reason"], "cancelled_by_customer", "{e}");

    // Cancelled is final.
    cancel(&t, &kim, &id)
        .await
        .problem(409, "order_not_cancellable");
    assert_eq!(get_order(&t, &kim, &id).await.body, done);
}

#[tokio::test]
async fn a_confirmed_order_reaches_the_customers_inbox() {
    let (t, admin) = cloud_with(|o| {
        o.disabled_event_sources.remove(NOTIFICATIONS_CONSUMER);
    })
    .await;
    let pid = id_of(&create_product(&t, &admin, "Premium program", PRICE, 10).await);
    let kim = student(&t, "kim").await;
    let o = place_and_settle(&t, &kim, &pid, 2, "tok_ok").await;
    assert_outcome(&o, "confirmed", None);

    let item = inbox_item(&t, &kim, "order_confirmed").await;
    let body = item["body"].as_str().unwrap_or_default();
    assert!(
        body.contains("Premium program") && body.contains("38,000 KRW"),
        "{item}"
    );
}

/// Polls the inbox until an item of `kind` is there.
async fn inbox_item(t: &TestCloud, who: &Session, kind: &str) -> Value {
    let deadline = Instant::now() + EVENT_WAIT;
    loop {
        let r = t
            .call(
                "GET",
                "/v1/notifications?limit=100",
                None,
                Some(&who.access_token),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        if let Some(item) = items.into_iter().find(|i| i["type"] == kind) {
            return item;
        }
        assert!(
            Instant::now() < deadline,
            "no {kind} in the inbox after {EVENT_WAIT:?}: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
