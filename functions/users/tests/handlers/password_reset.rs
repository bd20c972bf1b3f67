//! `POST /v1/auth/password-reset` (UsersRequestPasswordResetFunction) and
//! `POST /v1/auth/password-reset/confirm` (UsersConfirmPasswordResetFunction).

use http::StatusCode;
use serde_json::{Value, json};
use testkit::{With, assert_problem, body_json, call, problem_fields};

use super::change_password::{NEW_PASSWORD, refreshes, signs_in};
use super::verification::emailed_code;
use super::{Harness, event, harness, sign_up};

async fn request(h: &Harness, email: &str) -> lambda_http::Response<lambda_http::Body> {
    call!(
        h,
        users::password_reset::handle_request,
        event(
            "UsersRequestPasswordResetFunction",
            Some(json!({ "email": email })),
            None
        )
    )
}

async fn confirm(h: &Harness, email: &str, code: &str) -> lambda_http::Response<lambda_http::Body> {
    call!(
        h,
        users::password_reset::handle_confirm,
        event(
            "UsersConfirmPasswordResetFunction",
            Some(json!({"email": email, "code": code, "newPassword": NEW_PASSWORD})),
            None
        )
    )
}

fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap_or_default();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[tokio::test]
async fn a_reset_code_replaces_the_password_once_and_ends_every_session() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    let r = request(&h, " Sample@Example.com").await;
    assert_eq!(r.status(), StatusCode::ACCEPTED, "{}", body_json(&r));
    let code = emailed_code(&h, "password_reset", &s["user"]["id"]).await;
    let sent: Vec<Value> =
        h.db.outbox_bodies()
            .await
            .into_iter()
            .filter(|e| e["type"] == "password_reset")
            .collect();
    assert_eq!(sent[0]["data"]["email"], "sample@example.com");
    let stored = h.db.scan("sk = :sk", &[(":sk", "RESET")]).await;
    assert!(!format!("{stored:?}").contains(&code), "{stored:?}");

    assert_problem(
        &confirm(&h, "sample@example.com", &wrong(&code)).await,
        StatusCode::BAD_REQUEST,
        "invalid_code",
    );
    let ok = confirm(&h, "SAMPLE@example.com", &code).await;
    assert_eq!(ok.status(), StatusCode::NO_CONTENT, "{}", body_json(&ok));

    assert_eq!(
        refreshes(&h, &s["refreshToken"]).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        signs_in(&h, "sample@example.com", "correct horse battery").await["status"],
        401
    );
    let fresh = signs_in(&h, "sample@example.com", NEW_PASSWORD).await;
    assert_eq!(fresh["status"], 200);
    assert_eq!(fresh["body"]["user"]["emailVerified"], true);
    let changed =
        h.db.outbox_bodies()
            .await
            .into_iter()
            .filter(|e| e["type"] == "password_changed")
            .count();
    assert_eq!(changed, 1);

    // Single use.
    assert_problem(
        &confirm(&h, "sample@example.com", &code).await,
        StatusCode::BAD_REQUEST,
        "invalid_code",
    );
}

#[tokio::test]
async fn an_unknown_email_gets_the_same_answer_and_no_code() {
    let h = harness().await;
    sign_up(&h, "sample@example.com").await;
    let known = request(&h, "sample@example.com").await;
    let unknown = request(&h, "nobody@example.com").await;
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    assert_eq!(body_json(&unknown), body_json(&known));
    assert_eq!(
        h.db.outbox_bodies()
            .await
            .iter()
            .filter(|e| e["type"] == "password_reset")
            .count(),
        1,
        "an unknown email was sent a code"
    );
    // Whatever code: the same 400 as a wrong one.
    for code in ["000000", "493027", "999999"] {
        assert_problem(
            &confirm(&h, "nobody@example.com", code).await,
            StatusCode::BAD_REQUEST,
            "invalid_code",
        );
    }
    assert_problem(
        &confirm(&h, "never-asked@example.com", "000000").await,
        StatusCode::BAD_REQUEST,
        "invalid_code",
    );
}

