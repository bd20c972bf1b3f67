//! The whole document from the domains' own declarations.
//!
//! Each domain crate declares its operations beside its handlers and lists them in its
//! `ApiDoc`; here they are merged, and what follows from an operation's shape is added by
//! rule, the same way the shared code enforces it:
//! - a JSON body can be refused with 400 `validation_failed`, 413 `payload_too_large` and
//!   415 `unsupported_media_type` (`shared::http::json_body`), and no request object takes
//!   a field it does not list (`additionalProperties: false`, the input policy);
//! - a route with a bearer token can answer 401 `unauthorized` (`shared::auth`);
//! - a path id or a query or header parameter can be refused with 400 `validation_failed`,
//!   and every path parameter is an id (`shared::http::path_id`: the ULID pattern);
//! - every route can fail with 500 `internal`, and every response carries `x-request-id`
//!   (`shared::http::respond`); a 429 carries `Retry-After`.
//!
//! An operation adds its use case's own problems in its `x-problems` extension
//! (`{"404": ["post_not_found"]}`); each status becomes one problem+json response whose
//! schema lists exactly the codes it can carry.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use utoipa::OpenApi;

/// The operations of every domain, in one document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "studyloop API",
        version = "1.0.0",
        description = include_str!("../../../docs/api-overview.md"),
    ),
    paths(crate::handle_get_openapi),
    components(schemas(
        shared::openapi::ProblemDoc,
        shared::problem::FieldError,
        shared::openapi::Id,
        shared::openapi::Timestamp,
    )),
    tags(
        (name = "users", description = "Accounts, sign-in and tokens (table `users`)."),
        (name = "assessments", description = "Assessments, attempts and grading (table `assessments`)."),
        (name = "learning", description = "Modules, plans, training sessions and progress (table `learning`)."),
        (name = "community", description = "Posts, comments and likes (table `community`)."),
        (name = "notifications", description = "The inbox and notification preferences (table `notifications`)."),
        (name = "inventory", description = "Products and their stock (table `inventory`)."),
        (name = "orders", description = "Orders and the saga that carries them (table `orders`)."),
        (name = "api", description = "This document."),
    ),
)]
struct Root;

/// The document, as written to `docs/openapi.json`; an error names two domains that give
/// one schema name to different schemas (merging would silently keep only one).
pub fn document() -> Result<Value, String> {
    let mut doc = Root::openapi();
    let mut owners: BTreeMap<String, (&str, Value)> = BTreeMap::new();
    for (domain, part) in [
        ("users", users::ApiDoc::openapi()),
        ("assessments", assessments::ApiDoc::openapi()),
        ("learning", learning::ApiDoc::openapi()),
        ("community", community::ApiDoc::openapi()),
        ("notifications", notifications::ApiDoc::openapi()),
        ("inventory", inventory::ApiDoc::openapi()),
        ("orders", orders::ApiDoc::openapi()),
    ] {
        let schemas = part.components.as_ref().map(|c| &c.schemas);
        for (name, schema) in schemas.into_iter().flatten() {
            let schema = serde_json::to_value(schema).unwrap_or(Value::Null);
            match owners.get(name) {
                Some((other, known)) if *known != schema => {
                    return Err(format!(
                        "schema {name} means different things in {other} and {domain}: \
                         give one of them another name"
                    ));
                }
                Some(_) => {}
                None => {
                    owners.insert(name.clone(), (domain, schema));
                }
            }
        }
        doc.merge(part);
    }
    let mut value = serde_json::to_value(&doc).map_err(|e| e.to_string())?;
    apply_rules(&mut value);
    Ok(value)
}

