//! Handler tests: the sample events of `events/` (API Gateway HTTP API v2 payloads and the
//! stock step's SQS batch) through the real handlers, in process, against the DynamoDB
//! emulator with the template's table.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use http::StatusCode;
use inventory::App;
use inventory::model::ReservationState;
use inventory::stock_step::{Outcome, step};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use shared::auth::Role;
use shared::events::Envelope;
use shared::http::respond;
use shared::saga::{MessageType, StockRejection};
use testkit::{With, body_json, call, event, problem_fields};

const ADMIN: &str = "01JDQ2W0X1Y2Z3A4B5C6D7E8FB";
const CUSTOMER: &str = "01JDQ2W0X1Y2Z3A4B5C6D7E8F9";

type Harness = testkit::Harness<App>;

/// The template's table of this domain.
const TABLE: &str = "InventoryTable";

/// What these tests ask of the harness beyond what every domain's does.
trait InventoryHarness {
    fn admin(&self) -> String;
    fn student(&self) -> String;
    /// The replies queued in the outbox, in no particular order.
    async fn replies(&self) -> Vec<Value>;
    async fn replies_of(&self, reply_type: &str) -> Vec<Value>;
    async fn state(&self, order_id: &str) -> Option<ReservationState>;
    async fn available(&self, product_id: &str) -> i64;
}

impl InventoryHarness for Harness {
    fn admin(&self) -> String {
        self.keys.token(ADMIN, Role::Admin)
    }

    fn student(&self) -> String {
        self.keys.token(CUSTOMER, Role::Student)
    }

    async fn replies(&self) -> Vec<Value> {
        self.db
            .outbox()
            .await
            .iter()
            .inspect(|i| {
                assert_eq!(
                    i.get("queue")
                        .and_then(|q| q.as_s().ok())
                        .map(String::as_str),
                    Some("orders")
                );
            })
            .filter_map(testkit::outbox_body)
            .collect()
    }

    async fn replies_of(&self, reply_type: &str) -> Vec<Value> {
        self.replies()
            .await
            .into_iter()
            .filter(|r| r["type"] == reply_type)
            .collect()
    }

    async fn state(&self, order_id: &str) -> Option<ReservationState> {
        self.app
            .store
            .reservation(order_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|r| r.state)
    }

    async fn available(&self, product_id: &str) -> i64 {
        self.app
            .store
            .product(product_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|p| p.available)
            .unwrap_or_else(|| panic!("no product {product_id}"))
    }
}

async fn create(h: &Harness, token: &str, body: Value) -> Response<Body> {
    call!(
        h,
        inventory::products::handle_create,
        event(
            "InventoryCreateProductFunction",
            With {
                body: Some(body),
                token: Some(token),
                ..With::default()
            }
        )
    )
}

