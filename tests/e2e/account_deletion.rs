//! `DELETE /v1/users/me` through the local cloud: the account ends at once (no sign-in, its
//! email free) and `user_deleted` leaves through the users outbox. The erasure in every
//! domain is tests/erasure's.

use std::time::Duration;

use e2e::{NOTIFICATIONS_CONSUMER, PASSWORD, Reply, TestCloud, email};
use serde_json::{Value, json};

/// `DELETE /v1/users/me` with `body`, signed in with `token` when given.
async fn delete_me(t: &TestCloud, body: Value, token: Option<&str>) -> Reply {
    t.call("DELETE", "/v1/users/me", Some(body), token).await
}

#[tokio::test]
async fn a_deleted_account_no_longer_signs_in_its_email_is_free_and_user_deleted_is_queued() {
    // The test reads the notifications queue itself.
    let t = TestCloud::start_with(|o| {
        o.disabled_event_sources
            .insert(NOTIFICATIONS_CONSUMER.into());
    })
    .await;
    let mail = email("deleted");
    let s = t.sign_up(&mail, "Dana").await;
    let me = |token: String| {
        let t = &t;
        async move { t.call("GET", "/v1/users/me", None, Some(&token)).await }
    };

    let wrong = delete_me(
        &t,
        json!({"password": "not the password"}),
        Some(&s.access_token),
    )
    .await;
    wrong.problem(401, "invalid_credentials");
    let malformed = delete_me(&t, json!({"password": 12}), Some(&s.access_token)).await;
    malformed.problem(400, "validation_failed");
    assert_eq!(malformed.fields(), vec!["password"]);
    let anonymous = delete_me(&t, json!({"password": PASSWORD}), None).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.text);
    assert_eq!(me(s.access_token.clone()).await.status, 200);

    let deleted = delete_me(&t, json!({"password": PASSWORD}), Some(&s.access_token)).await;
    assert_eq!(deleted.status, 202, "{}", deleted.text);

    me(s.access_token.clone()).await.problem(404, "not_found");
    t.sign_in(&mail, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    let again = t.sign_up(&mail, "Dana Again").await;
    assert_ne!(again.user_id, s.user_id);
    assert_eq!(me(again.access_token.clone()).await.status, 200);

    let events = t
        .receive_events("NotificationsQueue", 6, Duration::from_secs(15))
        .await;
    let user_deleted: Vec<_> = events
        .iter()
        .filter(|e| e["type"] == "user_deleted")
        .collect();
    assert_eq!(user_deleted.len(), 1, "{events:?}");
    assert_eq!(user_deleted[0]["userId"], s.user_id.as_str());
    assert_eq!(user_deleted[0]["data"], json!({}));
}

/// A refresh token issued before the deletion: its session was deleted with the account.
#[tokio::test]
async fn a_deleted_account_no_longer_refreshes() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("norefresh"), "Noah").await;
    let deleted = delete_me(&t, json!({"password": PASSWORD}), Some(&s.access_token)).await;
    assert_eq!(deleted.status, 202, "{}", deleted.text);
    let refresh = t
        .call(
            "POST",
            "/v1/auth/refresh",
            Some(json!({"refreshToken": s.refresh_token})),
            None,
        )
        .await;
    assert_eq!(refresh.status, 401, "{}", refresh.text);
}
