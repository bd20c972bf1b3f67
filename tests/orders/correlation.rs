//! An order is one flow (issue 15): `POST /v1/orders`'s `x-request-id` is the correlation id
//! of every hop of its saga, from the orders outbox through inventory and payments and back
//! to the notification of `order_confirmed`, and of every event on the way.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use e2e::NOTIFICATIONS_CONSUMER;
use serde_json::Value;

use crate::{
    PRICE, cloud_with, create_product, id_of, key, order_body, place_raw, settled, student,
};

/// Every hop an order confirmed crosses, in the order it crosses them.
const HOPS: [&str; 8] = [
    "OrdersCreateOrderFunction",
    "OrdersOutboxRelayFunction",
    "InventoryStockStepFunction",
    "InventoryOutboxRelayFunction",
    "OrdersSagaOrchestratorFunction",
    "PaymentsPaymentStepFunction",
    "PaymentsOutboxRelayFunction",
    NOTIFICATIONS_CONSUMER,
];

/// `(function, line)` of every JSON line a function logged that names flow `id`: in a span,
/// as its own field, or (a batch's EMF line) among its `correlationIds`.
fn lines_of_flow(logs: &str, id: &str) -> Vec<(String, Value)> {
    logs.lines()
        .filter_map(|line| {
            let (function, rest) = line.strip_prefix('[')?.split_once("] ")?;
            let json: Value = serde_json::from_str(rest).ok()?;
            let named = json["correlationId"] == id
                || json["span"]["correlationId"] == id
                || json["correlationIds"]
                    .as_array()
                    .is_some_and(|ids| ids.iter().any(|i| i == id));
            named.then(|| (function.to_owned(), json))
        })
        .collect()
}

#[tokio::test]
async fn every_hop_of_an_order_carries_the_requests_id_to_the_notification() {
    let (t, admin) = cloud_with(|o| {
        o.disabled_event_sources.remove(NOTIFICATIONS_CONSUMER);
    })
    .await;
    let product = create_product(&t, &admin, "Traced program", PRICE, 5).await;
    let kim = student(&t, "traced").await;
    let r = place_raw(
        &t,
        &kim,
        Some(&key()),
        &order_body(&id_of(&product), 1, "tok_ok"),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let flow = r.header("x-request-id").unwrap_or_default().to_owned();
    let order = r.body["orderId"].as_str().unwrap_or_default().to_owned();
    assert_eq!(settled(&t, &kim, &order).await["status"], "confirmed");

    // The customer's notification of the confirmation is the last hop.
    let deadline = Instant::now() + Duration::from_secs(30);
    let lines = loop {
        let lines = lines_of_flow(&t.logs(), &flow);
        let notified = lines.iter().any(|(function, l)| {
            function == NOTIFICATIONS_CONSUMER && l["eventType"] == "order_confirmed"
        });
        if notified {
            break lines;
        }
        assert!(
            Instant::now() < deadline,
            "no order_confirmed notification in flow {flow}:\n{}",
            t.log_tail(60)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let seen: BTreeSet<&str> = lines.iter().map(|(f, _)| f.as_str()).collect();
    for hop in HOPS {
        assert!(
            seen.contains(hop),
            "{hop} logged nothing of flow {flow}: {seen:?}"
        );
    }
    // Each hop's invocation line names the flow and what it consumed; the saga's steps all
    // write (their records and their replies' outbox items).
    for hop in HOPS {
        let emf: Vec<&Value> = lines
            .iter()
            .filter(|(f, l)| f == hop && l.get("_aws").is_some())
            .map(|(_, l)| l)
            .collect();
        assert!(!emf.is_empty(), "{hop}: no EMF line of the flow");
        let written: f64 = emf
            .iter()
            .filter_map(|l| l["DynamoWriteUnits"].as_f64())
            .sum();
        assert!(written > 0.0, "{hop} wrote nothing: {emf:?}");
    }
}
