//! sign-up, sign-in, refresh, sign-out: every rule and documented error of the contract.

use e2e::{PASSWORD, TestCloud, email, session};
use serde_json::json;

#[tokio::test]
async fn sign_up_answers_the_user_and_a_token_pair() {
    let t = TestCloud::start().await;
    let r = t
        .call(
            "POST",
            "/v1/auth/sign-up",
            Some(json!({"email": "Kim@Example.com", "password": PASSWORD, "name": "Kim"})),
            None,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("x-request-id").is_some_and(|id| !id.is_empty()));
    assert_eq!(r.body["user"]["email"], "kim@example.com");
    assert_eq!(r.body["user"]["name"], "Kim");
    assert_eq!(r.body["user"]["role"], "student");
    assert!(
        r.body["user"]["createdAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(r.body["expiresIn"], 900);
    assert!(
        r.body["refreshToken"]
            .as_str()
            .is_some_and(|t| t.len() >= 40)
    );
    assert!(r.body["user"].get("passwordHash").is_none());
}

#[tokio::test]
async fn sign_up_refuses_bad_input_with_every_field_named() {
    let t = TestCloud::start().await;
    let post = |body: &str, ct: &'static str| {
        let body = body.as_bytes().to_vec();
        let t = &t;
        async move {
            t.send(
                "POST",
                "/v1/auth/sign-up",
                &[("content-type", ct)],
                Some(body),
            )
            .await
        }
    };
    post("{\"email\": \"a@b.co\",", "application/json")
        .await
        .problem(400, "validation_failed");
    post("[]", "application/json")
        .await
        .problem(400, "validation_failed");
    post(
        r#"{"email":"a@b.co","password":"1234567890","name":"n"}"#,
        "text/plain",
    )
    .await
    .problem(415, "unsupported_media_type");

    let missing = post("{}", "application/json").await;
    missing.problem(400, "validation_failed");
    assert_eq!(missing.fields(), ["email", "password", "name"]);

    let wrong_types = post(
        r#"{"email":5,"password":["x"],"name":{"a":1}}"#,
        "application/json",
    )
    .await;
    wrong_types.problem(400, "validation_failed");
    assert_eq!(wrong_types.fields(), ["email", "password", "name"]);

    let rules = post(
        &json!({"email": "not-an-email", "password": "short", "name": "x".repeat(51)}).to_string(),
        "application/json",
    )
    .await;
    rules.problem(400, "validation_failed");
    assert_eq!(rules.fields(), ["email", "password", "name"]);

    let huge =
        json!({"email": "a@b.co", "password": PASSWORD, "name": "n", "pad": "x".repeat(200_000)});
    post(&huge.to_string(), "application/json")
        .await
        .problem(413, "payload_too_large");

    // None of that created an account.
    t.sign_in("a@b.co", PASSWORD)
        .await
        .problem(401, "invalid_credentials");
}

#[tokio::test]
async fn an_email_is_taken_whatever_its_case() {
    let t = TestCloud::start().await;
    t.sign_up("taken@example.com", "First").await;
    let r = t
        .call(
            "POST",
            "/v1/auth/sign-up",
            Some(json!({"email": " TAKEN@example.COM", "password": PASSWORD, "name": "Second"})),
            None,
        )
        .await;
    r.problem(409, "email_taken");
    // The first account is untouched.
    let first = t.sign_in("taken@example.com", PASSWORD).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["user"]["name"], "First");
}

