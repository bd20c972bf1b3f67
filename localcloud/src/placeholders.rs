//! Placeholders in sample events, filled by `localcloud invoke` just before it invokes, so
//! that every `events/<LogicalId>.json` works as checked in, as often as one likes:
//!
//! | placeholder            | becomes                                                          |
//! |------------------------|------------------------------------------------------------------|
//! | `{{accessToken}}`      | an access token of the demo student ([`DEMO_EMAIL`])              |
//! | `{{adminAccessToken}}` | an access token of the admin (`AdminEmail`, seeded first)         |
//! | `{{refreshToken}}`     | a refresh token of a new session of the demo student              |
//! | `{{uniqueEmail}}`      | a new address each time, `invoke-<ulid>@studyloop.local`          |
//! | `{{newId}}`            | a new ULID each time                                              |
//! | `{{orderId}}`          | a new order of the demo student, placed just before (pending)     |
//! | `{{newAccountAccessToken}}` | an access token of a new account (a `{{uniqueEmail}}`, the demo password), signed up just before: for events that end their account |
//!
//! The tokens are real: the local cloud signs the demo student (or the admin) in through the
//! template's own sign-in function, which signs with the cloud's keys (`keys.json` of the
//! state directory), so the invoked function verifies them exactly as it verifies any other.
//! The demo student is the one the sample sign-in event names ([`DEMO_EMAIL`],
//! [`DEMO_PASSWORD`]); it is signed up the first time it is needed. An event that names the
//! demo student's email (the sample sign-in) gets the demo student created first too.
//!
//! Placeholders are replaced in every string of the event, the `body` of an API Gateway event
//! included (a JSON document inside a JSON string): every value put in is made of
//! `[A-Za-z0-9._@-]` only, so it needs no escaping at either level. One placeholder gets one
//! value per event (a `{{newId}}` in `rawPath` and in `pathParameters` stays the same id).
//! An unknown `{{name}}` is an error rather than a silent 400.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use anyhow::{Context, Result, anyhow, bail};
use http::HeaderMap;
use serde_json::{Value, json};

use crate::Cloud;
use crate::http_api::{HttpRequest, Route, v2_event};

/// The demo student: the account the sample sign-in event (`events/UsersSignInFunction.json`)
/// signs in, and whose tokens fill `{{accessToken}}` and `{{refreshToken}}`.
pub const DEMO_EMAIL: &str = "sample@example.com";
pub const DEMO_PASSWORD: &str = "correct horse battery";
pub const DEMO_NAME: &str = "Sample Student";

pub const ACCESS_TOKEN: &str = "accessToken";
pub const ADMIN_ACCESS_TOKEN: &str = "adminAccessToken";
pub const REFRESH_TOKEN: &str = "refreshToken";
pub const UNIQUE_EMAIL: &str = "uniqueEmail";
pub const NEW_ID: &str = "newId";
pub const ORDER_ID: &str = "orderId";
/// An access token of an account signed up just before (the demo password), for an event
/// that ends its account (`DELETE /v1/users/me`) and must not end the demo student's.
pub const NEW_ACCOUNT_ACCESS_TOKEN: &str = "newAccountAccessToken";
/// Every placeholder `fill` knows.
pub const ALL: [&str; 7] = [
    ACCESS_TOKEN,
    ADMIN_ACCESS_TOKEN,
    REFRESH_TOKEN,
    UNIQUE_EMAIL,
    NEW_ID,
    ORDER_ID,
    NEW_ACCOUNT_ACCESS_TOKEN,
];

const SIGN_IN: (&str, &str) = ("POST", "/v1/auth/sign-in");
const SIGN_UP: (&str, &str) = ("POST", "/v1/auth/sign-up");
const PLACE_ORDER: (&str, &str) = ("POST", "/v1/orders");
const SEED_ADMIN: &str = "UsersSeedAdminFunction";
/// A product of the inventory's demo catalogue (its seed).
const DEMO_PRODUCT: &str = "01JDEMP0000000000000000001";

/// The `{{name}}`s in `text`, in order of appearance, each once.
pub fn names_in(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = &after[..end];
        if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric())
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_string());
        }
        rest = &after[end + 2..];
    }
    names
}

/// Replaces `{{name}}` by `values[name]` in every string (and object key) of `event`.
pub fn substitute(event: Value, values: &BTreeMap<String, String>) -> Value {
    let replace = |text: String| {
        if !text.contains("{{") {
            return text;
        }
        values.iter().fold(text, |text, (name, value)| {
            text.replace(&format!("{{{{{name}}}}}"), value)
        })
    };
    match event {
        Value::String(s) => Value::String(replace(s)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| substitute(v, values)).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (replace(k), substitute(v, values)))
                .collect(),
        ),
        other => other,
    }
}

/// A value safe to put inside a JSON string inside a JSON string without escaping.
fn plain(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c))
}

/// A session from a sign-in or sign-up answer.
struct Session {
    access_token: String,
    refresh_token: String,
}

