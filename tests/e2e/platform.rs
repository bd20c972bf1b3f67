//! What the local cloud promises, like API Gateway and Lambda: routing, CORS, and a broken
//! function failing only its own routes.

use e2e::{PASSWORD, TestCloud, email};

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let t = TestCloud::start().await;
    t.send("GET", "/v1/nothing-here", &[], None)
        .await
        .problem(404, "not_found");
    t.send("PUT", "/v1/users/me", &[], None)
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn cors_preflight_allows_web_clients() {
    let t = TestCloud::start().await;
    let r = t
        .send(
            "OPTIONS",
            "/v1/auth/sign-in",
            &[
                ("origin", "https://app.studyloop.example"),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "content-type,authorization",
                ),
            ],
            None,
        )
        .await;
    assert!(r.status == 204 || r.status == 200, "{}", r.status);
    assert!(r.header("access-control-allow-origin").is_some());
    assert!(
        r.header("access-control-allow-methods")
            .is_some_and(|m| m.contains("POST"))
    );
    let jwks = t
        .send(
            "GET",
            "/.well-known/jwks.json",
            &[("origin", "https://app.studyloop.example")],
            None,
        )
        .await;
    assert!(jwks.header("access-control-allow-origin").is_some());
    assert!(
        jwks.header("access-control-expose-headers")
            .is_some_and(|h| h.contains("x-request-id"))
    );
}

#[tokio::test]
async fn a_broken_sign_in_leaves_sign_up_and_me_working() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("before"), "Before").await;
    t.cloud.set_broken("UsersSignInFunction", true);

    t.sign_in(&s.email, PASSWORD)
        .await
        .problem(502, "bad_gateway");
    let other = t.sign_up(&email("during"), "During").await;
    let me = t
        .call("GET", "/v1/users/me", None, Some(&other.access_token))
        .await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(
        t.call("GET", "/v1/users/me", None, Some(&s.access_token))
            .await
            .status,
        200
    );

    t.cloud.set_broken("UsersSignInFunction", false);
    assert_eq!(t.sign_in(&s.email, PASSWORD).await.status, 200);
}
