//! The one mapping from errors to HTTP: `application/problem+json` (RFC 9457) bodies with a
//! stable `code`. Domains convert their own error type into [`ApiError`]; the HTTP glue turns
//! it into a response. Internal details never reach the client: they are logged with the
//! request id instead.

use http::StatusCode;
use serde::Serialize;

/// One invalid field of a request, by its JSON path (`email`, `questions[2].choices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An error as the client sees it. Boxed: it travels in every handler's `Result`, and the
/// happy path should not pay for its size.
#[derive(Debug)]
pub struct ApiError(Box<Problem>);

/// What an [`ApiError`] holds.
#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    /// Stable snake_case code clients switch on.
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Seconds the client should wait (429).
    pub retry_after: Option<u64>,
    /// What went wrong inside, for the logs only.
    pub internal: Option<String>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self(Box::new(Problem {
            status,
            code,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            internal: None,
        }))
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "validation_failed",
            "Validation failed",
            "The request is not valid; see `errors`.",
        );
        e.errors = errors;
        e
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "validation_failed",
            "Validation failed",
            detail,
        )
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            detail,
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found", detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, "Conflict", detail)
    }

    pub fn rate_limited(retry_after_seconds: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests",
            "Too many attempts; try again later.",
        );
        e.retry_after = Some(retry_after_seconds);
        e
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
            format!("The body is larger than {limit} bytes."),
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "Send the body as application/json.",
        )
    }

    /// A failure of ours. `cause` is logged, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "Something went wrong on our side; it has been logged.",
        );
        e.internal = Some(cause.to_string());
        e
    }

    /// The problem+json body for this error.
    pub fn body<'a>(&'a self, request_id: &'a str) -> ProblemBody<'a> {
        ProblemBody {
            kind: "about:blank",
            status: self.status.as_u16(),
            code: self.code,
            title: self.title,
            detail: &self.detail,
            errors: &self.errors,
            request_id,
        }
    }
}

impl std::ops::Deref for ApiError {
    type Target = Problem;

    fn deref(&self) -> &Problem {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut Problem {
        &mut self.0
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl std::error::Error for ApiError {}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProblemBody<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: u16,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    pub errors: &'a [FieldError],
    pub request_id: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_error_body_hides_the_cause() {
        let e = ApiError::internal("table users-xyz is on fire");
        let body = serde_json::to_string(&e.body("req-1")).unwrap_or_default();
        assert!(!body.contains("fire"));
        assert!(body.contains("\"code\":\"internal\""));
        assert!(body.contains("\"requestId\":\"req-1\""));
    }

    #[test]
    fn validation_body_lists_every_field() {
        let e = ApiError::validation(vec![
            FieldError::new("email", "is not an email"),
            FieldError::new("name", "is required"),
        ]);
        let v = serde_json::to_value(e.body("r")).unwrap_or_default();
        assert_eq!(v["status"], 400);
        assert_eq!(v["errors"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["errors"][1]["field"], "name");
    }
}
