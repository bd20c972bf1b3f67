//! Handler tests: the sample events of `events/` (API Gateway HTTP API v2 payloads and the
//! orders queue's SQS batch) through the real handlers, in process, against the DynamoDB
//! emulator with the template's table. The orchestrator is fed the participants' replies
//! directly; what it sends is read from the outbox.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use http::StatusCode;
use lambda_http::{Body, Response};
use orders::App;
use serde_json::{Value, json};
use shared::auth::Role;
use testkit::{With, assert_problem, body_json, call, event, sample};

const KIM: &str = "01JDQ2W0X1Y2Z3A4B5C6D7E8F9";
const LEE: &str = "01JDQ2W0X1Y2Z3A4B5C6D7E8FA";
const ADMIN: &str = "01JDQ2W0X1Y2Z3A4B5C6D7E8FB";
const PRODUCT: &str = "01JDEMP0000000000000000001";
const UNKNOWN: &str = "01JDQ2Y8Z9K3M4N5P6R7S8T9VW";

/// The orders functions on the emulator (the context with cursors).
type Harness = testkit::Harness<App>;

fn header<'a>(r: &'a Response<Body>, name: &str) -> Option<&'a str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

/// What the tests do through the orders functions.
trait Orders {
    fn kim(&self) -> String;
    async fn place(&self, token: &str, key: &str, body: Value) -> Response<Body>;
    /// Places an order for Kim; returns its id.
    async fn placed(&self, token: &str) -> String;
    async fn get(&self, token: &str, id: &str) -> Response<Body>;
    /// Kim's order as the API shows it.
    async fn order(&self, id: &str) -> Value;
    async fn list(&self, token: &str, query: Value) -> Response<Body>;
    async fn cancel(&self, token: &str, id: &str) -> Response<Body>;
    /// One SQS batch of replies through the orchestrator.
    async fn feed(&self, replies: &[(&str, Value)]) -> SqsBatchResponse;
    /// Feeds one reply and asserts it was acknowledged.
    async fn reply(&self, kind: &str, data: Value);
    /// Every outbox item: (queue, envelope).
    async fn outbox(&self) -> Vec<(String, Value)>;
    /// The outbox envelopes of this type for this order.
    async fn sent(&self, kind: &str, order_id: &str) -> Vec<(String, Value)>;
    /// How many order items the table holds.
    async fn order_count(&self) -> usize;
}

impl Orders for Harness {
    fn kim(&self) -> String {
        self.keys.token(KIM, Role::Student)
    }

    async fn place(&self, token: &str, key: &str, body: Value) -> Response<Body> {
        call!(
            self,
            orders::place::handle_place,
            event(
                "OrdersCreateOrderFunction",
                With {
                    body: Some(body),
                    token: Some(token),
                    key: Some(Some(key)),
                    ..With::default()
                }
            )
        )
    }

