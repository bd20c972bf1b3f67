//! `POST /v1/users/me/email/verify` (UsersVerifyEmailFunction): the code emailed at sign-up.

use http::StatusCode;
use serde_json::{Value, json};
use testkit::{With, assert_problem, body_json, call, problem_fields};

use super::{Harness, event, harness, sign_up};

/// The code the `email_verification` event of the account `user_id` carries.
pub async fn emailed_code(h: &Harness, kind: &str, user_id: &Value) -> String {
    let events = h.db.outbox_bodies().await;
    let sent: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == kind && &e["userId"] == user_id)
        .collect();
    assert_eq!(sent.len(), 1, "{events:?}");
    sent[0]["data"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code: {events:?}"))
        .to_owned()
}

fn verify(code: &str, token: &str) -> lambda_http::Request {
    event(
        "UsersVerifyEmailFunction",
        Some(json!({ "code": code })),
        Some(token),
    )
}

/// Another code than `code`, six digits too.
fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap_or_default();
    format!("{:06}", (n + 1) % 1_000_000)
}

async fn me(h: &Harness, token: &str) -> Value {
    let r = call!(
        h,
        users::profile::handle_get,
        event("UsersGetMeFunction", None, Some(token))
    );
    assert_eq!(r.status(), StatusCode::OK);
    body_json(&r)
}

#[tokio::test]
async fn the_emailed_code_verifies_the_email_once_and_again_is_fine() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    let token = s["accessToken"].as_str().unwrap_or_default();
    let code = emailed_code(&h, "email_verification", &s["user"]["id"]).await;
    assert_eq!(code.len(), 6);
    // Stored only hashed.
    let stored = h.db.scan("sk = :sk", &[(":sk", "VERIFY")]).await;
    assert_eq!(stored.len(), 1);
    assert!(!format!("{stored:?}").contains(&code), "{stored:?}");
    assert_eq!(me(&h, token).await["emailVerified"], false);

    let r = call!(h, users::verification::handle, verify(&wrong(&code), token));
    assert_problem(&r, StatusCode::BAD_REQUEST, "invalid_code");
    assert_eq!(me(&h, token).await["emailVerified"], false);

    let r = call!(h, users::verification::handle, verify(&code, token));
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", body_json(&r));
    assert_eq!(me(&h, token).await["emailVerified"], true);
    assert!(
        h.db.scan("sk = :sk", &[(":sk", "VERIFY")]).await.is_empty(),
        "the code outlived its use"
    );
    // Already verified: 204 whatever the code.
    for again in [code.clone(), wrong(&code)] {
        let r = call!(h, users::verification::handle, verify(&again, token));
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", body_json(&r));
    }
}

#[tokio::test]
async fn five_wrong_codes_spend_it_even_at_once() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    let token = s["accessToken"].as_str().unwrap_or_default().to_owned();
    let code = emailed_code(&h, "email_verification", &s["user"]["id"]).await;
    let tries = (0..12).map(|_| {
        let req = verify(&wrong(&code), &token);
        let app = &*h.app;
        async move {
            let handler = |req| users::verification::handle(app, req);
            shared::http::respond(req, &handler).await
        }
    });
    for r in futures::future::join_all(tries).await {
        assert_problem(&r, StatusCode::BAD_REQUEST, "invalid_code");
    }
    let stored = h.db.scan("sk = :sk", &[(":sk", "VERIFY")]).await;
    assert_eq!(
        stored[0]
            .get("tries")
            .and_then(|t| t.as_n().ok())
            .map(String::as_str),
        Some("5"),
        "more than 5 tries were counted or compared"
    );
    let r = call!(h, users::verification::handle, verify(&code, &token));
    assert_problem(&r, StatusCode::BAD_REQUEST, "invalid_code");
    assert_eq!(me(&h, &token).await["emailVerified"], false);
}

#[tokio::test]
async fn a_code_expires_after_24_hours() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    let code = emailed_code(&h, "email_verification", &s["user"]["id"]).await;
    h.clock.advance(time::Duration::seconds(
        users::verification::CODE_TTL_SECONDS,
    ));
    // The access token of sign-up has expired meanwhile: a fresh one for the same account.
    let user_id = s["user"]["id"].as_str().unwrap_or_default();
    let token_now = h.keys.token(user_id, shared::auth::Role::Student);
    let r = call!(h, users::verification::handle, verify(&code, &token_now));
    assert_problem(&r, StatusCode::BAD_REQUEST, "invalid_code");
}

#[tokio::test]
async fn bad_requests_are_400_and_no_token_is_401() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    let token = s["accessToken"].as_str().unwrap_or_default();
    let event = |w| testkit::event("UsersVerifyEmailFunction", w);
    let malformed = call!(
        h,
        users::verification::handle,
        event(With::raw("{\"code\":", Some(token)))
    );
    assert_problem(&malformed, StatusCode::BAD_REQUEST, "validation_failed");
    for (body, field) in [
        (json!({}), "code"),
        (json!({"code": 493027}), "code"),
        (json!({"code": ["493027"]}), "code"),
        (json!({"code": "49302"}), "code"),
        (json!({"code": "4930271"}), "code"),
        (json!({"code": "49302a"}), "code"),
    ] {
        let r = call!(
            h,
            users::verification::handle,
            event(With::json(body.clone(), Some(token)))
        );
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(problem_fields(&r), [field], "{body}");
    }
    let anonymous = call!(
        h,
        users::verification::handle,
        testkit::event("UsersVerifyEmailFunction", With::default())
    );
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED, "unauthorized");
    // A token of an account that does not exist (deleted, say).
    let ghost = h
        .keys
        .token("01JGHOSTGHOSTGHOSTGHOSTGHOS", shared::auth::Role::Student);
    let r = call!(h, users::verification::handle, verify("493027", &ghost));
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn one_accounts_code_does_not_verify_another() {
    let h = harness().await;
    let a = sign_up(&h, "a@example.com").await;
    let b = sign_up(&h, "b@example.com").await;
    let a_code = emailed_code(&h, "email_verification", &a["user"]["id"]).await;
    let b_code = emailed_code(&h, "email_verification", &b["user"]["id"]).await;
    let b_token = b["accessToken"].as_str().unwrap_or_default();
    if a_code != b_code {
        let r = call!(h, users::verification::handle, verify(&a_code, b_token));
        assert_problem(&r, StatusCode::BAD_REQUEST, "invalid_code");
    }
    let a_token = a["accessToken"].as_str().unwrap_or_default();
    assert_eq!(me(&h, a_token).await["emailVerified"], false);
}
