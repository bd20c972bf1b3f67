//! End-to-end tests of the order saga through the local cloud: the real orders, inventory
//! and payments binaries, their outboxes and relays, the saga queues and the notifications
//! queue, driven over HTTP like a client would. The sandbox payment provider records every
//! charge and refund in the payments table; the tests read those records to prove that
//! nothing was charged twice and nothing was lost, whatever crashed where.

mod api;
mod concurrency;
mod correlation;
mod crashes;
mod enrollments;
mod erasure;
mod flow;
mod load;
mod products;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use e2e::{NOTIFICATIONS_CONSUMER, Reply, Session, TestCloud};
use serde_json::{Value, json};

/// How long one order may take to settle before a test gives up on it.
pub const PATIENCE: Duration = Duration::from_secs(60);
/// How often a waiting test asks for the order again.
pub const POLL: Duration = Duration::from_millis(25);
/// Seconds a saga message stays hidden once received (30 in the template): a step killed
/// mid-message is handed out again after this long.
pub const SAGA_VISIBILITY_SECONDS: &str = "2";
/// An id of the right shape that nothing has.
pub const UNKNOWN_ID: &str = "01JDQ2Y8Z9K3M4N5P6R7S8T9VW";
pub const PRICE: i64 = 19_000;
pub const CURRENCY: &str = "KRW";

/// A cloud with a signed-in admin, saga messages redelivered after 2 s, and the
/// notifications consumer off (tests that look at notifications read its queue).
pub async fn cloud() -> (TestCloud, Session) {
    cloud_with(|_| {}).await
}

pub async fn cloud_with(
    configure: impl FnOnce(&mut localcloud::CloudOptions),
) -> (TestCloud, Session) {
    TestCloud::start_with_admin_and(|o| {
        o.parameter_overrides.insert(
            "SagaVisibilityTimeout".into(),
            SAGA_VISIBILITY_SECONDS.into(),
        );
        o.disabled_event_sources
            .insert(NOTIFICATIONS_CONSUMER.into());
        configure(o);
    })
    .await
}

/// A unique Idempotency-Key.
pub fn key() -> String {
    format!("order-{}", shared::new_id())
}

pub fn money(amount: i64) -> Value {
    json!({"amount": amount, "currency": CURRENCY})
}

