//! The Lambda Runtime API, and a pool of warm instances (child processes) per function.

use std::collections::{BTreeMap, VecDeque};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::{Notify, Semaphore, oneshot};
use tokio::task::AbortHandle;

use crate::invocations::{InvocationLog, InvocationRecord, Outcome as Recorded, Trigger};
use crate::logs::LogSink;
use crate::tasks::Tasks;

/// How long an instance may take to pick an invocation up (Lambda's init phase has its
/// own 10 s limit, separate from the function's timeout).
const INIT_BUDGET: Duration = Duration::from_secs(10);

/// Environment variables a function inherits from the developer's shell; nothing else leaks.
const INHERITED_ENV: [&str; 3] = ["PATH", "RUST_BACKTRACE", "RUST_LOG"];

/// Everything needed to start instances of one function.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub name: String,
    pub binary: PathBuf,
    /// The complete environment, apart from the inherited variables and the Runtime API address.
    pub env: BTreeMap<String, String>,
    pub timeout: Duration,
    pub max_instances: usize,
    pub arn: String,
    /// `MemorySize` (Globals included): what Lambda bills GB-seconds at.
    pub memory_mb: u64,
    /// `Architectures[0]`: arm64 or x86_64, priced differently.
    pub architecture: String,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum InvokeError {
    #[error("no function named {0} in the template")]
    UnknownFunction(String),
    #[error("{function} failed to initialise: {detail}")]
    InitFailed { function: String, detail: String },
    #[error("{function} exited during the invocation: {detail}")]
    Crashed { function: String, detail: String },
    #[error("{function} timed out after {seconds:.1} s")]
    Timeout { function: String, seconds: f64 },
    #[error("{function} returned an error: {error_type}: {message}")]
    FunctionError {
        function: String,
        error_type: String,
        message: String,
    },
    #[error("{function} returned a response that is not JSON")]
    InvalidResponse { function: String },
}

/// A fresh id in UUID form, like Lambda's and API Gateway's request ids.
pub fn new_request_id() -> String {
    let hex = format!("{:032x}", ulid::Ulid::new().0);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn epoch_millis(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}

/// What became of one invocation, as seen by the instance.
#[derive(Debug)]
enum Outcome {
    Response(Bytes),
    FunctionError { error_type: String, message: String },
    InitError(String),
    Exited(String),
}

struct Invocation {
    request_id: String,
    payload: Bytes,
    client_context: Option<String>,
    /// Told when the runtime picks the invocation up: the function's timeout (and the
    /// invocation's duration) starts then.
    started: oneshot::Sender<Instant>,
    reply: oneshot::Sender<Outcome>,
}

struct InFlight {
    request_id: String,
    reply: oneshot::Sender<Outcome>,
}

#[derive(Default)]
struct InstanceState {
    /// Set once the process is gone: why.
    exited: Option<String>,
    pending: Option<Invocation>,
    current: Option<InFlight>,
}

/// State shared by an instance's Runtime API server, its process monitor and the pool.
struct InstanceShared {
    state: Mutex<InstanceState>,
    invocation_ready: Notify,
    function_arn: String,
    timeout: Duration,
    /// The process's start, and its first `/next`: the init phase between them.
    spawned: Instant,
    ready: OnceLock<Instant>,
}

impl InstanceShared {
    fn lock(&self) -> MutexGuard<'_, InstanceState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Answers whichever invocation this instance holds (queued or running).
    fn finish_any(&self, outcome: impl Fn() -> Outcome) {
        let mut state = self.lock();
        if let Some(inv) = state.pending.take() {
            let _ = inv.reply.send(outcome());
        }
        if let Some(inv) = state.current.take() {
            let _ = inv.reply.send(outcome());
        }
    }

    fn finish(&self, request_id: &str, outcome: Outcome) -> StatusCode {
        let mut state = self.lock();
        match state.current.take() {
            Some(inv) if inv.request_id == request_id => {
                let _ = inv.reply.send(outcome);
                StatusCode::ACCEPTED
            }
            other => {
                state.current = other;
                StatusCode::BAD_REQUEST
            }
        }
    }
}

/// Fails the instance's work when its monitor ends, whether the process exited or the
/// monitor task was aborted with the cloud.
struct ExitGuard {
    shared: Arc<InstanceShared>,
    reason: String,
    api_server: AbortHandle,
}

impl Drop for ExitGuard {
    fn drop(&mut self) {
        self.api_server.abort();
        self.shared.lock().exited = Some(self.reason.clone());
        let reason = self.reason.clone();
        self.shared.finish_any(|| Outcome::Exited(reason.clone()));
    }
}

fn runtime_api(shared: Arc<InstanceShared>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(invocation_response),
        )
        .route(
            "/2018-06-01/runtime/invocation/{id}/error",
            post(invocation_error),
        )
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(shared)
}

