//! The HTTP API's front door: routes from the template, API Gateway payload v2.0 events,
//! function responses back to HTTP, CORS, and the gateway's own problem+json errors.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use crate::invocations::Trigger;
use crate::runtime::{Functions, InvokeError, new_request_id};
use crate::template::{HTTP_API, Resolver, Template, as_u64, scalar_to_string};

/// API Gateway's payload limit.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
pub const HEALTH_PATH: &str = "/__localcloud/health";
const API_ID: &str = "local";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

#[derive(Debug, Clone)]
pub struct Route {
    /// `None` for `ANY`.
    pub method: Option<String>,
    pub path: String,
    pub function: String,
    segments: Vec<Segment>,
}

impl Route {
    pub fn new(method: &str, path: &str, function: &str) -> Result<Self> {
        if !path.starts_with('/') {
            bail!("route path {path} must start with /");
        }
        let method = method.to_ascii_uppercase();
        let segments = split_path(path)
            .map(
                |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => match name.strip_suffix('+') {
                        Some(greedy) => Segment::Greedy(greedy.to_string()),
                        None => Segment::Param(name.to_string()),
                    },
                    None => Segment::Literal(seg.to_string()),
                },
            )
            .collect::<Vec<_>>();
        if segments
            .iter()
            .rev()
            .skip(1)
            .any(|s| matches!(s, Segment::Greedy(_)))
        {
            bail!("a greedy {{name+}} segment must come last in {path}");
        }
        Ok(Route {
            method: (method != "ANY").then_some(method),
            path: path.to_string(),
            function: function.to_string(),
            segments,
        })
    }

    pub fn route_key(&self) -> String {
        format!("{} {}", self.method.as_deref().unwrap_or("ANY"), self.path)
    }

    /// Path parameters (decoded) if the path matches this route's shape.
    fn match_path(&self, path: &str) -> Option<BTreeMap<String, String>> {
        let parts: Vec<&str> = split_path(path).collect();
        let mut params = BTreeMap::new();
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Literal(lit) => {
                    if parts.get(i).is_none_or(|p| p != lit) {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    params.insert(name.clone(), decode(parts.get(i)?));
                }
                Segment::Greedy(name) => {
                    let rest = parts.get(i..).filter(|r| !r.is_empty())?;
                    params.insert(name.clone(), decode(&rest.join("/")));
                    return Some(params);
                }
            }
        }
        (parts.len() == self.segments.len()).then_some(params)
    }

    /// API Gateway prefers literal segments over parameters over greedy ones, left to right.
    fn specificity(&self) -> (Vec<u8>, bool) {
        let ranks = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Literal(_) => 2,
                Segment::Param(_) => 1,
                Segment::Greedy(_) => 0,
            })
            .collect();
        (ranks, self.method.is_some())
    }
}

fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// The most specific route for a request; a known path with another method is no match,
/// as in HTTP APIs.
pub fn find_route<'a>(
    routes: &'a [Route],
    method: &str,
    path: &str,
) -> Option<(&'a Route, BTreeMap<String, String>)> {
    routes
        .iter()
        .filter(|r| r.method.as_deref().is_none_or(|m| m == method))
        .filter_map(|r| r.match_path(path).map(|params| (r, params)))
        .max_by(|(a, _), (b, _)| a.specificity().cmp(&b.specificity()))
}

/// Every `HttpApi` event of every function; duplicate routes are an error.
pub fn routes_from_template(template: &Template, resolver: &Resolver) -> Result<Vec<Route>> {
    let mut routes: Vec<Route> = Vec::new();
    for event in template.function_events() {
        if event.kind != "HttpApi" || !resolver.exists(event.resource)? {
            continue;
        }
        let (function, event_name) = (event.function, event.name);
        let props = resolver.resolve_or_null(event.properties)?;
        let method = props["Method"].as_str().unwrap_or("ANY");
        let path = props["Path"]
            .as_str()
            .ok_or_else(|| anyhow!("{function}.{event_name} has no Path"))?;
        let route = Route::new(method, path, function)?;
        if let Some(existing) = routes.iter().find(|r| r.route_key() == route.route_key()) {
            bail!(
                "route {} is claimed by both {} and {function}",
                route.route_key(),
                existing.function
            );
        }
        routes.push(route);
    }
    Ok(routes)
}

