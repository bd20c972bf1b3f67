//! What the community endpoints refuse: no token, bad path ids, and every kind of bad body,
//! always as problem+json and never a 500. Text within the limits is kept exactly as sent.

use e2e::{TestCloud, email};
use serde_json::{Value, json};

use crate::{create_post, get_post, id_of, post_path};

#[tokio::test]
async fn every_endpoint_needs_a_token_and_a_valid_id() {
    let t = TestCloud::start().await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    let post = create_post(&t, &kim, "Title", "Body").await;
    let id = id_of(&post);
    let routes = |id: &str| {
        [
            ("POST", "/v1/community/posts".to_owned()),
            ("GET", "/v1/community/posts".to_owned()),
            ("GET", post_path(id)),
            ("PATCH", post_path(id)),
            ("DELETE", post_path(id)),
            ("POST", format!("{}/comments", post_path(id))),
            ("GET", format!("{}/comments", post_path(id))),
            ("PUT", format!("{}/like", post_path(id))),
            ("DELETE", format!("{}/like", post_path(id))),
        ]
    };
    let body = json!({"title": "t", "body": "b"});
    for (method, path) in routes(&id) {
        t.call(method, &path, Some(body.clone()), None)
            .await
            .problem(401, "unauthorized");
        t.call(method, &path, Some(body.clone()), Some("not.a.token"))
            .await
            .problem(401, "unauthorized");
    }
    for bad in [
        "not-an-id",
        "01JDQ2Y8Z9K3M4N5P6R7S8T9V",
        "01JDQ2Y8Z9K3M4N5P6R7S8T9VW0",
    ] {
        for (method, path) in routes(bad).into_iter().skip(2) {
            let r = t
                .call(method, &path, Some(body.clone()), Some(&kim.access_token))
                .await;
            assert_eq!(
                r.problem(400, "validation_failed")["errors"][0]["field"],
                "id"
            );
        }
    }
    // Nothing above touched the post.
    assert_eq!(get_post(&t, &kim, &id).await.body, post);
}

#[tokio::test]
async fn bad_bodies_are_4xx_problems() {
    let t = TestCloud::start().await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    let post = create_post(&t, &kim, "Title", "Body").await;
    let auth = format!("Bearer {}", kim.access_token);
    let comments = format!("{}/comments", post_path(&id_of(&post)));
    let targets = [
        ("POST", "/v1/community/posts".to_owned()),
        ("PATCH", post_path(&id_of(&post))),
        ("POST", comments.clone()),
    ];
    let huge = format!("{{\"body\": \"{}\"}}", "x".repeat(200 * 1024));
    let cases: [(&str, &[u8], u16, &str); 5] = [
        (
            "application/json",
            b"{\"title\": ",
            400,
            "validation_failed",
        ),
        ("application/json", b"[1, 2]", 400, "validation_failed"),
        ("application/json", b"", 400, "validation_failed"),
        (
            "text/plain",
            b"{\"title\":\"t\",\"body\":\"b\"}",
            415,
            "unsupported_media_type",
        ),
        (
            "application/json",
            huge.as_bytes(),
            413,
            "payload_too_large",
        ),
    ];
    for (method, path) in &targets {
        for (content_type, body, status, code) in cases {
            t.send(
                method,
                path,
                &[("content-type", content_type), ("authorization", &auth)],
                Some(body.to_vec()),
            )
            .await
            .problem(status, code);
        }
    }

    let create = |body: Value| {
        t.call(
            "POST",
            "/v1/community/posts",
            Some(body),
            Some(&kim.access_token),
        )
    };
    for (body, fields) in [
        (json!({}), vec!["title", "body"]),
        (json!({"title": null, "body": "b"}), vec!["title"]),
        (json!({"title": 5, "body": ["b"]}), vec!["title", "body"]),
        (json!({"title": "", "body": "   "}), vec!["title", "body"]),
        (json!({"title": "a\nb", "body": "b"}), vec!["title"]),
        (
            json!({"title": "가".repeat(121), "body": "b"}),
            vec!["title"],
        ),
        (
            json!({"title": "t", "body": "😀".repeat(10_001)}),
            vec!["body"],
        ),
    ] {
        let r = create(body.clone()).await;
        r.problem(400, "validation_failed");
        assert_eq!(r.fields(), fields, "{body}");
    }
    let comment = |body: Value| t.call("POST", &comments, Some(body), Some(&kim.access_token));
    for body in [
        json!({}),
        json!({"body": 3}),
        json!({"body": ""}),
        json!({"body": "x".repeat(2_001)}),
    ] {
        let r = comment(body.clone()).await;
        r.problem(400, "validation_failed");
        assert_eq!(r.fields(), ["body"], "{body}");
    }
    // None of it was stored.
    let listed = t
        .call("GET", "/v1/community/posts", None, Some(&kim.access_token))
        .await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        get_post(&t, &kim, &id_of(&post)).await.body["commentCount"],
        0
    );
}

#[tokio::test]
async fn text_at_the_limits_is_stored_and_returned_exactly_as_sent() {
    let t = TestCloud::start().await;
    let kim = t.sign_up(&email("kim"), "Kim").await;
    let title = format!("<b>{}</b> & \"quotes\"", "가".repeat(100));
    assert!(title.chars().count() <= 120);
    let body = format!("  <script>alert('x')</script>\n{}\n  ", "😀".repeat(9_960));
    assert!(body.chars().count() <= 10_000);
    let post = create_post(&t, &kim, &title, &body).await;
    assert_eq!(post["title"], title.as_str());
    assert_eq!(post["body"], body.as_str());
    let read = get_post(&t, &kim, &id_of(&post)).await;
    assert_eq!(read.body, post);
    assert_eq!(read.header("content-type"), Some("application/json"));

    let longest_title = "t".repeat(120);
    let r = t
        .call(
            "PATCH",
            &post_path(&id_of(&post)),
            Some(json!({"title": longest_title, "body": "b".repeat(10_000)})),
            Some(&kim.access_token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["title"], longest_title.as_str());

    let longest_comment = format!("{}\n<i>", "💬".repeat(1_996));
    assert_eq!(longest_comment.chars().count(), 2_000);
    let c = crate::comment(&t, &kim, &id_of(&post), &longest_comment).await;
    assert_eq!(c.status, 201, "{}", c.text);
    assert_eq!(c.body["body"], longest_comment.as_str());
}
