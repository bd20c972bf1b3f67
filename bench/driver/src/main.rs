//! `make bench`: one run on this machine, for every function of template.yaml.
//!
//! 1. Builds the release binaries (timed): every function's, a bare `lambda_runtime`
//!    hello-world and the in-process handler runner, all with the project's release profile.
//! 2. Starts the local cloud on those binaries (the template plus the hello-world) and, per
//!    function, in rounds so that machine noise spreads evenly over all of them: kills its
//!    warm instance, invokes it once (cold start: exec of the binary to its first response
//!    through the Runtime API) and once more (warm, same event), reading the process's CPU
//!    time and peak RSS from /proc.
//! 3. Warm latency over HTTP through the local cloud for GET /v1/users/me, POST
//!    /v1/auth/sign-in and POST /v1/attempts/{id}/submit, then the same requests straight at
//!    the handler in process (`bench-handlers`), with DynamoDB's wire time taken apart.
//! 4. The first request of a fresh process with the DynamoDB client as it was (connecting on
//!    the first request) and warmed during init.
//!
//! Writes bench/results.json; `tools/bench/report.py` adds zip sizes and writes the table,
//! the chart and the section of docs/performance.md. Settings: BENCH_COLD_STARTS (20), BENCH_REQUESTS
//! (1000), BENCH_WARMUP (20), BENCH_FUNCTIONS (comma-separated logical ids: only those),
//! BENCH_SKIP_BUILD=1 (measure what is built; with BENCH_RELEASE_DIR and BENCH_HELLO, binaries
//! built elsewhere, as tools/bench/profile-study.sh does), BENCH_SKIP_IN_PROCESS=1,
//! BENCH_OUT (default bench/results.json), BENCH_GLOBAL_ENV="NAME=value,..." (experiments:
//! variables every function gets).

mod build;
mod procfs;
mod stats;
mod tls;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use localcloud::{Cloud, CloudOptions, LogMode, MotoMode};
use serde_json::{Value, json};

use crate::build::{BuildRecord, Function};
use crate::stats::{median, summary};

const HELLO: &str = "BenchHelloFunction";
const HELLO_BINARY: &str = "bench-hello";
const PASSWORD: &str = "correct horse battery staple";
const STUDENT_EMAIL: &str = "student@bench.studyloop.local";
const ADMIN_EMAIL: &str = "admin@bench.studyloop.local";
const ADMIN_PASSWORD: &str = "bench-admin-password";
/// The sample events' placeholders (localcloud/src/placeholders.rs), filled here with the
/// benchmark's own accounts so that every function answers as it does for a client.
const ACCESS_TOKEN: &str = "{{accessToken}}";
const ADMIN_ACCESS_TOKEN: &str = "{{adminAccessToken}}";
const UNIQUE_EMAIL: &str = "{{uniqueEmail}}";
/// Ids the samples leave open: an order or a new id no record has (the consumers answer a
/// failed item for it, as for any unknown order).
const OPEN_IDS: [&str; 2] = ["{{orderId}}", "{{newId}}"];
const UNKNOWN_ID: &str = "01JDEMA0000000000000000099";
/// A refresh token no session has (refresh and sign-out answer 401 and 204 for it).
const REFRESH_TOKEN: &str = "{{refreshToken}}";
const SAMPLE_ATTEMPT: &str = "01JDEMT0000000000000000001";

/// The endpoints measured for warm latency, in process and through the local cloud.
const SCENARIOS: [(&str, &str); 3] = [
    ("UsersGetMeFunction", "GET /v1/users/me"),
    ("UsersSignInFunction", "POST /v1/auth/sign-in"),
    (
        "AssessmentsSubmitAttemptFunction",
        "POST /v1/attempts/{attemptId}/submit",
    ),
];

struct Settings {
    cold_starts: usize,
    requests: usize,
    warmup: usize,
    only: Option<BTreeSet<String>>,
    skip_build: bool,
    skip_in_process: bool,
}