/// The HttpApi's `CorsConfiguration` (for the implicit API, `Globals.HttpApi`'s).
#[derive(Debug, Clone, Default)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<u64>,
}

impl Cors {
    /// The first HttpApi with a `CorsConfiguration` (the template has one API; `localcloud
    /// check` fails when the routes are on two).
    pub fn from_template(template: &Template, resolver: &Resolver) -> Result<Option<Cors>> {
        for (_, api) in template.of_kind(HTTP_API) {
            let props = resolver.resolve_or_null(&api.properties)?;
            let config = &props["CorsConfiguration"];
            if !config.is_object() {
                continue;
            }
            let list = |name: &str| -> Vec<String> {
                match &config[name] {
                    Value::Array(items) => items.iter().map(scalar_to_string).collect(),
                    Value::String(s) => s.split(',').map(|p| p.trim().to_string()).collect(),
                    _ => Vec::new(),
                }
            };
            return Ok(Some(Cors {
                allow_origins: list("AllowOrigins"),
                allow_methods: list("AllowMethods"),
                allow_headers: list("AllowHeaders"),
                expose_headers: list("ExposeHeaders"),
                max_age: as_u64(config.get("MaxAge")),
            }));
        }
        Ok(None)
    }

    /// The Access-Control-Allow-Origin value for this Origin, if it is allowed.
    fn allowed_origin(&self, origin: &str) -> Option<String> {
        if self.allow_origins.iter().any(|o| o == "*") {
            Some("*".to_string())
        } else {
            self.allow_origins
                .iter()
                .find(|o| o.eq_ignore_ascii_case(origin))
                .map(|_| origin.to_string())
        }
    }

    fn preflight(&self, origin: &str, headers: &mut HeaderMap) {
        if let Some(allowed) = self.allowed_origin(origin) {
            set_header(headers, "access-control-allow-origin", &allowed);
            set_header(
                headers,
                "access-control-allow-methods",
                &self.allow_methods.join(","),
            );
            set_header(
                headers,
                "access-control-allow-headers",
                &self.allow_headers.join(","),
            );
            if let Some(age) = self.max_age {
                set_header(headers, "access-control-max-age", &age.to_string());
            }
        }
    }

    fn decorate(&self, origin: &str, headers: &mut HeaderMap) {
        if let Some(allowed) = self.allowed_origin(origin) {
            set_header(headers, "access-control-allow-origin", &allowed);
            if !self.expose_headers.is_empty() {
                set_header(
                    headers,
                    "access-control-expose-headers",
                    &self.expose_headers.join(","),
                );
            }
        }
    }
}

fn set_header(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        headers.insert(n, v);
    }
}

/// What the front door knows about one request, beyond the route.
pub struct HttpRequest<'a> {
    pub method: &'a str,
    pub raw_path: &'a str,
    pub raw_query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub source_ip: String,
    pub request_id: &'a str,
}