    async fn placed(&self, token: &str) -> String {
        let key = format!("key-{}", shared::new_id());
        let r = self.place(token, &key, order_body(2, "tok_ok")).await;
        assert_eq!(r.status(), StatusCode::ACCEPTED, "{}", body_json(&r));
        body_json(&r)["orderId"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn get(&self, token: &str, id: &str) -> Response<Body> {
        call!(
            self,
            orders::view::handle_get,
            event(
                "OrdersGetOrderFunction",
                With {
                    token: Some(token),
                    id: Some(id),
                    ..With::default()
                }
            )
        )
    }

    async fn order(&self, id: &str) -> Value {
        let r = self.get(&self.kim(), id).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
        body_json(&r)
    }

    async fn list(&self, token: &str, query: Value) -> Response<Body> {
        call!(
            self,
            orders::view::handle_list,
            event(
                "OrdersListOrdersFunction",
                With {
                    token: Some(token),
                    query: Some(query),
                    ..With::default()
                }
            )
        )
    }

    async fn cancel(&self, token: &str, id: &str) -> Response<Body> {
        call!(
            self,
            orders::cancel::handle_cancel,
            event(
                "OrdersCancelOrderFunction",
                With {
                    token: Some(token),
                    id: Some(id),
                    ..With::default()
                }
            )
        )
    }

    async fn feed(&self, replies: &[(&str, Value)]) -> SqsBatchResponse {
        let mut raw = sample("OrdersSagaOrchestratorFunction");
        let template = raw["Records"][0].clone();
        let records: Vec<Value> = replies
            .iter()
            .enumerate()
            .map(|(i, (kind, data))| {
                let mut record = template.clone();
                record["messageId"] = json!(format!("m{i}"));
                record["body"] = json!(
                    json!({
                        "id": shared::new_id(),
                        "type": kind,
                        "occurredAt": "2026-11-24T12:00:01Z",
                        "userId": KIM,
                        "data": data,
                    })
                    .to_string()
                );
                record["messageAttributes"]["type"]["stringValue"] = json!(kind);
                record
            })
            .collect();
        raw["Records"] = Value::Array(records);
        let batch: SqsEvent = serde_json::from_value(raw).unwrap_or_else(|e| panic!("{e}"));
        orders::orchestrator::handle_batch(&self.app, batch, None).await
    }

    async fn reply(&self, kind: &str, data: Value) {
        let r = self.feed(&[(kind, data)]).await;
        assert!(
            r.batch_item_failures.is_empty(),
            "{kind} failed: {:?}",
            r.batch_item_failures
                .iter()
                .map(|f| f.item_identifier.clone())
                .collect::<Vec<_>>()
        );
    }

    async fn outbox(&self) -> Vec<(String, Value)> {
        self.db
            .outbox()
            .await
            .iter()
            .filter_map(|i| {
                let queue = i.get("queue")?.as_s().ok()?.clone();
                Some((queue, testkit::outbox_body(i)?))
            })
            .collect()
    }

    async fn sent(&self, kind: &str, order_id: &str) -> Vec<(String, Value)> {
        self.outbox()
            .await
            .into_iter()
            .filter(|(_, e)| e["type"] == kind && e["data"]["orderId"] == order_id)
            .collect()
    }

    async fn order_count(&self) -> usize {
        self.db
            .scan("sk = :order", &[(":order", "ORDER")])
            .await
            .len()
    }
}

fn order_body(quantity: u32, token: &str) -> Value {
    json!({"productId": PRODUCT, "quantity": quantity, "paymentToken": token})
}

fn krw(amount: i64) -> Value {
    json!({"amount": amount, "currency": "KRW"})
}

fn stock_reserved(order_id: &str) -> (&'static str, Value) {
    (
        "stock_reserved",
        json!({"orderId": order_id, "productName": "Premium", "unitPrice": krw(9_500), "total": krw(19_000)}),
    )
}

fn payment_captured(order_id: &str) -> (&'static str, Value) {
    (
        "payment_captured",
        json!({"orderId": order_id, "paymentId": "pay_1", "amount": krw(19_000)}),
    )
}

fn payment_declined(order_id: &str) -> (&'static str, Value) {
    (
        "payment_declined",
        json!({"orderId": order_id, "declineCode": "card_declined"}),
    )
}

fn payment_refunded(order_id: &str) -> (&'static str, Value) {
    (
        "payment_refunded",
        json!({"orderId": order_id, "refundId": "ref_1", "amount": krw(19_000)}),
    )
}

fn stock_released(order_id: &str) -> (&'static str, Value) {
    ("stock_released", json!({"orderId": order_id}))
}

async fn confirmed(h: &Harness) -> String {
    let id = h.placed(&h.kim()).await;
    for (kind, data) in [stock_reserved(&id), payment_captured(&id)] {
        h.reply(kind, data).await;
    }
    assert_eq!(h.order(&id).await["status"], "confirmed");
    id
}

// ------------------------------------------------------------------ placing

#[tokio::test]
async fn the_sample_order_is_placed_with_reserve_stock_in_its_outbox() {
    let h = Harness::start("OrdersTable").await;
    let kim = h.kim();
    let r = call!(
        h,
        orders::place::handle_place,
        event(
            "OrdersCreateOrderFunction",
            With {
                token: Some(&kim),
                ..With::default()
            }
        )
    );
    assert_eq!(r.status(), StatusCode::ACCEPTED, "{}", body_json(&r));
    let body = body_json(&r);
    assert_eq!(body["status"], "pending");
    let id = body["orderId"].as_str().unwrap_or_default().to_owned();
    assert!(shared::is_id(&id), "{body}");
    assert_eq!(
        header(&r, "location"),
        Some(format!("/v1/orders/{id}").as_str())
    );

    let order = h.order(&id).await;
    assert_eq!(
        order,
        json!({
            "id": id, "productId": PRODUCT, "quantity": 1, "total": null,
            "status": "pending", "reason": null, "step": "reserve_stock",
            "createdAt": "2026-11-24T12:00:00Z", "updatedAt": "2026-11-24T12:00:00Z",
        })
    );
    let sent = h.outbox().await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let (queue, command) = &sent[0];
    assert_eq!(queue, "inventory");
    assert_eq!(command["type"], "reserve_stock");
    assert_eq!(command["userId"], KIM);
    assert_eq!(
        command["data"],
        json!({"orderId": id, "productId": PRODUCT, "quantity": 1})
    );
}

#[tokio::test]
async fn the_same_key_and_body_replay_the_first_answer_and_place_nothing_more() {
    let h = Harness::start("OrdersTable").await;
    let kim = h.kim();
    let first = h.place(&kim, "k-1", order_body(2, "tok_ok")).await;
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let again = h.place(&kim, "k-1", order_body(2, "tok_ok")).await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    assert_eq!(body_json(&again), body_json(&first));
    assert_eq!(header(&again, "idempotent-replayed"), Some("true"));
    assert_eq!(header(&again, "location"), header(&first, "location"));
    assert_eq!(h.order_count().await, 1);
    assert_eq!(h.outbox().await.len(), 1);

    // Keys are per customer: Lee's "k-1" is another order.
    let lee = h.keys.token(LEE, Role::Student);
    let other = h.place(&lee, "k-1", order_body(2, "tok_ok")).await;
    assert_eq!(other.status(), StatusCode::ACCEPTED);
    assert_ne!(body_json(&other)["orderId"], body_json(&first)["orderId"]);
    assert_eq!(h.order_count().await, 2);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_409_and_places_nothing() {
    let h = Harness::start("OrdersTable").await;
    let kim = h.kim();
    assert_eq!(
        h.place(&kim, "k-1", order_body(2, "tok_ok")).await.status(),
        StatusCode::ACCEPTED
    );
    let r = h.place(&kim, "k-1", order_body(3, "tok_ok")).await;
    assert_problem(&r, StatusCode::CONFLICT, "idempotency_key_reused");
    assert_eq!(h.order_count().await, 1);
}

#[tokio::test]
async fn concurrent_first_tries_with_one_key_place_one_order() {
    let h = Harness::start("OrdersTable").await;
    let kim = h.kim();
    let tries =
        futures::future::join_all((0..4).map(|_| h.place(&kim, "k-race", order_body(1, "tok_ok"))))
            .await;
    let ids: std::collections::HashSet<String> = tries
        .iter()
        .map(|r| {
            assert_eq!(r.status(), StatusCode::ACCEPTED, "{}", body_json(r));
            body_json(r)["orderId"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(h.order_count().await, 1);
    assert_eq!(h.outbox().await.len(), 1);
}

#[tokio::test]
async fn an_order_without_an_idempotency_key_is_400() {
    let h = Harness::start("OrdersTable").await;
    let kim = h.kim();
    for key in [None, Some(""), Some("has space"), Some(&*"k".repeat(256))] {
        let r = call!(
            h,
            orders::place::handle_place,
            event(
                "OrdersCreateOrderFunction",
                With {
                    token: Some(&kim),
                    key: Some(key),
                    ..With::default()
                }
            )
        );
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(
            body_json(&r)["errors"][0]["field"],
            "idempotency-key",
            "{key:?}"
        );
    }
    assert_eq!(h.order_count().await, 0);
}

#[tokio::test]
async fn bad_order_bodies_are_400_naming_every_bad_field() {
    let h = Harness::start("OrdersTable").await;
    let kim = h.kim();
    let cases: [(Value, &[&str]); 7] = [
        (json!({}), &["productId", "quantity", "paymentToken"]),
        (
            json!({"productId": 5, "quantity": "two", "paymentToken": true}),
            &["productId", "quantity", "paymentToken"],
        ),
        (
            json!({"productId": "not-an-id", "quantity": 1, "paymentToken": "tok_ok"}),
            &["productId"],
        ),
        (
            json!({"productId": PRODUCT, "quantity": 0, "paymentToken": "tok_ok"}),
            &["quantity"],
        ),
        (
            json!({"productId": PRODUCT, "quantity": 101, "paymentToken": "tok_ok"}),
            &["quantity"],
        ),
        (
            json!({"productId": PRODUCT, "quantity": 1.5, "paymentToken": ""}),
            &["quantity", "paymentToken"],
        ),
        (
            json!({"productId": null, "quantity": -1, "paymentToken": "t".repeat(101)}),
            &["productId", "quantity", "paymentToken"],
        ),
    ];
    for (i, (body, fields)) in cases.into_iter().enumerate() {
        let r = h.place(&kim, &format!("k-{i}"), body.clone()).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
        let got: Vec<String> = body_json(&r)["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["field"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(got, *fields, "{body}");
    }
    for raw in ["{\"productId\": ", "[1, 2]", "", "\"order\""] {
        let r = call!(
            h,
            orders::place::handle_place,
            event(
                "OrdersCreateOrderFunction",
                With {
                    raw_body: Some(raw),
                    token: Some(&kim),
                    ..With::default()
                }
            )
        );
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
    }
    let r = call!(
        h,
        orders::place::handle_place,
        event(
            "OrdersCreateOrderFunction",
            With {
                token: Some(&kim),
                content_type: Some("text/plain"),
                ..With::default()
            }
        )
    );
    assert_problem(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    assert_eq!(h.order_count().await, 0);
}

#[tokio::test]
async fn every_endpoint_wants_a_signed_in_caller() {
    let h = Harness::start("OrdersTable").await;
    let bad = "not-a-token";
    let r = call!(
        h,
        orders::place::handle_place,
        event(
            "OrdersCreateOrderFunction",
            With {
                token: Some(bad),
                ..With::default()
            }
        )
    );
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    let r = h.get(bad, UNKNOWN).await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    let r = h.list(bad, json!({})).await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    let r = h.cancel(bad, UNKNOWN).await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
}

// ------------------------------------------------------------------ reading

#[tokio::test]
async fn another_customers_order_is_404_and_an_admin_may_read_any() {
    let h = Harness::start("OrdersTable").await;
    let id = h.placed(&h.kim()).await;
    assert_eq!(h.get(&h.kim(), &id).await.status(), StatusCode::OK);
    let lee = h.keys.token(LEE, Role::Student);
    assert_problem(&h.get(&lee, &id).await, StatusCode::NOT_FOUND, "not_found");
    let admin = h.keys.token(ADMIN, Role::Admin);
    let r = h.get(&admin, &id).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body_json(&r)["id"], id);
    assert_problem(
        &h.get(&h.kim(), UNKNOWN).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    for bad in ["not-an-id", "ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "../orders"] {
        let r = h.get(&h.kim(), bad).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(body_json(&r)["errors"][0]["field"], "id");
    }
}

#[tokio::test]
async fn my_orders_are_listed_newest_first_with_signed_cursors() {
    let h = Harness::start("OrdersTable").await;
    let kim = h.kim();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(h.placed(&kim).await);
    }
    let lee = h.keys.token(LEE, Role::Student);
    h.placed(&lee).await;

    let first = h.list(&kim, json!({"limit": "2"})).await;
    assert_eq!(first.status(), StatusCode::OK, "{}", body_json(&first));
    let first = body_json(&first);
    let page: Vec<&Value> = first["items"].as_array().into_iter().flatten().collect();
    assert_eq!(
        page.iter().map(|o| o["id"].clone()).collect::<Vec<_>>(),
        [json!(ids[2]), json!(ids[1])]
    );
    assert_eq!(page[0]["status"], "pending");
    assert_eq!(page[0]["step"], "reserve_stock");
    let cursor = first["nextCursor"].as_str().unwrap_or_default().to_owned();
    assert!(!cursor.is_empty(), "{first}");

    let second = body_json(&h.list(&kim, json!({"limit": "2", "cursor": cursor})).await);
    assert_eq!(second["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["items"][0]["id"], json!(ids[0]));
    assert_eq!(second["nextCursor"], Value::Null);

    // Lee sees only Lee's order, and Kim's cursor is no good on Lee's list.
    let lees = body_json(&h.list(&lee, json!({})).await);
    assert_eq!(lees["items"].as_array().map(Vec::len), Some(1));
    let r = h.list(&lee, json!({"cursor": cursor})).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
    let mut tampered = cursor.clone();
    tampered.insert(1, 'A');
    let r = h.list(&kim, json!({"cursor": tampered})).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
    for limit in ["0", "101", "ten"] {
        let r = h.list(&kim, json!({"limit": limit})).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
    }
}

// ------------------------------------------------------------------ the orchestrator

#[tokio::test]
async fn replies_carry_an_order_to_confirmed_and_queue_order_confirmed() {
    let h = Harness::start("OrdersTable").await;
    let id = h.placed(&h.kim()).await;

    let (kind, data) = stock_reserved(&id);
    h.reply(kind, data).await;
    let order = h.order(&id).await;
    assert_eq!(
        (&order["status"], &order["step"], &order["total"]),
        (&json!("pending"), &json!("capture_payment"), &krw(19_000))
    );
    let capture = h.sent("capture_payment", &id).await;
    assert_eq!(capture.len(), 1, "{capture:?}");
    assert_eq!(capture[0].0, "payments");
    assert_eq!(
        capture[0].1["data"],
        json!({"orderId": id, "amount": krw(19_000), "paymentToken": "tok_ok"})
    );

    let (kind, data) = payment_captured(&id);
    h.reply(kind, data).await;
    let order = h.order(&id).await;
    assert_eq!(
        (&order["status"], &order["step"], &order["reason"]),
        (&json!("confirmed"), &json!("done"), &Value::Null)
    );
    assert_eq!(order["total"], krw(19_000));
    let confirmed = h.sent("order_confirmed", &id).await;
    assert_eq!(confirmed.len(), 1, "{confirmed:?}");
    assert_eq!(confirmed[0].0, "notifications");
    assert_eq!(confirmed[0].1["userId"], KIM);
    assert_eq!(
        confirmed[0].1["data"],
        json!({"orderId": id, "productName": "Premium", "total": "19,000 KRW", "reason": null, "programId": null})
    );
    // reserve_stock, capture_payment, order_confirmed: nothing else was sent.
    assert_eq!(h.outbox().await.len(), 3);
}

#[tokio::test]
async fn a_declined_payment_releases_the_stock_then_cancels_the_order() {
    let h = Harness::start("OrdersTable").await;
    let id = h.placed(&h.kim()).await;
    for (kind, data) in [stock_reserved(&id), payment_declined(&id)] {
        h.reply(kind, data).await;
    }
    let order = h.order(&id).await;
    assert_eq!(
        (&order["status"], &order["step"], &order["reason"]),
        (
            &json!("pending"),
            &json!("release_stock"),
            &json!("payment_declined")
        )
    );
    let release = h.sent("release_stock", &id).await;
    assert_eq!(release.len(), 1);
    assert_eq!(release[0].0, "inventory");

    let (kind, data) = stock_released(&id);
    h.reply(kind, data).await;
    let order = h.order(&id).await;
    assert_eq!(
        (&order["status"], &order["step"], &order["reason"]),
        (
            &json!("cancelled"),
            &json!("done"),
            &json!("payment_declined")
        )
    );
    let cancelled = h.sent("order_cancelled", &id).await;
    assert_eq!(cancelled.len(), 1);
    assert_eq!(
        cancelled[0].1["data"],
        json!({"orderId": id, "productName": "Premium", "total": "19,000 KRW", "reason": "payment_declined", "programId": null})
    );
    assert!(h.sent("refund_payment", &id).await.is_empty());
}

#[tokio::test]
async fn a_stock_rejection_rejects_the_order_and_queues_order_rejected() {
    let h = Harness::start("OrdersTable").await;
    let id = h.placed(&h.kim()).await;
    h.reply(
        "stock_rejected",
        json!({"orderId": id, "reason": "out_of_stock", "productName": "Premium"}),
    )
    .await;
    let order = h.order(&id).await;
    assert_eq!(
        (
            &order["status"],
            &order["step"],
            &order["reason"],
            &order["total"]
        ),
        (
            &json!("rejected"),
            &json!("done"),
            &json!("out_of_stock"),
            &Value::Null
        )
    );
    let rejected = h.sent("order_rejected", &id).await;
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        rejected[0].1["data"],
        json!({"orderId": id, "productName": "Premium", "total": null, "reason": "out_of_stock", "programId": null})
    );
    assert_eq!(h.outbox().await.len(), 2);
}

#[tokio::test]
async fn a_duplicate_reply_is_acknowledged_and_changes_nothing() {
    let h = Harness::start("OrdersTable").await;
    let id = h.placed(&h.kim()).await;
    let (kind, data) = stock_reserved(&id);
    h.reply(kind, data.clone()).await;
    let before = h.order(&id).await;
    h.reply(kind, data).await;
    assert_eq!(h.order(&id).await, before);
    assert_eq!(h.sent("capture_payment", &id).await.len(), 1);
}

#[tokio::test]
async fn one_reply_delivered_twice_at_once_is_applied_once() {
    let h = Harness::start("OrdersTable").await;
    let id = h.placed(&h.kim()).await;
    let twice = [
        stock_reserved(&id),
        stock_reserved(&id),
        stock_reserved(&id),
    ];
    let r = h.feed(&twice).await;
    assert!(r.batch_item_failures.is_empty());
    assert_eq!(h.order(&id).await["step"], "capture_payment");
    assert_eq!(h.sent("capture_payment", &id).await.len(), 1);
}

#[tokio::test]
async fn an_out_of_order_reply_is_acknowledged_and_changes_nothing() {
    let h = Harness::start("OrdersTable").await;
    let id = h.placed(&h.kim()).await;
    let before = h.order(&id).await;
    for (kind, data) in [
        payment_captured(&id),
        stock_released(&id),
        payment_refunded(&id),
    ] {
        h.reply(kind, data).await;
    }
    assert_eq!(h.order(&id).await, before);
    assert_eq!(h.outbox().await.len(), 1);
}

#[tokio::test]
async fn replies_after_the_order_settled_are_acknowledged_and_change_nothing() {
    let h = Harness::start("OrdersTable").await;
    let id = confirmed(&h).await;
    let before = h.order(&id).await;
    for (kind, data) in [
        stock_reserved(&id),
        payment_captured(&id),
        payment_declined(&id),
        stock_released(&id),
    ] {
        h.reply(kind, data).await;
    }
    assert_eq!(h.order(&id).await, before);
    assert_eq!(h.sent("order_confirmed", &id).await.len(), 1);
}

#[tokio::test]
async fn a_reply_that_cannot_be_applied_fails_only_its_own_message() {
    let h = Harness::start("OrdersTable").await;
    let id = h.placed(&h.kim()).await;
    let r = h
        .feed(&[
            stock_reserved(UNKNOWN),
            ("stock_reserved", json!({"orderId": id})),
            stock_reserved("not-an-id"),
            stock_reserved(&id),
            // A command on the wrong queue: dropped, not retried.
            ("reserve_stock", json!({"orderId": id})),
        ])
        .await;
    let mut failed: Vec<String> = r
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    failed.sort();
    assert_eq!(failed, ["m0", "m1", "m2"]);
    assert_eq!(h.order(&id).await["step"], "capture_payment");
}

// ------------------------------------------------------------------ cancelling

#[tokio::test]
async fn cancelling_a_confirmed_order_refunds_then_releases_then_cancels() {
    let h = Harness::start("OrdersTable").await;
    let kim = h.kim();
    let id = confirmed(&h).await;

    let r = h.cancel(&kim, &id).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED, "{}", body_json(&r));
    let cancelling = body_json(&r);
    assert_eq!(
        (
            &cancelling["status"],
            &cancelling["step"],
            &cancelling["reason"]
        ),
        (
            &json!("confirmed"),
            &json!("refund_payment"),
            &json!("cancelled_by_customer")
        )
    );
    assert_eq!(cancelling, h.order(&id).await);
    let refund = h.sent("refund_payment", &id).await;
    assert_eq!(refund.len(), 1);
    assert_eq!(refund[0].0, "payments");
    assert_eq!(refund[0].1["data"], json!({"orderId": id}));

    // Asked again while it runs: the same answer, nothing sent twice.
    let again = h.cancel(&kim, &id).await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    assert_eq!(body_json(&again), cancelling);
    assert_eq!(h.sent("refund_payment", &id).await.len(), 1);

    let (kind, data) = payment_refunded(&id);
    h.reply(kind, data).await;
    assert_eq!(h.order(&id).await["step"], "release_stock");
    assert_eq!(h.sent("release_stock", &id).await.len(), 1);
    let r = h.cancel(&kim, &id).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);

    let (kind, data) = stock_released(&id);
    h.reply(kind, data).await;
    let order = h.order(&id).await;
    assert_eq!(
        (&order["status"], &order["step"], &order["reason"]),
        (
            &json!("cancelled"),
            &json!("done"),
            &json!("cancelled_by_customer")
        )
    );
    let cancelled = h.sent("order_cancelled", &id).await;
    assert_eq!(cancelled.len(), 1);
    assert_eq!(
        cancelled[0].1["data"]["reason"],
        json!("cancelled_by_customer")
    );
    assert_problem(
        &h.cancel(&kim, &id).await,
        StatusCode::CONFLICT,
        "order_not_cancellable",
    );
}

#[tokio::test]
async fn concurrent_cancels_send_one_refund() {
    let h = Harness::start("OrdersTable").await;
    let kim = h.kim();
    let id = confirmed(&h).await;
    let answers = futures::future::join_all((0..4).map(|_| h.cancel(&kim, &id))).await;
    for r in &answers {
        assert_eq!(r.status(), StatusCode::ACCEPTED, "{}", body_json(r));
        assert_eq!(body_json(r)["step"], "refund_payment");
    }
    assert_eq!(h.sent("refund_payment", &id).await.len(), 1);
}

#[tokio::test]
async fn only_a_confirmed_order_of_ones_own_can_be_cancelled() {
    let h = Harness::start("OrdersTable").await;
    let kim = h.kim();

    let pending = h.placed(&kim).await;
    assert_problem(
        &h.cancel(&kim, &pending).await,
        StatusCode::CONFLICT,
        "order_not_cancellable",
    );
    let (kind, data) = stock_reserved(&pending);
    h.reply(kind, data).await;
    assert_problem(
        &h.cancel(&kim, &pending).await,
        StatusCode::CONFLICT,
        "order_not_cancellable",
    );

    let rejected = h.placed(&kim).await;
    h.reply(
        "stock_rejected",
        json!({"orderId": rejected, "reason": "product_not_found"}),
    )
    .await;
    assert_problem(
        &h.cancel(&kim, &rejected).await,
        StatusCode::CONFLICT,
        "order_not_cancellable",
    );

    let declined = h.placed(&kim).await;
    for (kind, data) in [
        stock_reserved(&declined),
        payment_declined(&declined),
        stock_released(&declined),
    ] {
        h.reply(kind, data).await;
    }
    assert_eq!(h.order(&declined).await["status"], "cancelled");
    assert_problem(
        &h.cancel(&kim, &declined).await,
        StatusCode::CONFLICT,
        "order_not_cancellable",
    );

    let id = confirmed(&h).await;
    let lee = h.keys.token(LEE, Role::Student);
    assert_problem(
        &h.cancel(&lee, &id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let admin = h.keys.token(ADMIN, Role::Admin);
    assert_problem(
        &h.cancel(&admin, &id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_problem(
        &h.cancel(&kim, UNKNOWN).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_problem(
        &h.cancel(&kim, "not-an-id").await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    );
    assert_eq!(h.order(&id).await["status"], "confirmed");
    assert!(h.sent("refund_payment", &id).await.is_empty());
}

/// An order for a product that sells a program: its confirmation and its cancellation go
/// to learning's enrollments queue as well as to notifications, carrying the program.
#[tokio::test]
async fn an_order_for_a_program_tells_learning_when_it_is_confirmed_and_cancelled() {
    let program = "01JDEMR0000000000000000001";
    let h = Harness::start("OrdersTable").await;
    let kim = h.kim();
    let id = h.placed(&kim).await;
    let (kind, mut data) = stock_reserved(&id);
    data["programId"] = json!(program);
    h.reply(kind, data).await;
    let (kind, data) = payment_captured(&id);
    h.reply(kind, data).await;
    let mut confirmed = h.sent("order_confirmed", &id).await;
    confirmed.sort_by(|a, b| a.0.cmp(&b.0));
    let queues: Vec<&str> = confirmed.iter().map(|(q, _)| q.as_str()).collect();
    assert_eq!(queues, ["enrollments", "notifications"]);
    for (_, event) in &confirmed {
        assert_eq!(event["userId"], KIM);
        assert_eq!(event["data"]["programId"], program);
    }
    assert_eq!(
        confirmed[0].1["id"], confirmed[1].1["id"],
        "one event, two queues"
    );

    let r = h.cancel(&kim, &id).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED, "{}", body_json(&r));
    for (kind, data) in [payment_refunded(&id), stock_released(&id)] {
        h.reply(kind, data).await;
    }
    let cancelled = h.sent("order_cancelled", &id).await;
    let mut queues: Vec<&str> = cancelled.iter().map(|(q, _)| q.as_str()).collect();
    queues.sort_unstable();
    assert_eq!(queues, ["enrollments", "notifications"]);
    assert!(
        cancelled
            .iter()
            .all(|(_, e)| e["data"]["programId"] == program)
    );
}

// ------------------------------------------------------------------ erasure

#[tokio::test]
async fn user_deleted_waits_for_a_running_saga_then_forgets_the_customer_once() {
    let h = Harness::start("OrdersTable").await;
    let running = h.placed(&h.kim()).await;
    // The saga still runs: the message fails (retried through the queue), nothing changes.
    let r = h.feed(&[("user_deleted", json!({}))]).await;
    assert_eq!(r.batch_item_failures.len(), 1);
    assert_eq!(h.sent("forget_customer", &running).await, vec![]);
    for (kind, data) in [stock_reserved(&running), payment_captured(&running)] {
        h.reply(kind, data).await;
    }
    let done = confirmed(&h).await;

    h.reply("user_deleted", json!({})).await;
    h.reply("user_deleted", json!({})).await;
    for id in [&running, &done] {
        let sent = h.sent("forget_customer", id).await;
        let queues: Vec<&str> = sent.iter().map(|(q, _)| q.as_str()).collect();
        assert_eq!(queues.len(), 2, "{sent:?}");
        assert!(
            queues.contains(&"inventory") && queues.contains(&"payments"),
            "{queues:?}"
        );
        assert!(
            sent.iter().all(|(_, e)| e["userId"] == "deleted"),
            "{sent:?}"
        );
    }
    // Nothing in the table names Kim any more (the outbox's forget_customer does not
    // either); the orders are kept, with their totals.
    let naming_kim =
        h.db.scan("contains(pk, :k) OR userId = :k", &[(":k", KIM)])
            .await;
    assert_eq!(naming_kim, vec![]);
    assert_eq!(h.order_count().await, 2);
    let listed = h.list(&h.kim(), json!({})).await;
    assert_eq!(body_json(&listed)["items"], json!([]));
}
