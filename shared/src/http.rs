//! The HTTP glue every endpoint uses: one request-parsing path (size limit, content type,
//! JSON into typed values with every field error collected), path ids and list parameters,
//! JSON responses, and [`serve`], which runs a handler under `lambda_http` and turns its
//! `Result` into a response with `x-request-id`, problem+json errors, logs and metrics.

use std::future::Future;
use std::time::Instant;

use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use tracing::Instrument;

use crate::flow::Flow;
use crate::invocation::Invocation;
use crate::problem::{ApiError, FieldError};
use crate::telemetry;

pub type HttpResult = Result<Response<Body>, ApiError>;

/// Bodies above this are refused with 413 unless an endpoint asks for more.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Runs `handler` as this process's Lambda function until the runtime stops it.
pub async fn serve<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(Request) -> Fut + Sync,
    Fut: Future<Output = HttpResult> + Send,
{
    let handler = &handler;
    lambda_http::run(lambda_http::service_fn(move |req: Request| async move {
        Ok::<_, std::convert::Infallible>(respond(req, handler).await)
    }))
    .await
}

/// One request through `handler`: what [`serve`] does per invocation, callable from tests.
/// The request starts a flow ([`crate::flow`]) whose correlation id is its request id (the
/// `x-request-id` the client sees), so the events it causes and every hop after carry it.
/// Its one EMF line: latency and errors by route, and what it consumed
/// ([`crate::invocation`]).
pub async fn respond<F, Fut>(req: Request, handler: &F) -> Response<Body>
where
    F: Fn(Request) -> Fut,
    Fut: Future<Output = HttpResult>,
{
    let started = Instant::now();
    let request_id = request_id(&req);
    let route = route_key(&req);
    let invocation = match req.lambda_context_ref() {
        Some(context) => Invocation::of(context),
        None => Invocation::new("", None),
    };
    let trace_header = invocation.trace_header().map(str::to_owned).or_else(|| {
        req.headers()
            .get("x-amzn-trace-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    let flow = Flow::new(request_id.clone(), trace_header);
    invocation.handles(&request_id);
    let span = tracing::info_span!(
        "request",
        requestId = %request_id,
        correlationId = %request_id,
        route = %route
    );
    let result = invocation
        .clone()
        .run(flow.scope(handler(req)).instrument(span.clone()))
        .await;
    let _entered = span.enter();
    let mut response = match result {
        Ok(response) => response,
        Err(error) => {
            if error.status.is_server_error() {
                tracing::error!(
                    code = error.code,
                    cause = error.internal.as_deref().unwrap_or(""),
                    "request failed"
                );
            } else {
                let fields: Vec<&str> = error.errors.iter().map(|e| e.field.as_str()).collect();
                tracing::info!(
                    status = error.status.as_u16(),
                    code = error.code,
                    ?fields,
                    "request refused"
                );
            }
            problem_response(&error, &request_id)
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    // No "request handled" line: the EMF line below holds its facts (route, latency, the
    // status's class, request and correlation ids), and a refused or failed request has
    // its own line above with the status and code. A second line per request was a third
    // of a read's log bytes (CloudWatch Logs ingestion, $0.50 a GB).
    invocation.emit(
        &telemetry::request_metrics(status, elapsed),
        &[("Route", &route)],
    );
    response
}

/// The response for an error: problem+json, with `Retry-After` where it applies.
pub fn problem_response(error: &ApiError, request_id: &str) -> Response<Body> {
    let body = serde_json::to_string(&error.body(request_id)).unwrap_or_else(|_| {
        // Serialising plain strings and numbers cannot fail; keep a valid body regardless.
        format!(
            r#"{{"status":{},"code":"internal"}}"#,
            error.status.as_u16()
        )
    });
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = error.status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(seconds) = error.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The id a client quotes to support: API Gateway's request id, else the Lambda one.
pub fn request_id(req: &Request) -> String {
    if let Some(RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref()
        && let Some(id) = ctx.request_id.as_deref().filter(|id| !id.is_empty())
    {
        return id.to_owned();
    }
    req.lambda_context_ref()
        .map(|c| c.request_id.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(crate::new_id)
}

fn route_key(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.route_key.clone().unwrap_or_default(),
        _ => format!("{} {}", req.method(), req.uri().path()),
    }
}

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> HttpResult {
    let text = serde_json::to_string(body).map_err(ApiError::internal)?;
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // Responses are per user and often carry tokens: no shared cache may keep them.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A page of a list, as every list answers: `{items, nextCursor}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page; `null` on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A JSON document that is the same for every caller and changes only with a deploy (the
/// public keys, the API's description): shared caches may keep it for five minutes.
pub fn public_json(text: String) -> HttpResult {
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}

pub fn no_content() -> HttpResult {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    Ok(response)
}

// ------------------------------------------------------------------ request bodies

/// A request body type built field by field, so that every invalid field is reported at
/// once. Read every field first, then combine:
///
/// ```text
/// fn from_json(f: &mut Fields) -> Option<Self> {
///     let email = f.required("email");
///     let name = f.required("name");
///     Some(Self { email: email?, name: name? })
/// }
/// ```
pub trait FromJson: Sized {
    fn from_json(fields: &mut Fields) -> Option<Self>;
}

/// The fields of a JSON object body, and the errors found reading them.
#[derive(Debug, Default)]
pub struct Fields {
    map: Map<String, Value>,
    errors: Vec<FieldError>,
}

impl Fields {
    pub fn new(map: Map<String, Value>) -> Self {
        Self {
            map,
            errors: Vec::new(),
        }
    }

    /// A field that must be present and not null.
    pub fn required<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        match self.map.remove(name) {
            None | Some(Value::Null) => {
                self.error(name, "is required");
                None
            }
            Some(value) => self.parse(name, value),
        }
    }

    /// A field that may be absent or null.
    pub fn optional<T: DeserializeOwned>(&mut self, name: &str) -> Option<Option<T>> {
        match self.map.remove(name) {
            None | Some(Value::Null) => Some(None),
            Some(value) => self.parse(name, value).map(Some),
        }
    }

    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    /// Keys of the body that no field read: each is an error (the input policy refuses
    /// unknown fields rather than dropping what a client meant to send).
    fn refuse_unread(&mut self) {
        let unread: Vec<String> = self.map.keys().cloned().collect();
        for key in unread {
            self.error(&key, "is not a field of this request");
        }
        self.map.clear();
    }

    fn parse<T: DeserializeOwned>(&mut self, name: &str, value: Value) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(crate::strict::Strict(value)) {
            Ok(v) => Some(v),
            Err(e) => {
                let path = e.path().to_string();
                let mut field = if path == "." || path.is_empty() {
                    name.to_owned()
                } else if path.starts_with('[') {
                    format!("{name}{path}")
                } else {
                    format!("{name}.{path}")
                };
                let inner = e.into_inner();
                // An unknown key is reported at its own path: `kakao.enabeld`.
                if let Some(key) = unknown_field(&inner) {
                    field = format!("{field}.{key}");
                }
                self.error(&field, describe(&inner));
                None
            }
        }
    }
}

/// The key named by serde's "unknown field `key`, expected ..." (a key, never a value).
fn unknown_field(e: &serde_json::Error) -> Option<String> {
    let text = e.to_string();
    let rest = text.strip_prefix("unknown field `")?;
    rest.split('`').next().map(str::to_owned)
}

/// serde's messages, without echoing the client's value back (it may be a password).
fn describe(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if let Some(rest) = text.strip_prefix("invalid type: ") {
        let expected = rest.split(", expected ").nth(1).unwrap_or("another type");
        return format!("has the wrong type: expected {}", strip_position(expected));
    }
    if let Some(rest) = text.strip_prefix("invalid value: ") {
        let expected = rest.split(", expected ").nth(1).unwrap_or("another value");
        return format!("is not valid: expected {}", strip_position(expected));
    }
    if text.starts_with("unknown field") {
        return "is not a field of this request".to_owned();
    }
    if text.starts_with("unknown variant") {
        let expected = text.split(", expected ").nth(1).unwrap_or("a known value");
        return format!(
            "is not one of the allowed values: {}",
            strip_position(expected)
        );
    }
    strip_position(&text).to_owned()
}

fn strip_position(s: &str) -> &str {
    s.split(" at line ").next().unwrap_or(s)
}

/// Parses the body as JSON into `T`, with the default size limit.
pub fn json_body<T: FromJson>(req: &Request) -> Result<T, ApiError> {
    json_body_limited(req, DEFAULT_BODY_LIMIT)
}

pub fn json_body_limited<T: FromJson>(req: &Request, limit: usize) -> Result<T, ApiError> {
    let map = json_object(req, limit)?;
    let mut fields = Fields::new(map);
    let value = T::from_json(&mut fields);
    fields.refuse_unread();
    let errors = fields.into_errors();
    match value {
        Some(v) if errors.is_empty() => Ok(v),
        _ if errors.is_empty() => Err(ApiError::bad_request("The body is not valid.")),
        _ => Err(ApiError::validation(errors)),
    }
}

fn json_object(req: &Request, limit: usize) -> Result<Map<String, Value>, ApiError> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > limit {
        return Err(ApiError::payload_too_large(limit));
    }
    if !is_json_content_type(req) {
        return Err(ApiError::unsupported_media_type());
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "The body is empty; send a JSON object.",
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("The body must be a JSON object.")),
        Err(e) => Err(ApiError::bad_request(format!(
            "The body is not valid JSON (line {}, column {}).",
            e.line(),
            e.column()
        ))),
    }
}

fn is_json_content_type(req: &Request) -> bool {
    let Some(value) = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

// ------------------------------------------------------------------ path and query

/// A path parameter that must be an id we issue, in its canonical (uppercase) spelling;
/// anything else is a 400, before any lookup.
pub fn path_id(req: &Request, name: &str) -> Result<String, ApiError> {
    let value = req
        .path_parameters_ref()
        .and_then(|p| p.first(name))
        .unwrap_or("");
    crate::canonical_id(value).ok_or_else(|| ApiError::field(name, "is not a valid id"))
}

/// A query string parameter, if present.
pub fn query<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.query_string_parameters_ref()
        .and_then(|q| q.first(name))
}

pub const DEFAULT_PAGE_SIZE: usize = 20;
pub const MAX_PAGE_SIZE: usize = 100;

/// `?limit=`: 1..=100, 20 when absent.
pub fn page_limit(req: &Request) -> Result<usize, ApiError> {
    match query(req, "limit") {
        None => Ok(DEFAULT_PAGE_SIZE),
        // Digits only, as the document's integer says: `+5` and ` 5` are refused.
        Some(raw) => match raw.parse::<usize>() {
            Ok(n)
                if raw.bytes().all(|b| b.is_ascii_digit()) && (1..=MAX_PAGE_SIZE).contains(&n) =>
            {
                Ok(n)
            }
            _ => Err(ApiError::field(
                "limit",
                format!("must be a whole number from 1 to {MAX_PAGE_SIZE}"),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct SignUp {
        email: String,
        age: u8,
        tags: Vec<String>,
    }

    impl FromJson for SignUp {
        fn from_json(f: &mut Fields) -> Option<Self> {
            let email = f.required("email");
            let age = f.required("age");
            let tags = f.optional("tags");
            Some(Self {
                email: email?,
                age: age?,
                tags: tags?.unwrap_or_default(),
            })
        }
    }

    fn request(content_type: Option<&str>, body: &str) -> Request {
        let mut builder = http::Request::builder().method("POST").uri("/x");
        if let Some(ct) = content_type {
            builder = builder.header(CONTENT_TYPE, ct);
        }
        builder
            .body(Body::Text(body.to_owned()))
            .unwrap_or_default()
    }

    fn parse(content_type: Option<&str>, body: &str) -> Result<SignUp, ApiError> {
        json_body(&request(content_type, body))
    }

    #[test]
    fn a_valid_body_parses() {
        let ok = parse(
            Some("application/json; charset=utf-8"),
            r#"{"email":"a@b.co","age":3,"tags":["x"]}"#,
        );
        let ok = ok.map_err(|e| e.to_string());
        assert!(matches!(&ok, Ok(s) if s.email == "a@b.co" && s.age == 3 && s.tags == ["x"]));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let Err(e) = parse(Some("application/json"), r#"{"age":"three","tags":[1]}"#) else {
            panic!("accepted a bad body");
        };
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["email", "age", "tags[0]"]);
        assert!(e.errors[1].message.contains("wrong type"));
        assert!(!e.errors[1].message.contains("three"), "echoed the value");
    }

    #[test]
    fn unknown_fields_are_refused_at_their_path() {
        let Err(e) = parse(
            Some("application/json"),
            r#"{"email":"a@b.co","age":3,"emial":"x"}"#,
        ) else {
            panic!("accepted an unknown field");
        };
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["emial"]);
    }

    #[test]
    fn malformed_json_is_a_400() {
        let Err(e) = parse(Some("application/json"), "{\"email\": ") else {
            panic!("accepted malformed JSON");
        };
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(e.code, "validation_failed");
    }

    #[test]
    fn non_objects_and_empty_bodies_are_400() {
        for body in ["[1,2]", "\"x\"", "", "  "] {
            let Err(e) = parse(Some("application/json"), body) else {
                panic!("accepted {body:?}");
            };
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{body:?}");
        }
    }

    #[test]
    fn other_content_types_are_415() {
        for ct in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let Err(e) = parse(ct, r#"{"email":"a@b.co","age":1}"#) else {
                panic!("accepted {ct:?}");
            };
            assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        }
        assert!(
            parse(
                Some("application/merge-patch+json"),
                r#"{"email":"a","age":1}"#
            )
            .is_ok()
        );
    }

    #[test]
    fn oversized_bodies_are_413() {
        let big = format!(
            r#"{{"email":"{}","age":1}}"#,
            "a".repeat(DEFAULT_BODY_LIMIT)
        );
        let Err(e) = parse(Some("application/json"), &big) else {
            panic!("accepted an oversized body");
        };
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(e.code, "payload_too_large");
    }

    #[tokio::test]
    async fn errors_become_problem_json_with_the_request_id() {
        let handler =
            |_req: Request| async { Err::<Response<Body>, _>(ApiError::internal("db down")) };
        let response = respond(request(None, ""), &handler).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some(PROBLEM_JSON)
        );
        let id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(!id.is_empty());
        let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap_or_default();
        assert_eq!(body["requestId"], id);
        assert!(!body.to_string().contains("db down"));
    }

    /// What `respond` logs through the functions' own log format, at INFO, while `handler`
    /// answers one request; with the response's `x-request-id`.
    async fn logged<F, Fut>(handler: F) -> (String, Vec<Value>)
    where
        F: Fn(Request) -> Fut,
        Fut: Future<Output = HttpResult>,
    {
        #[derive(Clone, Default)]
        struct Lines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let mut bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
                bytes.extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let writer = lines.clone();
        let response = {
            // A current-thread test runtime: the guard covers every poll of `respond`.
            let _guard =
                tracing::subscriber::set_default(telemetry::subscriber("info", move || {
                    writer.clone()
                }));
            respond(request(None, ""), &handler).await
        };
        let id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = lines.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let parsed = String::from_utf8_lossy(&bytes)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
            .collect();
        (id, parsed)
    }

    #[tokio::test]
    async fn a_request_answered_logs_no_line_of_its_own_at_info() {
        let handler = |_req: Request| async { no_content() };
        let (id, lines) = logged(handler).await;
        assert!(!id.is_empty());
        // Its facts are in the invocation's EMF line, written apart from the log subscriber.
        assert_eq!(lines, Vec::<Value>::new());
    }

    #[tokio::test]
    async fn a_refused_request_logs_its_status_and_code_with_both_ids() {
        let handler =
            |_req: Request| async { Err::<Response<Body>, _>(ApiError::not_found("no such post")) };
        let (id, lines) = logged(handler).await;
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        assert_eq!(line["message"], "request refused");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["status"], 404);
        assert_eq!(line["code"], "not_found");
        assert_eq!(line["span"]["requestId"], id.as_str());
        assert_eq!(line["span"]["correlationId"], id.as_str());
    }

    #[tokio::test]
    async fn a_failed_request_logs_its_cause_at_error_with_both_ids() {
        let handler =
            |_req: Request| async { Err::<Response<Body>, _>(ApiError::internal("db down")) };
        let (id, lines) = logged(handler).await;
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["level"], "ERROR");
        assert_eq!(lines[0]["cause"], "db down");
        assert_eq!(lines[0]["span"]["correlationId"], id.as_str());
    }
}
