//! /users/me, access-token checks, the JWKS, the admin seed, and what the logs may hold.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use e2e::{PASSWORD, TestCloud, email, session};
use serde_json::{Value, json};
use shared::auth::{Claims, Role, TokenSigner, TokenVerifier};
use time::OffsetDateTime;

/// The cloud's signing key, as the sign-in function reads it from moto's SSM.
fn signing_key(t: &TestCloud) -> String {
    t.cloud
        .secret("UsersSignInFunction", "JWT_SIGNING_KEY_PARAMETER")
        .unwrap_or_default()
}

fn cloud_signer(t: &TestCloud) -> TokenSigner {
    let kid = t.cloud.parameter("JwtSigningKeyId").unwrap_or_default();
    TokenSigner::from_seed(&kid, &signing_key(t)).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn me_reads_and_renames_only_the_callers_account() {
    let t = TestCloud::start().await;
    let a = t.sign_up(&email("a"), "Alice").await;
    let b = t.sign_up(&email("b"), "Bora").await;

    let me = t
        .call("GET", "/v1/users/me", None, Some(&a.access_token))
        .await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(
        me.body,
        json!({"id": a.user_id, "email": a.email, "name": "Alice", "role": "student", "createdAt": me.body["createdAt"], "emailVerified": false})
    );

    let renamed = t
        .call(
            "PATCH",
            "/v1/users/me",
            Some(json!({"name": "  Bora Kim "})),
            Some(&b.access_token),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.body["name"], "Bora Kim");
    assert_eq!(renamed.body["id"], b.user_id);
    // B's change did not touch A.
    assert_eq!(
        t.call("GET", "/v1/users/me", None, Some(&a.access_token))
            .await
            .body["name"],
        "Alice"
    );
}

#[tokio::test]
async fn patch_me_refuses_bad_input() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("p"), "Pat").await;
    let patch = |body: Value| t.call("PATCH", "/v1/users/me", Some(body), Some(&s.access_token));
    for body in [
        json!({}),
        json!({"name": 3}),
        json!({"name": ""}),
        json!({"name": "가".repeat(51)}),
        json!({"name": null}),
    ] {
        let r = patch(body.clone()).await;
        r.problem(400, "validation_failed");
        assert_eq!(r.fields(), ["name"], "{body}");
    }
    let auth = format!("Bearer {}", s.access_token);
    t.send(
        "PATCH",
        "/v1/users/me",
        &[
            ("content-type", "application/json"),
            ("authorization", &auth),
        ],
        Some(b"{\"name\":".to_vec()),
    )
    .await
    .problem(400, "validation_failed");
    t.call("PATCH", "/v1/users/me", Some(json!({"name": "New"})), None)
        .await
        .problem(401, "unauthorized");
    assert_eq!(
        t.call("GET", "/v1/users/me", None, Some(&s.access_token))
            .await
            .body["name"],
        "Pat"
    );
}

#[tokio::test]
async fn forged_expired_and_foreign_tokens_are_401() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("tok"), "Tok").await;
    let me = |token: String| {
        let t = &t;
        async move { t.call("GET", "/v1/users/me", None, Some(&token)).await }
    };
    let parts: Vec<&str> = s.access_token.split('.').collect();
    assert_eq!(parts.len(), 3);

    // Tampered: the payload claims admin, the signature is the original one.
    let mut claims: Value =
        serde_json::from_slice(&B64.decode(parts[1]).unwrap_or_default()).unwrap_or_default();
    claims["role"] = json!("admin");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(claims.to_string()),
        parts[2]
    );
    me(tampered).await.problem(401, "unauthorized");

    // alg none, with and without a signature part.
    let none = B64.encode(r#"{"alg":"none","typ":"JWT"}"#);
    me(format!("{none}.{}.", parts[1]))
        .await
        .problem(401, "unauthorized");
    me(format!("{none}.{}.{}", parts[1], parts[2]))
        .await
        .problem(401, "unauthorized");

    // Expired, though signed by the real key.
    let signer = cloud_signer(&t);
    let an_hour_ago = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let expired = signer
        .sign(&Claims::access(&s.user_id, Role::Student, an_hour_ago))
        .unwrap_or_default();
    me(expired).await.problem(401, "unauthorized");
    // A fresh token from the same key works, which shows the one above failed for its age.
    let fresh = signer
        .sign(&Claims::access(
            &s.user_id,
            Role::Student,
            OffsetDateTime::now_utc(),
        ))
        .unwrap_or_default();
    assert_eq!(me(fresh).await.status, 200);

    // Signed by a key the service does not know.
    let stranger = TokenSigner::from_seed("stranger", &B64.encode([9u8; 32]))
        .unwrap_or_else(|e| panic!("{e}"));
    me(stranger
        .sign(&Claims::access(
            &s.user_id,
            Role::Admin,
            OffsetDateTime::now_utc(),
        ))
        .unwrap_or_default())
    .await
    .problem(401, "unauthorized");
    // Same kid, other key.
    let impostor = TokenSigner::from_seed(signer.kid(), &B64.encode([9u8; 32]))
        .unwrap_or_else(|e| panic!("{e}"));
    me(impostor
        .sign(&Claims::access(
            &s.user_id,
            Role::Admin,
            OffsetDateTime::now_utc(),
        ))
        .unwrap_or_default())
    .await
    .problem(401, "unauthorized");

    for header in ["", "Bearer", "Basic dXNlcjpwYXNz", "Bearer a.b"] {
        t.send("GET", "/v1/users/me", &[("authorization", header)], None)
            .await
            .problem(401, "unauthorized");
    }
    t.send("GET", "/v1/users/me", &[], None)
        .await
        .problem(401, "unauthorized");
}

