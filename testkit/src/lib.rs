//! The in-process handler-test harness the domains share: the DynamoDB emulator with the
//! template's tables, a fixed signing key and its verifier, a fixed clock, a cursor codec,
//! the sample events of `events/` changed per test, and the outbox as a test reads it.
//!
//! One harness for every domain, generic over its `App`: [`Harness::start`] for a domain
//! whose `App` is `shared::app::Context<Store>` (every one but users, whose sign-in also needs
//! the signing key: [`Harness::build`] takes the parts and builds any `App`):
//!
//! ```text
//! let h = testkit::Harness::<community::Store>::start("CommunityTable").await;
//! let r = testkit::call!(h, community::posts::handle_create, testkit::event(...));
//! let token = h.keys.token(KIM, Role::Student);
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use lambda_http::{Body, Request, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;
use shared::auth::{Claims, Jwks, Role, TokenSigner, TokenVerifier};
use shared::clock::{Clock, FixedClock};
use shared::cursor::CursorCodec;
use shared::dynamo::{Item, s};
use time::OffsetDateTime;
use time::macros::datetime;

/// A domain under test: its `App` (in the `Arc` [`call!`] expects), the emulator with the
/// template's tables, the keys that sign its tokens and the clock they and the app share.
pub struct Harness<A> {
    pub app: Arc<A>,
    pub keys: Keys,
    pub clock: Arc<FixedClock>,
    pub db: Db,
}

impl<S: shared::app::TableStore> Harness<shared::app::Context<S>> {
    /// The domain's store on `table` (the template's logical id), with the cursor codec.
    pub async fn start(table: &str) -> Self {
        Self::build(table, |db, keys, clock| {
            shared::app::Context::new(
                S::new(db.client.clone(), db.table.clone()),
                keys.verifier.clone(),
                clock,
            )
            .with_cursors(cursors())
        })
        .await
    }
}

impl<A> Harness<A> {
    /// Starts the emulator and builds the app from the parts with `app`.
    pub async fn build(table: &str, app: impl FnOnce(&Db, &Keys, Arc<FixedClock>) -> A) -> Self {
        let db = Db::start(table).await;
        let clock = clock();
        let keys = Keys::new(clock.clone());
        let app = Arc::new(app(&db, &keys, clock.clone()));
        Self {
            app,
            keys,
            clock,
            db,
        }
    }
}

/// What the [`call!`] macro needs, reachable from any crate that uses it.
#[doc(hidden)]
pub mod __private {
    pub use lambda_http::Request;
    pub use shared::http::respond;
}

/// The time the tests' clock starts at.
pub const NOW: OffsetDateTime = datetime!(2026-11-24 12:00 UTC);

/// The workspace root (where `template.yaml` and `events/` are).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A clock fixed at [`NOW`] that a test may advance.
pub fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::at(NOW))
}

/// A cursor codec with a test secret.
pub fn cursors() -> CursorCodec {
    CursorCodec::new(b"a cursor secret of 32 characters!")
}

/// A fresh in-memory DynamoDB with every table of the template, a client for it, and the
/// name of the one table the domain under test uses.
pub struct Db {
    pub client: aws_sdk_dynamodb::Client,
    pub table: String,
    _fixture: localcloud::DynamoFixture,
}

impl Db {
    /// Starts the emulator; `table` is the template's logical id (`"OrdersTable"`).
    pub async fn start(table: &str) -> Self {
        let fixture = localcloud::dynamo_with_tables(&root().join("template.yaml"))
            .await
            .unwrap_or_else(|e| panic!("emulator: {e:#}"));
        let table = fixture
            .tables
            .get(table)
            .cloned()
            .unwrap_or_else(|| panic!("the template has no table {table}"));
        let client = fixture.client().await;
        Self {
            client,
            table,
            _fixture: fixture,
        }
    }

    /// Every item of the table matching `filter` (a consistent read); `values` are the
    /// expression's string values.
    pub async fn scan(&self, filter: &str, values: &[(&str, &str)]) -> Vec<Item> {
        let mut scan = self
            .client
            .scan()
            .table_name(&self.table)
            .consistent_read(true)
            .filter_expression(filter);
        for (name, value) in values {
            scan = scan.expression_attribute_values(*name, s(*value));
        }
        scan.send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .items
            .unwrap_or_default()
    }

    /// The outbox items queued in the table, in no particular order.
    pub async fn outbox(&self) -> Vec<Item> {
        self.scan("begins_with(pk, :p)", &[(":p", "OUTBOX#")]).await
    }

    /// The bodies (envelopes) of the outbox items, in no particular order.
    pub async fn outbox_bodies(&self) -> Vec<Value> {
        self.outbox().await.iter().filter_map(outbox_body).collect()
    }
}

/// An outbox item's body (its envelope), when it has a readable one.
pub fn outbox_body(item: &Item) -> Option<Value> {
    let body = item.get("body")?.as_s().ok()?;
    serde_json::from_str(body).ok()
}

