//! The outbox: sign-up's `welcome` reaches the notifications queue, even when the function
//! dies right after its write.

use std::time::Duration;

use e2e::{NOTIFICATIONS_CONSUMER, PASSWORD, TestCloud, email};
use serde_json::json;

/// These tests read the notifications queue themselves, so its consumer stays off (with it
/// on, it would take the messages first). That the consumer turns `welcome` into an inbox
/// item is proved in tests/notifications.
async fn cloud_without_the_consumer() -> TestCloud {
    TestCloud::start_with(|o| {
        o.disabled_event_sources
            .insert(NOTIFICATIONS_CONSUMER.into());
    })
    .await
}

#[tokio::test]
async fn sign_up_puts_a_welcome_event_on_the_notifications_queue() {
    let t = cloud_without_the_consumer().await;
    let s = t.sign_up(&email("welcome"), "Wendy").await;
    // Sign-up queues the welcome and the email verification code, in either order.
    let events = t
        .receive_events("NotificationsQueue", 2, Duration::from_secs(15))
        .await;
    let welcomes: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["type"] == "welcome").collect();
    assert_eq!(welcomes.len(), 1, "{events:?}");
    let e = welcomes[0];
    assert_eq!(e["userId"], s.user_id.as_str());
    assert_eq!(e["data"]["name"], "Wendy");
    assert!(e["id"].as_str().is_some_and(|id| id.len() == 26));
    assert!(e["occurredAt"].as_str().is_some_and(|t| t.ends_with('Z')));
}

#[tokio::test]
async fn a_crash_after_the_write_still_publishes_the_event() {
    let t = cloud_without_the_consumer().await;
    let mail = email("crash");
    t.cloud
        .inject_fault("UsersSignUpFunction", "after_commit", 1);
    let r = t
        .call(
            "POST",
            "/v1/auth/sign-up",
            Some(json!({"email": mail, "password": PASSWORD, "name": "Crash"})),
            None,
        )
        .await;
    r.problem(502, "bad_gateway");

    // The account was committed before the crash, and its event with it.
    let signed_in = t.sign_in(&mail, PASSWORD).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text);
    // Sign-up queues two events: the welcome and the email verification code.
    let events = t
        .receive_events("NotificationsQueue", 2, Duration::from_secs(15))
        .await;
    let mut types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    types.sort_unstable();
    assert_eq!(types, ["email_verification", "welcome"], "{events:?}");
    assert!(
        events
            .iter()
            .all(|e| e["userId"] == signed_in.body["user"]["id"]),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_relay_that_dies_after_sending_is_retried_and_nothing_is_lost() {
    let t = cloud_without_the_consumer().await;
    t.cloud
        .inject_fault("UsersOutboxRelayFunction", "after_publish", 1);
    let s = t.sign_up(&email("relay"), "Rae").await;
    // The relay sent, then died before reporting success: the stream batch is retried, so
    // each event of the batch arrives at least once more, every copy with its event's id
    // (consumers deduplicate on it). Sign-up queues two events (welcome, email_verification).
    let events = t
        .receive_events("NotificationsQueue", 4, Duration::from_secs(10))
        .await;
    assert!(
        events.iter().all(|e| e["userId"] == s.user_id.as_str()),
        "{events:?}"
    );
    let mut copies: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for e in &events {
        *copies
            .entry(e["id"].as_str().unwrap_or_default())
            .or_default() += 1;
    }
    assert_eq!(copies.len(), 2, "two events, each sent: {events:?}");
    assert!(
        copies.values().any(|&n| n == 2) && copies.values().all(|&n| n <= 2),
        "the batch sent again once after the relay died: {events:?}"
    );
}
