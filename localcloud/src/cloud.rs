//! One running local cloud: emulators, resources, function pools, front door and pollers.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use serde_json::Value;

use crate::dynamo::{DynamoServer, create_tables, table_arn};
use crate::http_api::{Cors, FrontDoor, Route, routes_from_template};
use crate::invocations::{InvocationLog, Trigger};
use crate::logs::{LogMode, LogSink};
use crate::mappings::{Checkpoints, EventSource, PollerContext, event_sources, start_pollers};
use crate::runtime::{FunctionSpec, Functions, InvokeError};
use crate::secrets::LocalSecrets;
use crate::sqs::{OwnedMoto, create_queues, queue_arn, queue_name, queue_url, shared_moto};
use crate::tasks::Tasks;
use crate::template::{
    ACCOUNT_ID, FUNCTION, LOG_GROUP, QUEUE, REGION, Resolver, ResourceValues, TABLE, Template,
    as_u64, parameter_values, scalar_to_string,
};

pub const DEFAULT_TTL_SWEEP: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_INSTANCES: usize = 10;
/// Lambda's default when a function sets no Timeout.
const DEFAULT_TIMEOUT_SECONDS: u64 = 3;
const DEFAULT_MEMORY_MB: u64 = 128;
const DEFAULT_ARCHITECTURE: &str = "x86_64";

/// Where SQS comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MotoMode {
    /// A moto started for this cloud and stopped with it (`up`, `invoke`).
    Owned,
    /// One moto for every cloud in this process (tests).
    Shared,
    /// An SQS endpoint that is already running.
    External(String),
}

#[derive(Debug, Clone)]
pub struct CloudOptions {
    pub template: PathBuf,
    /// Where the functions' binaries are (`<root>/target/debug` by default).
    pub bin_dir: PathBuf,
    /// Port of the HTTP API; 0 picks a free one.
    pub port: u16,
    /// Keeps DynamoDB data, generated keys and stream checkpoints across restarts.
    pub state_dir: Option<PathBuf>,
    /// Prepended to every table and queue name, so that clouds can share emulators.
    pub resource_prefix: String,
    pub parameter_overrides: BTreeMap<String, String>,
    pub log: LogMode,
    /// Instances per function unless the function sets ReservedConcurrentExecutions.
    pub max_instances: usize,
    pub moto: MotoMode,
    pub ttl_sweep_interval: Duration,
    /// Run the SQS and DynamoDB stream pollers (off for a single `invoke`).
    pub event_sources: bool,
    /// Functions whose event source mappings stay off, as if disabled in AWS (`Enabled:
    /// false`): a test can then read their queue itself, or show messages waiting in it.
    pub disabled_event_sources: std::collections::BTreeSet<String>,
    /// Files served for GETs that no route claims (`web/dist`: the app and `/docs`).
    pub static_dir: Option<PathBuf>,
    /// A file to append the logical id of each function the HTTP API routes a request to
    /// (once each): how the end-to-end tests show they reach every route
    /// ([`crate::coverage`]).
    pub route_log: Option<PathBuf>,
}

/// `<root>/target/debug`, honouring CARGO_TARGET_DIR.
pub fn default_bin_dir(root: &Path) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        })
        .unwrap_or_else(|| root.join("target"));
    target.join("debug")
}

