//! The shared DynamoDB helpers against the emulator (real conditional writes, transactions
//! and pagination, no fakes): idempotency records and list cursors.

use std::path::PathBuf;

use http::StatusCode;
use lambda_http::{Body, Request};
use shared::cursor::CursorCodec;
use shared::dynamo::{Item, n, s};
use shared::idempotency::{Idempotency, IdempotencyKey, Recorded, fingerprint};
use shared::invocation::Invocation;
use shared::transaction::{Tx, TxError};
use time::OffsetDateTime;

async fn table() -> (localcloud::DynamoFixture, aws_sdk_dynamodb::Client, String) {
    let template = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    let db = localcloud::dynamo_with_tables(&template)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let client = db.client().await;
    let name = db.tables["UsersTable"].clone();
    (db, client, name)
}

fn order_request(key: &str, body: &str) -> Request {
    http::Request::builder()
        .method("POST")
        .uri("/v1/orders")
        .header("idempotency-key", key)
        .body(Body::Text(body.to_owned()))
        .unwrap_or_default()
}

fn marker(table: &str, id: &str) -> aws_sdk_dynamodb::types::TransactWriteItem {
    let put = aws_sdk_dynamodb::types::Put::builder()
        .table_name(table)
        .item("pk", s(format!("ORDER#{id}")))
        .item("sk", s("ORDER"))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    aws_sdk_dynamodb::types::TransactWriteItem::builder()
        .put(put)
        .build()
}

#[tokio::test]
async fn an_idempotency_record_commits_with_the_write_and_replays_only_the_same_request() {
    let (_db, client, table) = table().await;
    let idem = Idempotency::new(client.clone(), &table);
    let req = order_request("k-1", r#"{"quantity":1}"#);
    let key = IdempotencyKey::required(&req).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(idem.lookup("user-1", &key).await.ok(), Some(None));

    let answer = Recorded {
        fingerprint: fingerprint(&req),
        status: 202,
        body: r#"{"orderId":"o1"}"#.into(),
    };
    let now = OffsetDateTime::now_utc();
    let mut first = Tx::new();
    first.push("order", marker(&table, "o1")).push(
        "record",
        idem.record("user-1", &key, &answer, now)
            .unwrap_or_else(|e| panic!("{e}")),
    );
    first
        .write(&client)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));

    // A retry that raced past the lookup cannot create again: its record's condition fails.
    // The emulator's cancellation, read by the items' names.
    let mut second = Tx::new();
    second.push("order", marker(&table, "o2")).push(
        "record",
        idem.record("user-1", &key, &answer, now)
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let raced = second.write(&client).await;
    let failed = match &raced {
        Err(TxError::Cancelled(c)) => Some(c.failed_names().to_vec()),
        _ => None,
    };
    assert_eq!(failed, Some(vec!["record"]), "{raced:?}");
    let o2 = client
        .get_item()
        .table_name(&table)
        .key("pk", s("ORDER#o2"))
        .key("sk", s("ORDER"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(o2.item.is_none(), "the cancelled transaction wrote");

    let stored = idem
        .lookup("user-1", &key)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("not recorded"));
    let replay = stored.replay(&fingerprint(&order_request("k-1", r#"{"quantity":1}"#)));
    assert!(
        matches!(&replay, Ok(r) if r.status() == StatusCode::ACCEPTED && r.body().as_ref() == answer.body.as_bytes())
    );
    let other = stored.replay(&fingerprint(&order_request("k-1", r#"{"quantity":2}"#)));
    assert!(matches!(other, Err(e) if e.code == "idempotency_key_reused"));
    // Keys are per user.
    assert_eq!(idem.lookup("user-2", &key).await.ok(), Some(None));
}

#[tokio::test]
async fn cursors_walk_a_real_query_once_and_refuse_tampering() {
    let (_db, client, table) = table().await;
    for i in 0..25 {
        client
            .put_item()
            .table_name(&table)
            .item("pk", s("LIST#a"))
            .item("sk", s(format!("{i:03}")))
            .item("n", n(i))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let codec = CursorCodec::new(b"a secret of at least 32 bytes!!!");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let start: Option<Item> = cursor
            .as_ref()
            .map(|c| codec.decode("list-a", c).unwrap_or_else(|e| panic!("{e}")));
        let page = client
            .query()
            .table_name(&table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s("LIST#a"))
            .limit(10)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        seen.extend(
            page.items()
                .iter()
                .filter_map(|i| i.get("sk").and_then(|v| v.as_s().ok()).cloned()),
        );
        match page.last_evaluated_key() {
            Some(k) if !k.is_empty() => cursor = Some(codec.encode("list-a", k)),
            _ => break,
        }
        assert!(
            codec
                .decode("list-b", cursor.as_deref().unwrap_or(""))
                .is_err(),
            "cursor crossed lists"
        );
    }
    let expected: Vec<String> = (0..25).map(|i| format!("{i:03}")).collect();
    assert_eq!(seen, expected);
}

/// The DynamoDB client every function builds asks each operation for its consumed capacity
/// and counts it into the invocation: writes and reads apart, a transaction at double. A
/// client without the interceptor gets no capacity back, so it is the interceptor that asks.
#[tokio::test]
async fn every_operation_reports_its_capacity_into_the_invocation() {
    let (db, plain, table) = table().await;
    let metered = shared::dynamo::client(&localcloud::sdk_config(&db.endpoint).await);
    let key = || shared::dynamo::key("METER#1", "A");
    let put = |client: &aws_sdk_dynamodb::Client| {
        client
            .put_item()
            .table_name(&table)
            .set_item(Some(key()))
            .send()
    };

    let unasked = put(&plain).await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(unasked.consumed_capacity(), None);

    let invocation = Invocation::new("lambda-req", None);
    let (put, get) = invocation
        .clone()
        .run(async {
            let put = put(&metered).await.unwrap_or_else(|e| panic!("{e:?}"));
            let get = shared::dynamo::get_item(&metered, &table, key()).await;
            let mut tx = Tx::new();
            tx.push("marker", marker(&table, "meter-2"));
            tx.write_once(&metered)
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
            let found = metered
                .query()
                .table_name(&table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s("METER#1"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(found.items().len(), 1);
            (put, get)
        })
        .await;
    assert!(matches!(get, Ok(Some(_))), "{get:?}");
    let put_units = put.consumed_capacity().and_then(|c| c.capacity_units());
    assert_eq!(put_units, Some(1.0));
    // Outside the invocation nothing counts.
    shared::dynamo::get_item(&metered, &table, key())
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let usage = invocation.usage();
    // 1 (put) + 2 (one item in a transaction, at double).
    assert_eq!(usage.dynamo_write_units, 3.0, "{usage:?}");
    // 1 (a strongly consistent get) + 0.5 (an eventually consistent query of one small item).
    assert_eq!(usage.dynamo_read_units, 1.5, "{usage:?}");
    assert_eq!(usage.sqs_requests, 0);
}