/// Long-polls until the pool hands this instance an invocation.
async fn next_invocation(State(shared): State<Arc<InstanceShared>>) -> Response {
    let _ = shared.ready.set(Instant::now());
    loop {
        let taken = {
            let mut state = shared.lock();
            state.pending.take().map(|inv| {
                let deadline = epoch_millis(SystemTime::now() + shared.timeout);
                let _ = inv.started.send(Instant::now());
                state.current = Some(InFlight {
                    request_id: inv.request_id.clone(),
                    reply: inv.reply,
                });
                (inv.request_id, inv.payload, inv.client_context, deadline)
            })
        };
        if let Some((request_id, payload, client_context, deadline)) = taken {
            let mut headers = HeaderMap::new();
            let mut set = |name: &'static str, value: &str| {
                if let Ok(v) = HeaderValue::from_str(value) {
                    headers.insert(name, v);
                }
            };
            set("content-type", "application/json");
            set("lambda-runtime-aws-request-id", &request_id);
            set("lambda-runtime-deadline-ms", &deadline.to_string());
            set("lambda-runtime-invoked-function-arn", &shared.function_arn);
            set("lambda-runtime-trace-id", &trace_id());
            if let Some(context) = &client_context {
                set("lambda-runtime-client-context", context);
            }
            return (StatusCode::OK, headers, payload).into_response();
        }
        shared.invocation_ready.notified().await;
    }
}

fn trace_id() -> String {
    let hex = format!("{:032x}", ulid::Ulid::new().0);
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    format!(
        "Root=1-{secs:08x}-{};Parent={};Sampled=0",
        &hex[..24],
        &hex[16..32]
    )
}

async fn invocation_response(
    State(shared): State<Arc<InstanceShared>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    shared.finish(&id, Outcome::Response(body))
}

/// The error document the runtimes send: `{"errorType": .., "errorMessage": ..}`.
fn error_parts(body: &[u8]) -> (String, String) {
    let doc: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let field = |name: &str| doc[name].as_str().unwrap_or_default().to_string();
    let message = if doc.is_null() {
        String::from_utf8_lossy(body).into_owned()
    } else {
        field("errorMessage")
    };
    (field("errorType"), message)
}

async fn invocation_error(
    State(shared): State<Arc<InstanceShared>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    let (error_type, message) = error_parts(&body);
    shared.finish(
        &id,
        Outcome::FunctionError {
            error_type,
            message,
        },
    )
}

async fn init_error(State(shared): State<Arc<InstanceShared>>, body: Bytes) -> StatusCode {
    let (error_type, message) = error_parts(&body);
    let detail = format!("{error_type}: {message}");
    shared.finish_any(|| Outcome::InitError(detail.clone()));
    StatusCode::ACCEPTED
}

/// Output of one instance: how many bytes it wrote (CloudWatch Logs bills them), and whose
/// invocation they belong to (an instance runs one invocation at a time).
#[derive(Default)]
struct InstanceOutput {
    bytes: AtomicU64,
    request_id: Mutex<Option<String>>,
    /// Duplicates of the read ends of its stdout and stderr, to see whether lines are still
    /// in the pipes.
    pipes: Mutex<Vec<OwnedFd>>,
}

/// How long the end of an invocation waits for its output to leave the pipes.
const OUTPUT_DRAIN: Duration = Duration::from_millis(50);

impl InstanceOutput {
    fn set_request(&self, request_id: &str) {
        *self.request_id.lock().unwrap_or_else(|p| p.into_inner()) = Some(request_id.to_string());
    }