static PREFIX_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Unique per cloud in this process and across processes sharing nothing but a port range.
pub fn unique_prefix() -> String {
    format!(
        "t{}x{}-",
        std::process::id(),
        PREFIX_COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// The first directory, from the current one upwards, that holds template.yaml.
pub fn workspace_root() -> PathBuf {
    let start = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    start
        .ancestors()
        .find(|dir| dir.join("template.yaml").is_file())
        .map(Path::to_path_buf)
        .unwrap_or(start)
}

pub fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")
}

impl CloudOptions {
    /// What `localcloud up` uses: port 3000, owned moto, logs on stdout.
    pub fn new(root: &Path) -> Self {
        CloudOptions {
            template: root.join("template.yaml"),
            bin_dir: default_bin_dir(root),
            port: 3000,
            state_dir: None,
            resource_prefix: String::new(),
            parameter_overrides: BTreeMap::new(),
            log: LogMode::Stdout,
            max_instances: DEFAULT_MAX_INSTANCES,
            moto: MotoMode::Owned,
            ttl_sweep_interval: DEFAULT_TTL_SWEEP,
            event_sources: true,
            disabled_event_sources: Default::default(),
            static_dir: None,
            route_log: None,
        }
    }

    /// A random port, in-memory DynamoDB, fresh keys, a unique prefix, logs kept in
    /// memory and the process-wide moto.
    pub fn for_tests(root: &Path) -> Self {
        CloudOptions {
            port: 0,
            resource_prefix: unique_prefix(),
            log: LogMode::Memory,
            moto: MotoMode::Shared,
            ..Self::new(root)
        }
    }

    fn root(&self) -> PathBuf {
        self.template
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// The local name of a table, queue or log group.
fn local_name(prefix: &str, id: &str, kind: &str, properties: &Value) -> String {
    match kind {
        QUEUE => queue_name(prefix, id, properties),
        _ => format!("{prefix}{id}"),
    }
}

/// Logical id -> local name for the existing resources of one kind.
pub(crate) fn resource_names(
    template: &Template,
    resolver: &Resolver,
    kind: &str,
    prefix: &str,
) -> Result<BTreeMap<String, String>> {
    let mut names = BTreeMap::new();
    for (id, resource) in template.of_kind(kind) {
        if resolver.exists(resource)? {
            let props = resolver
                .resolve_or_null(&resource.properties)
                .unwrap_or(Value::Null);
            names.insert(id.to_string(), local_name(prefix, id, kind, &props));
        }
    }
    Ok(names)
}

/// Parameters chosen and every resource's Ref/GetAtt values known, except stream ARNs,
/// which exist only once the tables do.
pub(crate) fn base_resolver(
    template: &Template,
    overrides: &BTreeMap<String, String>,
    state_dir: Option<&Path>,
    prefix: &str,
    sqs_endpoint: &str,
) -> Result<Resolver> {
    let secrets = local_secrets(state_dir)?;
    resolver_with(template, overrides, &secrets, prefix, sqs_endpoint)
}

fn local_secrets(state_dir: Option<&Path>) -> Result<LocalSecrets> {
    match state_dir {
        Some(dir) => LocalSecrets::load_or_create(dir),
        None => LocalSecrets::generate(),
    }
}

/// Clouds sharing one moto keep their secrets apart: a cloud with a resource prefix puts
/// them under `<SecretsPrefix's default>/<prefix>` unless told otherwise.
fn secrets_prefix(template: &Template, overrides: &mut BTreeMap<String, String>, prefix: &str) {
    let prefix = prefix.trim_end_matches('-');
    let Some(decl) = template.parameters.get(crate::ssm::PREFIX_PARAMETER) else {
        return;
    };
    if prefix.is_empty() || overrides.contains_key(crate::ssm::PREFIX_PARAMETER) {
        return;
    }
    let default = decl
        .get("Default")
        .map(scalar_to_string)
        .unwrap_or_default();
    overrides.insert(
        crate::ssm::PREFIX_PARAMETER.to_string(),
        format!("{default}/{prefix}"),
    );
}

fn resolver_with(
    template: &Template,
    overrides: &BTreeMap<String, String>,
    secrets: &LocalSecrets,
    prefix: &str,
    sqs_endpoint: &str,
) -> Result<Resolver> {
    let mut overrides = overrides.clone();
    secrets_prefix(template, &mut overrides, prefix);
    let values = parameter_values(
        template,
        &overrides,
        |name| std::env::var(name).ok(),
        secrets.parameters(),
    )?;
    let mut resolver = Resolver::new(template, values);
    let mut values = BTreeMap::new();
    for (id, name) in resource_names(template, &resolver, TABLE, prefix)? {
        let attributes = BTreeMap::from([("Arn".to_string(), table_arn(&name))]);
        values.insert(id, (name, attributes));
    }
    for (id, name) in resource_names(template, &resolver, QUEUE, prefix)? {
        let url = queue_url(sqs_endpoint, &name);
        let attributes = BTreeMap::from([
            ("Arn".to_string(), queue_arn(&name)),
            ("QueueName".to_string(), name.clone()),
            ("QueueUrl".to_string(), url.clone()),
        ]);
        values.insert(id, (url, attributes));
    }
    for (id, name) in resource_names(template, &resolver, LOG_GROUP, prefix)? {
        let arn = format!("arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}:*");
        values.insert(id, (name, BTreeMap::from([("Arn".to_string(), arn)])));
    }
    for (id, resource) in &template.resources {
        if values.contains_key(id) || !resolver.exists(resource)? {
            continue;
        }
        let attributes = match resource.kind.as_str() {
            FUNCTION => BTreeMap::from([("Arn".to_string(), function_arn(id))]),
            // Roles are not enforced locally (no IAM), but functions name theirs by ARN.
            "AWS::IAM::Role" => BTreeMap::from([(
                "Arn".to_string(),
                format!("arn:aws:iam::{ACCOUNT_ID}:role/{id}"),
            )]),
            _ => BTreeMap::new(),
        };
        values.insert(id.clone(), (id.clone(), attributes));
    }
    resolver.resources = values
        .into_iter()
        .map(|(id, (reference, attributes))| {
            (
                id,
                ResourceValues {
                    reference,
                    attributes,
                },
            )
        })
        .collect();
    Ok(resolver)
}

struct Endpoints<'a> {
    dynamodb: &'a str,
    sqs: &'a str,
    /// moto as well: SES v2 and SSM are served by the same server.
    ses: &'a str,
    ssm: &'a str,
}

fn function_specs(
    template: &Template,
    resolver: &Resolver,
    opts: &CloudOptions,
    endpoints: &Endpoints<'_>,
) -> Result<Vec<FunctionSpec>> {
    let mut specs = Vec::new();
    for (id, resource, props) in resolver.existing_of_kind(template, FUNCTION)? {
        let binary = resource
            .metadata
            .pointer("/BuildProperties/Binary")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("{id} has no Metadata.BuildProperties.Binary"))?;
        let mut env: BTreeMap<String, String> = props
            .pointer("/Environment/Variables")
            .and_then(Value::as_object)
            .map(|vars| {
                vars.iter()
                    .map(|(k, v)| (k.clone(), scalar_to_string(v)))
                    .collect()
            })
            .unwrap_or_default();
        let memory = as_u64(props.get("MemorySize")).unwrap_or(DEFAULT_MEMORY_MB);
        let architecture = props
            .pointer("/Architectures/0")
            .and_then(Value::as_str)
            .unwrap_or(DEFAULT_ARCHITECTURE)
            .to_string();
        let logging = &props["LoggingConfig"];
        let log_group = logging["LogGroup"]
            .as_str()
            .map_or_else(|| format!("/aws/lambda/{id}"), str::to_string);
        let task_root = opts.bin_dir.display().to_string();
        let fixed = [
            ("AWS_LAMBDA_FUNCTION_NAME", id.to_string()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_string()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory.to_string()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", log_group),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_string()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_DEFAULT_REGION", REGION.to_string()),
            ("AWS_ACCESS_KEY_ID", "test".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
            ("AWS_ENDPOINT_URL_DYNAMODB", endpoints.dynamodb.to_string()),
            ("AWS_ENDPOINT_URL_SQS", endpoints.sqs.to_string()),
            ("AWS_ENDPOINT_URL_SESV2", endpoints.ses.to_string()),
            ("AWS_ENDPOINT_URL_SSM", endpoints.ssm.to_string()),
            (
                "_HANDLER",
                props["Handler"].as_str().unwrap_or("bootstrap").to_string(),
            ),
            ("LAMBDA_TASK_ROOT", task_root),
            ("TZ", ":UTC".to_string()),
            // Lets shared/ honour injected faults; never set in AWS.
            ("STUDYLOOP_FAULT_INJECTION", "1".to_string()),
        ];
        env.extend(fixed.map(|(k, v)| (k.to_string(), v)));
        for (key, setting) in [
            ("AWS_LAMBDA_LOG_FORMAT", "LogFormat"),
            ("AWS_LAMBDA_LOG_LEVEL", "ApplicationLogLevel"),
        ] {
            if let Some(value) = logging[setting].as_str() {
                env.insert(key.to_string(), value.to_string());
            }
        }
        specs.push(FunctionSpec {
            name: id.to_string(),
            binary: opts.bin_dir.join(binary),
            env,
            timeout: Duration::from_secs(
                as_u64(props.get("Timeout")).unwrap_or(DEFAULT_TIMEOUT_SECONDS),
            ),
            max_instances: as_u64(props.get("ReservedConcurrentExecutions"))
                .map_or(opts.max_instances, |n| n as usize),
            arn: function_arn(id),
            memory_mb: memory,
            architecture,
        });
    }
    Ok(specs)
}

pub struct Cloud {
    base_url: String,
    dynamodb_endpoint: String,
    sqs_endpoint: String,
    tables: BTreeMap<String, String>,
    queues: BTreeMap<String, String>,
    resolver: Resolver,
    routes: Vec<Route>,
    functions: Arc<Functions>,
    logs: Arc<LogSink>,
    tasks: Arc<Tasks>,
    moto: Option<OwnedMoto>,
    /// SSM parameter name -> the secret put there.
    secrets: BTreeMap<String, String>,
}

impl Cloud {
    pub async fn start(opts: CloudOptions) -> Result<Cloud> {
        let root = opts.root();
        let template = Template::load(&opts.template)?;
        let tasks = Arc::new(Tasks::default());
        let logs = Arc::new(LogSink::new(opts.log));
        let state_dir = opts.state_dir.as_deref();

        let sqs_start = async {
            match &opts.moto {
                MotoMode::Owned => OwnedMoto::start(&root)
                    .await
                    .map(|m| (m.endpoint.clone(), Some(m))),
                MotoMode::Shared => shared_moto(&root).await.map(|e| (e, None)),
                MotoMode::External(endpoint) => Ok((endpoint.clone(), None)),
            }
        };
        let dynamo_start = DynamoServer::start(state_dir, opts.ttl_sweep_interval, &tasks);
        let ((sqs_endpoint, moto), dynamo) = tokio::try_join!(sqs_start, dynamo_start)?;
        let dynamodb_endpoint = dynamo.endpoint.clone();

        let secrets = local_secrets(state_dir)?;
        let mut resolver = resolver_with(
            &template,
            &opts.parameter_overrides,
            &secrets,
            &opts.resource_prefix,
            &sqs_endpoint,
        )?;
        let dynamo_client =
            aws_sdk_dynamodb::Client::new(&crate::sdk_config(&dynamodb_endpoint).await);
        let sqs_config = crate::sdk_config(&sqs_endpoint).await;
        let sqs_client = aws_sdk_sqs::Client::new(&sqs_config);

        let table_names = resource_names(&template, &resolver, TABLE, &opts.resource_prefix)?;
        let created = create_tables(&dynamo_client, &template, &resolver, &table_names).await?;
        for (id, table) in &created {
            if let (Some(values), Some(arn)) = (resolver.resources.get_mut(id), &table.stream_arn) {
                values
                    .attributes
                    .insert("StreamArn".to_string(), arn.clone());
            }
        }
        let queue_names = resource_names(&template, &resolver, QUEUE, &opts.resource_prefix)?;
        let queues = create_queues(&sqs_client, &template, &resolver, &queue_names).await?;
        for (id, url) in &queues {
            if let Some(values) = resolver.resources.get_mut(id) {
                values.reference = url.clone();
                values.attributes.insert("QueueUrl".into(), url.clone());
            }
        }

        let http = reqwest::Client::new();
        let identities = crate::ses::email_identities(&template, &resolver)?;
        crate::ses::create_identities(&http, &sqs_endpoint, &identities).await?;

        let endpoints = Endpoints {
            dynamodb: &dynamodb_endpoint,
            sqs: &sqs_endpoint,
            ses: &sqs_endpoint,
            ssm: &sqs_endpoint,
        };
        let specs = function_specs(&template, &resolver, &opts, &endpoints)?;
        let secret_values = crate::ssm::secret_values(
            &specs,
            &opts.parameter_overrides,
            |name| std::env::var(name).ok(),
            secrets.parameters(),
        );
        crate::ssm::put_parameters(&aws_sdk_ssm::Client::new(&sqs_config), &secret_values).await?;
        let records = Arc::new(InvocationLog::open(state_dir)?);
        let functions = Arc::new(Functions::new(specs, logs.clone(), records, tasks.clone()));

        let routes = routes_from_template(&template, &resolver)?;
        let door = Arc::new(FrontDoor {
            routes: routes.clone(),
            cors: Cors::from_template(&template, &resolver)?,
            functions: functions.clone(),
            static_dir: opts.static_dir.clone(),
            route_log: opts.route_log.clone().map(crate::coverage::RouteLog::new),
            mail: Some(crate::http_api::MailCatcher {
                client: http,
                moto: sqs_endpoint.clone(),
            }),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port))
            .await
            .with_context(|| format!("binding the HTTP API to 127.0.0.1:{}", opts.port))?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let app = door
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        tasks.spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("the HTTP API stopped: {e}");
            }
        });

        if opts.event_sources {
            let queue_urls_by_arn = queues
                .iter()
                .filter_map(|(id, url)| {
                    let arn = resolver.resources.get(id)?.attributes.get("Arn")?;
                    Some((arn.clone(), url.clone()))
                })
                .collect();
            let sources: Vec<EventSource> =
                event_sources(&template, &resolver, &queue_urls_by_arn)?
                    .into_iter()
                    .filter(|source| !opts.disabled_event_sources.contains(source.function()))
                    .collect();
            let ctx = PollerContext {
                functions: functions.clone(),
                sqs: sqs_client,
                streams: aws_sdk_dynamodbstreams::Client::new(
                    &crate::sdk_config(&dynamodb_endpoint).await,
                ),
                checkpoints: Arc::new(Checkpoints::load(
                    state_dir.map(|d| d.join("streams.json")),
                )?),
            };
            start_pollers(&sources, &ctx, &tasks);
        }

        Ok(Cloud {
            base_url,
            dynamodb_endpoint,
            sqs_endpoint,
            tables: created.into_iter().map(|(id, t)| (id, t.name)).collect(),
            queues,
            resolver,
            routes,
            functions,
            logs,
            tasks,
            moto,
            secrets: secret_values,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn dynamodb_endpoint(&self) -> String {
        self.dynamodb_endpoint.clone()
    }

    pub fn sqs_endpoint(&self) -> String {
        self.sqs_endpoint.clone()
    }

    pub fn queue_url(&self, logical_id: &str) -> Option<String> {
        self.queues.get(logical_id).cloned()
    }

    pub fn table_name(&self, logical_id: &str) -> Option<String> {
        self.tables.get(logical_id).cloned()
    }

    /// The value a template parameter got (lists comma-joined).
    pub fn parameter(&self, name: &str) -> Option<String> {
        self.resolver.parameter(name).map(str::to_string)
    }

    /// The value of the secret `function` reads through `env_var` (`CURSOR_SECRET_PARAMETER`),
    /// as put into moto's SSM; `None` if it names none or none was put.
    pub fn secret(&self, function: &str, env_var: &str) -> Option<String> {
        let name = self
            .functions
            .get(function)?
            .spec()
            .env
            .get(env_var)?
            .clone();
        self.secrets.get(&name).cloned()
    }

    /// `"METHOD /path" -> LogicalId`, in template order.
    pub fn routes(&self) -> Vec<(String, String)> {
        self.routes
            .iter()
            .map(|r| (r.route_key(), r.function.clone()))
            .collect()
    }

    pub fn function_names(&self) -> Vec<String> {
        self.functions.names().map(str::to_string).collect()
    }

    /// The environment a function's instances get: the template's variables and Lambda's
    /// own (the benchmark runs a handler in process with exactly this).
    pub fn function_environment(&self, function: &str) -> Option<BTreeMap<String, String>> {
        self.functions
            .get(function)
            .map(|pool| pool.spec().env.clone())
    }

    /// The next `times` invocations of `function` ask it to abort at `point`.
    pub fn inject_fault(&self, function: &str, point: &str, times: u32) {
        match self.functions.get(function) {
            Some(pool) => pool.inject_fault(point, times),
            None => tracing::warn!("inject_fault: no function named {function}"),
        }
    }

    /// A broken function's new instances crash during init, like a bad deploy.
    pub fn set_broken(&self, function: &str, broken: bool) {
        match self.functions.get(function) {
            Some(pool) => pool.set_broken(broken),
            None => tracing::warn!("set_broken: no function named {function}"),
        }
    }

    pub async fn invoke(&self, function: &str, payload: Value) -> Result<Value, InvokeError> {
        self.functions
            .invoke(function, &payload, Trigger::Invoke)
            .await
    }

    /// Invokes as `up --invoke-on-start` does (recorded as a `seed`).
    pub async fn seed(&self, function: &str) -> Result<Value, InvokeError> {
        let payload = Value::Object(Default::default());
        self.functions
            .invoke(function, &payload, Trigger::Seed)
            .await
    }

    /// Every function output line so far, as `[LogicalId] line` (LogMode::Memory or Both).
    pub fn logs(&self) -> Vec<String> {
        self.logs.lines()
    }

    pub async fn shutdown(mut self) {
        self.stop_children();
        if let Some(moto) = self.moto.take() {
            moto.stop().await;
        }
    }

    fn stop_children(&self) {
        self.functions.stop_all();
        self.tasks.abort_all();
    }
}

impl Drop for Cloud {
    fn drop(&mut self) {
        // The owned moto, if still here, is killed when its handle drops (kill_on_drop).
        self.stop_children();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The project's template, resolved as `Cloud::start` resolves it (stream ARN stubbed).
    #[test]
    fn the_project_template_resolves_into_function_environments() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf();
        let template = Template::load(&root.join("template.yaml")).unwrap();
        let overrides = BTreeMap::new();
        let mut resolver =
            base_resolver(&template, &overrides, None, "p-", "http://sqs:1").unwrap();
        // Stream ARNs exist only once the tables do: stub one for every table.
        for (id, resource) in resolver.resources.iter_mut() {
            if id.ends_with("Table") {
                resource
                    .attributes
                    .insert("StreamArn".into(), format!("arn:stream:{id}"));
            }
        }
        let opts = CloudOptions::new(&root);
        let endpoints = Endpoints {
            dynamodb: "http://ddb:1",
            sqs: "http://sqs:1",
            ses: "http://ses:1",
            ssm: "http://ssm:1",
        };
        let specs = function_specs(&template, &resolver, &opts, &endpoints).unwrap();
        let spec = |name: &str| specs.iter().find(|s| s.name == name).unwrap();

        let sign_up = spec("UsersSignUpFunction");
        assert_eq!(sign_up.env["USERS_TABLE"], "p-UsersTable");
        assert_eq!(sign_up.env["STAGE"], "dev");
        assert_eq!(sign_up.env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "512");
        assert_eq!(sign_up.env["AWS_LAMBDA_LOG_FORMAT"], "JSON");
        assert_eq!(sign_up.env["AWS_LAMBDA_LOG_LEVEL"], "INFO");
        assert_eq!(
            sign_up.env["AWS_LAMBDA_LOG_GROUP_NAME"],
            "p-UsersSignUpLogGroup"
        );
        assert_eq!(sign_up.env["AWS_ENDPOINT_URL_DYNAMODB"], "http://ddb:1");
        assert_eq!(sign_up.env["AWS_ENDPOINT_URL_SESV2"], "http://ses:1");
        assert_eq!(sign_up.env["STUDYLOOP_FAULT_INJECTION"], "1");
        assert_eq!(sign_up.timeout, Duration::from_secs(10));
        assert_eq!(sign_up.memory_mb, 512);
        assert_eq!(sign_up.architecture, "arm64");
        // Globals.Function's MemorySize where a function sets none.
        assert_eq!(spec("UsersOutboxRelayFunction").memory_mb, 128);
        assert!(sign_up.binary.ends_with("users-sign-up"));
        let jwks: Value = serde_json::from_str(&sign_up.env["JWT_PUBLIC_JWKS"]).unwrap();
        assert_eq!(
            jwks["keys"][0]["kid"],
            sign_up.env["JWT_SIGNING_KEY_ID"].as_str()
        );

        let seed = spec("UsersSeedAdminFunction");
        assert_eq!(seed.timeout, Duration::from_secs(30));
        // A secret's name, under the cloud's own prefix; never its value.
        assert_eq!(
            seed.env["ADMIN_PASSWORD_PARAMETER"],
            "/studyloop/p/dev/admin-password"
        );
        assert!(!seed.env.contains_key("ADMIN_PASSWORD"));
        assert_eq!(sign_up.env["AWS_ENDPOINT_URL_SSM"], "http://ssm:1");
        let overrides = BTreeMap::from([("AdminPassword".to_string(), "pw-override".to_string())]);
        let values = crate::ssm::secret_values(&specs, &overrides, |_| None, &BTreeMap::new());
        assert_eq!(values["/studyloop/p/dev/admin-password"], "pw-override");
        assert_eq!(
            spec("UsersOutboxRelayFunction").env["OUTBOX_QUEUE_NOTIFICATIONS"],
            "http://sqs:1/123456789012/p-NotificationsQueue"
        );
        assert!(
            !spec("UsersJwksFunction")
                .env
                .keys()
                .any(|k| k.starts_with("JWT_SIGNING_KEY"))
        );
    }
}