/// A fixed signing key and the verifier that trusts it; tokens are issued at the clock's
/// time.
pub struct Keys {
    pub signer: TokenSigner,
    pub verifier: TokenVerifier,
    clock: Arc<dyn Clock>,
}

impl Keys {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        let signer = TokenSigner::from_seed("test-key", &B64.encode([7u8; 32]))
            .unwrap_or_else(|e| panic!("{e}"));
        let jwks = serde_json::to_string(&Jwks {
            keys: vec![signer.public_jwk()],
        })
        .unwrap_or_default();
        let verifier = TokenVerifier::from_jwks(&jwks).unwrap_or_else(|e| panic!("{e}"));
        Self {
            signer,
            verifier,
            clock,
        }
    }

    /// An access token for `user_id` with `role`.
    pub fn token(&self, user_id: &str, role: Role) -> String {
        self.signer
            .sign(&Claims::access(user_id, role, self.clock.now()))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// An access token for `user_id` with `role` and the display name `name`, as users
    /// issues them at sign-in and refresh.
    pub fn named_token(&self, user_id: &str, role: Role, name: &str) -> String {
        self.signer
            .sign(&Claims::access(user_id, role, self.clock.now()).named(name))
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

/// The sample event `events/<name>.json` as JSON.
pub fn sample(name: &str) -> Value {
    let path = root().join("events").join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The sample event `events/<name>.json` as `T` (an `SqsEvent`, say).
pub fn sample_as<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What to change in a sample HTTP event.
#[derive(Default)]
pub struct With<'a> {
    pub body: Option<Value>,
    /// A body sent as it is (not valid JSON, say).
    pub raw_body: Option<&'a str>,
    pub token: Option<&'a str>,
    /// `Some(None)` removes the sample's Idempotency-Key.
    pub key: Option<Option<&'a str>>,
    pub content_type: Option<&'a str>,
    /// The `id` path parameter.
    pub id: Option<&'a str>,
    pub query: Option<Value>,
}

impl<'a> With<'a> {
    /// This JSON body, signed in with `token` when there is one.
    pub fn json(body: Value, token: Option<&'a str>) -> Self {
        With {
            body: Some(body),
            token,
            ..With::default()
        }
    }

    /// `raw` as the body, as it is (malformed JSON, say), signed in with `token` when there is one.
    pub fn raw(raw: &'a str, token: Option<&'a str>) -> Self {
        With {
            raw_body: Some(raw),
            token,
            ..With::default()
        }
    }
}

/// The sample event of `function` (an API Gateway HTTP API v2 payload), changed as `with`
/// says.
pub fn event(function: &str, with: With<'_>) -> Request {
    let mut raw = sample(function);
    if let Some(b) = with.body {
        raw["body"] = Value::String(b.to_string());
    }
    if let Some(b) = with.raw_body {
        raw["body"] = Value::String(b.to_owned());
    }
    if let Some(t) = with.token {
        raw["headers"]["authorization"] = Value::String(format!("Bearer {t}"));
    }
    match with.key {
        Some(Some(k)) => raw["headers"]["idempotency-key"] = Value::String(k.to_owned()),
        Some(None) => {
            if let Some(h) = raw["headers"].as_object_mut() {
                h.remove("idempotency-key");
            }
        }
        None => {}
    }
    if let Some(ct) = with.content_type {
        raw["headers"]["content-type"] = Value::String(ct.to_owned());
    }
    if let Some(id) = with.id {
        raw["pathParameters"]["id"] = Value::String(id.to_owned());
    }
    if let Some(q) = with.query {
        // Cursors are base64url with a dot: nothing to percent-encode.
        let pairs: Vec<String> = q
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect();
        raw["rawQueryString"] = Value::String(pairs.join("&"));
        raw["queryStringParameters"] = q;
    }
    lambda_http::request::from_str(&raw.to_string()).unwrap_or_else(|e| panic!("{function}: {e}"))
}

/// A response's body as JSON (`Null` when it is not JSON).
pub fn body_json(r: &Response<Body>) -> Value {
    serde_json::from_slice(r.body().as_ref()).unwrap_or(Value::Null)
}

/// `call!(h, handler, request)`: the request through `handler(&h.app, request)` the way the
/// Lambda runtime calls it (`shared::http::respond`); `h.app` is an `Arc<App>`.
/// `r` is an `application/problem+json` answer with `status` and the stable `code`.
#[track_caller]
pub fn assert_problem(r: &Response<Body>, status: lambda_http::http::StatusCode, code: &str) {
    assert_eq!(r.status(), status, "{}", body_json(r));
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "{}",
        body_json(r)
    );
    assert_eq!(body_json(r)["code"], code, "{}", body_json(r));
}

/// The fields a validation problem names, in its order.
pub fn problem_fields(r: &Response<Body>) -> Vec<String> {
    body_json(r)["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect()
}

#[macro_export]
macro_rules! call {
    ($h:expr, $handler:path, $req:expr) => {{
        let app = &*$h.app;
        $crate::__private::respond($req, &move |req: $crate::__private::Request| {
            $handler(app, req)
        })
        .await
    }};
}