#[tokio::test]
async fn five_wrong_codes_spend_it_and_fifteen_minutes_expire_it() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    request(&h, "sample@example.com").await;
    let code = emailed_code(&h, "password_reset", &s["user"]["id"]).await;
    let tries = (0..12).map(|_| {
        let req = event(
            "UsersConfirmPasswordResetFunction",
            Some(json!({"email": "sample@example.com", "code": wrong(&code), "newPassword": NEW_PASSWORD})),
            None,
        );
        let app = &*h.app;
        async move {
            let handler = |req| users::password_reset::handle_confirm(app, req);
            shared::http::respond(req, &handler).await
        }
    });
    for r in futures::future::join_all(tries).await {
        assert_problem(&r, StatusCode::BAD_REQUEST, "invalid_code");
    }
    assert_problem(
        &confirm(&h, "sample@example.com", &code).await,
        StatusCode::BAD_REQUEST,
        "invalid_code",
    );
    assert_eq!(
        signs_in(&h, "sample@example.com", "correct horse battery").await["status"],
        200
    );

    // A new request: a new code, and new tries; it expires after 15 minutes.
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    request(&h, "sample@example.com").await;
    let code = emailed_code(&h, "password_reset", &s["user"]["id"]).await;
    h.clock.advance(time::Duration::seconds(
        users::password_reset::CODE_TTL_SECONDS,
    ));
    assert_problem(
        &confirm(&h, "sample@example.com", &code).await,
        StatusCode::BAD_REQUEST,
        "invalid_code",
    );
}

#[tokio::test]
async fn a_new_request_replaces_the_code() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    request(&h, "sample@example.com").await;
    let first = emailed_code(&h, "password_reset", &s["user"]["id"]).await;
    h.clock.advance(time::Duration::seconds(60));
    request(&h, "sample@example.com").await;
    let codes: Vec<String> =
        h.db.outbox_bodies()
            .await
            .iter()
            .filter(|e| e["type"] == "password_reset")
            .filter_map(|e| e["data"]["code"].as_str().map(str::to_owned))
            .collect();
    assert_eq!(codes.len(), 2);
    let second = codes.into_iter().find(|c| *c != first);
    if let Some(second) = second {
        assert_problem(
            &confirm(&h, "sample@example.com", &first).await,
            StatusCode::BAD_REQUEST,
            "invalid_code",
        );
        let ok = confirm(&h, "sample@example.com", &second).await;
        assert_eq!(ok.status(), StatusCode::NO_CONTENT, "{}", body_json(&ok));
    }
}

#[tokio::test]
async fn bad_requests_are_400_with_the_fields_named() {
    let h = harness().await;
    let request = |w: With<'static>| testkit::event("UsersRequestPasswordResetFunction", w);
    let confirm = |w: With<'static>| testkit::event("UsersConfirmPasswordResetFunction", w);
    let r = call!(
        h,
        users::password_reset::handle_request,
        request(With::raw("{\"email\"", None))
    );
    assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
    for body in [
        json!({}),
        json!({"email": 7}),
        json!({"email": "not-an-email"}),
    ] {
        let r = call!(
            h,
            users::password_reset::handle_request,
            request(With::json(body.clone(), None))
        );
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(problem_fields(&r), ["email"], "{body}");
    }
    let r = call!(
        h,
        users::password_reset::handle_confirm,
        confirm(With::raw("[", None))
    );
    assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
    for (body, fields) in [
        (json!({}), vec!["email", "code", "newPassword"]),
        (
            json!({"email": 1, "code": 123456, "newPassword": false}),
            vec!["email", "code", "newPassword"],
        ),
        (
            json!({"email": "a@b.co", "code": "12345", "newPassword": "short"}),
            vec!["code", "newPassword"],
        ),
        (
            json!({"email": "a@b.co", "code": "123456"}),
            vec!["newPassword"],
        ),
    ] {
        let r = call!(
            h,
            users::password_reset::handle_confirm,
            confirm(With::json(body.clone(), None))
        );
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(problem_fields(&r), fields, "{body}");
    }
}