/// A product with `stock` units at 19,000 KRW; its id.
async fn product_with(h: &Harness, stock: i64) -> String {
    let r = create(
        h,
        &h.admin(),
        json!({"name": "Premium fractions", "price": {"amount": 19000, "currency": "KRW"}, "stock": stock}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    body_json(&r)["id"].as_str().unwrap_or_default().to_owned()
}

async fn get(h: &Harness, token: &str, id: &str) -> Response<Body> {
    call!(
        h,
        inventory::products::handle_get,
        event(
            "InventoryGetProductFunction",
            With {
                token: Some(token),
                id: Some(id),
                ..With::default()
            }
        )
    )
}

fn command(h: &Harness, kind: MessageType, data: Value) -> Envelope<MessageType> {
    Envelope::new(kind, CUSTOMER, data, h.app.clock.as_ref())
}

async fn reserve(h: &Harness, order_id: &str, product_id: &str, quantity: u32) -> Outcome {
    let cmd = command(
        h,
        MessageType::ReserveStock,
        json!({"orderId": order_id, "productId": product_id, "quantity": quantity}),
    );
    step(&h.app, &cmd)
        .await
        .unwrap_or_else(|e| panic!("reserve: {e}"))
}

async fn release(h: &Harness, order_id: &str) -> Outcome {
    let cmd = command(h, MessageType::ReleaseStock, json!({"orderId": order_id}));
    step(&h.app, &cmd)
        .await
        .unwrap_or_else(|e| panic!("release: {e}"))
}

fn sqs_batch(bodies: &[String]) -> SqsEvent {
    let mut event = SqsEvent::default();
    for (i, body) in bodies.iter().enumerate() {
        let mut m = SqsMessage::default();
        m.message_id = Some(format!("m{i}"));
        m.body = Some(body.clone());
        event.records.push(m);
    }
    event
}

// ------------------------------------------------------------------ products

#[tokio::test]
async fn an_admin_creates_a_product_that_any_signed_in_user_reads_and_lists() {
    let h = Harness::start(TABLE).await;
    let r = call!(
        h,
        inventory::products::handle_create,
        event(
            "InventoryCreateProductFunction",
            With {
                token: Some(&h.admin()),
                ..With::default()
            }
        )
    );
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    let created = body_json(&r);
    let id = created["id"].as_str().unwrap_or_default();
    assert!(shared::is_id(id), "{created}");
    assert_eq!(created["name"], "Reading club · 8-week premium program");
    assert_eq!(
        created["price"],
        json!({"amount": 39000, "currency": "KRW"})
    );
    assert_eq!(created["available"], 30);
    assert_eq!(created["programId"], Value::Null);
    assert_eq!(
        created.as_object().map(|o| o.len()),
        Some(5),
        "{{id, name, price, available, programId}}"
    );
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/v1/products/{id}").as_str())
    );

    let student = h.student();
    let got = get(&h, &student, id).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(body_json(&got), created);

    let list = call!(
        h,
        inventory::products::handle_list,
        event(
            "InventoryListProductsFunction",
            With {
                token: Some(&student),
                ..With::default()
            }
        )
    );
    assert_eq!(list.status(), StatusCode::OK);
    assert_eq!(
        body_json(&list),
        json!({"items": [created], "nextCursor": null})
    );
}

#[tokio::test]
async fn only_admins_create_products_and_only_signed_in_users_read_them() {
    let h = Harness::start(TABLE).await;
    let r = create(
        &h,
        &h.student(),
        json!({"name": "x", "price": {"amount": 1, "currency": "KRW"}, "stock": 1}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(body_json(&r)["code"], "forbidden");
    // A student's malformed body is still a 403: the role is checked first.
    let r = call!(
        h,
        inventory::products::handle_create,
        event(
            "InventoryCreateProductFunction",
            With {
                raw_body: Some("{"),
                token: Some(&h.student()),
                ..With::default()
            }
        )
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let list = body_json(&call!(
        h,
        inventory::products::handle_list,
        event(
            "InventoryListProductsFunction",
            With {
                token: Some(&h.admin()),
                ..With::default()
            }
        )
    ));
    assert_eq!(list["items"], json!([]), "nothing was created");

    // The sample events carry a placeholder, not a token.
    for function in [
        "InventoryCreateProductFunction",
        "InventoryListProductsFunction",
        "InventoryGetProductFunction",
    ] {
        let req = event(function, With::default());
        let app = &*h.app;
        let r = match function {
            "InventoryCreateProductFunction" => {
                respond(req, &|req| inventory::products::handle_create(app, req)).await
            }
            "InventoryListProductsFunction" => {
                respond(req, &|req| inventory::products::handle_list(app, req)).await
            }
            _ => respond(req, &|req| inventory::products::handle_get(app, req)).await,
        };
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{function}");
    }
}

#[tokio::test]
async fn malformed_json_is_a_400_never_a_500() {
    let h = Harness::start(TABLE).await;
    let admin = h.admin();
    for raw in [
        "{",
        "{\"name\": \"x\",}",
        "not json",
        "[1, 2]",
        "\"a string\"",
        "",
        "null",
    ] {
        let r = call!(
            h,
            inventory::products::handle_create,
            event(
                "InventoryCreateProductFunction",
                With {
                    raw_body: Some(raw),
                    token: Some(&admin),
                    ..With::default()
                }
            )
        );
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{raw:?}");
        assert_eq!(body_json(&r)["code"], "validation_failed", "{raw:?}");
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
    }
}

#[tokio::test]
async fn wrong_types_and_values_out_of_range_are_reported_per_field() {
    let h = Harness::start(TABLE).await;
    let admin = h.admin();
    let cases = [
        (
            json!({"name": 5, "price": "19000", "stock": "3"}),
            vec!["name", "price", "stock"],
        ),
        (
            json!({"name": ["x"], "price": {"amount": 1.5, "currency": "KRW"}, "stock": 1.5}),
            vec!["name", "price.amount", "stock"],
        ),
        (
            json!({"name": "x".repeat(101), "price": {"amount": -1, "currency": "KRW"}, "stock": -1}),
            vec!["name", "price", "stock"],
        ),
        (
            json!({"name": "   ", "price": {"amount": 100, "currency": "won"}, "stock": 1_000_001}),
            vec!["name", "price", "stock"],
        ),
        (
            json!({"name": "ok", "price": {"amount": 100, "currency": "KRW", "extra": 1}, "stock": 1}),
            vec!["price"],
        ),
        (
            json!({"name": true, "price": true, "stock": {"n": 1}}),
            vec!["name", "price", "stock"],
        ),
        (
            json!({"name": "ok", "price": {"amount": 1, "currency": "KRW"}, "stock": 1, "programId": "nope"}),
            vec!["programId"],
        ),
        (
            json!({"name": "ok", "price": {"amount": 1, "currency": "KRW"}, "stock": 1, "programId": 7}),
            vec!["programId"],
        ),
    ];
    for (body, expected) in cases {
        let r = create(&h, &admin, body.clone()).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body_json(&r)["code"], "validation_failed");
        let got = problem_fields(&r);
        assert_eq!(got.len(), expected.len(), "{body}: {got:?}");
        for (g, e) in got.iter().zip(&expected) {
            assert!(g.starts_with(e), "{body}: {got:?} vs {expected:?}");
        }
    }
    // The limits themselves are accepted.
    let edge = create(
        &h,
        &admin,
        json!({"name": "가".repeat(100), "price": {"amount": 0, "currency": "USD"}, "stock": 1_000_000}),
    )
    .await;
    assert_eq!(edge.status(), StatusCode::CREATED, "{}", body_json(&edge));
    assert_eq!(body_json(&edge)["available"], 1_000_000);
}

#[tokio::test]
async fn a_product_names_the_program_it_sells_and_a_reservation_carries_it() {
    let h = Harness::start(TABLE).await;
    let admin = h.admin();
    let program = "01JDEMR0000000000000000001";
    let body = json!({"name": "Program", "price": {"amount": 19000, "currency": "KRW"},
                      "stock": 5, "programId": program.to_ascii_lowercase()});
    let r = create(&h, &admin, body).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    let created = body_json(&r);
    assert_eq!(created["programId"], program);
    let id = created["id"].as_str().unwrap_or_default();
    let got = get(&h, &h.student(), id).await;
    assert_eq!(body_json(&got)["programId"], program);
    let stored = h.app.store.product(id).await;
    assert!(matches!(&stored, Ok(Some(p)) if p.program_id.as_deref() == Some(program)));

    let order = shared::new_id();
    assert_eq!(reserve(&h, &order, id, 1).await, Outcome::Reserved);
    let replies = h.replies_of("stock_reserved").await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0]["data"]["programId"], program);
}

#[tokio::test]
async fn every_missing_field_is_reported_at_once() {
    let h = Harness::start(TABLE).await;
    let admin = h.admin();
    let r = create(&h, &admin, json!({})).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(problem_fields(&r), ["name", "price", "stock"]);
    let r = create(
        &h,
        &admin,
        json!({"name": null, "price": {"amount": 100}, "stock": 2}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let got = problem_fields(&r);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0], "name");
    assert!(got[1].starts_with("price"), "{got:?}");
}

#[tokio::test]
async fn bad_product_ids_are_400_and_unknown_ones_404() {
    let h = Harness::start(TABLE).await;
    let student = h.student();
    for bad in [
        "not-an-id",
        "01JDEMP000000000000000000",
        "ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        "../../etc",
        "",
    ] {
        let r = get(&h, &student, bad).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        assert_eq!(problem_fields(&r), ["id"]);
    }
    let r = get(&h, &student, "01JDQ2Y8Z9K3M4N5P6R7S8T9VW").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(body_json(&r)["code"], "not_found");
}

#[tokio::test]
async fn the_catalogue_pages_with_signed_cursors() {
    let h = Harness::start(TABLE).await;
    let mut ids = Vec::new();
    for stock in 0..3 {
        ids.push(product_with(&h, stock).await);
    }
    let student = h.student();
    let page = |query: Value| {
        event(
            "InventoryListProductsFunction",
            With {
                token: Some(&student),
                query: Some(query),
                ..With::default()
            },
        )
    };
    let one = body_json(&call!(
        h,
        inventory::products::handle_list,
        page(json!({"limit": "2"}))
    ));
    assert_eq!(one["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(one["items"][0]["id"], ids[0].as_str());
    let cursor = one["nextCursor"].as_str().unwrap_or_default().to_owned();
    let two = body_json(&call!(
        h,
        inventory::products::handle_list,
        page(json!({"limit": "2", "cursor": cursor}))
    ));
    assert_eq!(two["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(two["items"][0]["id"], ids[2].as_str());
    assert_eq!(two["nextCursor"], Value::Null);

    let tampered = format!("{}x", &cursor[..cursor.len() - 1]);
    for query in [
        json!({"cursor": tampered}),
        json!({"limit": "0"}),
        json!({"limit": "101"}),
        json!({"limit": "ten"}),
    ] {
        let r = call!(h, inventory::products::handle_list, page(query.clone()));
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
    }
}

#[tokio::test]
async fn seeding_twice_creates_the_demo_products_once_and_keeps_their_stock() {
    let h = Harness::start(TABLE).await;
    let first = inventory::seed::seed_catalogue(&h.app)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((first.products, first.created), (3, 3));
    let demo = "01JDEMP0000000000000000001";
    assert_eq!(
        reserve(&h, &shared::new_id(), demo, 2).await,
        Outcome::Reserved
    );
    let second = inventory::seed::seed_catalogue(&h.app)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((second.products, second.created), (3, 0));
    assert_eq!(h.available(demo).await, 98);
    let product = body_json(&get(&h, &h.student(), demo).await);
    assert_eq!(
        product["price"],
        json!({"amount": 19000, "currency": "KRW"})
    );
}

// ------------------------------------------------------------------ the stock step

#[tokio::test]
async fn reserve_stock_takes_the_units_once_per_order_and_replies_once() {
    let h = Harness::start(TABLE).await;
    let product = product_with(&h, 5).await;
    let order = shared::new_id();

    assert_eq!(reserve(&h, &order, &product, 2).await, Outcome::Reserved);
    assert_eq!(h.available(&product).await, 3);
    assert_eq!(h.state(&order).await, Some(ReservationState::Reserved));
    // Redelivered, or repeated with other data: nothing more is taken or said.
    assert_eq!(
        reserve(&h, &order, &product, 2).await,
        Outcome::AlreadyHandled
    );
    assert_eq!(
        reserve(&h, &order, &product, 3).await,
        Outcome::AlreadyHandled
    );
    assert_eq!(h.available(&product).await, 3);

    let replies = h.replies().await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    let reply = &replies[0];
    assert_eq!(reply["type"], "stock_reserved");
    assert_eq!(reply["userId"], CUSTOMER);
    assert_eq!(
        reply["data"],
        json!({
            "orderId": order,
            "productName": "Premium fractions",
            "unitPrice": {"amount": 19000, "currency": "KRW"},
            "total": {"amount": 38000, "currency": "KRW"},
        })
    );
}

#[tokio::test]
async fn out_of_stock_and_unknown_products_are_rejected_and_remembered() {
    let h = Harness::start(TABLE).await;
    let product = product_with(&h, 2).await;

    let too_many = shared::new_id();
    assert_eq!(
        reserve(&h, &too_many, &product, 3).await,
        Outcome::Rejected(StockRejection::OutOfStock)
    );
    assert_eq!(h.available(&product).await, 2);
    let unknown = shared::new_id();
    assert_eq!(
        reserve(&h, &unknown, "01JDQ2Y8Z9K3M4N5P6R7S8T9VW", 1).await,
        Outcome::Rejected(StockRejection::ProductNotFound)
    );
    let not_an_id = shared::new_id();
    assert_eq!(
        reserve(&h, &not_an_id, "PRODUCT#x", 1).await,
        Outcome::Rejected(StockRejection::ProductNotFound)
    );
    for order in [&too_many, &unknown, &not_an_id] {
        assert_eq!(h.state(order).await, Some(ReservationState::Rejected));
    }

    // Stock has come in since (another product, say): the redelivered command answers as
    // the first time, and takes nothing.
    assert_eq!(
        reserve(&h, &too_many, &product, 1).await,
        Outcome::AlreadyHandled
    );
    assert_eq!(h.available(&product).await, 2);

    let rejected = h.replies_of("stock_rejected").await;
    assert_eq!(rejected.len(), 3, "{rejected:?}");
    assert!(h.replies_of("stock_reserved").await.is_empty());
    let of = |order: &str| {
        rejected
            .iter()
            .find(|r| r["data"]["orderId"] == order)
            .map(|r| r["data"].clone())
            .unwrap_or_default()
    };
    assert_eq!(
        of(&too_many),
        json!({"orderId": too_many, "reason": "out_of_stock", "productName": "Premium fractions"})
    );
    assert_eq!(
        of(&unknown),
        json!({"orderId": unknown, "reason": "product_not_found"})
    );
}

#[tokio::test]
async fn release_stock_gives_the_units_back_once() {
    let h = Harness::start(TABLE).await;
    let product = product_with(&h, 3).await;
    let order = shared::new_id();
    assert_eq!(reserve(&h, &order, &product, 3).await, Outcome::Reserved);
    assert_eq!(h.available(&product).await, 0);

    assert_eq!(release(&h, &order).await, Outcome::Released);
    assert_eq!(h.available(&product).await, 3);
    assert_eq!(h.state(&order).await, Some(ReservationState::Released));
    assert_eq!(release(&h, &order).await, Outcome::AlreadyHandled);
    assert_eq!(h.available(&product).await, 3);
    // A reserve redelivered after the release takes nothing again.
    assert_eq!(
        reserve(&h, &order, &product, 3).await,
        Outcome::AlreadyHandled
    );
    assert_eq!(h.available(&product).await, 3);

    let released = h.replies_of("stock_released").await;
    assert_eq!(released.len(), 1, "{released:?}");
    assert_eq!(released[0]["data"], json!({"orderId": order}));
    assert_eq!(released[0]["userId"], CUSTOMER);
}

#[tokio::test]
async fn release_without_a_reservation_leaves_a_tombstone_that_a_late_reserve_respects() {
    let h = Harness::start(TABLE).await;
    let product = product_with(&h, 1).await;
    let order = shared::new_id();

    assert_eq!(release(&h, &order).await, Outcome::Released);
    assert_eq!(h.state(&order).await, Some(ReservationState::Released));
    assert_eq!(h.available(&product).await, 1, "nothing to give back");
    // The reserve it overtook arrives: the order is over, nothing is taken.
    assert_eq!(
        reserve(&h, &order, &product, 1).await,
        Outcome::AlreadyHandled
    );
    assert_eq!(h.available(&product).await, 1);
    assert_eq!(release(&h, &order).await, Outcome::AlreadyHandled);

    // Releasing a rejected order gives nothing back either, and answers once.
    let rejected = shared::new_id();
    assert_eq!(
        reserve(&h, &rejected, &product, 2).await,
        Outcome::Rejected(StockRejection::OutOfStock)
    );
    assert_eq!(release(&h, &rejected).await, Outcome::Released);
    assert_eq!(release(&h, &rejected).await, Outcome::AlreadyHandled);
    assert_eq!(h.available(&product).await, 1);

    let released = h.replies_of("stock_released").await;
    assert_eq!(released.len(), 2, "{released:?}");
    assert!(h.replies_of("stock_reserved").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_orders_for_the_last_unit_reserve_it_exactly_once() {
    let h = Harness::start(TABLE).await;
    let product = product_with(&h, 1).await;
    let orders: Vec<String> = (0..50).map(|_| shared::new_id()).collect();
    let commands: Vec<Envelope<MessageType>> = orders
        .iter()
        .map(|order| {
            command(
                &h,
                MessageType::ReserveStock,
                json!({"orderId": order, "productId": product, "quantity": 1}),
            )
        })
        .collect();

    // All at once, each as its own task (like 50 Lambda instances); a message that fails
    // (contention beyond the retries) is delivered again, as SQS would.
    let mut pending: Vec<&Envelope<MessageType>> = commands.iter().collect();
    let mut outcomes = Vec::new();
    for _delivery in 0..5 {
        let tasks: Vec<_> = pending
            .iter()
            .map(|cmd| {
                let (app, cmd) = (h.app.clone(), (*cmd).clone());
                tokio::spawn(async move { (step(&app, &cmd).await, cmd) })
            })
            .collect();
        let mut again = Vec::new();
        for task in futures::future::join_all(tasks).await {
            let (result, cmd) = task.unwrap_or_else(|e| panic!("{e}"));
            match result {
                Ok(outcome) => outcomes.push(outcome),
                Err(_) => again.push(cmd.id),
            }
        }
        pending = commands.iter().filter(|c| again.contains(&c.id)).collect();
        if pending.is_empty() {
            break;
        }
    }
    assert!(pending.is_empty(), "{} never handled", pending.len());

    let reserved = outcomes.iter().filter(|o| **o == Outcome::Reserved).count();
    let rejected = outcomes
        .iter()
        .filter(|o| **o == Outcome::Rejected(StockRejection::OutOfStock))
        .count();
    assert_eq!((reserved, rejected), (1, 49), "{outcomes:?}");
    assert_eq!(h.available(&product).await, 0);
    let mut states = Vec::new();
    for order in &orders {
        states.push(h.state(order).await);
    }
    assert_eq!(
        states
            .iter()
            .filter(|s| **s == Some(ReservationState::Reserved))
            .count(),
        1
    );
    assert_eq!(h.replies_of("stock_reserved").await.len(), 1);
    assert_eq!(h.replies_of("stock_rejected").await.len(), 49);
}

#[tokio::test]
async fn the_sample_batch_reserves_and_unreadable_or_foreign_messages_are_acknowledged() {
    let h = Harness::start(TABLE).await;
    inventory::seed::seed_catalogue(&h.app)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sample: SqsEvent = testkit::sample_as("InventoryStockStepFunction");
    let sample_body = sample.records[0].body.clone().unwrap_or_default();
    let sample_order = "01JDQ4B0C1D2E3F4G5H6J7K8M9";

    let foreign = |kind: &str, data: Value| {
        json!({"id": shared::new_id(), "type": kind, "occurredAt": "2026-11-24T12:00:00Z",
               "userId": CUSTOMER, "data": data})
        .to_string()
    };
    let bodies = vec![
        sample_body.clone(),
        // Redelivered in the same batch.
        sample_body,
        "not json".to_owned(),
        json!({"hello": "world"}).to_string(),
        foreign("welcome", json!({})),
        foreign("capture_payment", json!({"orderId": shared::new_id()})),
        foreign("stock_reserved", json!({"orderId": shared::new_id()})),
        foreign("reserve_stock", json!({"orderId": shared::new_id()})),
        foreign(
            "reserve_stock",
            json!({"orderId": shared::new_id(), "productId": "01JDEMP0000000000000000001", "quantity": "1"}),
        ),
        foreign(
            "reserve_stock",
            json!({"orderId": shared::new_id(), "productId": "01JDEMP0000000000000000001", "quantity": -1}),
        ),
        foreign(
            "reserve_stock",
            json!({"orderId": shared::new_id(), "productId": "01JDEMP0000000000000000001", "quantity": 0}),
        ),
        foreign(
            "reserve_stock",
            json!({"orderId": "ORDER#1", "productId": "01JDEMP0000000000000000001", "quantity": 1}),
        ),
        foreign("release_stock", json!({"order": "x"})),
    ];
    let mut event = sqs_batch(&bodies);
    // A message without a body at all.
    event.records.push(SqsMessage::default());

    let response = inventory::stock_step::handle_batch(&h.app, None, event).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response
            .batch_item_failures
            .iter()
            .map(|f| &f.item_identifier)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        h.state(sample_order).await,
        Some(ReservationState::Reserved)
    );
    assert_eq!(h.available("01JDEMP0000000000000000001").await, 99);
    let replies = h.replies().await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0]["type"], "stock_reserved");
    assert_eq!(replies[0]["data"]["orderId"], sample_order);
}