    fn request(&self) -> Option<String> {
        self.request_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn unread(&self) -> usize {
        let pipes = self.pipes.lock().unwrap_or_else(|p| p.into_inner());
        pipes
            .iter()
            .map(|fd| {
                let mut pending: libc::c_int = 0;
                // SAFETY: FIONREAD writes one c_int; the fd is ours and open.
                let ok = unsafe { libc::ioctl(fd.as_raw_fd(), libc::FIONREAD, &mut pending) };
                if ok == 0 { pending.max(0) as usize } else { 0 }
            })
            .sum()
    }

    /// The bytes written since the last call, once what the function wrote before
    /// answering has been read (lines reach the cloud after the answer, through a pipe).
    async fn take_bytes(&self) -> u64 {
        let deadline = Instant::now() + OUTPUT_DRAIN;
        while self.unread() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        self.bytes.swap(0, Ordering::SeqCst)
    }
}

/// Counts what passes, as it is read from the pipe (before it is split into lines).
struct Counted<R> {
    inner: R,
    output: Arc<InstanceOutput>,
}

impl<R: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Counted<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &poll {
            let read = (buf.filled().len() - before) as u64;
            self.output.bytes.fetch_add(read, Ordering::SeqCst);
        }
        poll
    }
}

/// Peak resident memory of a process (`VmHWM`), in MB rounded up, as Lambda's Max Memory Used.
fn peak_memory_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb.div_ceil(1024))
}