/// The document as text: stable (sorted keys), two-space indented, one final newline.
pub fn document_text() -> Result<String, String> {
    let mut text = serde_json::to_string_pretty(&document()?).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

fn apply_rules(doc: &mut Value) {
    doc["components"]["securitySchemes"] = json!({
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from sign-up, sign-in or refresh (EdDSA, 15 minutes)."
        }
    });
    let mut request_schemas = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for method in METHODS {
                if let Some(op) = item.get_mut(method) {
                    apply_operation_rules(op, &mut request_schemas);
                }
            }
        }
    }
    // No request object takes a field it does not list, at any depth.
    let mut seen = Vec::new();
    while let Some(name) = request_schemas.pop() {
        if seen.contains(&name) {
            continue;
        }
        if let Some(schema) = doc["components"]["schemas"].get_mut(&name) {
            close_objects(schema, &mut request_schemas);
        }
        seen.push(name);
    }
}

fn apply_operation_rules(op: &mut Value, request_schemas: &mut Vec<String>) {
    let mut problems: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    let mut add = |status: u16, code: &str| {
        let codes = problems.entry(status).or_default();
        if !codes.iter().any(|c| c == code) {
            codes.push(code.to_owned());
        }
    };
    if let Some(declared) = op
        .as_object_mut()
        .and_then(|o| o.remove("x-problems"))
        .and_then(|v| v.as_object().cloned())
    {
        for (status, codes) in declared {
            let Ok(status) = status.parse::<u16>() else {
                continue;
            };
            for code in codes.as_array().into_iter().flatten() {
                if let Some(code) = code.as_str() {
                    add(status, code);
                }
            }
        }
    }
    if let Some(body) = op.get_mut("requestBody") {
        add(400, "validation_failed");
        add(413, "payload_too_large");
        add(415, "unsupported_media_type");
        body["required"] = json!(true);
        if let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) {
            for media in content.values_mut() {
                close_objects(&mut media["schema"], request_schemas);
            }
        }
    }
    if op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty())
    {
        add(401, "unauthorized");
    }
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        if !params.is_empty() {
            add(400, "validation_failed");
        }
        for param in params.iter_mut() {
            if param["in"] == "path" {
                param["schema"] = json!({ "$ref": "#/components/schemas/Id" });
            }
        }
    }
    add(500, "internal");

    let responses = op["responses"].as_object_mut();
    let Some(responses) = responses else {
        return;
    };
    for (status, codes) in problems {
        let description = format!("Problem: {}.", codes.join(", "));
        let mut response = json!({
            "description": description,
            "content": {
                "application/problem+json": {
                    "schema": {
                        "allOf": [
                            { "$ref": "#/components/schemas/Problem" },
                            {
                                "type": "object",
                                "properties": {
                                    "status": { "const": status },
                                    "code": { "type": "string", "enum": codes }
                                }
                            }
                        ]
                    }
                }
            }
        });
        if status == 429 {
            response["headers"]["Retry-After"] = json!({
                "description": "Seconds to wait before trying again.",
                "schema": { "type": "integer", "minimum": 1 }
            });
        }
        responses.insert(status.to_string(), response);
    }
    for response in responses.values_mut() {
        response["headers"]["x-request-id"] = json!({
            "description": "The request's id: quote it to support (also `requestId` in problems).",
            "required": true,
            "schema": { "type": "string", "minLength": 1 }
        });
    }
}

/// Sets `additionalProperties: false` on every object schema in `schema` that does not say
/// otherwise, and notes the components it refers to, which get the same treatment.
fn close_objects(schema: &mut Value, refs: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && let Some(name) = r.strip_prefix("#/components/schemas/")
            {
                refs.push(name.to_owned());
            }
            let is_object = map.get("type") == Some(&json!("object"))
                || (map.contains_key("properties") && !map.contains_key("allOf"));
            if is_object && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), json!(false));
            }
            for (key, value) in map.iter_mut() {
                if key != "examples" && key != "example" {
                    close_objects(value, refs);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                close_objects(item, refs);
            }
        }
        _ => {}
    }
}

/// Every `METHOD /path` the document describes.
pub fn routes(doc: &Value) -> Vec<String> {
    let mut routes = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if item.get(method).is_some() {
                    routes.push(format!("{} {path}", method.to_ascii_uppercase()));
                }
            }
        }
    }
    routes
}
