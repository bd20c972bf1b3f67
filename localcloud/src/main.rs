//! `localcloud`: run template.yaml on this machine without Docker.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand};
use localcloud::{Cloud, CloudOptions, LocalSecrets, LogMode, default_bin_dir, workspace_root};

#[derive(Parser)]
#[command(
    name = "localcloud",
    about = "A Docker-free `sam local` for this project"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the whole template (HTTP API, functions, queues, streams) until Ctrl-C.
    Up(UpArgs),
    /// Run one function once with an event file, like `sam local invoke`.
    Invoke(InvokeArgs),
    /// Lint the template against the project's rules.
    Check {
        #[arg(long)]
        template: Option<PathBuf>,
        /// The repository root (default: the template's directory).
        #[arg(long)]
        root: Option<PathBuf>,
        /// Also check that the end-to-end tests sent a request to every HTTP function, by
        /// the route logs they left in this folder (`E2E_ROUTE_LOG_DIR`).
        #[arg(long)]
        e2e_routes: Option<PathBuf>,
    },
    /// Print a fresh JWT key and cursor secret: the public values for `sam deploy
    /// --parameter-overrides`, the secrets as exports for `make secrets` (SSM).
    Keygen,
    /// Move every message of one queue to another (a dead-letter redrive) in a running `up`.
    Redrive(RedriveArgs),
    /// Print one flow (an `x-request-id`, or any correlation id) as a waterfall of its
    /// invocations, with its AWS bill, from the state dir's invocations.jsonl.
    Trace {
        correlation_id: String,
        /// The state directory of the `up` that ran the flow (`make dev`'s).
        #[arg(long, default_value = ".localcloud")]
        state_dir: PathBuf,
    },
}

#[derive(Args)]
struct RedriveArgs {
    /// The queue to empty (a logical id, e.g. NotificationsDeadLetterQueue).
    #[arg(long)]
    from: String,
    /// The queue to move the messages to (a logical id, e.g. NotificationsQueue).
    #[arg(long)]
    to: String,
    /// The state directory of the running `up`, where it records its endpoints.
    #[arg(long, default_value = ".localcloud")]
    state_dir: PathBuf,
    /// The SQS endpoint, instead of the one the running `up` recorded.
    #[arg(long)]
    sqs_endpoint: Option<String>,
}

/// Where `up` records its endpoints, so other commands can reach its emulators.
const ENDPOINTS_FILE: &str = "endpoints.json";

#[derive(Args)]
struct Common {
    /// The SAM template (default: template.yaml of the workspace).
    #[arg(long)]
    template: Option<PathBuf>,
    /// Directory with the functions' binaries (default: target/debug).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
}

#[derive(Args)]
struct UpArgs {
    #[command(flatten)]
    common: Common,
    /// HTTP port (default: $PORT or 3000).
    #[arg(long)]
    port: Option<u16>,
    /// Where DynamoDB data, generated keys and stream checkpoints persist.
    #[arg(long, default_value = ".localcloud")]
    state_dir: PathBuf,
    /// Wipe the state directory first.
    #[arg(long)]
    fresh: bool,
    /// Invoke these functions once with `{}` after start (e.g. a seeding function).
    #[arg(long, num_args = 1..)]
    invoke_on_start: Vec<String>,
    /// Template parameters, `Name=Value`.
    #[arg(long, num_args = 1..)]
    parameter_overrides: Vec<String>,
    /// Serve this directory's files for GETs that no route claims (`web/dist`).
    #[arg(long)]
    static_dir: Option<PathBuf>,
}

#[derive(Args)]
struct InvokeArgs {
    /// The function's logical id in the template.
    function: String,
    /// JSON file with the event (e.g. events/<LogicalId>.json); its `{{placeholders}}`
    /// (`{{accessToken}}`, `{{uniqueEmail}}`, ...) are filled first.
    #[arg(long)]
    event: PathBuf,
    #[command(flatten)]
    common: Common,
    /// Use persistent state (default: a throwaway in-memory database).
    #[arg(long)]
    state_dir: Option<PathBuf>,
}

fn parse_overrides(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| anyhow!("parameter override {pair:?} is not Name=Value"))
        })
        .collect()
}

fn options(common: &Common) -> CloudOptions {
    let template = common
        .template
        .clone()
        .unwrap_or_else(|| workspace_root().join("template.yaml"));
    let root = template
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    CloudOptions {
        bin_dir: common
            .bin_dir
            .clone()
            .unwrap_or_else(|| default_bin_dir(&root)),
        template,
        ..CloudOptions::new(&root)
    }
}