/// Creates a product as `admin`; returns its view.
pub async fn create_product(
    t: &TestCloud,
    admin: &Session,
    name: &str,
    price: i64,
    stock: i64,
) -> Value {
    let r = t
        .call(
            "POST",
            "/v1/products",
            Some(json!({"name": name, "price": money(price), "stock": stock})),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(r.status, 201, "create product: {}", r.text);
    r.body
}

pub fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

pub async fn get_product(t: &TestCloud, who: &Session, id: &str) -> Reply {
    t.call(
        "GET",
        &format!("/v1/products/{id}"),
        None,
        Some(&who.access_token),
    )
    .await
}

/// The product's `available` now.
pub async fn available(t: &TestCloud, who: &Session, id: &str) -> i64 {
    let r = get_product(t, who, id).await;
    assert_eq!(r.status, 200, "get product {id}: {}", r.text);
    r.body["available"]
        .as_i64()
        .unwrap_or_else(|| panic!("no available in {}", r.text))
}

/// POST /v1/orders with this Idempotency-Key (none if `None`) and body, sent as JSON.
pub async fn place_raw(t: &TestCloud, who: &Session, key: Option<&str>, body: &Value) -> Reply {
    let auth = format!("Bearer {}", who.access_token);
    let mut headers = vec![
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    if let Some(k) = key {
        headers.push(("idempotency-key", k));
    }
    t.send(
        "POST",
        "/v1/orders",
        &headers,
        Some(body.to_string().into_bytes()),
    )
    .await
}

pub fn order_body(product_id: &str, quantity: u32, token: &str) -> Value {
    json!({"productId": product_id, "quantity": quantity, "paymentToken": token})
}

/// Places an order and returns its id (asserting the 202).
pub async fn place(
    t: &TestCloud,
    who: &Session,
    product_id: &str,
    quantity: u32,
    token: &str,
) -> String {
    let r = place_raw(
        t,
        who,
        Some(&key()),
        &order_body(product_id, quantity, token),
    )
    .await;
    assert_eq!(r.status, 202, "place order: {}", r.text);
    assert_eq!(r.body["status"], "pending", "{}", r.text);
    r.body["orderId"]
        .as_str()
        .unwrap_or_else(|| panic!("no orderId in {}", r.text))
        .to_owned()
}

pub async fn get_order(t: &TestCloud, who: &Session, id: &str) -> Reply {
    t.call(
        "GET",
        &format!("/v1/orders/{id}"),
        None,
        Some(&who.access_token),
    )
    .await
}

pub async fn cancel(t: &TestCloud, who: &Session, id: &str) -> Reply {
    t.call(
        "POST",
        &format!("/v1/orders/{id}/cancel"),
        None,
        Some(&who.access_token),
    )
    .await
}

/// Polls the order every [`POLL`] until `holds` is true of it and returns it then; fails
/// after [`PATIENCE`] showing the order's last state and the tail of the functions' logs.
pub async fn wait_for_order(
    t: &TestCloud,
    who: &Session,
    id: &str,
    what: &str,
    holds: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let r = get_order(t, who, id).await;
        if r.status == 200 && holds(&r.body) {
            return r.body;
        }
        if Instant::now() >= deadline {
            panic!(
                "order {id} not {what} after {PATIENCE:?}; last answer {} {}\n--- last log lines:\n{}",
                r.status,
                r.text,
                t.log_tail(60)
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

pub fn is_settled(order: &Value) -> bool {
    matches!(
        order["status"].as_str(),
        Some("confirmed" | "cancelled" | "rejected")
    )
}

/// Waits until the order leaves `pending` (confirmed, cancelled or rejected).
pub async fn settled(t: &TestCloud, who: &Session, id: &str) -> Value {
    wait_for_order(t, who, id, "settled", is_settled).await
}

pub async fn cancelled(t: &TestCloud, who: &Session, id: &str) -> Value {
    wait_for_order(t, who, id, "cancelled", |o| o["status"] == "cancelled").await
}

/// Places an order and waits for it to settle; returns the settled view.
pub async fn place_and_settle(
    t: &TestCloud,
    who: &Session,
    product_id: &str,
    quantity: u32,
    token: &str,
) -> Value {
    let id = place(t, who, product_id, quantity, token).await;
    settled(t, who, &id).await
}

/// Asserts the order ended as `status` (with `reason`) and the saga is done.
#[track_caller]
pub fn assert_outcome(order: &Value, status: &str, reason: Option<&str>) {
    assert_eq!(order["status"], status, "{order}");
    match reason {
        Some(r) => assert_eq!(order["reason"], r, "{order}"),
        None => assert!(order["reason"].is_null(), "{order}"),
    }
    assert_eq!(order["step"], "done", "{order}");
}

/// What the sandbox payment provider recorded: per order, the amounts charged and refunded.
#[derive(Debug, Default)]
pub struct Ledger {
    pub charges: HashMap<String, Vec<i64>>,
    pub refunds: HashMap<String, Vec<i64>>,
}

impl Ledger {
    /// Every `sk = "SANDBOX"` item of the payments table.
    pub async fn read(t: &TestCloud) -> Self {
        let text = |item: &HashMap<String, AttributeValue>, name: &str| {
            item.get(name)
                .and_then(|v| v.as_s().ok().or_else(|| v.as_n().ok()))
                .cloned()
                .unwrap_or_default()
        };
        let mut ledger = Ledger::default();
        for item in t.scan("PaymentsTable").await {
            if text(&item, "sk") != "SANDBOX" {
                continue;
            }
            let order = text(&item, "orderId");
            let amount: i64 = text(&item, "amount")
                .parse()
                .unwrap_or_else(|_| panic!("a sandbox record without an amount: {item:?}"));
            match text(&item, "kind").as_str() {
                "charge" => ledger.charges.entry(order).or_default().push(amount),
                "refund" => ledger.refunds.entry(order).or_default().push(amount),
                other => panic!("a sandbox record of kind {other:?}: {item:?}"),
            }
        }
        ledger
    }

    pub fn charge_count(&self) -> usize {
        self.charges.values().map(Vec::len).sum()
    }

    pub fn refund_count(&self) -> usize {
        self.refunds.values().map(Vec::len).sum()
    }

    /// Charged minus refunded, over every order.
    pub fn net(&self) -> i64 {
        let sum = |m: &HashMap<String, Vec<i64>>| m.values().flatten().sum::<i64>();
        sum(&self.charges) - sum(&self.refunds)
    }
}

pub fn total_amount(order: &Value) -> i64 {
    order["total"]["amount"]
        .as_i64()
        .unwrap_or_else(|| panic!("an order without a total: {order}"))
}

/// The books balance for these settled orders and the products' initial stock:
/// - each product's `available` is its initial stock minus what confirmed orders hold;
/// - each confirmed order was charged its total exactly once and never refunded; each
///   order the customer cancelled was charged once and refunded once, the same amount;
///   no other order was charged or refunded;
/// - the sandbox holds nothing for any other order, so charges − refunds = confirmed totals.
pub async fn assert_books(
    t: &TestCloud,
    who: &Session,
    orders: &[Value],
    initial_stock: &[(&str, i64)],
) {
    for (product, initial) in initial_stock {
        let held: i64 = orders
            .iter()
            .filter(|o| o["productId"] == *product && o["status"] == "confirmed")
            .map(|o| o["quantity"].as_i64().unwrap_or_default())
            .sum();
        assert_eq!(
            available(t, who, product).await,
            initial - held,
            "product {product}: available should be {initial} - {held} held by confirmed orders"
        );
    }
    let ledger = Ledger::read(t).await;
    let mut confirmed_total = 0;
    for o in orders {
        let id = id_of(o);
        let charges = ledger.charges.get(&id).cloned().unwrap_or_default();
        let refunds = ledger.refunds.get(&id).cloned().unwrap_or_default();
        match (o["status"].as_str(), o["reason"].as_str()) {
            (Some("confirmed"), _) => {
                confirmed_total += total_amount(o);
                assert_eq!(charges, [total_amount(o)], "charges of {o}");
                assert!(refunds.is_empty(), "refunds of a confirmed order {o}");
            }
            (Some("cancelled"), Some("cancelled_by_customer")) => {
                assert_eq!(charges, [total_amount(o)], "charges of {o}");
                assert_eq!(refunds, [total_amount(o)], "refunds of {o}");
            }
            _ => {
                assert!(charges.is_empty(), "charges {charges:?} of {o}");
                assert!(refunds.is_empty(), "refunds {refunds:?} of {o}");
            }
        }
    }
    let known: std::collections::HashSet<String> = orders.iter().map(id_of).collect();
    for id in ledger.charges.keys().chain(ledger.refunds.keys()) {
        assert!(
            known.contains(id),
            "the sandbox holds a record for an order no test placed: {id} ({ledger:?})"
        );
    }
    assert_eq!(
        ledger.net(),
        confirmed_total,
        "charges - refunds: {ledger:?}"
    );
}

/// Every order `who` can list, following `nextCursor`.
pub async fn list_orders(t: &TestCloud, who: &Session, limit: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/orders?limit={limit}&cursor={c}"),
            None => format!("/v1/orders?limit={limit}"),
        };
        let r = t.call("GET", &path, None, Some(&who.access_token)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let page = r.body["items"].as_array().cloned().unwrap_or_default();
        assert!(
            page.len() <= limit,
            "a page longer than its limit: {}",
            r.text
        );
        items.extend(page);
        match r.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

/// Order events (`order_*`) that reach the notifications queue within `wait`, until
/// `enough` of them came; other events (sign-up's `welcome`) are skipped.
pub async fn order_events(t: &TestCloud, enough: usize, wait: Duration) -> Vec<Value> {
    let deadline = Instant::now() + wait;
    let mut events = Vec::new();
    while events.len() < enough && Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        let got = t
            .receive_events("NotificationsQueue", 10, left.min(Duration::from_secs(2)))
            .await;
        events.extend(got.into_iter().filter(|e| {
            e["type"]
                .as_str()
                .is_some_and(|kind| kind.starts_with("order_"))
        }));
    }
    events
}

/// A student account.
pub async fn student(t: &TestCloud, tag: &str) -> Session {
    t.sign_up(&e2e::email(tag), "Minji").await
}

/// Whether the fault injected into `function` at `point` actually fired (the process logs
/// a warning, then aborts).
pub fn fault_fired(t: &TestCloud, function: &str) -> bool {
    let prefix = format!("[{function}]");
    t.cloud
        .logs()
        .iter()
        .any(|l| l.starts_with(&prefix) && l.contains("fault injected"))
}
