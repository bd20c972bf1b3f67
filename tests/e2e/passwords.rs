//! Passwords end to end (issue 13): a change ends every session and emails the owner.

use e2e::{PASSWORD, TestCloud, email};
use serde_json::json;

use crate::account_email::nth_code;

const NEW_PASSWORD: &str = "a brand new password";
/// The subject of the `password_changed` email (Korean, the default locale).
const CHANGED_SUBJECT: &str = "비밀번호가 변경되었어요";

async fn refresh(t: &TestCloud, token: &str) -> e2e::Reply {
    t.call(
        "POST",
        "/v1/auth/refresh",
        Some(json!({ "refreshToken": token })),
        None,
    )
    .await
}

/// Waits until the mail catcher shows a message `subject` to `to`.
async fn mailed(t: &TestCloud, to: &str, subject: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !t.mail_to(to).await.iter().any(|m| m["subject"] == subject) {
        assert!(
            std::time::Instant::now() < deadline,
            "no {subject:?} to {to}: {:?}",
            t.mail_to(to).await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_changed_password_ends_every_session_and_emails_the_owner() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("change"), "Kim").await;
    let other = t.sign_in(&s.email, PASSWORD).await;
    assert_eq!(other.status, 200, "{}", other.text);
    let change = |current: &str| {
        let t = &t;
        let body = json!({"currentPassword": current, "newPassword": NEW_PASSWORD});
        let token = s.access_token.clone();
        async move {
            t.call("POST", "/v1/users/me/password", Some(body), Some(&token))
                .await
        }
    };
    change("not my password")
        .await
        .problem(401, "invalid_credentials");
    let weak = t
        .call(
            "POST",
            "/v1/users/me/password",
            Some(json!({"currentPassword": PASSWORD, "newPassword": "short"})),
            Some(&s.access_token),
        )
        .await;
    weak.problem(400, "validation_failed");
    assert_eq!(weak.fields(), ["newPassword"]);

    let ok = change(PASSWORD).await;
    assert_eq!(ok.status, 204, "{}", ok.text);

    t.sign_in(&s.email, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    refresh(&t, &s.refresh_token)
        .await
        .problem(401, "unauthorized");
    let other_token = other.body["refreshToken"].as_str().unwrap_or_default();
    refresh(&t, other_token).await.problem(401, "unauthorized");

    let fresh = t.sign_in(&s.email, NEW_PASSWORD).await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    let renewed = refresh(&t, fresh.body["refreshToken"].as_str().unwrap_or_default()).await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);

    mailed(&t, &s.email, CHANGED_SUBJECT).await;
    // Sign-up's verification code came too, and nothing else.
    let _ = nth_code(&t, &s.email, crate::account_email::VERIFY_SUBJECT, 1).await;
}