#[tokio::test]
async fn the_jwks_verifies_the_tokens_sign_in_issues() {
    let t = TestCloud::start().await;
    let jwks = t.send("GET", "/.well-known/jwks.json", &[], None).await;
    assert_eq!(jwks.status, 200, "{}", jwks.text);
    assert!(
        jwks.header("cache-control")
            .is_some_and(|c| c.contains("max-age"))
    );
    let keys = jwks.body["keys"].as_array().cloned().unwrap_or_default();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["alg"], "EdDSA");
    assert!(keys[0].get("d").is_none());

    let s = t.sign_up(&email("jwks"), "Jay").await;
    let verifier = TokenVerifier::from_jwks(&jwks.text).unwrap_or_else(|e| panic!("{e}"));
    let claims = verifier.verify(&s.access_token, OffsetDateTime::now_utc());
    assert!(
        matches!(claims, Ok(c) if c.sub == s.user_id),
        "the published key does not verify"
    );
}

/// The local cloud with `ADMIN_EMAIL` and `ADMIN_PASSWORD` set, not seeded yet.
async fn cloud_with_admin(admin_email: &str, admin_password: &str) -> TestCloud {
    TestCloud::start_with(|o| {
        o.parameter_overrides
            .insert("AdminEmail".into(), admin_email.into());
        o.parameter_overrides
            .insert("AdminPassword".into(), admin_password.into());
    })
    .await
}

#[tokio::test]
async fn the_admin_seed_creates_an_admin_once() {
    let admin_email = "root@studyloop.test";
    let t = cloud_with_admin(admin_email, PASSWORD).await;
    let first = t
        .cloud
        .invoke("UsersSeedAdminFunction", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(first["created"], true);
    let again = t
        .cloud
        .invoke("UsersSeedAdminFunction", json!({}))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(again["created"], false);
    assert_eq!(again["userId"], first["userId"]);
    let admin = t.sign_in(admin_email, PASSWORD).await;
    assert_eq!(admin.status, 200, "{}", admin.text);
    assert_eq!(admin.body["user"]["role"], "admin");
    let jwks = t
        .send("GET", "/.well-known/jwks.json", &[], None)
        .await
        .text;
    let verifier = TokenVerifier::from_jwks(&jwks).unwrap_or_else(|e| panic!("{e}"));
    let claims = verifier.verify(
        &session(&admin.body).access_token,
        OffsetDateTime::now_utc(),
    );
    assert!(matches!(claims, Ok(c) if c.role == Role::Admin));
}

#[tokio::test]
async fn the_admin_seed_never_promotes_an_account_with_another_password() {
    let admin_email = "owner@studyloop.test";
    let t = cloud_with_admin(admin_email, "the operator's own secret").await;
    // Someone who knows the admin's email signs up with it before the seed runs.
    t.sign_up(admin_email, "Squatter").await;
    let seeded = t.cloud.invoke("UsersSeedAdminFunction", json!({})).await;
    let refusal = format!("{seeded:?}");
    assert!(
        seeded.is_err() && refusal.contains("not promoted"),
        "{refusal}"
    );
    let squatter = t.sign_in(admin_email, PASSWORD).await;
    assert_eq!(squatter.status, 200, "{}", squatter.text);
    assert_eq!(squatter.body["user"]["role"], "student");
    t.sign_in(admin_email, "the operator's own secret")
        .await
        .problem(401, "invalid_credentials");
}

#[tokio::test]
async fn logs_are_json_with_the_request_id_and_never_hold_a_secret() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("logs"), "Logan").await;
    let bad = t.sign_in(&s.email, "a wrong password").await;
    let refreshed = t
        .call(
            "POST",
            "/v1/auth/refresh",
            Some(json!({"refreshToken": s.refresh_token})),
            None,
        )
        .await;
    let request_id = bad.header("x-request-id").unwrap_or_default().to_owned();
    // Logs arrive asynchronously from the function processes.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let logs = t.logs();

    for secret in [
        PASSWORD,
        "a wrong password",
        &s.access_token,
        &s.refresh_token,
    ] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
    assert!(!logs.contains(refreshed.body["refreshToken"].as_str().unwrap_or("-")));
    let seed = signing_key(&t);
    assert!(
        !seed.is_empty() && !logs.contains(&seed),
        "the signing key reached the logs"
    );
    let cursor_secret = t
        .cloud
        .secret("CommunityListPostsFunction", "CURSOR_SECRET_PARAMETER")
        .unwrap_or_default();
    assert!(
        !cursor_secret.is_empty() && !logs.contains(&cursor_secret),
        "the cursor secret reached the logs"
    );

    let sign_in_lines: Vec<Value> = logs
        .lines()
        .filter_map(|l| l.strip_prefix("[UsersSignInFunction] "))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        sign_in_lines
            .iter()
            .any(|l| l["span"]["requestId"] == request_id.as_str() && l["status"] == 401),
        "no JSON log line of the refused sign-in with its request id"
    );
    // The refused sign-in's embedded-metric-format record: its values in the line, and no
    // metric declared (a client error is not alarmed; only a server error is).
    assert!(
        sign_in_lines.iter().any(|l| l["_aws"]["Timestamp"].is_u64()
            && l["ClientErrors"] == 1.0
            && l["Latency"].is_f64()
            && l["_aws"]["CloudWatchMetrics"]
                .as_array()
                .is_some_and(Vec::is_empty)),
        "no embedded-metric-format record of the refused sign-in"
    );
}
