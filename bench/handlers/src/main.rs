//! A function's handler in process: no HTTP, no Runtime API, no other process. The driver
//! (`bench`) starts this with the function's own environment (from the local cloud), so the
//! handler talks to the same DynamoDB emulator as the function binary does.
//!
//! `bench-handlers latency <Function> <events.json> <out.json>`: every event of the file
//! through the handler in turn, timing each and the time its DynamoDB requests spent on the
//! wire (an SDK interceptor from just before sending to the response headers), so that
//! handler time minus DynamoDB time is what the function adds.
//!
//! `bench-handlers first-request <cold|warm> <event.json> <out.json>`: a fresh process's
//! init and first request of GET /v1/users/me, with the DynamoDB client built as before
//! (`shared::dynamo::client`: connects on the first request) or warmed during init
//! (`shared::dynamo::connect`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use shared::app::{Context, TableStore};
use shared::auth::{TokenSigner, TokenVerifier};
use shared::clock::SystemClock;
use shared::http::respond;

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Time DynamoDB requests spent on the wire, and how many there were.
#[derive(Debug, Default)]
struct WireTime {
    nanos: AtomicU64,
    calls: AtomicU64,
}

impl WireTime {
    fn take(&self) -> (u64, u64) {
        (
            self.nanos.swap(0, Ordering::SeqCst),
            self.calls.swap(0, Ordering::SeqCst),
        )
    }
}

#[derive(Debug, Clone)]
struct SentAt(Instant);

impl Storable for SentAt {
    type Storer = StoreReplace<Self>;
}

#[derive(Debug)]
struct WireTimer(Arc<WireTime>);

