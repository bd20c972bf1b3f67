//! Passwords end to end (issue 13): a change ends every session and emails the owner; a
//! reset by the emailed code does the same.

use e2e::{PASSWORD, TestCloud, email};
use serde_json::json;

use crate::account_email::nth_code;

const NEW_PASSWORD: &str = "a brand new password";
/// The subject of the `password_changed` email (Korean, the default locale).
const CHANGED_SUBJECT: &str = "비밀번호가 변경되었어요";
/// The subject of the `password_reset` email.
const RESET_SUBJECT: &str = "비밀번호 재설정 코드";

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

async fn ask_reset(t: &TestCloud, email: &str) -> e2e::Reply {
    t.call(
        "POST",
        "/v1/auth/password-reset",
        Some(json!({ "email": email })),
        None,
    )
    .await
}

async fn confirm_reset(t: &TestCloud, email: &str, code: &str) -> e2e::Reply {
    t.call(
        "POST",
        "/v1/auth/password-reset/confirm",
        Some(json!({"email": email, "code": code, "newPassword": NEW_PASSWORD})),
        None,
    )
    .await
}

fn other_than(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap_or(0) + 1) % 1_000_000)
}

#[tokio::test]
async fn a_reset_by_the_emailed_code_ends_every_session() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("reset"), "Kim").await;
    let other = t.sign_in(&s.email, PASSWORD).await;
    assert_eq!(other.status, 200, "{}", other.text);

    let asked = ask_reset(&t, &s.email.to_uppercase()).await;
    assert_eq!(asked.status, 202, "{}", asked.text);
    let code = nth_code(&t, &s.email, RESET_SUBJECT, 1).await;

    confirm_reset(&t, &s.email, &other_than(&code))
        .await
        .problem(400, "invalid_code");
    let ok = confirm_reset(&t, &s.email, &code).await;
    assert_eq!(ok.status, 204, "{}", ok.text);
    // Single use.
    confirm_reset(&t, &s.email, &code)
        .await
        .problem(400, "invalid_code");

    refresh(&t, &s.refresh_token)
        .await
        .problem(401, "unauthorized");
    let other_token = other.body["refreshToken"].as_str().unwrap_or_default();
    refresh(&t, other_token).await.problem(401, "unauthorized");
    t.sign_in(&s.email, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    let fresh = t.sign_in(&s.email, NEW_PASSWORD).await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    assert_eq!(fresh.body["user"]["emailVerified"], true);
    mailed(&t, &s.email, CHANGED_SUBJECT).await;
}

#[tokio::test]
async fn the_right_reset_code_after_five_wrong_is_refused() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("spent-reset"), "Lee").await;
    assert_eq!(ask_reset(&t, &s.email).await.status, 202);
    let code = nth_code(&t, &s.email, RESET_SUBJECT, 1).await;
    for _ in 0..5 {
        confirm_reset(&t, &s.email, &other_than(&code))
            .await
            .problem(400, "invalid_code");
    }
    confirm_reset(&t, &s.email, &code)
        .await
        .problem(400, "invalid_code");
    assert_eq!(t.sign_in(&s.email, PASSWORD).await.status, 200);
    // An unknown email: the same 202 and body, and no code works for it.
    let known = ask_reset(&t, &s.email).await;
    let unknown = ask_reset(&t, &email("nobody")).await;
    assert_eq!(unknown.status, 202);
    assert_eq!(unknown.body, known.body);
    confirm_reset(&t, &email("nobody"), &code)
        .await
        .problem(400, "invalid_code");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// No timing oracle: a reset request for an email with an account and for one without take
/// about the same time (the same read and the same transaction; only the event differs).
/// The relay stays off: what it does after the write (publishing the event) is not the
/// request's time, and on this machine it would compete for the same cores.
#[tokio::test]
async fn reset_requests_take_about_the_same_time_with_or_without_an_account() {
    let t = TestCloud::start_with(|o| {
        o.disabled_event_sources
            .insert("UsersOutboxRelayFunction".into());
    })
    .await;
    let s = t.sign_up(&email("timing"), "Kim").await;
    // Warm the function first.
    ask_reset(&t, &email("warm")).await;
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..50 {
        // Alternating, so that both see the same conditions.
        let with_account = i % 2 == 0;
        let to = if with_account {
            s.email.clone()
        } else {
            email("nobody")
        };
        let start = std::time::Instant::now();
        let r = ask_reset(&t, &to).await;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(r.status, 202, "{}", r.text);
        if with_account {
            known.push(ms);
        } else {
            unknown.push(ms);
        }
    }
    let (k, u) = (median(known), median(unknown));
    println!(
        "password-reset request medians over 25 each: account {k:.1} ms, no account {u:.1} ms"
    );
    assert!(
        (k - u).abs() < 25.0 + 0.5 * k.min(u),
        "account {k:.1} ms vs no account {u:.1} ms"
    );
}
