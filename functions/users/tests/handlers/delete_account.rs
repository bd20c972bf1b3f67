//! `DELETE /v1/users/me` (UsersDeleteMeFunction): the account, its email claim, its sign-in
//! attempts go in one transaction with one `user_deleted` per erasing queue.

use http::StatusCode;
use serde_json::{Value, json};
use testkit::{With, assert_problem, body_json, call, problem_fields};

use super::{Harness, event, from_address, harness, sign_in_as, sign_up};

const PASSWORD: &str = "correct horse battery";

fn delete(token: &str, body: Option<Value>) -> lambda_http::Request {
    event("UsersDeleteMeFunction", body, Some(token))
}

fn token_of(signed_up: &Value) -> String {
    signed_up["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Every item of the table but the outbox that holds `needle` in any attribute (keys
/// included). The outbox's items are the relay's to send (here no relay runs).
async fn items_naming(h: &Harness, needle: &str) -> Vec<String> {
    h.db.scan("NOT begins_with(pk, :outbox)", &[(":outbox", "OUTBOX#")])
        .await
        .into_iter()
        .map(|item| format!("{item:?}"))
        .filter(|item| item.contains(needle))
        .collect()
}

#[tokio::test]
async fn deleting_removes_the_account_and_its_email_and_queues_user_deleted_everywhere() {
    let h = harness().await;
    let s = sign_up(&h, "Gone@Example.com").await;
    let id = s["user"]["id"].as_str().unwrap_or_default().to_owned();
    // A failed sign-in from another address leaves a count that holds the email.
    let failed = call!(
        h,
        users::sign_in::handle,
        sign_in_as("gone@example.com", "not the password", "198.51.100.7")
    );
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);

    let r = call!(
        h,
        users::delete_account::handle,
        delete(&token_of(&s), None)
    );
    assert_eq!(r.status(), StatusCode::ACCEPTED, "{}", body_json(&r));

    let deleted: Vec<Value> =
        h.db.outbox_bodies()
            .await
            .into_iter()
            .filter(|b| b["type"] == "user_deleted")
            .collect();
    assert_eq!(deleted.len(), users::delete_account::ERASING_QUEUES.len());
    for body in &deleted {
        assert_eq!(body["userId"], id.as_str());
        assert_eq!(body["data"], json!({}));
        assert_eq!(
            body["id"], deleted[0]["id"],
            "one event, one item per queue"
        );
    }
    let queues: Vec<String> =
        h.db.outbox()
            .await
            .iter()
            .filter(|i| {
                i.get("eventType")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    == Some("user_deleted")
            })
            .filter_map(|i| i.get("queue").and_then(|v| v.as_s().ok()).cloned())
            .collect();
    for queue in users::delete_account::ERASING_QUEUES {
        assert!(
            queues.iter().any(|q| q == queue),
            "{queue} missing: {queues:?}"
        );
    }
    // No item of the account's holds the email any more (the sign-in counts held it too).
    assert_eq!(
        items_naming(&h, "gone@example.com").await,
        Vec::<String>::new()
    );
    let profile =
        h.db.scan("pk = :pk", &[(":pk", &format!("USER#{id}"))])
            .await;
    assert!(profile.is_empty(), "{profile:?}");
    // Its sessions and refresh tokens go too: nothing but the outbox names its id.
    assert_eq!(items_naming(&h, &id).await, Vec::<String>::new());

    let me = call!(
        h,
        users::profile::handle_get,
        event("UsersGetMeFunction", None, Some(&token_of(&s)))
    );
    assert_problem(&me, StatusCode::NOT_FOUND, "not_found");
    let sign_in = call!(
        h,
        users::sign_in::handle,
        sign_in_as("gone@example.com", PASSWORD, "192.0.2.1")
    );
    assert_problem(&sign_in, StatusCode::UNAUTHORIZED, "invalid_credentials");
    // The email is free at once.
    let again = sign_up(&h, "gone@example.com").await;
    assert_ne!(again["user"]["id"], s["user"]["id"]);
    // The old token finds no account.
    let twice = call!(
        h,
        users::delete_account::handle,
        delete(&token_of(&s), None)
    );
    assert_problem(&twice, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_wrong_password_is_401_counts_against_the_limit_and_deletes_nothing() {
    let h = harness().await;
    let s = sign_up(&h, "kim@example.com").await;
    let token = token_of(&s);
    let wrong = || delete(&token, Some(json!({"password": "not the password"})));
    for _ in 0..users::sign_in::MAX_FAILURES {
        let r = call!(h, users::delete_account::handle, wrong());
        assert_problem(&r, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let limited = call!(h, users::delete_account::handle, delete(&token, None));
    assert_problem(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(limited.headers().get("retry-after").is_some());
    // Another address is not limited, and the account is still whole.
    let elsewhere = call!(
        h,
        users::delete_account::handle,
        from_address(
            delete(&token, Some(json!({"password": "still wrong"}))),
            "203.0.113.9"
        )
    );
    assert_problem(&elsewhere, StatusCode::UNAUTHORIZED, "invalid_credentials");
    let me = call!(
        h,
        users::profile::handle_get,
        event("UsersGetMeFunction", None, Some(&token))
    );
    assert_eq!(me.status(), StatusCode::OK);
    let events = h.db.outbox_bodies().await;
    assert!(
        events.iter().all(|b| b["type"] != "user_deleted"),
        "{events:?}"
    );
}

#[tokio::test]
async fn malformed_requests_are_400_and_no_token_is_401() {
    let h = harness().await;
    let s = sign_up(&h, "kim@example.com").await;
    let token = token_of(&s);
    for (body, field) in [
        (json!({}), "password"),
        (json!({"password": 7}), "password"),
        (json!({"password": ""}), "password"),
        (json!({"password": "x".repeat(129)}), "password"),
    ] {
        let r = call!(
            h,
            users::delete_account::handle,
            delete(&token, Some(body.clone()))
        );
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(problem_fields(&r), vec![field.to_owned()], "{body}");
    }
    let not_json = call!(
        h,
        users::delete_account::handle,
        testkit::event(
            "UsersDeleteMeFunction",
            With::raw("{\"password\": ", Some(&token))
        )
    );
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    let anonymous = call!(
        h,
        users::delete_account::handle,
        testkit::event(
            "UsersDeleteMeFunction",
            With {
                token: Some("not-a-token"),
                ..With::default()
            }
        )
    );
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let me = call!(
        h,
        users::profile::handle_get,
        event("UsersGetMeFunction", None, Some(&token))
    );
    assert_eq!(me.status(), StatusCode::OK);
}