impl Intercept for WireTimer {
    fn name(&self) -> &'static str {
        "WireTimer"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(SentAt(Instant::now()));
        Ok(())
    }

    fn read_after_transmit(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(SentAt(at)) = cfg.load::<SentAt>() {
            let nanos = u64::try_from(at.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.0.nanos.fetch_add(nanos, Ordering::SeqCst);
            self.0.calls.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// The handler of one function, with the App its binary would build.
enum Target {
    GetMe(users::App),
    SignIn(users::App),
    Submit(assessments::App),
}

impl Target {
    async fn build(function: &str, client: aws_sdk_dynamodb::Client) -> Result<Self, Failure> {
        let users_app = |signer: Option<TokenSigner>| -> Result<users::App, Failure> {
            Ok(users::App::new(
                Context::new(
                    users::Store::new(client.clone(), shared::config::required("USERS_TABLE")?),
                    TokenVerifier::from_env()?,
                    Arc::new(SystemClock),
                ),
                signer,
            ))
        };
        Ok(match function {
            "UsersGetMeFunction" => Target::GetMe(users_app(None)?),
            "UsersSignInFunction" => {
                // The signing key from SSM, as the function reads it (moto's, in the bench's cloud).
                let secrets = shared::secrets::Secrets::new(&shared::dynamo::sdk_config().await);
                Target::SignIn(users_app(Some(TokenSigner::from_ssm(&secrets).await?))?)
            }
            "AssessmentsSubmitAttemptFunction" => Target::Submit(Context::new(
                assessments::Store::new(client, shared::config::required("ASSESSMENTS_TABLE")?),
                TokenVerifier::from_env()?,
                Arc::new(SystemClock),
            )),
            other => return Err(format!("no in-process runner for {other}").into()),
        })
    }

    /// What `shared::http::serve` does per invocation, minus the runtime.
    async fn call(&self, req: Request) -> Response<Body> {
        match self {
            Target::GetMe(app) => respond(req, &|r| users::profile::handle_get(app, r)).await,
            Target::SignIn(app) => respond(req, &|r| users::sign_in::handle(app, r)).await,
            Target::Submit(app) => respond(req, &|r| assessments::submit::handle(app, r)).await,
        }
    }
}

fn read_json(path: &str) -> Result<Value, Failure> {
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

fn request(event: &Value) -> Result<Request, Failure> {
    Ok(lambda_http::request::from_str(&event.to_string())?)
}

fn millis(nanos: u128) -> f64 {
    nanos as f64 / 1e6
}

async fn latency(function: &str, events_path: &str, out: &str) -> Result<(), Failure> {
    let events = read_json(events_path)?;
    let events = events.as_array().ok_or("the events file is not a list")?;
    let wire = Arc::new(WireTime::default());
    let config = shared::dynamo::sdk_config().await;
    let dynamo_config = aws_sdk_dynamodb::config::Builder::from(&config)
        .interceptor(WireTimer(wire.clone()))
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(dynamo_config);
    shared::dynamo::warm(&client).await;
    let target = Target::build(function, client).await?;
    let mut samples = Vec::with_capacity(events.len());
    for event in events {
        let req = request(event)?;
        wire.take();
        let started = Instant::now();
        let response = target.call(req).await;
        let total = started.elapsed().as_nanos();
        let (dynamo, calls) = wire.take();
        samples.push(json!({
            "status": response.status().as_u16(),
            "totalMs": millis(total),
            "dynamoMs": millis(u128::from(dynamo)),
            "dynamoCalls": calls,
        }));
    }
    let mut result = json!({"function": function, "samples": samples});
    if function == "UsersSignInFunction" {
        result["argon2idMs"] = json!(argon2id_verify_times().await?);
    }
    if let (Target::GetMe(app), Some(event)) = (&target, events.first()) {
        result["tokenVerifyMs"] = json!(token_verify_times(app, event)?);
    }
    std::fs::write(out, result.to_string())?;
    Ok(())
}

/// Argon2id verification alone (the production parameters), to tell it apart from the rest
/// of sign-in's own work.
async fn argon2id_verify_times() -> Result<Vec<f64>, Failure> {
    let password = "correct horse battery staple".to_owned();
    let phc = users::passwords::hash(password.clone()).await?;
    let mut times = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        let matches = users::passwords::verify(password.clone(), Some(phc.clone())).await?;
        times.push(millis(started.elapsed().as_nanos()));
        if !matches {
            return Err("the password did not verify".into());
        }
    }
    Ok(times)
}

/// Checking the access token alone (Ed25519 signature and claims), part of every
/// authenticated request's own work.
fn token_verify_times(app: &users::App, event: &Value) -> Result<Vec<f64>, Failure> {
    let token = event["headers"]["authorization"]
        .as_str()
        .and_then(|h| h.strip_prefix("Bearer "))
        .ok_or("the event has no bearer token")?;
    let mut times = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        app.verifier.verify(token, app.clock.now())?;
        times.push(millis(started.elapsed().as_nanos()));
    }
    Ok(times)
}

async fn first_request(mode: &str, event_path: &str, out: &str) -> Result<(), Failure> {
    let started = Instant::now();
    let config = shared::dynamo::sdk_config().await;
    let client = match mode {
        "cold" => shared::dynamo::client(&config),
        "warm" => shared::dynamo::connect(&config).await,
        other => return Err(format!("mode {other}: cold or warm").into()),
    };
    let target = Target::build("UsersGetMeFunction", client).await?;
    let init = started.elapsed().as_nanos();
    let event = read_json(event_path)?;
    let mut requests = Vec::new();
    for _ in 0..2 {
        let req = request(&event)?;
        let at = Instant::now();
        let response = target.call(req).await;
        if response.status() != 200 {
            return Err(format!("GET /v1/users/me answered {}", response.status()).into());
        }
        requests.push(millis(at.elapsed().as_nanos()));
    }
    let result = json!({
        "mode": mode,
        "initMs": millis(init),
        "firstMs": requests[0],
        "secondMs": requests[1],
    });
    std::fs::write(out, result.to_string())?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    shared::telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["latency", function, events, out] => latency(function, events, out).await,
        ["first-request", mode, event, out] => first_request(mode, event, out).await,
        _ => Err(
            "usage: bench-handlers latency <Function> <events.json> <out.json> | \
                  first-request <cold|warm> <event.json> <out.json>"
                .into(),
        ),
    }
}
