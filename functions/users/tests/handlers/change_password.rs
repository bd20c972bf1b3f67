//! `POST /v1/users/me/password` (UsersChangePasswordFunction): a new password ends every
//! session of the account.

use http::StatusCode;
use serde_json::{Value, json};
use testkit::{With, assert_problem, body_json, call, problem_fields};

use super::{Harness, event, harness, sign_up};

pub const NEW_PASSWORD: &str = "a brand new password";

fn change(current: &str, new: &str, token: &str) -> lambda_http::Request {
    event(
        "UsersChangePasswordFunction",
        Some(json!({"currentPassword": current, "newPassword": new})),
        Some(token),
    )
}

pub async fn refreshes(h: &Harness, refresh_token: &Value) -> StatusCode {
    call!(
        h,
        users::sessions::handle_refresh,
        event(
            "UsersRefreshFunction",
            Some(json!({"refreshToken": refresh_token})),
            None
        )
    )
    .status()
}

pub async fn signs_in(h: &Harness, email: &str, password: &str) -> Value {
    let r = call!(
        h,
        users::sign_in::handle,
        event(
            "UsersSignInFunction",
            Some(json!({"email": email, "password": password})),
            None
        )
    );
    json!({"status": r.status().as_u16(), "body": body_json(&r)})
}

#[tokio::test]
async fn a_new_password_ends_every_session_and_queues_password_changed() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    let token = s["accessToken"].as_str().unwrap_or_default();
    // A second session, from another sign-in, and a rotated one.
    let other = signs_in(&h, "sample@example.com", "correct horse battery").await;
    assert_eq!(other["status"], 200);
    let other_refresh = &other["body"]["refreshToken"];

    let r = call!(
        h,
        users::change_password::handle,
        change("correct horse battery", NEW_PASSWORD, token)
    );
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", body_json(&r));

    assert_eq!(
        refreshes(&h, &s["refreshToken"]).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(refreshes(&h, other_refresh).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        signs_in(&h, "sample@example.com", "correct horse battery").await["status"],
        401
    );
    let fresh = signs_in(&h, "sample@example.com", NEW_PASSWORD).await;
    assert_eq!(fresh["status"], 200);
    assert_eq!(
        refreshes(&h, &fresh["body"]["refreshToken"]).await,
        StatusCode::OK,
        "a session started after the change must refresh"
    );

    let changed: Vec<Value> =
        h.db.outbox_bodies()
            .await
            .into_iter()
            .filter(|e| e["type"] == "password_changed")
            .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["userId"], s["user"]["id"]);
    assert_eq!(changed[0]["data"]["email"], "sample@example.com");
}

#[tokio::test]
async fn a_wrong_current_password_is_401_and_changes_nothing() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    let token = s["accessToken"].as_str().unwrap_or_default();
    let r = call!(
        h,
        users::change_password::handle,
        change("not the password", NEW_PASSWORD, token)
    );
    assert_problem(&r, StatusCode::UNAUTHORIZED, "invalid_credentials");
    assert_eq!(refreshes(&h, &s["refreshToken"]).await, StatusCode::OK);
    assert_eq!(
        signs_in(&h, "sample@example.com", "correct horse battery").await["status"],
        200
    );
    assert!(
        h.db.outbox_bodies()
            .await
            .iter()
            .all(|e| e["type"] != "password_changed")
    );
}

#[tokio::test]
async fn bad_requests_are_400_with_the_fields_named() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    let token = s["accessToken"].as_str().unwrap_or_default();
    let event = |w| testkit::event("UsersChangePasswordFunction", w);
    let malformed = call!(
        h,
        users::change_password::handle,
        event(With::raw("{\"currentPassword\"", Some(token)))
    );
    assert_problem(&malformed, StatusCode::BAD_REQUEST, "validation_failed");
    for (body, fields) in [
        (json!({}), vec!["currentPassword", "newPassword"]),
        (
            json!({"currentPassword": 1, "newPassword": ["x"]}),
            vec!["currentPassword", "newPassword"],
        ),
        (
            json!({"currentPassword": "", "newPassword": "short"}),
            vec!["currentPassword", "newPassword"],
        ),
        (
            json!({"currentPassword": "correct horse battery", "newPassword": "x".repeat(129)}),
            vec!["newPassword"],
        ),
        (
            json!({"currentPassword": "correct horse battery"}),
            vec!["newPassword"],
        ),
    ] {
        let r = call!(
            h,
            users::change_password::handle,
            event(With::json(body.clone(), Some(token)))
        );
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(problem_fields(&r), fields, "{body}");
    }
    let anonymous = call!(
        h,
        users::change_password::handle,
        testkit::event("UsersChangePasswordFunction", With::default())
    );
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(refreshes(&h, &s["refreshToken"]).await, StatusCode::OK);
}

#[tokio::test]
async fn wrong_current_passwords_count_against_the_sign_in_limit() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    let token = s["accessToken"].as_str().unwrap_or_default();
    for _ in 0..users::sign_in::MAX_FAILURES {
        let r = call!(
            h,
            users::change_password::handle,
            change("guess guess", NEW_PASSWORD, token)
        );
        assert_problem(&r, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let r = call!(
        h,
        users::change_password::handle,
        change("correct horse battery", NEW_PASSWORD, token)
    );
    assert_problem(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn a_deleted_accounts_refresh_token_is_401() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    // The profile goes, as account deletion removes it; the session's items stay.
    h.db.client
        .delete_item()
        .table_name(&h.db.table)
        .key(
            "pk",
            shared::dynamo::s(format!(
                "USER#{}",
                s["user"]["id"].as_str().unwrap_or_default()
            )),
        )
        .key("sk", shared::dynamo::s("PROFILE"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        refreshes(&h, &s["refreshToken"]).await,
        StatusCode::UNAUTHORIZED
    );
}
