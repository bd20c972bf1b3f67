//! Handler tests: the consumer and the inbox endpoints in process, against the DynamoDB
//! emulator with the template's table (the local cloud's end-to-end tests drive the same
//! through the real binaries).

mod email;
mod erasure;
mod preferences;

use aws_lambda_events::event::sqs::SqsMessage;
use http::StatusCode;
use lambda_http::Request;
use notifications::consume::Consumer;
use notifications::{App, Store};
use serde_json::{Value, json};
use shared::auth::Role;
use shared::events::{Envelope, EventType};
use testkit::{With, body_json, call};

type Harness = testkit::Harness<App>;

const KIM: &str = "01JDUSER00000000000000KIM1";
const LEE: &str = "01JDUSER00000000000000LEE1";

async fn harness() -> Harness {
    Harness::start("NotificationsTable").await
}

/// The consumer on the harness's table and clock, without the external channel.
fn consumer(h: &Harness) -> Consumer {
    Consumer {
        store: Store::new(h.db.client.clone(), h.db.table.clone()),
        clock: h.clock.clone(),
        kakao: None,
        email: None,
    }
}

fn message(envelope: &Envelope) -> SqsMessage {
    let mut m = SqsMessage::default();
    m.message_id = Some(envelope.id.clone());
    m.body = Some(serde_json::to_string(envelope).unwrap_or_default());
    m
}

/// Delivers `count` welcome events to `user`; their ids, oldest first.
async fn deliver(h: &Harness, user: &str, count: usize) -> Vec<String> {
    let consumer = consumer(h);
    let mut ids = Vec::new();
    for _ in 0..count {
        let e = Envelope::new(
            EventType::Welcome,
            user,
            json!({"name": "Kim"}),
            h.clock.as_ref(),
        );
        consumer
            .notify(&message(&e))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        ids.push(e.id);
    }
    ids
}

/// The sample event of `function` sent by `user`, with `id` as its path parameter.
fn event(h: &Harness, function: &str, user: &str, id: Option<&str>) -> Request {
    let token = h.keys.token(user, Role::Student);
    testkit::event(
        function,
        With {
            token: Some(&token),
            id,
            ..With::default()
        },
    )
}

async fn list(h: &Harness, user: &str) -> Value {
    let req = event(h, "NotificationsListFunction", user, None);
    let r = call!(h, notifications::inbox::handle_list, req);
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    body_json(&r)
}

async fn mark_read(h: &Harness, user: &str, id: &str) -> (StatusCode, Value) {
    let req = event(h, "NotificationsMarkReadFunction", user, Some(id));
    let r = call!(h, notifications::inbox::handle_mark_read, req);
    (r.status(), body_json(&r))
}

async fn read_all(h: &Harness, user: &str) -> Value {
    let req = event(h, "NotificationsReadAllFunction", user, None);
    let r = call!(h, notifications::inbox::handle_read_all, req);
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    body_json(&r)
}

/// The stored `UNREAD` counter as it is (the endpoints show it no lower than 0).
async fn stored_unread(h: &Harness, user: &str) -> i64 {
    let items =
        h.db.scan(
            "pk = :pk AND sk = :sk",
            &[(":pk", &format!("USER#{user}")), (":sk", "UNREAD")],
        )
        .await;
    items
        .first()
        .and_then(|i| i.get("unread"))
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn an_event_delivered_twice_is_in_the_inbox_once() {
    let h = harness().await;
    let e = Envelope::new(
        EventType::Welcome,
        KIM,
        json!({"name": "Kim"}),
        h.clock.as_ref(),
    );
    let consumer = consumer(&h);
    for _ in 0..2 {
        consumer
            .notify(&message(&e))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let inbox = list(&h, KIM).await;
    assert_eq!(inbox["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(inbox["items"][0]["id"], e.id.as_str());
    assert_eq!(inbox["unreadCount"], 1);
}

#[tokio::test]
async fn a_malformed_event_fails_for_good() {
    let h = harness().await;
    let mut m = SqsMessage::default();
    m.body = Some("not json".to_owned());
    let failed = consumer(&h)
        .notify(&m)
        .await
        .err()
        .map(shared::sqs_batch::MessageError::from);
    assert!(failed.is_some_and(|e| !e.retryable));
}

#[tokio::test]
async fn marking_read_counts_once_and_read_all_marks_the_rest() {
    let h = harness().await;
    let ids = deliver(&h, KIM, 5).await;

    let (status, first) = mark_read(&h, KIM, &ids[0]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(first["readAt"].is_string());
    let (status, again) = mark_read(&h, KIM, &ids[0]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["readAt"], first["readAt"]);
    let (status, other) = mark_read(&h, LEE, &ids[1]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{other}");
    assert_eq!(list(&h, KIM).await["unreadCount"], 4);

    let all = read_all(&h, KIM).await;
    assert_eq!(all["marked"], 4);
    assert_eq!(all["unreadCount"], 0);
    assert_eq!(read_all(&h, KIM).await["marked"], 0);
    assert_eq!(stored_unread(&h, KIM).await, 0);
}

#[tokio::test]
async fn read_all_racing_single_reads_takes_each_item_off_the_count_once() {
    let h = harness().await;
    // More than one read-all transaction's worth.
    let ids = deliver(&h, KIM, 40).await;
    let singles = ids.iter().step_by(3).map(|id| mark_read(&h, KIM, id));
    let (all, singles) = tokio::join!(read_all(&h, KIM), futures::future::join_all(singles));
    assert!(singles.iter().all(|(s, _)| *s == StatusCode::OK));
    let marked = all["marked"].as_u64().unwrap_or_default();
    assert!((40 - singles.len() as u64..=40).contains(&marked), "{all}");
    assert_eq!(list(&h, KIM).await["unreadCount"], 0);
    assert_eq!(stored_unread(&h, KIM).await, 0, "an item was counted twice");
}