#[tokio::test]
async fn concurrent_sign_ups_with_one_email_create_exactly_one_account() {
    let t = TestCloud::start().await;
    let tries = (0..10).map(|i| {
        let mail = if i % 2 == 0 {
            "race@example.com"
        } else {
            "RACE@example.com"
        };
        t.call(
            "POST",
            "/v1/auth/sign-up",
            Some(json!({"email": mail, "password": PASSWORD, "name": format!("R{i}")})),
            None,
        )
    });
    let replies = futures::future::join_all(tries).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let conflicts = replies.iter().filter(|r| r.status == 409).count();
    assert_eq!(
        (created, conflicts),
        (1, 9),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(t.sign_in("race@example.com", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn sign_in_says_the_same_for_an_unknown_email_and_a_wrong_password() {
    let t = TestCloud::start().await;
    let mail = email("known");
    t.sign_up(&mail, "Known").await;
    let ok = t.sign_in(&mail.to_uppercase(), PASSWORD).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(session(&ok.body).email, mail);

    let wrong = t.sign_in(&mail, "wrong password!").await;
    let unknown = t.sign_in("nobody@example.com", "wrong password!").await;
    wrong.problem(401, "invalid_credentials");
    unknown.problem(401, "invalid_credentials");
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
    assert_eq!(wrong.body["title"], unknown.body["title"]);

    t.send(
        "POST",
        "/v1/auth/sign-in",
        &[("content-type", "application/json")],
        Some(b"{nope".to_vec()),
    )
    .await
    .problem(400, "validation_failed");
    let missing = t
        .call(
            "POST",
            "/v1/auth/sign-in",
            Some(json!({"email": mail})),
            None,
        )
        .await;
    missing.problem(400, "validation_failed");
    assert_eq!(missing.fields(), ["password"]);
    let wrong_type = t
        .call(
            "POST",
            "/v1/auth/sign-in",
            Some(json!({"email": mail, "password": 1234567890})),
            None,
        )
        .await;
    assert_eq!(wrong_type.fields(), ["password"]);
}

#[tokio::test]
async fn a_hundred_wrong_passwords_at_once_get_at_most_five_checked() {
    let t = TestCloud::start().await;
    let mail = email("burst");
    t.sign_up(&mail, "Burst").await;
    let answers =
        futures::future::join_all((0..100).map(|_| t.sign_in(&mail, "not my password"))).await;
    // A 401 comes only after a password check; a 429 before any.
    let checked = answers.iter().filter(|r| r.status == 401).count();
    for r in &answers {
        if r.status == 401 {
            r.problem(401, "invalid_credentials");
        } else {
            r.problem(429, "rate_limited");
        }
    }
    assert!((1..=5).contains(&checked), "{checked} passwords checked");
    // The window is full for this address, even for the right password.
    t.sign_in(&mail, PASSWORD)
        .await
        .problem(429, "rate_limited");
}

#[tokio::test]
async fn repeated_failures_for_one_account_are_rate_limited() {
    let t = TestCloud::start().await;
    let mail = email("locked");
    t.sign_up(&mail, "Locked").await;
    for _ in 0..5 {
        t.sign_in(&mail, "not my password")
            .await
            .problem(401, "invalid_credentials");
    }
    let limited = t.sign_in(&mail, PASSWORD).await;
    limited.problem(429, "rate_limited");
    let retry_after: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(
        (1..=900).contains(&retry_after),
        "retry-after {retry_after}"
    );
    // Another account is not affected.
    let other = email("free");
    t.sign_up(&other, "Free").await;
    assert_eq!(t.sign_in(&other, PASSWORD).await.status, 200);
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_whole_family() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("rot"), "Rot").await;
    let refresh = |token: &str| {
        t.call(
            "POST",
            "/v1/auth/refresh",
            Some(json!({"refreshToken": token})),
            None,
        )
    };

    let second = refresh(&s.refresh_token).await;
    assert_eq!(second.status, 200, "{}", second.text);
    let second = session(
        &json!({"user": {}, "accessToken": second.body["accessToken"], "refreshToken": second.body["refreshToken"]}),
    );
    assert_ne!(second.refresh_token, s.refresh_token);
    let me = t
        .call("GET", "/v1/users/me", None, Some(&second.access_token))
        .await;
    assert_eq!(me.body["id"], s.user_id);

    // The old token again: theft. It fails, and so does the token rotated from it.
    refresh(&s.refresh_token).await.problem(401, "unauthorized");
    refresh(&second.refresh_token)
        .await
        .problem(401, "unauthorized");

    // Another session of the same user lives on.
    let other = t.sign_in(&s.email, PASSWORD).await;
    assert_eq!(
        refresh(other.body["refreshToken"].as_str().unwrap_or_default())
            .await
            .status,
        200
    );

    refresh("not-a-token").await.problem(401, "unauthorized");
    let bad = t
        .call(
            "POST",
            "/v1/auth/refresh",
            Some(json!({"refreshToken": 42})),
            None,
        )
        .await;
    bad.problem(400, "validation_failed");
    assert_eq!(bad.fields(), ["refreshToken"]);
    t.call("POST", "/v1/auth/refresh", Some(json!({})), None)
        .await
        .problem(400, "validation_failed");
}

#[tokio::test]
async fn sign_out_ends_only_that_session() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("out"), "Out").await;
    let other = session(&t.sign_in(&s.email, PASSWORD).await.body);
    let out = t
        .call(
            "POST",
            "/v1/auth/sign-out",
            Some(json!({"refreshToken": s.refresh_token})),
            None,
        )
        .await;
    assert_eq!(out.status, 204, "{}", out.text);
    assert!(out.text.is_empty());
    t.call(
        "POST",
        "/v1/auth/refresh",
        Some(json!({"refreshToken": s.refresh_token})),
        None,
    )
    .await
    .problem(401, "unauthorized");
    assert_eq!(
        t.call(
            "POST",
            "/v1/auth/refresh",
            Some(json!({"refreshToken": other.refresh_token})),
            None
        )
        .await
        .status,
        200
    );
    // Twice is fine; bad input is not.
    assert_eq!(
        t.call(
            "POST",
            "/v1/auth/sign-out",
            Some(json!({"refreshToken": s.refresh_token})),
            None
        )
        .await
        .status,
        204
    );
    t.call(
        "POST",
        "/v1/auth/sign-out",
        Some(json!({"refreshToken": false})),
        None,
    )
    .await
    .problem(400, "validation_failed");
    t.send(
        "POST",
        "/v1/auth/sign-out",
        &[("content-type", "application/json")],
        Some(b"refreshToken=x".to_vec()),
    )
    .await
    .problem(400, "validation_failed");
}