/// API Gateway HTTP API payload format 2.0.
pub fn v2_event(
    route: &Route,
    path_parameters: &BTreeMap<String, String>,
    req: &HttpRequest<'_>,
) -> Value {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies: Vec<String> = Vec::new();
    for (name, value) in req.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == "cookie" {
            cookies.extend(
                value
                    .split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
            );
            continue;
        }
        headers
            .entry(name.as_str().to_string())
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for pair in req.raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode_form = |s: &str| decode(&s.replace('+', " "));
        query
            .entry(decode_form(k))
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(&decode_form(v));
            })
            .or_insert_with(|| decode_form(v));
    }
    let host = headers.get("host").cloned().unwrap_or_default();
    let now = time::OffsetDateTime::now_utc();
    let time_format = time::macros::format_description!(
        "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
    );
    let mut event = json!({
        "version": "2.0",
        "routeKey": route.route_key(),
        "rawPath": req.raw_path,
        "rawQueryString": req.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": crate::template::ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or_default(),
            "http": {
                "method": req.method,
                "path": req.raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": req.source_ip,
                "userAgent": req.headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default(),
            },
            "requestId": req.request_id,
            "routeKey": route.route_key(),
            "stage": "$default",
            "time": now.format(time_format).unwrap_or_default(),
            "timeEpoch": now.unix_timestamp_nanos() / 1_000_000,
        },
        "isBase64Encoded": false,
    });
    let mut put = |key: &str, value: Value| {
        if let Some(map) = event.as_object_mut() {
            map.insert(key.to_string(), value);
        }
    };
    if !cookies.is_empty() {
        put("cookies", json!(cookies));
    }
    if !query.is_empty() {
        put("queryStringParameters", json!(query));
    }
    if !path_parameters.is_empty() {
        put("pathParameters", json!(path_parameters));
    }
    if !req.body.is_empty() {
        match std::str::from_utf8(req.body) {
            Ok(text) => put("body", json!(text)),
            Err(_) => {
                put("body", json!(BASE64.encode(req.body)));
                put("isBase64Encoded", json!(true));
            }
        }
    }
    event
}

/// A function's v2 response as HTTP; `Err` when API Gateway would answer 502.
pub fn http_response(payload: &Value) -> Result<Response> {
    let structured = payload
        .as_object()
        .filter(|map| map.contains_key("statusCode"));
    let Some(map) = structured else {
        // HTTP APIs treat any other JSON as a 200 whose body is that JSON.
        return Ok(build(
            StatusCode::OK,
            HeaderMap::from_iter([(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )]),
            Body::from(payload.to_string()),
        ));
    };
    let status = map["statusCode"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| anyhow!("statusCode {} is not an HTTP status", map["statusCode"]))?;
    let mut headers = HeaderMap::new();
    for (name, value) in object(map, "headers")? {
        append(&mut headers, name, &header_text(value)?)?;
    }
    for (name, values) in object(map, "multiValueHeaders")? {
        let values = values
            .as_array()
            .ok_or_else(|| anyhow!("multiValueHeaders.{name} is not a list"))?;
        for value in values {
            append(&mut headers, name, &header_text(value)?)?;
        }
    }
    if let Some(cookies) = map.get("cookies").filter(|c| !c.is_null()) {
        let cookies = cookies
            .as_array()
            .ok_or_else(|| anyhow!("cookies is not a list"))?;
        for cookie in cookies {
            append(&mut headers, "set-cookie", &header_text(cookie)?)?;
        }
    }
    let body = match map.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => {
            if map.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
                BASE64
                    .decode(text)
                    .map_err(|e| anyhow!("body is not base64: {e}"))?
            } else {
                text.clone().into_bytes()
            }
        }
        Some(other) => bail!("body must be a string, got {other}"),
    };
    Ok(build(status, headers, Body::from(body)))
}

fn object<'a>(map: &'a Map<String, Value>, key: &str) -> Result<Vec<(&'a String, &'a Value)>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(fields)) => Ok(fields.iter().collect()),
        Some(other) => bail!("{key} must be an object, got {other}"),
    }
}

fn header_text(value: &Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(_) | Value::Bool(_) => Ok(value.to_string()),
        other => bail!("header value {other} is not a string"),
    }
}

fn append(headers: &mut HeaderMap, name: &str, value: &str) -> Result<()> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| anyhow!("invalid header name {name}"))?;
    let value =
        HeaderValue::from_str(value).map_err(|_| anyhow!("invalid value for header {name}"))?;
    headers.append(name, value);
    Ok(())
}

