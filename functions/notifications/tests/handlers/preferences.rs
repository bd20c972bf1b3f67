//! `GET` and `PUT /v1/notifications/preferences` from their sample events.

use http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use shared::auth::Role;
use testkit::{With, assert_problem, body_json, call, problem_fields};

use crate::{Harness, KIM, LEE, harness};

fn token(h: &Harness, user: &str) -> String {
    h.keys.token(user, Role::Student)
}

async fn get(h: &Harness, with: With<'_>) -> Response<Body> {
    let req = testkit::event("NotificationsGetPreferencesFunction", with);
    call!(h, notifications::preferences::handle_get, req)
}

async fn put(h: &Harness, with: With<'_>) -> Response<Body> {
    let req = testkit::event("NotificationsPutPreferencesFunction", with);
    call!(h, notifications::preferences::handle_put, req)
}

/// `user`'s preferences as `GET` shows them.
async fn shown(h: &Harness, user: &str) -> Value {
    let token = token(h, user);
    let r = get(
        h,
        With {
            token: Some(&token),
            ..With::default()
        },
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    body_json(&r)
}

async fn put_as(h: &Harness, user: &str, body: Value) -> Response<Body> {
    let token = token(h, user);
    put(
        h,
        With {
            token: Some(&token),
            body: Some(body),
            ..With::default()
        },
    )
    .await
}

/// The stored `PREFS` items of `user` (none until a `PUT`).
async fn stored(h: &Harness, user: &str) -> Vec<shared::dynamo::Item> {
    h.db.scan(
        "pk = :pk AND sk = :sk",
        &[(":pk", &format!("USER#{user}")), (":sk", "PREFS")],
    )
    .await
}

/// What a user who never chose has.
fn defaults() -> Value {
    json!({"locale": "ko", "kakao": {"enabled": false, "phone": null}})
}

/// A change to `locale` with the external channel off and no phone.
fn off(locale: &str) -> Value {
    json!({"locale": locale, "kakao": {"enabled": false}})
}

#[tokio::test]
async fn preferences_are_the_defaults_until_set_and_reading_stores_nothing() {
    let h = harness().await;
    assert_eq!(shown(&h, KIM).await, defaults());
    assert!(stored(&h, KIM).await.is_empty());
}

#[tokio::test]
async fn the_sample_put_stores_the_phone_normalised_for_the_caller_alone() {
    let h = harness().await;
    let kim = token(&h, KIM);
    let r = put(
        &h,
        With {
            token: Some(&kim),
            ..With::default()
        },
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    let expected = json!({"locale": "ko", "kakao": {"enabled": true, "phone": "01012345678"}});
    assert_eq!(body_json(&r), expected);
    assert_eq!(shown(&h, KIM).await, expected);
    assert_eq!(stored(&h, KIM).await.len(), 1);
    assert_eq!(shown(&h, LEE).await, defaults(), "Lee's are untouched");

    // A PUT replaces the whole document; turning the channel off may keep the phone.
    let change = json!({"locale": "en", "kakao": {"enabled": false, "phone": "+82 10 9876 5432"}});
    let r = put_as(&h, KIM, change).await;
    assert_eq!(r.status(), StatusCode::OK);
    let expected = json!({"locale": "en", "kakao": {"enabled": false, "phone": "+821098765432"}});
    assert_eq!(body_json(&r), expected);
    assert_eq!(shown(&h, KIM).await, expected);

    // Lee's change is Lee's.
    let r = put_as(&h, LEE, off("ko")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(shown(&h, LEE).await, defaults());
    assert_eq!(shown(&h, KIM).await, expected);
}

#[tokio::test]
async fn a_malformed_or_invalid_change_is_a_400_and_keeps_what_was_stored() {
    let h = harness().await;
    let r = put_as(&h, KIM, off("en")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let before = stored(&h, KIM).await;
    let kim = token(&h, KIM);
    for raw in ["{", "not json", "[1]", "\"ko\"", "", "null"] {
        let r = put(
            &h,
            With {
                token: Some(&kim),
                raw_body: Some(raw),
                ..With::default()
            },
        )
        .await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
    }
    let cases = [
        (json!({}), vec!["locale", "kakao"]),
        (json!({"kakao": {"enabled": false}}), vec!["locale"]),
        (json!({"locale": "ko"}), vec!["kakao"]),
        (
            json!({"locale": "fr", "kakao": {"enabled": false}}),
            vec!["locale"],
        ),
        (
            json!({"locale": 1, "kakao": {"enabled": false}}),
            vec!["locale"],
        ),
        (
            json!({"locale": "ko", "kakao": {"enabled": "yes"}}),
            vec!["kakao.enabled"],
        ),
        (
            json!({"locale": "ko", "kakao": {"enabled": true}}),
            vec!["kakao.phone"],
        ),
        (
            json!({"locale": "ko", "kakao": {"enabled": true, "phone": "call me"}}),
            vec!["kakao.phone"],
        ),
        (
            json!({"locale": "ko", "kakao": {"enable": true}}),
            vec!["kakao.enable"],
        ),
        (
            json!({"locale": "ko", "kakao": {"enabled": false}, "email": true}),
            vec!["email"],
        ),
    ];
    for (body, expected) in cases {
        let r = put_as(&h, KIM, body.clone()).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(problem_fields(&r), expected, "{body}");
    }
    assert_eq!(stored(&h, KIM).await, before, "nothing refused was stored");
    assert_eq!(
        shown(&h, KIM).await,
        json!({"locale": "en", "kakao": {"enabled": false, "phone": null}})
    );
}

#[tokio::test]
async fn preferences_want_a_signed_in_caller() {
    let h = harness().await;
    // The sample events carry a placeholder, not a token.
    assert_problem(
        &get(&h, With::default()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_problem(
        &put(&h, With::default()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let r = put(
        &h,
        With {
            token: Some("not-a-token"),
            raw_body: Some("{"),
            ..With::default()
        },
    )
    .await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(h.db.scan("attribute_exists(pk)", &[]).await.is_empty());
}