async fn up(args: UpArgs) -> Result<()> {
    let mut opts = options(&args.common);
    opts.port = match args.port {
        Some(port) => port,
        None => match std::env::var("PORT") {
            Ok(text) => text
                .parse()
                .with_context(|| format!("PORT={text} is not a port"))?,
            Err(_) => 3000,
        },
    };
    if args.fresh && args.state_dir.exists() {
        std::fs::remove_dir_all(&args.state_dir)
            .with_context(|| format!("wiping {}", args.state_dir.display()))?;
    }
    opts.state_dir = Some(args.state_dir.clone());
    opts.parameter_overrides = parse_overrides(&args.parameter_overrides)?;
    opts.static_dir = args.static_dir.clone();
    let cloud = Cloud::start(opts).await?;
    let endpoints_file = args.state_dir.join(ENDPOINTS_FILE);
    let endpoints = serde_json::json!({
        "api": cloud.base_url(),
        "sqs": cloud.sqs_endpoint(),
        "dynamodb": cloud.dynamodb_endpoint(),
    });
    std::fs::write(&endpoints_file, endpoints.to_string())
        .with_context(|| format!("writing {}", endpoints_file.display()))?;
    for function in &args.invoke_on_start {
        match cloud.seed(function).await {
            Ok(result) => println!("invoked {function}: {result}"),
            Err(e) => eprintln!("invoking {function} failed: {e}"),
        }
    }
    println!("studyloop is up at {}", cloud.base_url());
    for (route, function) in cloud.routes() {
        println!("  {route:<45} -> {function}");
    }
    println!("Ctrl-C to stop.");
    wait_for_stop_signal().await?;
    cloud.shutdown().await;
    let _ = std::fs::remove_file(&endpoints_file);
    Ok(())
}

async fn queue_url(client: &aws_sdk_sqs::Client, name: &str) -> Result<String> {
    client
        .get_queue_url()
        .queue_name(name)
        .send()
        .await
        .map_err(|e| anyhow!("no queue {name}: {e}"))?
        .queue_url
        .ok_or_else(|| anyhow!("no URL for queue {name}"))
}

async fn redrive(args: RedriveArgs) -> Result<()> {
    let endpoint = match args.sqs_endpoint {
        Some(endpoint) => endpoint,
        None => {
            let file = args.state_dir.join(ENDPOINTS_FILE);
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {} (is `make dev` running?)", file.display()))?;
            let endpoints: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", file.display()))?;
            endpoints["sqs"]
                .as_str()
                .ok_or_else(|| anyhow!("{} names no sqs endpoint", file.display()))?
                .to_string()
        }
    };
    let client = aws_sdk_sqs::Client::new(&localcloud::sdk_config(&endpoint).await);
    // `up` names queues by their logical ids.
    let from = queue_url(&client, &args.from).await?;
    let to = queue_url(&client, &args.to).await?;
    let moved = localcloud::sqs::redrive(&client, &from, &to).await?;
    println!("moved {moved} message(s) from {} to {}", args.from, args.to);
    Ok(())
}

async fn wait_for_stop_signal() -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("installing a SIGTERM handler")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C")?,
        _ = term.recv() => {}
    }
    Ok(())
}

async fn invoke(args: InvokeArgs) -> Result<bool> {
    let text = std::fs::read_to_string(&args.event)
        .with_context(|| format!("reading {}", args.event.display()))?;
    let event: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", args.event.display()))?;
    let opts = CloudOptions {
        port: 0,
        state_dir: args.state_dir,
        log: LogMode::Stderr,
        event_sources: false,
        ..options(&args.common)
    };
    let cloud = Cloud::start(opts).await?;
    // The placeholders, replaced in every string of the event (its JSON `body` included):
    // `{{accessToken}}` / `{{adminAccessToken}}` / `{{refreshToken}}`: real tokens of the demo
    // student or the admin, signed in through this cloud's sign-in function (its keys);
    // `{{uniqueEmail}}`, `{{newId}}`: a new email, a new ULID; `{{orderId}}`: a new order of
    // the demo student. localcloud/src/placeholders.rs and localcloud/README.md say more.
    let event = match localcloud::placeholders::Filler::new(&cloud)
        .fill(event)
        .await
    {
        Ok(event) => event,
        Err(e) => {
            cloud.shutdown().await;
            return Err(e.context(format!(
                "filling the placeholders of {}",
                args.event.display()
            )));
        }
    };
    let result = cloud.invoke(&args.function, event).await;
    cloud.shutdown().await;
    match result {
        Ok(response) => {
            println!("{}", serde_json::to_string_pretty(&response)?);
            Ok(true)
        }
        Err(e) => {
            eprintln!("invocation failed: {e}");
            Ok(false)
        }
    }
}

fn check(
    template: Option<PathBuf>,
    root: Option<PathBuf>,
    e2e_routes: Option<PathBuf>,
) -> Result<bool> {
    let template = template.unwrap_or_else(|| workspace_root().join("template.yaml"));
    let root = root.unwrap_or_else(|| {
        template
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    });
    let mut problems = localcloud::check::check_files(&template, &root)?;
    if let Some(dir) = e2e_routes {
        let parsed = localcloud::template::Template::load(&template)?;
        problems.extend(localcloud::coverage::e2e_routes(&parsed, &dir)?);
    }
    for problem in &problems {
        println!("{problem}");
    }
    if problems.is_empty() {
        println!("{}: no problems", template.display());
    }
    Ok(problems.is_empty())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LOCALCLOUD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("localcloud=info")),
        )
        .init();
    let outcome = match Cli::parse().command {
        Command::Up(args) => up(args).await.map(|()| true),
        Command::Invoke(args) => invoke(args).await,
        Command::Check {
            template,
            root,
            e2e_routes,
        } => check(template, root, e2e_routes),
        Command::Redrive(args) => redrive(args).await.map(|()| true),
        Command::Trace {
            correlation_id,
            state_dir,
        } => localcloud::trace::trace(&state_dir, &correlation_id).map(|text| {
            print!("{text}");
            true
        }),
        Command::Keygen => LocalSecrets::generate().map(|s| {
            print!("{}", s.as_deploy_settings());
            true
        }),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("localcloud: {e:#}");
            ExitCode::FAILURE
        }
    }
}
