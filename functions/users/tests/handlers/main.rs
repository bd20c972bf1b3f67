//! Handler tests: the sample events of `events/` (API Gateway HTTP API v2 payloads) through
//! the real handlers, in process, against the DynamoDB emulator with the template's table.

use http::StatusCode;
use lambda_http::Request;
use lambda_http::request::RequestContext;
use serde_json::{Value, json};
use shared::app::{Context, TableStore};
use shared::clock::Clock;
use shared::http::respond;
use testkit::{Keys, With, body_json, call};
use users::{App, Store};

mod change_password;
mod delete_account;
mod password_reset;
mod sign_in_writes;
mod verification;

type Harness = testkit::Harness<App>;

/// The users table on the emulator, with the signing key (sign-up, sign-in and refresh
/// issue tokens).
async fn harness() -> Harness {
    testkit::Harness::build("UsersTable", |db, keys, clock| {
        // The harness's keys are fixed: another `Keys` signs with the same key.
        let signer = Keys::new(clock.clone()).signer;
        App::new(
            Context::new(
                Store::new(db.client.clone(), db.table.clone()),
                keys.verifier.clone(),
                clock,
            ),
            Some(signer),
        )
    })
    .await
}

/// The sample event of `function`, with its JSON body replaced when `body` is given.
fn event(function: &str, body: Option<Value>, token: Option<&str>) -> Request {
    testkit::event(
        function,
        With {
            body,
            token,
            ..With::default()
        },
    )
}

async fn sign_up(h: &Harness, email: &str) -> Value {
    let r = call!(
        h,
        users::sign_up::handle,
        event(
            "UsersSignUpFunction",
            Some(json!({"email": email, "password": "correct horse battery", "name": "Kim"})),
            None
        )
    );
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    body_json(&r)
}

#[tokio::test]
async fn sign_up_event_creates_the_account_and_its_welcome_event_together() {
    let h = harness().await;
    let out = sign_up(&h, "Sample@Example.com").await;
    assert_eq!(out["user"]["email"], "sample@example.com");
    assert_eq!(out["user"]["role"], "student");
    assert_eq!(out["tokenType"], "Bearer");
    assert_eq!(out["expiresIn"], 900);
    assert_eq!(out["user"]["emailVerified"], false);
    let mut events = h.db.outbox_bodies().await;
    events.sort_by_key(|e| e["type"].as_str().map(str::to_owned));
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["type"], "email_verification");
    assert_eq!(events[0]["data"]["email"], "sample@example.com");
    assert_eq!(events[1]["type"], "welcome");
    for e in &events {
        assert_eq!(e["userId"], out["user"]["id"]);
    }
}

#[tokio::test]
async fn a_taken_email_in_any_case_is_409_and_changes_nothing() {
    let h = harness().await;
    sign_up(&h, "kim@example.com").await;
    let r = call!(
        h,
        users::sign_up::handle,
        event(
            "UsersSignUpFunction",
            Some(
                json!({"email": "KIM@example.COM", "password": "another password", "name": "Other"})
            ),
            None
        )
    );
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(body_json(&r)["code"], "email_taken");
    assert_eq!(
        h.db.outbox_bodies().await.len(),
        2,
        "a refused sign-up queued an event"
    );
}

