//! The API's own description. Every function serves its domain; this one serves the contract
//! they keep together: `GET /openapi.json`, the document generated from the code
//! (`docs/openapi.json`, embedded at build time, so the deployed document is the one the
//! deployed functions were built with).

#[cfg(feature = "assemble")]
pub mod assemble;

use lambda_http::Request;
use shared::http::HttpResult;

/// The OpenAPI 3.1 document, as committed.
pub const DOCUMENT: &str = include_str!("../../../docs/openapi.json");

/// This document
///
/// The OpenAPI 3.1 document of the deployed API. Public: it describes the API and holds no data.
#[cfg_attr(feature = "assemble", utoipa::path(
    get,
    path = "/openapi.json",
    tag = "api",
    operation_id = "getOpenApiDocument",
    responses((status = 200, description = "The document.", body = serde_json::Value)),
))]
pub fn handle_get_openapi(_req: &Request) -> HttpResult {
    shared::http::public_json(DOCUMENT.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;
    use http::header::CONTENT_TYPE;

    #[test]
    fn serves_the_committed_document_as_json() {
        let Ok(response) = handle_get_openapi(&Request::default()) else {
            panic!("the document is always served");
        };
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers().get(CONTENT_TYPE).map(|v| v.as_bytes()),
            Some(&b"application/json"[..])
        );
        let doc: serde_json::Value =
            serde_json::from_slice(response.body().as_ref()).unwrap_or_default();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"]["/openapi.json"]["get"].is_object(), "{doc}");
    }
}
