//! SQS: moto's server as a child process, and the template's queues created in it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::Value;

use crate::dynamo::sdk_error;
use crate::template::{ACCOUNT_ID, QUEUE, REGION, Resolver, Template, scalar_to_string};

const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// `MOTO_SERVER_BIN`, else the project's `.venv`, else `moto_server` on PATH.
pub fn moto_binary(root: &Path) -> PathBuf {
    if let Some(bin) = std::env::var_os("MOTO_SERVER_BIN") {
        return PathBuf::from(bin);
    }
    let venv = root.join(".venv/bin/moto_server");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("moto_server")
    }
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Makes a child die with the thread that spawned it, even if this process is SIGKILLed.
pub fn die_with_parent(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn moto_command(root: &Path, port: u16) -> std::process::Command {
    let mut cmd = std::process::Command::new(moto_binary(root));
    cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    die_with_parent(&mut cmd);
    cmd
}

/// A moto this cloud started and stops.
pub struct OwnedMoto {
    pub endpoint: String,
    child: tokio::process::Child,
}

impl OwnedMoto {
    pub async fn start(root: &Path) -> Result<Self> {
        let port = free_port()?;
        let mut cmd = tokio::process::Command::from(moto_command(root, port));
        cmd.kill_on_drop(true);
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {}", moto_binary(root).display()))?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let moto = OwnedMoto { endpoint, child };
        wait_ready(&moto.endpoint).await?;
        Ok(moto)
    }

    pub async fn stop(mut self) {
        // kill() signals the process by its id and reaps it.
        if let Err(e) = self.child.kill().await {
            tracing::warn!("stopping moto: {e}");
        }
    }
}

static SHARED_MOTO: OnceLock<std::result::Result<String, String>> = OnceLock::new();

/// One moto for every cloud in this process (tests). It is spawned from a thread that
/// parks forever because PR_SET_PDEATHSIG fires when the spawning *thread* exits.
pub async fn shared_moto(root: &Path) -> Result<String> {
    let result = SHARED_MOTO.get_or_init(|| {
        let root = root.to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("localcloud-moto".into())
            .spawn(move || {
                let started = free_port().and_then(|port| {
                    moto_command(&root, port)
                        .spawn()
                        .map(|child| (port, child))
                        .with_context(|| format!("starting {}", moto_binary(&root).display()))
                });
                let sent = tx.send(
                    started
                        .as_ref()
                        .map(|(port, _)| *port)
                        .map_err(|e| format!("{e:#}")),
                );
                // Keep the child handle (and this thread) alive for the process's lifetime.
                let _child = started;
                if sent.is_ok() {
                    loop {
                        std::thread::park();
                    }
                }
            });
        match spawned {
            Ok(_) => rx
                .recv()
                .map_err(|e| e.to_string())
                .and_then(|r| r)
                .map(|port| format!("http://127.0.0.1:{port}")),
            Err(e) => Err(e.to_string()),
        }
    });
    let endpoint = result.clone().map_err(|e| anyhow!(e))?;
    wait_ready(&endpoint).await?;
    Ok(endpoint)
}

async fn wait_ready(endpoint: &str) -> Result<()> {
    let client = Client::new(&crate::sdk_config(endpoint).await);
    let started = Instant::now();
    loop {
        match client.list_queues().send().await {
            Ok(_) => return Ok(()),
            Err(e) if started.elapsed() > READY_TIMEOUT => {
                bail!(
                    "moto at {endpoint} did not answer within {READY_TIMEOUT:?} (is moto[server] installed? set MOTO_SERVER_BIN): {}",
                    sdk_error(&e)
                )
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

pub fn queue_arn(name: &str) -> String {
    format!("arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}")
}

/// moto's URL for a queue; checked against what CreateQueue returns.
pub fn queue_url(endpoint: &str, name: &str) -> String {
    format!("{endpoint}/{ACCOUNT_ID}/{name}")
}

/// The local queue name: the prefix, the logical id, and `.fifo` for a FIFO queue.
pub fn queue_name(prefix: &str, id: &str, properties: &Value) -> String {
    let fifo = crate::template::as_bool(properties.get("FifoQueue")).unwrap_or(false);
    format!("{prefix}{id}{}", if fifo { ".fifo" } else { "" })
}

const COPIED_ATTRIBUTES: [(&str, QueueAttributeName); 6] = [
    ("VisibilityTimeout", QueueAttributeName::VisibilityTimeout),
    (
        "MessageRetentionPeriod",
        QueueAttributeName::MessageRetentionPeriod,
    ),
    ("DelaySeconds", QueueAttributeName::DelaySeconds),
    (
        "ReceiveMessageWaitTimeSeconds",
        QueueAttributeName::ReceiveMessageWaitTimeSeconds,
    ),
    ("FifoQueue", QueueAttributeName::FifoQueue),
    (
        "ContentBasedDeduplication",
        QueueAttributeName::ContentBasedDeduplication,
    ),
];

/// Creates the template's queues; those without a RedrivePolicy first, because moto
/// refuses a redrive policy whose dead-letter queue does not exist yet.
/// Returns logical id -> queue URL.
pub async fn create_queues(
    client: &Client,
    template: &Template,
    resolver: &Resolver,
    names: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let mut resolved = resolver.named_resources(template, QUEUE, names)?;
    resolved.sort_by_key(|(_, _, props)| props.get("RedrivePolicy").is_some());
    let mut urls = BTreeMap::new();
    for (id, name, props) in resolved {
        let mut req = client.create_queue().queue_name(&name);
        for (property, attribute) in COPIED_ATTRIBUTES {
            if let Some(v) = props.get(property) {
                req = req.attributes(attribute, scalar_to_string(v));
            }
        }
        if let Some(policy) = props.get("RedrivePolicy") {
            req = req.attributes(QueueAttributeName::RedrivePolicy, policy.to_string());
        }
        let out = req
            .send()
            .await
            .map_err(|e| anyhow!("creating queue {id} ({name}): {}", sdk_error(&e)))?;
        let url = out
            .queue_url()
            .ok_or_else(|| anyhow!("moto returned no URL for {name}"))?;
        urls.insert(id, url.to_string());
    }
    Ok(urls)
}

/// Moves every message waiting in `from_url` to `to_url`, bodies and message attributes
/// unchanged, and returns how many it moved: the local stand-in for a dead-letter queue
/// redrive (`aws sqs start-message-move-task` in AWS, which moto lacks). Each message is
/// sent before it is deleted, so a failure part-way leaves it in one queue or both, never
/// in neither.
pub async fn redrive(client: &Client, from_url: &str, to_url: &str) -> Result<usize> {
    let mut moved = 0;
    loop {
        let out = client
            .receive_message()
            .queue_url(from_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .visibility_timeout(30)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| anyhow!("receiving from {from_url}: {}", sdk_error(&e)))?;
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(moved);
        }
        for message in messages {
            client
                .send_message()
                .queue_url(to_url)
                .set_message_body(message.body.clone())
                .set_message_attributes(message.message_attributes.clone())
                .send()
                .await
                .map_err(|e| anyhow!("sending to {to_url}: {}", sdk_error(&e)))?;
            client
                .delete_message()
                .queue_url(from_url)
                .set_receipt_handle(message.receipt_handle.clone())
                .send()
                .await
                .map_err(|e| anyhow!("deleting from {from_url}: {}", sdk_error(&e)))?;
            moved += 1;
        }
    }
}
