//! End-to-end tests of the notifications domain through the local cloud: events go onto the
//! real notifications queue, the real consumer binary stores and sends them, and the inbox
//! and preferences are driven over HTTP like a client would. The KakaoTalk-style provider
//! is a recording HTTP server (`provider.rs`), the only stand-in.

mod channel;
mod email;
mod inbox;
mod preferences;
mod provider;
mod throughput;

use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use e2e::{Session, TestCloud, email};
use serde_json::{Value, json};

use provider::Provider;

pub const QUEUE: &str = "NotificationsQueue";
pub const DLQ: &str = "NotificationsDeadLetterQueue";
pub const API_KEY: &str = "test-kakao-key";
pub const PHONE: &str = "010-1234-5678";
/// How long a test waits for the consumer before it fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A cloud whose failed messages come back after 1 s instead of 60 (the template's
/// `NotificationsVisibilityTimeout`), so a test sees the queue's retries and its move to
/// the dead-letter queue within seconds; its consumer talks to `provider`, if given.
pub async fn cloud(provider: Option<&Provider>) -> TestCloud {
    let url = provider.map(Provider::url);
    TestCloud::start_with(move |o| {
        o.parameter_overrides
            .insert("NotificationsVisibilityTimeout".into(), "1".into());
        if let Some(url) = url {
            o.parameter_overrides.insert("KakaoApiBaseUrl".into(), url);
            o.parameter_overrides
                .insert("KakaoApiKey".into(), API_KEY.into());
        }
    })
    .await
}

pub fn queue_url(t: &TestCloud, queue: &str) -> String {
    t.cloud
        .queue_url(queue)
        .unwrap_or_else(|| panic!("no queue {queue}"))
}

/// An event envelope as producers send it.
pub fn event(kind: &str, user_id: &str, data: Value) -> Value {
    json!({
        "id": shared::new_id(),
        "type": kind,
        "occurredAt": "2026-11-24T12:00:00.000Z",
        "userId": user_id,
        "data": data,
    })
}

pub async fn send(t: &TestCloud, envelope: &Value) {
    t.sqs()
        .await
        .send_message()
        .queue_url(queue_url(t, QUEUE))
        .message_body(envelope.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("send_message: {e}"));
}

/// Messages in `queue`, visible or in flight.
pub async fn queue_depth(t: &TestCloud, queue: &str) -> u64 {
    let out = t
        .sqs()
        .await
        .get_queue_attributes()
        .queue_url(queue_url(t, queue))
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get_queue_attributes: {e}"));
    out.attributes()
        .map(|a| {
            a.values()
                .filter_map(|v| v.parse::<u64>().ok())
                .sum::<u64>()
        })
        .unwrap_or_default()
}

/// Waits until `check` holds, polling; panics with `what` after [`PATIENCE`].
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + PATIENCE;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `measure` reaches `target`, for as long as it keeps growing: panics with `what`
/// when it has not grown for [`PATIENCE`]. For work whose length depends on the machine's load
/// (a thousand messages), where only a stall is a failure.
pub async fn while_progressing<F, Fut>(what: &str, target: i64, mut measure: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = i64>,
{
    let (mut best, mut deadline) = (i64::MIN, Instant::now() + PATIENCE);
    loop {
        let now = measure().await;
        if now >= target {
            return;
        }
        if now > best {
            (best, deadline) = (now, Instant::now() + PATIENCE);
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: stuck at {best} of {target} for {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until every message of the notifications queue has been handled for good.
pub async fn drained(t: &TestCloud) {
    eventually("the notifications queue to drain", || async {
        queue_depth(t, QUEUE).await == 0
    })
    .await;
}

/// The first page of the inbox (up to 100 items).
pub async fn inbox(t: &TestCloud, s: &Session) -> Value {
    let r = t
        .call(
            "GET",
            "/v1/notifications?limit=100",
            None,
            Some(&s.access_token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

pub fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Polls the inbox until `holds` is true of it, and returns it then.
pub async fn inbox_until(
    t: &TestCloud,
    s: &Session,
    what: &str,
    holds: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let page = inbox(t, s).await;
        if holds(&page) {
            return page;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the inbox holds `id`, and returns the inbox then.
pub async fn wait_for(t: &TestCloud, s: &Session, id: &str) -> Value {
    inbox_until(t, s, &format!("{id} in the inbox"), |page| {
        ids(page).iter().any(|i| i == id)
    })
    .await
}

/// A new user, once their `welcome` is in the inbox (so later events never race it).
pub async fn user(t: &TestCloud, tag: &str) -> (Session, String) {
    let s = t.sign_up(&email(tag), "Minji").await;
    let page = inbox_until(t, &s, "the welcome notification", |page| {
        !ids(page).is_empty()
    })
    .await;
    let welcome = ids(&page).into_iter().next().unwrap_or_default();
    (s, welcome)
}

pub async fn read_all(t: &TestCloud, s: &Session) -> e2e::Reply {
    t.call(
        "POST",
        "/v1/notifications/read-all",
        None,
        Some(&s.access_token),
    )
    .await
}

pub async fn enable_kakao(t: &TestCloud, s: &Session) {
    let r = t
        .call(
            "PUT",
            "/v1/notifications/preferences",
            Some(json!({"locale": "ko", "kakao": {"enabled": true, "phone": PHONE}})),
            Some(&s.access_token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}