impl Settings {
    fn from_env() -> Self {
        let number = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Settings {
            cold_starts: number("BENCH_COLD_STARTS", 20),
            requests: number("BENCH_REQUESTS", 1000),
            warmup: number("BENCH_WARMUP", 20),
            only: std::env::var("BENCH_FUNCTIONS")
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(|v| v.split(',').map(|s| s.trim().to_string()).collect()),
            skip_build: std::env::var("BENCH_SKIP_BUILD").as_deref() == Ok("1"),
            skip_in_process: std::env::var("BENCH_SKIP_IN_PROCESS").as_deref() == Ok("1"),
        }
    }
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(|dir| root.join(dir))
        .unwrap_or_else(|| root.join("target"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn command_output(program: &str, args: &[&str], dir: &Path) -> String {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// The template with the hello-world added as one more function (Globals apply to it).
fn bench_template(root: &Path, dir: &Path) -> Result<PathBuf> {
    let text = std::fs::read_to_string(root.join("template.yaml"))?;
    let hello = format!(
        "Resources:\n  {HELLO}:\n    Type: AWS::Serverless::Function\n    Metadata:\n      \
         BuildMethod: rust-cargolambda\n      BuildProperties:\n        Binary: {HELLO_BINARY}\n    \
         Properties:\n      Description: The benchmark's floor, a bare lambda_runtime hello-world.\n"
    );
    let Some(at) = text.find("\nResources:\n") else {
        bail!("template.yaml has no top-level Resources:");
    };
    let with_hello = format!(
        "{}\n{hello}{}",
        &text[..at],
        &text[at + "\nResources:\n".len()..]
    );
    let with_env = match std::env::var("BENCH_GLOBAL_ENV") {
        Ok(extra) if !extra.trim().is_empty() => global_env(&with_hello, &extra)?,
        _ => with_hello,
    };
    let path = dir.join("template.yaml");
    std::fs::write(&path, with_env)?;
    Ok(path)
}

/// For experiments (BENCH_GLOBAL_ENV="NAME=value,..."): more variables in Globals.Function,
/// so every function gets them (an allocator tunable, say).
fn global_env(template: &str, extra: &str) -> Result<String> {
    const ANCHOR: &str = "Globals:\n  Function:\n";
    const VARIABLES: &str = "    Environment:\n      Variables:\n";
    let globals = template
        .find(ANCHOR)
        .context("template.yaml has no Globals.Function")?;
    let at = template[globals..]
        .find(VARIABLES)
        .map(|i| globals + i + VARIABLES.len())
        .context("Globals.Function has no Environment.Variables")?;
    let lines: String = extra
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| format!("        {}: \"{}\"\n", k.trim(), v.trim()))
        .collect();
    Ok(format!("{}{lines}{}", &template[..at], &template[at..]))
}

/// A directory holding every binary the cloud runs, under the template's names.
fn bin_dir(dir: &Path, release: &Path, hello: &Path, functions: &[Function]) -> Result<PathBuf> {
    let bins = dir.join("bin");
    if bins.exists() {
        std::fs::remove_dir_all(&bins)?;
    }
    std::fs::create_dir_all(&bins)?;
    for f in functions {
        let built = release.join(&f.binary);
        if built.exists() {
            std::os::unix::fs::symlink(&built, bins.join(&f.binary))?;
        }
    }
    std::os::unix::fs::symlink(hello, bins.join(HELLO_BINARY))?;
    Ok(bins)
}

/// The accounts and data the measured requests use.
struct Fixture {
    http: reqwest::Client,
    base: String,
    assessment: String,
}

#[derive(Clone)]
struct Tokens {
    student: String,
    admin: String,
}

impl Fixture {
    async fn setup(cloud: &Cloud) -> Result<Self> {
        let names = cloud.function_names();
        for seed in ["UsersSeedAdminFunction", "AssessmentsSeedCatalogueFunction"] {
            if names.iter().any(|n| n == seed) {
                cloud
                    .invoke(seed, json!({}))
                    .await
                    .with_context(|| format!("invoking {seed}"))?;
            }
        }
        let fixture = Fixture {
            http: reqwest::Client::new(),
            base: cloud.base_url(),
            assessment: String::new(),
        };
        let (status, body) = fixture
            .call(
                "POST",
                "/v1/auth/sign-up",
                None,
                Some(json!({"email": STUDENT_EMAIL, "password": PASSWORD, "name": "Bench"})),
            )
            .await?;
        if status != 201 {
            bail!("sign-up answered {status}: {body}");
        }
        let tokens = fixture.tokens().await?;
        let (_, list) = fixture
            .call("GET", "/v1/assessments", Some(&tokens.student), None)
            .await?;
        let assessment = list["items"][0]["id"]
            .as_str()
            .context("the demo catalogue has no published assessment")?
            .to_string();
        Ok(Fixture {
            assessment,
            ..fixture
        })
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<(u16, Value)> {
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// Fresh access tokens (they live 15 minutes; the benchmark takes longer).
    async fn tokens(&self) -> Result<Tokens> {
        let mut out = Vec::new();
        for (email, password) in [(STUDENT_EMAIL, PASSWORD), (ADMIN_EMAIL, ADMIN_PASSWORD)] {
            let (status, body) = self
                .call(
                    "POST",
                    "/v1/auth/sign-in",
                    None,
                    Some(json!({"email": email, "password": password})),
                )
                .await?;
            let token = body["accessToken"]
                .as_str()
                .with_context(|| format!("sign-in of {email} answered {status}: {body}"))?;
            out.push(token.to_string());
        }
        Ok(Tokens {
            student: out[0].clone(),
            admin: out[1].clone(),
        })
    }

    /// A new attempt of the demo assessment by the student, ready to submit.
    async fn attempt(&self, tokens: &Tokens) -> Result<String> {
        let (status, body) = self
            .call(
                "POST",
                &format!("/v1/assessments/{}/attempts", self.assessment),
                Some(&tokens.student),
                None,
            )
            .await?;
        body["attemptId"]
            .as_str()
            .map(str::to_string)
            .with_context(|| format!("starting an attempt answered {status}: {body}"))
    }
}

/// The event a function is invoked with: its sample from `events/`, made real (a valid
/// token, the student's credentials, an attempt of the student's).
fn event_for(root: &Path, function: &str, tokens: &Tokens, attempt: Option<&str>) -> Result<Value> {
    if function == HELLO {
        return Ok(json!({"hello": "world"}));
    }
    let path = root.join("events").join(format!("{function}.json"));
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|_| "{}".into());
    let student_owned = ["UsersGetMeFunction", "AssessmentsSubmitAttemptFunction"].contains(&function);
    let token = if student_owned {
        &tokens.student
    } else {
        &tokens.admin
    };
    text = text.replace(ACCESS_TOKEN, token);
    text = text.replace(ADMIN_ACCESS_TOKEN, &tokens.admin);
    if text.contains(UNIQUE_EMAIL) {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        text = text.replace(UNIQUE_EMAIL, &format!("bench-{nanos}@studyloop.local"));
    }
    for open in OPEN_IDS {
        text = text.replace(open, UNKNOWN_ID);
    }
    text = text.replace(REFRESH_TOKEN, "bench-refresh-token-of-no-session");
    if let Some(a) = attempt {
        text = text.replace(SAMPLE_ATTEMPT, a);
    }
    let mut event: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    if function == "UsersSignInFunction" {
        event["body"] =
            Value::String(json!({"email": STUDENT_EMAIL, "password": PASSWORD}).to_string());
    }
    Ok(event)
}

/// Per function: cold and warm invocations, CPU and memory, over all rounds.
#[derive(Default)]
struct ColdRecord {
    cold_ms: Vec<f64>,
    warm_ms: Vec<f64>,
    init_cpu_ms: Vec<f64>,
    warm_cpu_ms: Vec<f64>,
    peak_rss_kib: u64,
    statuses: BTreeMap<String, usize>,
    first_error: Option<String>,
}

fn outcome_label(result: &Result<Value, localcloud::InvokeError>) -> String {
    match result {
        Ok(v) => v
            .get("statusCode")
            .map(|s| format!("http {s}"))
            .unwrap_or_else(|| "ok".into()),
        Err(e) => format!("error: {e}"),
    }
}

async fn cold_starts(
    cloud: &Cloud,
    fixture: &Fixture,
    root: &Path,
    targets: &[(String, PathBuf)],
    rounds: usize,
) -> Result<BTreeMap<String, ColdRecord>> {
    let mut records: BTreeMap<String, ColdRecord> = BTreeMap::new();
    for round in 0..rounds {
        eprintln!("bench: cold starts, round {}/{rounds}", round + 1);
        let tokens = fixture.tokens().await?;
        for (id, exe) in targets {
            let attempt = if id == "AssessmentsSubmitAttemptFunction" {
                Some(fixture.attempt(&tokens).await?)
            } else {
                None
            };
            let event = event_for(root, id, &tokens, attempt.as_deref())?;
            let record = records.entry(id.clone()).or_default();
            // Drops the warm instance: the next invocation starts a new process.
            cloud.set_broken(id, false);
            let started = Instant::now();
            let first = cloud.invoke(id, event.clone()).await;
            let cold = ms(started.elapsed());
            let proc = procfs::newest_child(exe);
            let cpu_after_init = proc.and_then(procfs::cpu_nanos);
            let label = outcome_label(&first);
            if let Err(e) = &first {
                record.first_error.get_or_insert_with(|| e.to_string());
            }
            *record.statuses.entry(label).or_default() += 1;
            record.cold_ms.push(cold);
            let started = Instant::now();
            let second = cloud.invoke(id, event).await;
            let warm = ms(started.elapsed());
            if second.is_ok() {
                record.warm_ms.push(warm);
            }
            if let Some(p) = proc {
                let cpu_after_warm = procfs::cpu_nanos(p);
                if let Some(c) = cpu_after_init {
                    record.init_cpu_ms.push(c as f64 / 1e6);
                    if let Some(w) = cpu_after_warm {
                        record.warm_cpu_ms.push(w.saturating_sub(c) as f64 / 1e6);
                    }
                }
                if let Some(rss) = procfs::peak_rss_kib(p) {
                    record.peak_rss_kib = record.peak_rss_kib.max(rss);
                }
            }
        }
    }
    for (id, _) in targets {
        cloud.set_broken(id, false);
    }
    Ok(records)
}

/// One measured HTTP request of a scenario.
struct HttpCall {
    method: &'static str,
    path: String,
    token: Option<String>,
    body: Option<Value>,
}

async fn scenario_calls(
    fixture: &Fixture,
    function: &str,
    n: usize,
    tokens: &Tokens,
) -> Result<Vec<HttpCall>> {
    let mut calls = Vec::with_capacity(n);
    for _ in 0..n {
        calls.push(match function {
            "UsersGetMeFunction" => HttpCall {
                method: "GET",
                path: "/v1/users/me".into(),
                token: Some(tokens.student.clone()),
                body: None,
            },
            "UsersSignInFunction" => HttpCall {
                method: "POST",
                path: "/v1/auth/sign-in".into(),
                token: None,
                body: Some(json!({"email": STUDENT_EMAIL, "password": PASSWORD})),
            },
            "AssessmentsSubmitAttemptFunction" => HttpCall {
                method: "POST",
                path: format!("/v1/attempts/{}/submit", fixture.attempt(tokens).await?),
                token: Some(tokens.student.clone()),
                body: None,
            },
            other => bail!("no scenario for {other}"),
        });
    }
    Ok(calls)
}

/// Bytes of log output a function wrote so far (what CloudWatch Logs would ingest).
fn log_bytes(cloud: &Cloud, function: &str) -> usize {
    let prefix = format!("[{function}] ");
    cloud
        .logs()
        .iter()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|l| l.len() + 1)
        .sum()
}

async fn through_cloud(
    cloud: &Cloud,
    fixture: &Fixture,
    function: &str,
    exe: &Path,
    settings: &Settings,
) -> Result<Value> {
    let tokens = fixture.tokens().await?;
    let calls = scenario_calls(
        fixture,
        function,
        settings.warmup + settings.requests,
        &tokens,
    )
    .await?;
    let (warmup, measured) = calls.split_at(settings.warmup);
    cloud.set_broken(function, false);
    for c in warmup {
        fixture
            .call(c.method, &c.path, c.token.as_deref(), c.body.clone())
            .await?;
    }
    let proc = procfs::newest_child(exe);
    let cpu_before = proc.and_then(procfs::cpu_nanos);
    let logs_before = log_bytes(cloud, function);
    let mut latencies = Vec::with_capacity(measured.len());
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for c in measured {
        let started = Instant::now();
        let (status, _) = fixture
            .call(c.method, &c.path, c.token.as_deref(), c.body.clone())
            .await?;
        latencies.push(ms(started.elapsed()));
        *statuses.entry(status).or_default() += 1;
    }
    // Log lines are forwarded asynchronously; give the last ones a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let n = measured.len() as f64;
    let cpu_per_request = match (proc, cpu_before) {
        (Some(p), Some(before)) => {
            procfs::cpu_nanos(p).map(|after| after.saturating_sub(before) as f64 / 1e6 / n)
        }
        _ => None,
    };
    Ok(json!({
        "latencyMs": summary(&latencies),
        "statuses": statuses,
        "cpuMsPerRequest": cpu_per_request,
        "peakRssKib": proc.and_then(procfs::peak_rss_kib),
        "logBytesPerRequest": (log_bytes(cloud, function) - logs_before) as f64 / n,
    }))
}

/// The API Gateway v2 events of the same requests, for the handler in process.
async fn in_process_events(
    root: &Path,
    fixture: &Fixture,
    function: &str,
    n: usize,
    tokens: &Tokens,
) -> Result<Vec<Value>> {
    let mut events = Vec::with_capacity(n);
    for i in 0..n {
        let attempt = if function == "AssessmentsSubmitAttemptFunction" {
            Some(fixture.attempt(tokens).await?)
        } else {
            None
        };
        let mut event = event_for(root, function, tokens, attempt.as_deref())?;
        event["requestContext"]["requestId"] = json!(format!("bench-{i}"));
        events.push(event);
    }
    Ok(events)
}

fn run_handlers(handlers: &Path, env: &BTreeMap<String, String>, args: &[&str]) -> Result<Value> {
    let out = args.last().context("no output path")?;
    let status = Command::new(handlers)
        .args(args)
        .env_clear()
        .envs(env)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        // The function's JSON logs, as in Lambda, written and thrown away.
        .stdout(Stdio::null())
        .status()
        .with_context(|| format!("running {}", handlers.display()))?;
    if !status.success() {
        bail!("{} {args:?} failed: {status}", handlers.display());
    }
    Ok(serde_json::from_str(&std::fs::read_to_string(out)?)?)
}

async fn in_process(
    cloud: &Cloud,
    fixture: &Fixture,
    root: &Path,
    function: &str,
    handlers: &Path,
    work: &Path,
    settings: &Settings,
) -> Result<Value> {
    let tokens = fixture.tokens().await?;
    let events = in_process_events(
        root,
        fixture,
        function,
        settings.warmup + settings.requests,
        &tokens,
    )
    .await?;
    let events_path = work.join(format!("{function}-events.json"));
    let out_path = work.join(format!("{function}-in-process.json"));
    std::fs::write(&events_path, Value::Array(events).to_string())?;
    let env = cloud
        .function_environment(function)
        .with_context(|| format!("no function {function}"))?;
    let result = run_handlers(
        handlers,
        &env,
        &[
            "latency",
            function,
            &events_path.display().to_string(),
            &out_path.display().to_string(),
        ],
    )?;
    let samples: Vec<&Value> = result["samples"]
        .as_array()
        .map(|s| s.iter().skip(settings.warmup).collect())
        .unwrap_or_default();
    let field =
        |name: &str| -> Vec<f64> { samples.iter().filter_map(|s| s[name].as_f64()).collect() };
    let total = field("totalMs");
    let dynamo = field("dynamoMs");
    let overhead: Vec<f64> = total.iter().zip(&dynamo).map(|(t, d)| t - d).collect();
    let mut statuses: BTreeMap<u64, usize> = BTreeMap::new();
    for s in &samples {
        *statuses
            .entry(s["status"].as_u64().unwrap_or(0))
            .or_default() += 1;
    }
    let calls = field("dynamoCalls");
    let mut out = json!({
        "totalMs": summary(&total),
        "dynamoMs": summary(&dynamo),
        "overheadMs": summary(&overhead),
        "dynamoCallsPerRequest": median(&calls),
        "statuses": statuses,
    });
    if let Some(verify) = result["tokenVerifyMs"].as_array() {
        let verify: Vec<f64> = verify.iter().filter_map(Value::as_f64).collect();
        out["tokenVerifyMs"] = summary(&verify);
    }
    if let Some(argon) = result["argon2idMs"].as_array() {
        let argon: Vec<f64> = argon.iter().filter_map(Value::as_f64).collect();
        let argon_p50 = median(&argon).unwrap_or(0.0);
        let beyond: Vec<f64> = overhead.iter().map(|o| o - argon_p50).collect();
        out["argon2idMs"] = summary(&argon);
        out["overheadBeyondArgon2idMs"] = summary(&beyond);
    }
    Ok(out)
}

/// The first request of fresh processes, DynamoDB client cold and warmed, over plain HTTP
/// (the emulator) and over TLS (the emulator behind [`tls::TlsProxy`]), alternating.
async fn first_request(
    cloud: &Cloud,
    fixture: &Fixture,
    root: &Path,
    handlers: &Path,
    work: &Path,
    runs: usize,
) -> Result<Value> {
    /// Per mode: init, first request, second request (ms), one entry per process.
    #[derive(Default)]
    struct Runs {
        init: Vec<f64>,
        first: Vec<f64>,
        second: Vec<f64>,
    }
    let tokens = fixture.tokens().await?;
    let event_path = work.join("first-request-event.json");
    std::fs::write(
        &event_path,
        event_for(root, "UsersGetMeFunction", &tokens, None)?.to_string(),
    )?;
    let env = cloud
        .function_environment("UsersGetMeFunction")
        .context("no UsersGetMeFunction")?;
    let mut transports = vec![("http", env.clone())];
    let mut tls_note = Value::Null;
    match tls::start(&cloud.dynamodb_endpoint(), &work.join("tls")).await {
        Ok(proxy) => {
            let mut tls_env = env.clone();
            tls_env.insert("AWS_ENDPOINT_URL_DYNAMODB".into(), proxy.endpoint.clone());
            tls_env.insert("SSL_CERT_FILE".into(), proxy.ca.display().to_string());
            transports.push(("tls", tls_env));
        }
        Err(e) => {
            eprintln!("bench: no TLS front for the first-request experiment: {e:#}");
            tls_note = json!(format!("{e:#}"));
        }
    }
    let mut by_mode: BTreeMap<(&str, &str), Runs> = BTreeMap::new();
    for _ in 0..runs {
        for (transport, env) in &transports {
            for mode in ["cold", "warm"] {
                let out = work.join(format!("first-request-{transport}-{mode}.json"));
                let r = run_handlers(
                    handlers,
                    env,
                    &[
                        "first-request",
                        mode,
                        &event_path.display().to_string(),
                        &out.display().to_string(),
                    ],
                )?;
                let entry = by_mode.entry((transport, mode)).or_default();
                entry.init.push(r["initMs"].as_f64().unwrap_or(f64::NAN));
                entry.first.push(r["firstMs"].as_f64().unwrap_or(f64::NAN));
                entry
                    .second
                    .push(r["secondMs"].as_f64().unwrap_or(f64::NAN));
            }
        }
    }
    let mut out = json!({"function": "UsersGetMeFunction", "runs": runs, "tlsUnavailable": tls_note});
    for ((transport, mode), runs) in by_mode {
        out[transport][mode] = json!({
            "initMs": summary(&runs.init),
            "firstRequestMs": summary(&runs.first),
            "secondRequestMs": summary(&runs.second),
        });
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> Result<()> {
    let settings = Settings::from_env();
    let root = localcloud::workspace_root();
    let bench_target = target_dir(&root).join("bench");
    let work = bench_target.join("work");
    std::fs::create_dir_all(&work)?;
    let started_at = time::OffsetDateTime::now_utc();
    let load_before = procfs::load_average();
    let run_started = Instant::now();

    // Every function runs in the cloud (the fixture needs several); BENCH_FUNCTIONS only
    // narrows what is measured.
    let all_functions = build::template_functions(&root.join("template.yaml"))?;
    let mut functions = all_functions.clone();
    if let Some(only) = &settings.only {
        functions.retain(|f| only.contains(&f.id));
    }
    let (records, release_dir, hello, handlers, profile): (Vec<BuildRecord>, _, _, _, _) =
        if settings.skip_build {
            let (_, profile) = build::release_profile_args(&root)?;
            let env_path = |name: &str| std::env::var_os(name).map(|p| root.join(p));
            (
                Vec::new(),
                env_path("BENCH_RELEASE_DIR").unwrap_or_else(|| target_dir(&root).join("release")),
                env_path("BENCH_HELLO").unwrap_or_else(|| bench_target.join("release/bench-hello")),
                bench_target.join("release/bench-handlers"),
                profile,
            )
        } else {
            let b = build::build_all(&root, &all_functions, &bench_target)?;
            (b.records, b.release_dir, b.hello, b.handlers, b.profile)
        };
    let bins = bin_dir(&bench_target, &release_dir, &hello, &all_functions)?;
    let template = bench_template(&root, &bench_target)?;

    let mut opts = CloudOptions::new(&root);
    opts.template = template;
    opts.bin_dir = bins.clone();
    opts.port = 0;
    opts.log = LogMode::Memory;
    opts.moto = MotoMode::Owned;
    opts.event_sources = false;
    opts.parameter_overrides = BTreeMap::from([
        ("AdminEmail".to_string(), ADMIN_EMAIL.to_string()),
        ("AdminPassword".to_string(), ADMIN_PASSWORD.to_string()),
    ]);
    eprintln!("bench: starting the local cloud");
    let cloud = Cloud::start(opts).await?;
    let fixture = Fixture::setup(&cloud).await?;

    let mut targets: Vec<(String, PathBuf)> = vec![(HELLO.to_string(), bins.join(HELLO_BINARY))];
    let mut missing = Vec::new();
    for f in &functions {
        let exe = bins.join(&f.binary);
        if exe.exists() {
            targets.push((f.id.clone(), exe));
        } else {
            missing.push(f.id.clone());
        }
    }
    let cold = cold_starts(&cloud, &fixture, &root, &targets, settings.cold_starts).await?;

    let mut latency = Vec::new();
    for (function, route) in SCENARIOS {
        let Some((_, exe)) = targets.iter().find(|(id, _)| id == function) else {
            continue;
        };
        eprintln!(
            "bench: {route}: {} requests through the local cloud",
            settings.requests
        );
        let via_cloud = through_cloud(&cloud, &fixture, function, exe, &settings).await?;
        let direct = if settings.skip_in_process {
            Value::Null
        } else {
            eprintln!("bench: {route}: {} requests in process", settings.requests);
            in_process(
                &cloud, &fixture, &root, function, &handlers, &work, &settings,
            )
            .await?
        };
        latency.push(json!({
            "function": function,
            "route": route,
            "cloud": via_cloud,
            "inProcess": direct,
        }));
    }
    eprintln!("bench: first request, DynamoDB client cold and warmed");
    let first = if !settings.skip_in_process && targets.iter().any(|(id, _)| id == "UsersGetMeFunction")
    {
        first_request(
            &cloud,
            &fixture,
            &root,
            &handlers,
            &work,
            settings.cold_starts,
        )
        .await?
    } else {
        Value::Null
    };

    let hello_cold = cold
        .get(HELLO)
        .and_then(|r| median(&r.cold_ms))
        .unwrap_or(f64::NAN);
    let memory_of = |id: &str| -> Option<u64> {
        cloud
            .function_environment(id)
            .and_then(|env| env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")?.parse().ok())
    };
    let mut function_rows = Vec::new();
    for (id, exe) in &targets {
        let binary = exe
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let size = std::fs::metadata(exe).map(|m| m.len()).ok();
        let record = cold.get(id);
        let cold_p50 = record.and_then(|r| median(&r.cold_ms));
        function_rows.push(json!({
            "id": id,
            "binary": binary,
            "path": std::fs::canonicalize(exe).unwrap_or_else(|_| exe.clone()),
            "memoryMb": memory_of(id),
            "sizeBytes": size,
            "coldStartMs": record.map(|r| summary(&r.cold_ms)),
            "warmSameEventMs": record.map(|r| summary(&r.warm_ms)),
            "initCpuMs": record.map(|r| summary(&r.init_cpu_ms)),
            "warmCpuMs": record.map(|r| summary(&r.warm_cpu_ms)),
            "peakRssKib": record.map(|r| r.peak_rss_kib),
            "outcomes": record.map(|r| &r.statuses),
            "firstError": record.and_then(|r| r.first_error.clone()),
            "coldRatioToHello": cold_p50.map(|c| (c / hello_cold * 100.0).round() / 100.0),
        }));
    }
    let results = json!({
        "generatedAt": started_at.format(&time::format_description::well_known::Rfc3339)?,
        "totalSeconds": (run_started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        "machine": {
            "cpu": procfs::cpu_model(),
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "loadBefore": load_before,
            "loadAfter": procfs::load_average(),
            "kernel": command_output("uname", &["-sr"], &root),
            "rustc": command_output("rustc", &["-V"], &root),
        },
        "git": {
            "commit": command_output("git", &["rev-parse", "--short", "HEAD"], &root),
            "changedFiles": command_output("git", &["status", "--porcelain"], &root).lines().count(),
        },
        "settings": {
            "coldStarts": settings.cold_starts,
            "requests": settings.requests,
            "warmup": settings.warmup,
        },
        "releaseProfile": profile,
        "builds": records,
        "hello": HELLO,
        "functions": function_rows,
        "notBuilt": missing,
        "latency": latency,
        "firstRequest": first,
    });
    let out = std::env::var_os("BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("bench/results.json"));
    std::fs::write(&out, serde_json::to_string_pretty(&results)? + "\n")?;
    eprintln!(
        "bench: wrote {} in {:.0} s",
        out.display(),
        run_started.elapsed().as_secs_f64()
    );
    cloud.shutdown().await;
    Ok(())
}
