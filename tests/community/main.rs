//! End-to-end tests of the community domain through the local cloud: the real function
//! binaries behind the HTTP front door, driven like a client would.

mod comments;
mod erasure;
mod input;
mod likes;
mod posts;

use e2e::{Session, TestCloud};
use serde_json::{Value, json};

/// A post id of the right shape that no post has.
pub const UNKNOWN_ID: &str = "01JDQ2Y8Z9K3M4N5P6R7S8T9VW";

pub fn post_path(id: &str) -> String {
    format!("/v1/community/posts/{id}")
}

/// Creates a post as `who` and returns it.
pub async fn create_post(t: &TestCloud, who: &Session, title: &str, body: &str) -> Value {
    let r = t
        .call(
            "POST",
            "/v1/community/posts",
            Some(json!({"title": title, "body": body})),
            Some(&who.access_token),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

pub fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// The post as `who` sees it now.
pub async fn get_post(t: &TestCloud, who: &Session, id: &str) -> e2e::Reply {
    t.call("GET", &post_path(id), None, Some(&who.access_token))
        .await
}

pub async fn comment(t: &TestCloud, who: &Session, post_id: &str, body: &str) -> e2e::Reply {
    t.call(
        "POST",
        &format!("{}/comments", post_path(post_id)),
        Some(json!({ "body": body })),
        Some(&who.access_token),
    )
    .await
}

/// PUT (`on`) or DELETE the caller's like; returns the status.
pub async fn like(t: &TestCloud, who: &Session, post_id: &str, on: bool) -> u16 {
    let method = if on { "PUT" } else { "DELETE" };
    let r = t
        .call(
            method,
            &format!("{}/like", post_path(post_id)),
            None,
            Some(&who.access_token),
        )
        .await;
    assert!(r.status == 204 || r.status >= 400, "{}", r.text);
    if r.status == 204 {
        assert!(r.text.is_empty(), "a 204 with a body: {}", r.text);
    }
    r.status
}

/// Every item of a list, following `nextCursor` with pages of `limit`.
pub async fn list_all(t: &TestCloud, who: &Session, path: &str, limit: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit={limit}&cursor={c}"),
            None => format!("{path}?limit={limit}"),
        };
        let r = t.call("GET", &url, None, Some(&who.access_token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let page = r.body["items"].as_array().cloned().unwrap_or_default();
        assert!(page.len() <= limit, "a page longer than its limit");
        items.extend(page);
        match r.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}