/// An instant as epoch milliseconds.
fn epoch_ms_of(at: Instant) -> u64 {
    let ago = Instant::now().saturating_duration_since(at);
    epoch_millis(SystemTime::now() - ago) as u64
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// When an invocation ran: handed to the runtime (`None`: never picked up) and answered.
struct Timing {
    queued: Instant,
    handed: Option<Instant>,
    ended: Instant,
}

/// One running process of a function, exclusively used by one invocation at a time.
struct Instance {
    shared: Arc<InstanceShared>,
    generation: u64,
    kill: Arc<Notify>,
    pid: Option<u32>,
    output: Arc<InstanceOutput>,
    /// Invocations it has run; the first is the cold start.
    served: u64,
}

impl Instance {
    fn alive(&self) -> bool {
        self.shared.lock().exited.is_none()
    }

    fn kill(&self) {
        self.kill.notify_one();
    }

    /// `Err(None)` is a timeout, of the init phase or of the invocation.
    async fn run(
        &self,
        request_id: &str,
        payload: Bytes,
        client_context: Option<String>,
    ) -> (Result<Bytes, Option<Outcome>>, Timing) {
        let mut timing = Timing {
            queued: Instant::now(),
            handed: None,
            ended: Instant::now(),
        };
        let result = self
            .run_timed(request_id, payload, client_context, &mut timing)
            .await;
        timing.ended = Instant::now();
        (result, timing)
    }

    async fn run_timed(
        &self,
        request_id: &str,
        payload: Bytes,
        client_context: Option<String>,
        timing: &mut Timing,
    ) -> Result<Bytes, Option<Outcome>> {
        let (reply, answer) = oneshot::channel();
        let (started, picked_up) = oneshot::channel();
        {
            let mut state = self.shared.lock();
            if let Some(reason) = &state.exited {
                return Err(Some(Outcome::Exited(reason.clone())));
            }
            self.output.set_request(request_id);
            state.pending = Some(Invocation {
                request_id: request_id.to_string(),
                payload,
                client_context,
                started,
                reply,
            });
        }
        self.shared.invocation_ready.notify_one();
        // A dropped `started` means the instance died first; `answer` then says how.
        match tokio::time::timeout(INIT_BUDGET, picked_up).await {
            Err(_) => return Err(None),
            Ok(Ok(at)) => timing.handed = Some(at),
            Ok(Err(_)) => {}
        }
        match tokio::time::timeout(self.shared.timeout, answer).await {
            Err(_) => Err(None),
            Ok(Err(_)) => Err(Some(Outcome::Exited("the instance stopped".into()))),
            Ok(Ok(Outcome::Response(body))) => Ok(body),
            Ok(Ok(other)) => Err(Some(other)),
        }
    }
}

/// An invocation's result, and what the cloud measured of it (`None` when no instance
/// took it: an unknown function, a process that could not start, a cloud stopping).
pub struct Invoked {
    pub result: Result<Value, InvokeError>,
    pub record: Option<InvocationRecord>,
}

/// The instances of one function, started lazily and kept warm, like Lambda.
pub struct FunctionPool {
    spec: FunctionSpec,
    idle: Mutex<Vec<Instance>>,
    slots: Semaphore,
    broken: AtomicBool,
    generation: AtomicU64,
    faults: Mutex<VecDeque<String>>,
    started: AtomicU64,
    logs: Arc<LogSink>,
    records: Arc<InvocationLog>,
    tasks: Arc<Tasks>,
}

impl FunctionPool {
    pub fn new(
        spec: FunctionSpec,
        logs: Arc<LogSink>,
        records: Arc<InvocationLog>,
        tasks: Arc<Tasks>,
    ) -> Self {
        FunctionPool {
            slots: Semaphore::new(spec.max_instances.max(1)),
            spec,
            idle: Mutex::new(Vec::new()),
            broken: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            faults: Mutex::new(VecDeque::new()),
            started: AtomicU64::new(0),
            logs,
            records,
            tasks,
        }
    }

    pub fn spec(&self) -> &FunctionSpec {
        &self.spec
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Instance>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn inject_fault(&self, point: &str, times: u32) {
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        faults.extend(std::iter::repeat_n(point.to_string(), times as usize));
    }

    /// While broken, new instances exit during init; warm ones are discarded now.
    pub fn set_broken(&self, broken: bool) {
        self.broken.store(broken, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.stop_idle();
    }

    pub fn stop_idle(&self) {
        for instance in self.idle().drain(..) {
            instance.kill();
        }
    }

    /// Invokes, writes the REPORT line, and returns the record for the caller to complete
    /// (a mapping adds its SQS requests) and to keep ([`Functions::record`]).
    pub async fn invoke(&self, payload: &Value, trigger: Trigger) -> Invoked {
        let function = self.spec.name.clone();
        let bytes = Bytes::from(payload.to_string());
        // Closed only if the pool is being torn down; behave like a crash then.
        let Ok(_slot) = self.slots.acquire().await else {
            return Invoked {
                result: Err(InvokeError::Crashed {
                    function,
                    detail: "the local cloud is stopping".into(),
                }),
                record: None,
            };
        };
        let client_context = self
            .faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
            .map(|point| serde_json::json!({"custom": {"studyloop-fault": point}}).to_string());
        let warm = self.idle().pop();
        let mut instance = match warm {
            Some(instance) => instance,
            None => match self.start_instance() {
                Ok(instance) => instance,
                Err(e) => {
                    return Invoked {
                        result: Err(InvokeError::InitFailed {
                            function,
                            detail: format!("{e:#}"),
                        }),
                        record: None,
                    };
                }
            },
        };
        let request_id = new_request_id();
        let (result, timing) = instance.run(&request_id, bytes, client_context).await;
        let max_memory_mb = instance.pid.and_then(peak_memory_mb);
        let log_bytes = instance.output.take_bytes().await;
        let cold = instance.served == 0;
        instance.served += 1;
        let init_ms = cold.then(|| {
            let ready = instance.shared.ready.get().copied().unwrap_or(timing.ended);
            millis(ready.saturating_duration_since(instance.shared.spawned))
        });
        let reusable = result.is_ok()
            && instance.alive()
            && instance.generation == self.generation.load(Ordering::SeqCst);
        if reusable {
            self.idle().push(instance);
        } else {
            instance.kill();
        }
        let result = match result {
            Ok(body) => serde_json::from_slice(&body).map_err(|_| InvokeError::InvalidResponse {
                function: function.clone(),
            }),
            Err(None) => Err(InvokeError::Timeout {
                function: function.clone(),
                seconds: self.spec.timeout.as_secs_f64(),
            }),
            Err(Some(outcome)) => Err(outcome.into_error(&function)),
        };
        let record = self.record(
            payload,
            trigger,
            request_id,
            &timing,
            &result,
            init_ms,
            max_memory_mb,
            log_bytes,
        );
        self.logs.emit(&function, &record.report_line());
        Invoked {
            result,
            record: Some(record),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        payload: &Value,
        trigger: Trigger,
        request_id: String,
        timing: &Timing,
        result: &Result<Value, InvokeError>,
        init_ms: Option<f64>,
        max_memory_mb: Option<u64>,
        log_bytes: u64,
    ) -> InvocationRecord {
        let began = timing.handed.unwrap_or(timing.queued);
        let duration_ms = millis(timing.ended.saturating_duration_since(began));
        let start = epoch_ms_of(began);
        let outcome = match result {
            Ok(_) => Recorded::Ok,
            Err(InvokeError::Timeout { .. }) => Recorded::Timeout,
            Err(InvokeError::Crashed { .. } | InvokeError::InitFailed { .. }) => Recorded::Crashed,
            Err(_) => Recorded::Error,
        };
        let wait_ms = crate::invocations::oldest_record_ms(payload)
            .map_or(0, |written| start.saturating_sub(written));
        let mut record = InvocationRecord {
            function: self.spec.name.clone(),
            correlation_ids: crate::invocations::correlation_ids(payload, &request_id),
            request_id,
            trigger,
            start,
            end: epoch_ms_of(timing.ended),
            duration_ms,
            billed_ms: crate::invocations::billed_ms(duration_ms, init_ms),
            memory_mb: self.spec.memory_mb,
            architecture: self.spec.architecture.clone(),
            init_ms,
            cold: init_ms.is_some(),
            max_memory_mb,
            outcome,
            wait_ms,
            log_bytes,
            sqs_requests: 0,
        };
        // CloudWatch Logs ingests the REPORT line too.
        record.log_bytes += record.report_line().len() as u64 + 1;
        record
    }

    fn forward_logs(
        &self,
        stream: impl tokio::io::AsyncRead + Send + Unpin + 'static,
        output: &Arc<InstanceOutput>,
    ) {
        let logs = self.logs.clone();
        let records = self.records.clone();
        let name = self.spec.name.clone();
        let attribution = output.clone();
        let counted = Counted {
            inner: stream,
            output: output.clone(),
        };
        self.tasks.spawn(async move {
            logs.forward_each(&name, counted, |line| {
                if let Some(metrics) =
                    crate::invocations::metrics_line(&name, line, attribution.request().as_deref())
                {
                    records.append(&metrics);
                }
            })
            .await
        });
    }

    fn start_instance(&self) -> anyhow::Result<Instance> {
        use anyhow::Context;
        let number = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let std_listener =
            std::net::TcpListener::bind("127.0.0.1:0").context("binding a Runtime API port")?;
        std_listener.set_nonblocking(true)?;
        let address = std_listener.local_addr()?;
        let listener = tokio::net::TcpListener::from_std(std_listener)?;
        let shared = Arc::new(InstanceShared {
            state: Mutex::new(InstanceState::default()),
            invocation_ready: Notify::new(),
            function_arn: self.spec.arn.clone(),
            timeout: self.spec.timeout,
            spawned: Instant::now(),
            ready: OnceLock::new(),
        });
        let router = runtime_api(shared.clone());
        let api_server = self.tasks.spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::warn!("a Runtime API server stopped: {e}");
            }
        });

        let broken = self.broken.load(Ordering::SeqCst);
        let mut cmd = if broken {
            let mut sh = std::process::Command::new("/bin/sh");
            sh.args([
                "-c",
                "echo 'localcloud: this function is marked broken; exiting during init' >&2; exit 1",
            ]);
            sh
        } else {
            std::process::Command::new(&self.spec.binary)
        };
        cmd.env_clear();
        for name in INHERITED_ENV {
            if let Some(value) = std::env::var_os(name) {
                cmd.env(name, value);
            }
        }
        cmd.envs(&self.spec.env)
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                format!("local/[$LATEST]{number}"),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        crate::sqs::die_with_parent(&mut cmd);
        let mut child = match tokio::process::Command::from(cmd)
            .kill_on_drop(true)
            .spawn()
        {
            Ok(child) => child,
            Err(e) => {
                api_server.abort();
                anyhow::bail!("starting {}: {e}", self.spec.binary.display());
            }
        };
        let pid = child.id();
        let output = Arc::new(InstanceOutput::default());
        let mut pipes = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            pipes.extend(duplicate(stdout.as_raw_fd()));
            self.forward_logs(stdout, &output);
        }
        if let Some(stderr) = child.stderr.take() {
            pipes.extend(duplicate(stderr.as_raw_fd()));
            self.forward_logs(stderr, &output);
        }
        *output.pipes.lock().unwrap_or_else(|p| p.into_inner()) = pipes;
        let kill = Arc::new(Notify::new());
        let killed = kill.clone();
        let mut guard = ExitGuard {
            shared: shared.clone(),
            reason: "the local cloud stopped".into(),
            api_server,
        };
        self.tasks.spawn(async move {
            tokio::select! {
                status = child.wait() => {
                    guard.reason = match status {
                        Ok(status) => format!("the process exited ({status})"),
                        Err(e) => format!("the process was lost: {e}"),
                    };
                }
                _ = killed.notified() => {
                    let _ = child.kill().await;
                    guard.reason = "the instance was stopped".into();
                }
            }
            drop(guard);
        });
        Ok(Instance {
            shared,
            generation: self.generation.load(Ordering::SeqCst),
            kill,
            pid,
            output,
            served: 0,
        })
    }
}