#[tokio::test]
async fn concurrent_sign_ups_with_one_email_make_exactly_one_account() {
    let h = harness().await;
    let attempts = (0..8).map(|i| {
        let req = event(
            "UsersSignUpFunction",
            Some(json!({"email": format!("Race@Example.com{}", if i % 2 == 0 { "" } else { " " }), "password": "correct horse battery", "name": "Racer"})),
            None,
        );
        let app = &*h.app;
        async move {
            let handler = |req: Request| users::sign_up::handle(app, req);
            respond(req, &handler).await.status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT)
    );
}

#[tokio::test]
async fn sign_in_event_answers_tokens_and_one_401_for_both_wrong_cases() {
    let h = harness().await;
    sign_up(&h, "sample@example.com").await;
    let ok = call!(
        h,
        users::sign_in::handle,
        event("UsersSignInFunction", None, None)
    );
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(
        body_json(&ok)["accessToken"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );

    let wrong = call!(
        h,
        users::sign_in::handle,
        event(
            "UsersSignInFunction",
            Some(json!({"email": "sample@example.com", "password": "not the password"})),
            None
        )
    );
    let unknown = call!(
        h,
        users::sign_in::handle,
        event(
            "UsersSignInFunction",
            Some(json!({"email": "nobody@example.com", "password": "not the password"})),
            None
        )
    );
    for r in [&wrong, &unknown] {
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(body_json(r)["code"], "invalid_credentials");
        assert_eq!(body_json(r)["detail"], body_json(&wrong)["detail"]);
    }
}

#[tokio::test]
async fn repeated_failures_lock_sign_in_until_the_window_ends() {
    let h = harness().await;
    sign_up(&h, "sample@example.com").await;
    let bad = || {
        event(
            "UsersSignInFunction",
            Some(json!({"email": "sample@example.com", "password": "guess guess"})),
            None,
        )
    };
    for _ in 0..users::sign_in::MAX_FAILURES {
        assert_eq!(
            call!(h, users::sign_in::handle, bad()).status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = call!(
        h,
        users::sign_in::handle,
        event("UsersSignInFunction", None, None)
    );
    assert_eq!(
        locked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the right password must wait too"
    );
    assert_eq!(body_json(&locked)["code"], "rate_limited");
    assert!(locked.headers().get("retry-after").is_some());

    h.clock.advance(time::Duration::seconds(
        users::sign_in::FAILURE_WINDOW_SECONDS,
    ));
    let after = call!(
        h,
        users::sign_in::handle,
        event("UsersSignInFunction", None, None)
    );
    assert_eq!(after.status(), StatusCode::OK);
}

/// `req` as sent from the client address `ip` (`requestContext.http.sourceIp`).
fn from_address(mut req: Request, ip: &str) -> Request {
    if let Some(RequestContext::ApiGatewayV2(ctx)) = req.extensions_mut().get_mut() {
        ctx.http.source_ip = Some(ip.to_owned());
    }
    req
}

fn sign_in_as(email: &str, password: &str, ip: &str) -> Request {
    from_address(
        event(
            "UsersSignInFunction",
            Some(json!({"email": email, "password": password})),
            None,
        ),
        ip,
    )
}

#[tokio::test]
async fn a_hundred_wrong_passwords_at_once_get_at_most_the_limit_checked() {
    let h = harness().await;
    sign_up(&h, "sample@example.com").await;
    let attempts = (0..100).map(|_| {
        let req = sign_in_as("sample@example.com", "guess guess", "203.0.113.7");
        let app = &*h.app;
        async move {
            let handler = |req: Request| users::sign_in::handle(app, req);
            let r = respond(req, &handler).await;
            (r.status(), body_json(&r)["code"].clone())
        }
    });
    let answers = futures::future::join_all(attempts).await;
    let checked = answers
        .iter()
        .filter(|(s, code)| *s == StatusCode::UNAUTHORIZED && code == "invalid_credentials")
        .count();
    let limited = answers
        .iter()
        .filter(|(s, code)| *s == StatusCode::TOO_MANY_REQUESTS && code == "rate_limited")
        .count();
    // A 401 is answered only after its password was checked; a 429 before any check.
    assert_eq!(
        checked,
        users::sign_in::MAX_FAILURES as usize,
        "{answers:?}"
    );
    assert_eq!(checked + limited, 100, "{answers:?}");
    let counted = h
        .app
        .store
        .sign_in_attempts(&email("sample@example.com"), "203.0.113.7")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|f| f.count);
    assert_eq!(counted, Some(users::sign_in::MAX_FAILURES));

    // The attacker's address is refused, even with the right password...
    assert_eq!(
        signs_in_from(
            &h,
            "sample@example.com",
            "correct horse battery",
            "203.0.113.7"
        )
        .await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...but the owner, elsewhere, is not locked out.
    let owner = call!(
        h,
        users::sign_in::handle,
        sign_in_as(
            "sample@example.com",
            "correct horse battery",
            "198.51.100.20"
        )
    );
    assert_eq!(owner.status(), StatusCode::OK, "{}", body_json(&owner));
}

#[tokio::test]
async fn a_success_clears_its_address_count() {
    let h = harness().await;
    sign_up(&h, "sample@example.com").await;
    let attempt =
        |password: &'static str| signs_in_from(&h, "sample@example.com", password, "198.51.100.3");
    for _ in 1..users::sign_in::MAX_FAILURES {
        assert_eq!(attempt("guess guess").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(attempt("correct horse battery").await, StatusCode::OK);
    for _ in 0..users::sign_in::MAX_FAILURES {
        assert_eq!(
            attempt("guess guess").await,
            StatusCode::UNAUTHORIZED,
            "the success left its count"
        );
    }
}

fn email(raw: &str) -> users::model::Email {
    users::model::Email::try_from(raw.to_owned()).unwrap_or_else(|e| panic!("{e}"))
}

fn password(raw: &str) -> users::model::Password {
    users::model::Password::try_from(raw.to_owned()).unwrap_or_else(|e| panic!("{e}"))
}

async fn role_of(h: &Harness, raw: &str) -> Option<shared::auth::Role> {
    h.app
        .store
        .user_by_email(&email(raw))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|u| u.role)
}

async fn signs_in(h: &Harness, raw: &str, password: &str) -> StatusCode {
    signs_in_from(h, raw, password, "192.0.2.50").await
}

async fn signs_in_from(h: &Harness, raw: &str, password: &str, ip: &str) -> StatusCode {
    call!(h, users::sign_in::handle, sign_in_as(raw, password, ip)).status()
}

async fn seed(
    h: &Harness,
    raw: &str,
    admin_password: &str,
) -> Result<users::seed_admin::Seeded, users::seed_admin::SeedError> {
    users::seed_admin::seed(&h.app, &email(raw), &password(admin_password)).await
}

async fn seeded(h: &Harness, raw: &str, admin_password: &str) -> users::seed_admin::Seeded {
    seed(h, raw, admin_password)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn the_seed_never_promotes_an_account_whose_password_is_not_admin_password() {
    let h = harness().await;
    // Someone who knows the admin's email signs up with it first.
    sign_up(&h, "admin@example.com").await;
    let refused = seed(&h, "admin@example.com", "the operator's secret").await;
    assert!(
        matches!(refused, Err(users::seed_admin::SeedError::NotPromoted)),
        "{refused:?}"
    );
    assert_eq!(
        role_of(&h, "admin@example.com").await,
        Some(shared::auth::Role::Student)
    );
    assert_eq!(
        signs_in(&h, "admin@example.com", "the operator's secret").await,
        StatusCode::UNAUTHORIZED,
        "the seed changed a student's password"
    );

    // The account's own password is ADMIN_PASSWORD: the operator owns it, promote it.
    let promoted = seeded(&h, "admin@example.com", "correct horse battery").await;
    assert!(!promoted.created && !promoted.password_changed);
    assert_eq!(
        role_of(&h, "admin@example.com").await,
        Some(shared::auth::Role::Admin)
    );
}

#[tokio::test]
async fn a_changed_admin_password_takes_effect_on_the_next_seed() {
    let h = harness().await;
    let first = seeded(&h, "Admin@Example.com", "first admin password").await;
    assert!(first.created);
    let again = seeded(&h, "admin@example.com", "first admin password").await;
    assert_eq!(again.user_id, first.user_id);
    assert!(!again.created && !again.password_changed, "{again:?}");
    assert_eq!(
        signs_in(&h, "admin@example.com", "first admin password").await,
        StatusCode::OK
    );

    let changed = seeded(&h, "admin@example.com", "second admin password").await;
    assert_eq!(changed.user_id, first.user_id);
    assert!(changed.password_changed && !changed.created, "{changed:?}");
    assert_eq!(
        signs_in(&h, "admin@example.com", "first admin password").await,
        StatusCode::UNAUTHORIZED,
        "the old ADMIN_PASSWORD still signs in"
    );
    assert_eq!(
        signs_in(&h, "admin@example.com", "second admin password").await,
        StatusCode::OK
    );
    assert_eq!(
        role_of(&h, "admin@example.com").await,
        Some(shared::auth::Role::Admin)
    );
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_session() {
    let h = harness().await;
    let first = sign_up(&h, "sample@example.com").await;
    let refresh = |t: &Value| {
        event(
            "UsersRefreshFunction",
            Some(json!({"refreshToken": t})),
            None,
        )
    };

    let second = call!(
        h,
        users::sessions::handle_refresh,
        refresh(&first["refreshToken"])
    );
    assert_eq!(second.status(), StatusCode::OK);
    let second = body_json(&second);
    assert_ne!(second["refreshToken"], first["refreshToken"]);

    let reused = call!(
        h,
        users::sessions::handle_refresh,
        refresh(&first["refreshToken"])
    );
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
    let after = call!(
        h,
        users::sessions::handle_refresh,
        refresh(&second["refreshToken"])
    );
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "the family survived a reuse"
    );
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    let out = call!(
        h,
        users::sessions::handle_sign_out,
        event(
            "UsersSignOutFunction",
            Some(json!({"refreshToken": s["refreshToken"]})),
            None
        )
    );
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let again = call!(
        h,
        users::sessions::handle_refresh,
        event(
            "UsersRefreshFunction",
            Some(json!({"refreshToken": s["refreshToken"]})),
            None
        )
    );
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn me_needs_a_token_and_patch_renames() {
    let h = harness().await;
    let s = sign_up(&h, "sample@example.com").await;
    let token = s["accessToken"].as_str().unwrap_or_default().to_owned();

    let anonymous = call!(
        h,
        users::profile::handle_get,
        event("UsersGetMeFunction", None, None)
    );
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let me = call!(
        h,
        users::profile::handle_get,
        event("UsersGetMeFunction", None, Some(&token))
    );
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(body_json(&me)["id"], s["user"]["id"]);
    assert!(body_json(&me).get("passwordHash").is_none());

    let renamed = call!(
        h,
        users::profile::handle_update,
        event("UsersUpdateMeFunction", None, Some(&token))
    );
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(body_json(&renamed)["name"], "Renamed Student");

    let bad = call!(
        h,
        users::profile::handle_update,
        event(
            "UsersUpdateMeFunction",
            Some(json!({"name": 7})),
            Some(&token)
        )
    );
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(&bad)["errors"][0]["field"], "name");
}

#[tokio::test]
async fn jwks_event_serves_the_public_key() {
    let h = harness().await;
    let verifier = &h.app.verifier;
    let handler = |_req: Request| async { users::profile::jwks(verifier) };
    let r = respond(event("UsersJwksFunction", None, None), &handler).await;
    assert_eq!(r.status(), StatusCode::OK);
    let jwks = body_json(&r);
    assert_eq!(jwks["keys"][0]["kid"], "test-key");
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
    assert!(jwks["keys"][0].get("d").is_none(), "a private part leaked");
}

#[tokio::test]
async fn access_tokens_carry_the_name_and_a_rename_shows_from_the_next_refresh() {
    let h = harness().await;
    let name_in = |tokens: &Value| {
        h.keys
            .verifier
            .verify(
                tokens["accessToken"].as_str().unwrap_or_default(),
                h.clock.now(),
            )
            .unwrap_or_else(|e| panic!("{e}"))
            .name
    };
    let s = sign_up(&h, "sample@example.com").await;
    assert_eq!(name_in(&s).as_deref(), Some("Kim"));
    let signed_in = call!(
        h,
        users::sign_in::handle,
        event("UsersSignInFunction", None, None)
    );
    assert_eq!(name_in(&body_json(&signed_in)).as_deref(), Some("Kim"));

    let token = s["accessToken"].as_str().unwrap_or_default().to_owned();
    let renamed = call!(
        h,
        users::profile::handle_update,
        event("UsersUpdateMeFunction", None, Some(&token))
    );
    assert_eq!(renamed.status(), StatusCode::OK);
    let refresh = json!({"refreshToken": s["refreshToken"]});
    let refreshed = call!(
        h,
        users::sessions::handle_refresh,
        event("UsersRefreshFunction", Some(refresh), None)
    );
    assert_eq!(refreshed.status(), StatusCode::OK);
    assert_eq!(
        name_in(&body_json(&refreshed)).as_deref(),
        Some("Renamed Student")
    );
}
