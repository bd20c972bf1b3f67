//! Handler test: the sample event of `GET /openapi.json` through the real handler, the way the
//! Lambda runtime calls it. The function has no table, so no emulator: the request goes
//! straight through `shared::http::respond`.

use http::StatusCode;
use http::header::CONTENT_TYPE;
use serde_json::Value;
use testkit::{With, body_json};

async fn get_openapi(with: With<'_>) -> lambda_http::Response<lambda_http::Body> {
    let req = testkit::event("ApiGetOpenapiFunction", with);
    shared::http::respond(req, &|req| async move { api::handle_get_openapi(&req) }).await
}

/// `docs/openapi.json` as committed, read from the file (not the copy built into the handler).
fn committed() -> Value {
    let path = testkit::root().join("docs").join("openapi.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

#[tokio::test]
async fn serves_the_committed_document_as_json() {
    let r = get_openapi(With::default()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers().get(CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    let served = body_json(&r);
    assert_eq!(served["openapi"], "3.1.0");
    assert!(served["paths"]["/openapi.json"]["get"].is_object());
    assert_eq!(served, committed());
}

#[tokio::test]
async fn is_public_a_token_changes_nothing() {
    let anonymous = body_json(&get_openapi(With::default()).await);
    let r = get_openapi(With {
        token: Some("not-a-token"),
        ..With::default()
    })
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body_json(&r), anonymous);
}