/// A second descriptor of a pipe's read end, owned by the cloud.
fn duplicate(fd: std::os::fd::RawFd) -> Option<OwnedFd> {
    // SAFETY: dup returns a new descriptor (or -1), which nothing else owns.
    let copy = unsafe { libc::dup(fd) };
    // SAFETY: a non-negative result is an open descriptor owned by no one else.
    (copy >= 0).then(|| unsafe { OwnedFd::from_raw_fd(copy) })
}

impl Outcome {
    fn into_error(self, function: &str) -> InvokeError {
        let function = function.to_string();
        match self {
            Outcome::InitError(detail) => InvokeError::InitFailed { function, detail },
            Outcome::FunctionError {
                error_type,
                message,
            } => InvokeError::FunctionError {
                function,
                error_type,
                message,
            },
            Outcome::Exited(detail) => InvokeError::Crashed { function, detail },
            Outcome::Response(_) => InvokeError::InvalidResponse { function },
        }
    }
}

/// Every function of the template, by logical id.
#[derive(Default)]
pub struct Functions {
    pools: BTreeMap<String, Arc<FunctionPool>>,
    records: Arc<InvocationLog>,
}

impl Functions {
    pub fn new(
        specs: Vec<FunctionSpec>,
        logs: Arc<LogSink>,
        records: Arc<InvocationLog>,
        tasks: Arc<Tasks>,
    ) -> Self {
        Functions {
            pools: specs
                .into_iter()
                .map(|spec| {
                    let name = spec.name.clone();
                    let pool =
                        FunctionPool::new(spec, logs.clone(), records.clone(), tasks.clone());
                    (name, Arc::new(pool))
                })
                .collect(),
            records,
        }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<FunctionPool>> {
        self.pools.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pools.keys().map(String::as_str)
    }

    /// Invokes and keeps the invocation's record.
    pub async fn invoke(
        &self,
        name: &str,
        payload: &Value,
        trigger: Trigger,
    ) -> Result<Value, InvokeError> {
        let invoked = self.invoke_unrecorded(name, payload, trigger).await;
        if let Some(record) = &invoked.record {
            self.record(record);
        }
        invoked.result
    }

    /// Invokes; the caller completes the record and hands it to [`Functions::record`].
    pub async fn invoke_unrecorded(
        &self,
        name: &str,
        payload: &Value,
        trigger: Trigger,
    ) -> Invoked {
        match self.pools.get(name) {
            Some(pool) => pool.invoke(payload, trigger).await,
            None => Invoked {
                result: Err(InvokeError::UnknownFunction(name.to_string())),
                record: None,
            },
        }
    }

    pub fn record(&self, record: &InvocationRecord) {
        self.records.record(record);
    }

    pub fn stop_all(&self) {
        for pool in self.pools.values() {
            pool.slots.close();
            pool.stop_idle();
        }
    }
}
