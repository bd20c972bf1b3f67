//! The end-to-end harness: a local cloud per test (its own in-memory DynamoDB and its own
//! queues), running the real function binaries, and an HTTP client that talks to it like a
//! mobile app would.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub use localcloud::Cloud;

/// The password every test account uses (tests also assert it never reaches a log).
pub const PASSWORD: &str = "correct horse battery staple";
/// The admin [`TestCloud::start_with_admin`] seeds.
pub const ADMIN_EMAIL: &str = "admin@studyloop.test";
/// The notifications queue's consumer: tests that read that queue themselves keep it off.
pub const NOTIFICATIONS_CONSUMER: &str = "NotificationsConsumerFunction";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub struct TestCloud {
    pub cloud: Cloud,
    http: reqwest::Client,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json answer with this status and code, and returns the body.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        assert_eq!(self.body["code"], code, "{}", self.text);
        assert_eq!(self.body["status"], status);
        assert!(
            self.body["requestId"]
                .as_str()
                .is_some_and(|id| !id.is_empty()),
            "{}",
            self.text
        );
        &self.body
    }

    /// The `field`s of a validation problem.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestCloud {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut localcloud::CloudOptions)) -> Self {
        let mut options = localcloud::CloudOptions::for_tests(&root());
        options.route_log = localcloud::coverage::route_log_from_env();
        configure(&mut options);
        let cloud = Cloud::start(options)
            .await
            .unwrap_or_else(|e| panic!("local cloud: {e:#}"));
        Self {
            cloud,
            http: reqwest::Client::new(),
        }
    }

    /// A cloud with an admin account (seeded the way `make dev` does), signed in.
    pub async fn start_with_admin() -> (Self, Session) {
        Self::start_with_admin_and(|_| {}).await
    }

    pub async fn start_with_admin_and(
        configure: impl FnOnce(&mut localcloud::CloudOptions),
    ) -> (Self, Session) {
        let t = Self::start_with(|o| {
            o.parameter_overrides
                .insert("AdminEmail".into(), ADMIN_EMAIL.into());
            o.parameter_overrides
                .insert("AdminPassword".into(), PASSWORD.into());
            configure(o);
        })
        .await;
        if let Err(e) = t.cloud.invoke("UsersSeedAdminFunction", json!({})).await {
            panic!("seeding the admin: {e:?}");
        }
        let r = t.sign_in(ADMIN_EMAIL, PASSWORD).await;
        assert_eq!(r.status, 200, "admin sign-in: {}", r.text);
        let admin = session(&r.body);
        (t, admin)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.cloud.base_url(), path)
    }

    /// Any request; `body` is sent as it is, with `content-type` only if given in `headers`.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut req = self
            .http
            .request(method, self.url(path))
            .timeout(Duration::from_secs(30));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            body,
        }
    }

    /// A JSON request, with a bearer token when given.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Reply {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", "application/json")];
        if let Some(a) = auth.as_deref() {
            headers.push(("authorization", a));
        }
        self.send(
            method,
            path,
            &headers,
            body.map(|b| b.to_string().into_bytes()),
        )
        .await
    }

    pub async fn sign_up(&self, email: &str, name: &str) -> Session {
        let r = self
            .call(
                "POST",
                "/v1/auth/sign-up",
                Some(json!({"email": email, "password": PASSWORD, "name": name})),
                None,
            )
            .await;
        assert_eq!(r.status, 201, "sign-up: {}", r.text);
        session(&r.body)
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Reply {
        self.call(
            "POST",
            "/v1/auth/sign-in",
            Some(json!({"email": email, "password": password})),
            None,
        )
        .await
    }

    pub async fn sqs(&self) -> aws_sdk_sqs::Client {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(self.cloud.sqs_endpoint())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sqs::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .load()
            .await;
        aws_sdk_sqs::Client::new(&config)
    }

    /// Sends `user_deleted` for `user_id` to the queue with this logical id, as the users
    /// outbox relay would (shared::erasure).
    pub async fn send_user_deleted(&self, queue: &str, user_id: &str) {
        let url = self
            .cloud
            .queue_url(queue)
            .unwrap_or_else(|| panic!("no queue {queue}"));
        let envelope = serde_json::json!({"id": shared::new_id(), "type": "user_deleted",
            "occurredAt": "2026-12-03T12:00:00Z", "userId": user_id, "data": {}});
        self.sqs()
            .await
            .send_message()
            .queue_url(url)
            .message_body(envelope.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("send to {queue}: {e}"));
    }

    /// Event envelopes that arrive on a queue within `wait`, until `enough` of them came.
    pub async fn receive_events(&self, queue: &str, enough: usize, wait: Duration) -> Vec<Value> {
        let url = self
            .cloud
            .queue_url(queue)
            .unwrap_or_else(|| panic!("no queue {queue}"));
        let sqs = self.sqs().await;
        let deadline = Instant::now() + wait;
        let mut events = Vec::new();
        while events.len() < enough && Instant::now() < deadline {
            let out = sqs
                .receive_message()
                .queue_url(&url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap_or_else(|e| panic!("receive: {e}"));
            for m in out.messages() {
                if let Some(b) = m.body() {
                    events.push(serde_json::from_str(b).unwrap_or(Value::Null));
                }
                if let Some(h) = m.receipt_handle() {
                    let _ = sqs
                        .delete_message()
                        .queue_url(&url)
                        .receipt_handle(h)
                        .send()
                        .await;
                }
            }
        }
        events
    }

    /// The messages the mail catcher (`GET /_localcloud/mail`) shows for `to`, newest first.
    pub async fn mail_to(&self, to: &str) -> Vec<Value> {
        let r = self.send("GET", "/_localcloud/mail", &[], None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|m| m["to"] == json!([to]))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Everything the functions logged so far.
    pub fn logs(&self) -> String {
        self.cloud.logs().join("\n")
    }

    /// A DynamoDB client for this cloud's emulator, for tests that inspect what a domain
    /// stored (or what a sandbox recorded) beyond what its API shows.
    pub async fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(
            &localcloud::sdk_config(&self.cloud.dynamodb_endpoint()).await,
        )
    }

    /// Every item of the table with this logical id, all pages.
    pub async fn scan(
        &self,
        table: &str,
    ) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let name = self
            .cloud
            .table_name(table)
            .unwrap_or_else(|| panic!("no table {table}"));
        let client = self.dynamodb().await;
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = client
                .scan()
                .table_name(&name)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .unwrap_or_else(|e| panic!("scan {table}: {e:?}"));
            items.extend(out.items().iter().cloned());
            match out.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return items,
            }
        }
    }

    /// The tables among `tables` (logical ids) with an item that names `needle` anywhere.
    pub async fn tables_naming(&self, tables: &[&'static str], needle: &str) -> Vec<&'static str> {
        let mut left = Vec::new();
        for table in tables {
            let items = self.scan(table).await;
            if items
                .iter()
                .any(|item| format!("{item:?}").contains(needle))
            {
                left.push(*table);
            }
        }
        left
    }

    /// Waits until no item of `tables` names `needle` (an erasure is done when its last
    /// write is); panics after `patience` with the tables left and the functions' last logs.
    pub async fn until_forgotten(&self, tables: &[&'static str], needle: &str, patience: Duration) {
        let begun = Instant::now();
        loop {
            let left = self.tables_naming(tables, needle).await;
            if left.is_empty() {
                return;
            }
            assert!(
                begun.elapsed() < patience,
                "{left:?} still name {needle} after {patience:?}\n{}",
                self.log_tail(40)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The last `n` lines the functions logged.
    pub fn log_tail(&self, n: usize) -> String {
        let lines = self.cloud.logs();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

pub fn session(body: &Value) -> Session {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    Session {
        user_id: text(&body["user"]["id"]),
        email: text(&body["user"]["email"]),
        access_token: text(&body["accessToken"]),
        refresh_token: text(&body["refreshToken"]),
    }
}

/// A unique email per call, so tests never collide.
pub fn email(tag: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    format!("{tag}{n}@example.com")
}