fn build(status: StatusCode, headers: HeaderMap, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// An error of the gateway itself, shaped like the project's problem+json errors.
pub fn problem(status: StatusCode, code: &str, detail: &str, request_id: &str) -> Response {
    let body = json!({
        "type": "about:blank",
        "status": status.as_u16(),
        "code": code,
        "title": status.canonical_reason().unwrap_or("Error"),
        "detail": detail,
        "requestId": request_id,
    });
    let mut headers = HeaderMap::new();
    set_header(&mut headers, "content-type", "application/problem+json");
    set_header(&mut headers, "x-request-id", request_id);
    build(status, headers, Body::from(body.to_string()))
}

fn invoke_failure(error: &InvokeError, request_id: &str) -> Response {
    match error {
        InvokeError::Timeout { .. } => problem(
            StatusCode::GATEWAY_TIMEOUT,
            "gateway_timeout",
            "The function did not answer in time.",
            request_id,
        ),
        _ => problem(
            StatusCode::BAD_GATEWAY,
            "bad_gateway",
            "The function failed to produce a response.",
            request_id,
        ),
    }
}

pub struct FrontDoor {
    pub routes: Vec<Route>,
    pub cors: Option<Cors>,
    pub functions: Arc<Functions>,
    /// Files answered for a GET that no route claims (the web app, the docs page).
    pub static_dir: Option<std::path::PathBuf>,
    /// Records the functions requests are routed to, when the end-to-end tests ask.
    pub route_log: Option<crate::coverage::RouteLog>,
    /// Answers `GET /_localcloud/mail` from moto's SES v2 messages.
    pub mail: Option<MailCatcher>,
}

/// Where the mail catcher reads the messages sent.
pub struct MailCatcher {
    pub client: reqwest::Client,
    /// moto's endpoint.
    pub moto: String,
}

impl MailCatcher {
    async fn respond(&self, request_id: &str) -> Response {
        match crate::ses::mail(&self.client, &self.moto).await {
            Ok(mail) => {
                let mut headers = HeaderMap::new();
                set_header(&mut headers, "content-type", "application/json");
                let body = serde_json::to_vec(&mail).unwrap_or_default();
                build(StatusCode::OK, headers, Body::from(body))
            }
            Err(e) => problem(
                StatusCode::BAD_GATEWAY,
                "mail_unavailable",
                &format!("reading the messages from moto: {e:#}"),
                request_id,
            ),
        }
    }
}

impl FrontDoor {
    pub fn router(self: Arc<Self>) -> Router {
        Router::new().fallback(handle).with_state(self)
    }

    async fn serve(&self, request: Request, peer: SocketAddr) -> Response {
        let request_id = new_request_id();
        let (parts, body) = request.into_parts();
        let method = parts.method.as_str().to_string();
        let raw_path = parts.uri.path().to_string();
        if raw_path == HEALTH_PATH {
            let mut headers = HeaderMap::new();
            set_header(&mut headers, "content-type", "application/json");
            return build(StatusCode::OK, headers, Body::from(r#"{"status":"ok"}"#));
        }
        if raw_path == crate::ses::MAIL_PATH
            && parts.method == Method::GET
            && let Some(mail) = &self.mail
        {
            return mail.respond(&request_id).await;
        }
        let origin = parts
            .headers
            .get("origin")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let is_preflight = parts.method == Method::OPTIONS
            && parts.headers.contains_key("access-control-request-method");
        if let (Some(cors), Some(origin), true) = (&self.cors, &origin, is_preflight) {
            let mut response = build(StatusCode::NO_CONTENT, HeaderMap::new(), Body::empty());
            cors.preflight(origin, response.headers_mut());
            return response;
        }
        let mut response = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Err(_) => problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body exceeds 10 MB.",
                &request_id,
            ),
            Ok(body) => {
                let req = HttpRequest {
                    method: &method,
                    raw_path: &raw_path,
                    raw_query: parts.uri.query().unwrap_or_default(),
                    headers: &parts.headers,
                    body: &body,
                    source_ip: peer.ip().to_string(),
                    request_id: &request_id,
                };
                self.dispatch(&req).await
            }
        };
        set_header(response.headers_mut(), "apigw-requestid", &request_id);
        if let (Some(cors), Some(origin)) = (&self.cors, &origin) {
            cors.decorate(origin, response.headers_mut());
        }
        response
    }

    async fn dispatch(&self, req: &HttpRequest<'_>) -> Response {
        let Some((route, params)) = find_route(&self.routes, req.method, req.raw_path) else {
            if let Some(root) = &self.static_dir
                && (req.method == "GET" || req.method == "HEAD")
                && let Some(response) =
                    crate::static_files::serve(root, req.raw_path, req.method == "HEAD").await
            {
                return response;
            }
            return problem(
                StatusCode::NOT_FOUND,
                "not_found",
                &format!("No route for {} {}.", req.method, req.raw_path),
                req.request_id,
            );
        };
        if let Some(log) = &self.route_log {
            log.record(&route.function);
        }
        let event = v2_event(route, &params, req);
        let trigger = Trigger::Http {
            route: route.route_key(),
        };
        match self
            .functions
            .invoke(&route.function, &event, trigger)
            .await
        {
            Ok(payload) => http_response(&payload).unwrap_or_else(|e| {
                tracing::warn!(
                    "{} returned an invalid response ({e:#}); answering 502",
                    route.function
                );
                invoke_failure(
                    &InvokeError::InvalidResponse {
                        function: route.function.clone(),
                    },
                    req.request_id,
                )
            }),
            Err(e) => {
                tracing::warn!("{} {}: {e}", req.method, req.raw_path);
                invoke_failure(&e, req.request_id)
            }
        }
    }
}

async fn handle(
    State(door): State<Arc<FrontDoor>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    door.serve(request, peer).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> Vec<Route> {
        [
            ("GET", "/v1/posts", "List"),
            ("GET", "/v1/posts/{id}", "Get"),
            ("GET", "/v1/posts/mine", "Mine"),
            ("POST", "/v1/posts/{id}/comments", "Comment"),
            ("ANY", "/files/{proxy+}", "Files"),
            ("GET", "/files/special/{name}", "Special"),
        ]
        .iter()
        .map(|(m, p, f)| Route::new(m, p, f).unwrap())
        .collect()
    }

    fn matched(method: &str, path: &str) -> Option<(String, BTreeMap<String, String>)> {
        let routes = routes();
        find_route(&routes, method, path).map(|(r, p)| (r.function.clone(), p))
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        assert_eq!(matched("GET", "/v1/posts/mine").unwrap().0, "Mine");
        let (f, params) = matched("GET", "/v1/posts/p%201").unwrap();
        assert_eq!(f, "Get");
        assert_eq!(params["id"], "p 1");
    }

    #[test]
    fn greedy_segments_take_the_rest_and_need_one_segment() {
        let (f, params) = matched("DELETE", "/files/a/b/c").unwrap();
        assert_eq!(f, "Files");
        assert_eq!(params["proxy"], "a/b/c");
        assert_eq!(matched("GET", "/files/special/x").unwrap().0, "Special");
        assert!(matched("GET", "/files").is_none());
    }

    #[test]
    fn a_wrong_method_or_unknown_path_does_not_match() {
        assert!(matched("DELETE", "/v1/posts").is_none());
        assert!(matched("GET", "/v1/posts/1/comments").is_none());
        assert!(matched("GET", "/v1/nothing").is_none());
        assert!(matched("GET", "/v1/posts/").is_some());
    }

    #[test]
    fn the_v2_event_has_api_gateway_shape() {
        let route = Route::new("POST", "/v1/posts/{id}/comments", "Comment").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("Content-Type", HeaderValue::from_static("application/json"));
        headers.append("x-multi", HeaderValue::from_static("a"));
        headers.append("x-multi", HeaderValue::from_static("b"));
        headers.insert("cookie", HeaderValue::from_static("s=1; t=2"));
        headers.insert("host", HeaderValue::from_static("127.0.0.1:3000"));
        let req = HttpRequest {
            method: "POST",
            raw_path: "/v1/posts/42/comments",
            raw_query: "a=1&a=2&q=hello+world%21",
            headers: &headers,
            body: br#"{"body":"hi"}"#,
            source_ip: "127.0.0.1".into(),
            request_id: "rid",
        };
        let params = BTreeMap::from([("id".to_string(), "42".to_string())]);
        let e = v2_event(&route, &params, &req);
        assert_eq!(e["version"], "2.0");
        assert_eq!(e["routeKey"], "POST /v1/posts/{id}/comments");
        assert_eq!(e["rawQueryString"], "a=1&a=2&q=hello+world%21");
        assert_eq!(
            e["queryStringParameters"],
            json!({"a": "1,2", "q": "hello world!"})
        );
        assert_eq!(e["pathParameters"], json!({"id": "42"}));
        assert_eq!(e["headers"]["content-type"], "application/json");
        assert_eq!(e["headers"]["x-multi"], "a,b");
        assert!(e["headers"].get("cookie").is_none());
        assert_eq!(e["cookies"], json!(["s=1", "t=2"]));
        assert_eq!(e["body"], r#"{"body":"hi"}"#);
        assert_eq!(e["isBase64Encoded"], false);
        let ctx = &e["requestContext"];
        assert_eq!(ctx["http"]["method"], "POST");
        assert_eq!(ctx["http"]["sourceIp"], "127.0.0.1");
        assert_eq!(ctx["requestId"], "rid");
        assert_eq!(ctx["stage"], "$default");
        assert!(ctx["timeEpoch"].as_i64().unwrap() > 0);
        assert!(ctx["time"].as_str().unwrap().ends_with("+0000"));
    }

    #[test]
    fn binary_bodies_are_base64() {
        let route = Route::new("POST", "/x", "X").unwrap();
        let headers = HeaderMap::new();
        let req = HttpRequest {
            method: "POST",
            raw_path: "/x",
            raw_query: "",
            headers: &headers,
            body: &[0xff, 0xfe],
            source_ip: "127.0.0.1".into(),
            request_id: "rid",
        };
        let e = v2_event(&route, &BTreeMap::new(), &req);
        assert_eq!(e["isBase64Encoded"], true);
        assert_eq!(e["body"], BASE64.encode([0xff, 0xfe]));
        assert!(e.get("pathParameters").is_none());
    }

    #[test]
    fn responses_convert_and_invalid_ones_are_errors() {
        let r = http_response(&json!({
            "statusCode": 201,
            "headers": {"content-type": "application/json"},
            "multiValueHeaders": {"x-a": ["1", "2"]},
            "cookies": ["a=1", "b=2"],
            "body": "{}",
        }))
        .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers().get_all("set-cookie").iter().count(), 2);
        assert_eq!(r.headers().get_all("x-a").iter().count(), 2);
        let plain = http_response(&json!({"hello": "world"})).unwrap();
        assert_eq!(plain.status(), 200);
        assert!(http_response(&json!({"statusCode": "x"})).is_err());
        assert!(http_response(&json!({"statusCode": 200, "body": 5})).is_err());
        assert!(http_response(&json!({"statusCode": 200, "headers": []})).is_err());
    }

    #[test]
    fn the_implicit_api_routes_events_without_api_id_with_the_globals_cors() {
        let template = Template::parse(
            r#"
Globals:
  HttpApi:
    CorsConfiguration: { AllowOrigins: ["https://app.example"], MaxAge: 600 }
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Http: { Type: HttpApi, Properties: { Method: GET, Path: "/hello/{id}" } }
"#,
        )
        .unwrap();
        let resolver = Resolver::new(&template, BTreeMap::new());
        let routes = routes_from_template(&template, &resolver).unwrap();
        assert_eq!(routes.len(), 1);
        assert_eq!(routes[0].route_key(), "GET /hello/{id}");
        let cors = Cors::from_template(&template, &resolver).unwrap().unwrap();
        assert_eq!(cors.allow_origins, ["https://app.example"]);
        assert_eq!(cors.max_age, Some(600));
    }

    #[test]
    fn cors_allows_listed_origins_only() {
        let cors = Cors {
            allow_origins: vec!["https://app.example".into()],
            allow_methods: vec!["GET".into()],
            allow_headers: vec!["authorization".into()],
            expose_headers: vec!["x-request-id".into()],
            max_age: Some(600),
        };
        let mut h = HeaderMap::new();
        cors.preflight("https://app.example", &mut h);
        assert_eq!(h["access-control-allow-origin"], "https://app.example");
        assert_eq!(h["access-control-max-age"], "600");
        let mut h = HeaderMap::new();
        cors.decorate("https://evil.example", &mut h);
        assert!(h.is_empty());
    }
}