/// Fills the placeholders of events for one cloud; keeps the demo student's and the admin's
/// access tokens for the next events (they live 15 minutes, far longer than an `invoke`).
pub struct Filler<'a> {
    cloud: &'a Cloud,
    student: Option<String>,
    admin: Option<String>,
}

impl<'a> Filler<'a> {
    pub fn new(cloud: &'a Cloud) -> Self {
        Filler {
            cloud,
            student: None,
            admin: None,
        }
    }

    /// `event` with every placeholder replaced (see the module's documentation).
    pub async fn fill(&mut self, event: Value) -> Result<Value> {
        let text = event.to_string();
        let names = names_in(&text);
        let unknown: Vec<&String> = names
            .iter()
            .filter(|n| !ALL.contains(&n.as_str()))
            .collect();
        if !unknown.is_empty() {
            bail!(
                "unknown placeholder(s) {} in the event; known: {}",
                unknown
                    .iter()
                    .map(|n| format!("{{{{{n}}}}}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                ALL.map(|n| format!("{{{{{n}}}}}")).join(", ")
            );
        }
        if names.is_empty() && text.contains(DEMO_EMAIL) {
            // The sample sign-in: make sure the account it names exists.
            self.student_session().await?;
        }
        let mut values = BTreeMap::new();
        for name in names {
            let value = match name.as_str() {
                ACCESS_TOKEN => self.student_token().await?,
                ADMIN_ACCESS_TOKEN => self.admin_token().await?,
                REFRESH_TOKEN => self.student_session().await?.refresh_token,
                UNIQUE_EMAIL => format!(
                    "invoke-{}@studyloop.local",
                    ulid::Ulid::new().to_string().to_lowercase()
                ),
                NEW_ID => ulid::Ulid::new().to_string(),
                ORDER_ID => self.new_order().await?,
                NEW_ACCOUNT_ACCESS_TOKEN => self.new_account_token().await?,
                _ => unreachable!("checked above"),
            };
            if !plain(&value) {
                bail!("the value for {{{{{name}}}}} would need escaping");
            }
            values.insert(name, value);
        }
        Ok(substitute(event, &values))
    }

    async fn student_token(&mut self) -> Result<String> {
        if let Some(token) = &self.student {
            return Ok(token.clone());
        }
        let token = self.student_session().await?.access_token;
        self.student = Some(token.clone());
        Ok(token)
    }

    async fn admin_token(&mut self) -> Result<String> {
        if let Some(token) = &self.admin {
            return Ok(token.clone());
        }
        let email = self.cloud.parameter("AdminEmail").unwrap_or_default();
        // The password the seed reads from (moto's) SSM.
        let password = self
            .cloud
            .secret(SEED_ADMIN, "ADMIN_PASSWORD_PARAMETER")
            .unwrap_or_default();
        if email.is_empty() || password.is_empty() {
            bail!(
                "{{{{{ADMIN_ACCESS_TOKEN}}}}} needs the admin: set ADMIN_EMAIL and ADMIN_PASSWORD \
                 (make does) or pass AdminEmail=... AdminPassword=..."
            );
        }
        // Idempotent: creates the admin once, then changes nothing.
        self.cloud
            .invoke(SEED_ADMIN, json!({}))
            .await
            .map_err(|e| anyhow!("seeding the admin ({SEED_ADMIN}): {e}"))?;
        let (status, body) = self.sign(SIGN_IN, &email, &password, None).await?;
        if status != 200 {
            bail!("signing the admin {email} in answered {status}: {body}");
        }
        let token = session(&body)?.access_token;
        self.admin = Some(token.clone());
        Ok(token)
    }

    /// A new session of the demo student, signed up first if it does not exist yet.
    async fn student_session(&mut self) -> Result<Session> {
        let (status, body) = self.sign(SIGN_IN, DEMO_EMAIL, DEMO_PASSWORD, None).await?;
        if status == 200 {
            return session(&body);
        }
        let (up_status, up_body) = self
            .sign(SIGN_UP, DEMO_EMAIL, DEMO_PASSWORD, Some(DEMO_NAME))
            .await?;
        match up_status {
            201 => session(&up_body),
            // Signed up concurrently by another invoke: sign in once more.
            409 => {
                let (status, body) = self.sign(SIGN_IN, DEMO_EMAIL, DEMO_PASSWORD, None).await?;
                if status == 200 {
                    session(&body)
                } else {
                    bail!(
                        "the demo student {DEMO_EMAIL} exists but does not sign in with the demo \
                         password ({status}: {body}); `make clean` forgets local data"
                    )
                }
            }
            _ => bail!(
                "signing the demo student in answered {status} ({body}), signing up {up_status} \
                 ({up_body})"
            ),
        }
    }

    /// An access token of a new account, signed up now with a unique email and the demo
    /// password.
    async fn new_account_token(&self) -> Result<String> {
        let email = format!(
            "invoke-{}@studyloop.local",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let (status, body) = self
            .sign(SIGN_UP, &email, DEMO_PASSWORD, Some(DEMO_NAME))
            .await?;
        if status != 201 {
            bail!("signing up a new account {email} answered {status}: {body}");
        }
        Ok(session(&body)?.access_token)
    }

    /// Sends a sign-in (or, with a name, sign-up) through its function.
    async fn sign(
        &self,
        route: (&str, &str),
        email: &str,
        password: &str,
        name: Option<&str>,
    ) -> Result<(u64, Value)> {
        let mut body = json!({"email": email, "password": password});
        if let Some(name) = name {
            body["name"] = json!(name);
        }
        self.call(route, &[], body).await
    }

    /// A new order of the demo student (for a saga reply to be about), pending: no poller
    /// runs during an `invoke`, so it waits for the reply the event brings.
    async fn new_order(&mut self) -> Result<String> {
        let token = self.student_token().await?;
        let (status, body) = self
            .call(
                PLACE_ORDER,
                &[
                    ("authorization", format!("Bearer {token}")),
                    ("idempotency-key", ulid::Ulid::new().to_string()),
                ],
                json!({"productId": DEMO_PRODUCT, "quantity": 1, "paymentToken": "tok_ok"}),
            )
            .await?;
        match body["orderId"].as_str() {
            Some(id) if status == 202 => Ok(id.to_string()),
            _ => bail!("placing the demo student's order answered {status}: {body}"),
        }
    }

    /// Sends a JSON request to the function of `route` as the front door would; returns the
    /// status and the body as JSON.
    async fn call(
        &self,
        (method, path): (&str, &str),
        extra_headers: &[(&str, String)],
        body: Value,
    ) -> Result<(u64, Value)> {
        let key = format!("{method} {path}");
        let function = self
            .cloud
            .routes()
            .into_iter()
            .find(|(route, _)| *route == key)
            .map(|(_, function)| function)
            .ok_or_else(|| anyhow!("the template has no route {key}"))?;
        let body = body.to_string();
        let mut headers = HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, "application/json".parse()?);
        headers.insert(http::header::HOST, "localhost".parse()?);
        headers.insert(http::header::USER_AGENT, "localcloud-invoke".parse()?);
        for (name, value) in extra_headers {
            headers.insert(
                http::HeaderName::from_bytes(name.as_bytes())?,
                value.parse()?,
            );
        }
        let request_id = ulid::Ulid::new().to_string();
        let request = HttpRequest {
            method,
            raw_path: path,
            raw_query: "",
            headers: &headers,
            body: body.as_bytes(),
            source_ip: IpAddr::V4(Ipv4Addr::LOCALHOST).to_string(),
            request_id: &request_id,
        };
        let route = Route::new(method, path, &function)?;
        let event = v2_event(&route, &BTreeMap::new(), &request);
        let answer = self
            .cloud
            .invoke(&function, event)
            .await
            .map_err(|e| anyhow!("{function}: {e}"))?;
        let status = answer["statusCode"]
            .as_u64()
            .with_context(|| format!("{function} answered without a statusCode: {answer}"))?;
        let body = answer["body"]
            .as_str()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or(Value::Null);
        Ok((status, body))
    }
}

fn session(body: &Value) -> Result<Session> {
    let text = |key: &str| {
        body[key]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("no {key} in {body}"))
    };
    Ok(Session {
        access_token: text("accessToken")?,
        refresh_token: text("refreshToken")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_once_each_in_order() {
        let text = r#"{"a":"Bearer {{accessToken}}","body":"{\"email\": \"{{uniqueEmail}}\", \"x\": \"{{accessToken}}\"}","c":"{{ not one }}"}"#;
        assert_eq!(names_in(text), vec!["accessToken", "uniqueEmail"]);
        assert!(names_in("no placeholders {{").is_empty());
    }

    #[test]
    fn substitution_reaches_into_a_json_body_string_and_keeps_it_json() {
        let event = json!({
            "headers": {"authorization": "Bearer {{accessToken}}"},
            "rawPath": "/v1/things/{{newId}}",
            "pathParameters": {"id": "{{newId}}"},
            "body": json!({"email": "{{uniqueEmail}}", "n": 1}).to_string(),
            "isBase64Encoded": false,
        });
        let values = BTreeMap::from([
            (ACCESS_TOKEN.to_string(), "a.b-c_d".to_string()),
            (NEW_ID.to_string(), "01JDEMA0000000000000000009".to_string()),
            (
                UNIQUE_EMAIL.to_string(),
                "invoke-01jx@studyloop.local".to_string(),
            ),
        ]);
        let out = substitute(event, &values);
        assert_eq!(out["headers"]["authorization"], "Bearer a.b-c_d");
        assert_eq!(out["rawPath"], "/v1/things/01JDEMA0000000000000000009");
        assert_eq!(out["pathParameters"]["id"], "01JDEMA0000000000000000009");
        let body: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"email": "invoke-01jx@studyloop.local", "n": 1})
        );
        assert_eq!(out["isBase64Encoded"], false);
    }

    #[test]
    fn values_put_in_need_no_escaping() {
        assert!(plain("invoke-01jdema@studyloop.local"));
        assert!(plain("eyJh.eyJz-_x.sig"));
        assert!(!plain("a\"b"));
        assert!(!plain("a\\b"));
    }
}
