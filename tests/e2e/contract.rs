//! The contract as a client meets it through the gateway: the document at `/openapi.json`,
//! the docs page beside the API, and the input policy the document states.

use e2e::TestCloud;
use serde_json::{Value, json};

#[tokio::test]
async fn the_document_is_served_and_lists_every_route_it_is_served_by() {
    let t = TestCloud::start().await;
    let r = t.call("GET", "/openapi.json", None, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("x-request-id").is_some_and(|id| !id.is_empty()));
    assert_eq!(r.body["openapi"], "3.1.0");
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(e2e::root().join("docs/openapi.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    assert_eq!(
        r.body, committed,
        "the function serves the committed document"
    );
    let paths = r.body["paths"].as_object().cloned().unwrap_or_default();
    for (route, function) in t.cloud.routes() {
        let (method, path) = route.split_once(' ').unwrap_or_default();
        let op = &paths.get(path).cloned().unwrap_or_default()[method.to_ascii_lowercase()];
        assert!(
            op["operationId"].is_string(),
            "{route} ({function}) is not documented"
        );
    }
}

#[tokio::test]
async fn files_beside_the_api_are_served_for_gets_no_route_claims() {
    let dir = std::env::temp_dir().join(format!("studyloop-static-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("docs")).unwrap_or_default();
    std::fs::write(
        dir.join("docs/index.html"),
        "<!doctype html><title>docs</title>",
    )
    .unwrap_or_default();
    let static_dir = dir.clone();
    let t = TestCloud::start_with(move |o| o.static_dir = Some(static_dir)).await;
    let r = t.send("GET", "/docs", &[], None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.text.contains("<title>docs</title>"));
    // A route always wins over a file, and nothing outside the directory is reachable.
    assert_eq!(t.send("GET", "/openapi.json", &[], None).await.status, 200);
    assert_eq!(
        t.send("GET", "/docs/%2e%2e/%2e%2e/etc/passwd", &[], None)
            .await
            .status,
        404
    );
    assert_eq!(t.send("POST", "/docs", &[], None).await.status, 404);
    std::fs::remove_dir_all(&dir).unwrap_or_default();
}

#[tokio::test]
async fn unknown_fields_and_arrays_for_objects_are_refused_at_their_paths() {
    let t = TestCloud::start().await;
    let kim = t.sign_up("kim@studyloop.test", "Kim").await;
    let token = Some(kim.access_token.as_str());

    let r = t
        .call(
            "POST",
            "/v1/community/posts",
            Some(json!({"title": "t", "body": "b", "tilte": "typo"})),
            token,
        )
        .await;
    r.problem(400, "validation_failed");
    assert_eq!(r.fields(), ["tilte"]);

    let prefs = "/v1/notifications/preferences";
    let before = t.call("GET", prefs, None, token).await;
    assert_eq!(before.status, 200, "{}", before.text);
    let r = t
        .call(
            "PUT",
            prefs,
            Some(json!({"locale": "en", "kakao": [false]})),
            token,
        )
        .await;
    r.problem(400, "validation_failed");
    assert_eq!(r.fields(), ["kakao"]);
    let r = t
        .call(
            "PUT",
            prefs,
            Some(json!({"locale": "en", "kakao": {"enabled": false, "enabeld": true}})),
            token,
        )
        .await;
    r.problem(400, "validation_failed");
    assert_eq!(r.fields(), ["kakao.enabeld"]);
    // Nothing stored was changed by the refused requests.
    assert_eq!(t.call("GET", prefs, None, token).await.body, before.body);
}

#[tokio::test]
async fn a_lowercase_id_names_the_same_resource() {
    let t = TestCloud::start().await;
    let kim = t.sign_up("kim@studyloop.test", "Kim").await;
    let token = Some(kim.access_token.as_str());
    let post = t
        .call(
            "POST",
            "/v1/community/posts",
            Some(json!({"title": "Fractions", "body": "Help?"})),
            token,
        )
        .await;
    assert_eq!(post.status, 201, "{}", post.text);
    let id = post.body["id"].as_str().unwrap_or_default().to_owned();
    let lower = format!("/v1/community/posts/{}", id.to_ascii_lowercase());
    let r = t.call("GET", &lower, None, token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["id"],
        id.as_str(),
        "answers use the canonical spelling"
    );
    assert_eq!(
        t.call("PUT", &format!("{lower}/like"), None, token)
            .await
            .status,
        204
    );
    let r = t
        .call("GET", &format!("/v1/community/posts/{id}"), None, token)
        .await;
    assert_eq!(r.body["likeCount"], 1, "the like counted on the one post");
}

#[tokio::test]
async fn an_idempotency_key_replays_the_same_content_however_it_is_formatted() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let product = t
        .call(
            "POST",
            "/v1/products",
            Some(json!({"name": "Pen", "price": {"amount": 1000, "currency": "KRW"}, "stock": 5})),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(product.status, 201, "{}", product.text);
    let product_id = product.body["id"].as_str().unwrap_or_default().to_owned();
    let kim = t.sign_up("kim@studyloop.test", "Kim").await;
    let auth = format!("Bearer {}", kim.access_token);
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
        ("idempotency-key", "order-1"),
    ];
    let first = format!(r#"{{"productId":"{product_id}","quantity":1,"paymentToken":"tok_ok"}}"#);
    let reformatted = format!(
        "{{\n  \"paymentToken\": \"tok_ok\",\n  \"quantity\": 1.0,\n  \"productId\": \"{product_id}\"\n}}"
    );
    let a = t
        .send("POST", "/v1/orders", &headers, Some(first.into_bytes()))
        .await;
    assert_eq!(a.status, 202, "{}", a.text);
    let b = t
        .send(
            "POST",
            "/v1/orders",
            &headers,
            Some(reformatted.into_bytes()),
        )
        .await;
    assert_eq!(b.status, 202, "{}", b.text);
    assert_eq!(a.body["orderId"], b.body["orderId"], "one order, replayed");
    let other = format!(r#"{{"productId":"{product_id}","quantity":2,"paymentToken":"tok_ok"}}"#);
    let c = t
        .send("POST", "/v1/orders", &headers, Some(other.into_bytes()))
        .await;
    c.problem(409, "idempotency_key_reused");
}
