//! `localcloud trace <correlationId>`: one flow's invocations from `invocations.jsonl` as a
//! waterfall (each with its wait before and its own time), the critical path, and what the
//! flow would cost on AWS at the prices of `tools/bench/prices.json`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use anyhow::{Context, Result, anyhow};
use serde::Deserialize;
use serde_json::Value;

use crate::invocations::{InvocationRecord, METRICS, Trigger};

/// The project's one copy of the AWS prices, shared with `tools/bench/cost.py`.
pub const PRICES_JSON: &str = include_str!("../../tools/bench/prices.json");

const BAR_WIDTH: usize = 40;

#[derive(Debug, Deserialize)]
struct PriceEntry {
    value: f64,
    per: f64,
}

/// Price name -> USD per unit (`value / per`).
pub fn prices() -> Result<BTreeMap<String, f64>> {
    #[derive(Deserialize)]
    struct File {
        prices: BTreeMap<String, PriceEntry>,
    }
    let file: File = serde_json::from_str(PRICES_JSON).context("tools/bench/prices.json")?;
    Ok(file
        .prices
        .into_iter()
        .map(|(name, e)| (name, e.value / e.per))
        .collect())
}

/// DynamoDB units and SQS requests a function reported (EMF) for one invocation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Consumption {
    pub read_units: f64,
    pub write_units: f64,
    pub sqs_requests: f64,
}

/// Everything `invocations.jsonl` holds.
#[derive(Debug, Default)]
pub struct Journal {
    pub invocations: Vec<InvocationRecord>,
    /// By Lambda request id, summed over the invocation's EMF records.
    pub consumption: HashMap<String, Consumption>,
}

impl Journal {
    /// Lines that do not parse (a line cut by a crash) are skipped.
    pub fn parse(text: &str) -> Journal {
        let mut journal = Journal::default();
        for line in text.lines() {
            let Ok(value) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            match value["kind"].as_str() {
                Some("invocation") => {
                    if let Ok(record) = serde_json::from_value(value) {
                        journal.invocations.push(record);
                    }
                }
                Some("metrics") => {
                    let Some(request_id) = value["requestId"].as_str() else {
                        continue;
                    };
                    let entry = journal
                        .consumption
                        .entry(request_id.to_string())
                        .or_default();
                    let [reads, writes, sqs] = METRICS.map(|m| value[m].as_f64().unwrap_or(0.0));
                    entry.read_units += reads;
                    entry.write_units += writes;
                    entry.sqs_requests += sqs;
                }
                _ => {}
            }
        }
        journal
    }

    /// The invocations that carry `correlation_id`, in order of start.
    pub fn flow(&self, correlation_id: &str) -> Option<Flow> {
        let mut hops: Vec<Hop> = self
            .invocations
            .iter()
            .filter(|r| r.correlation_ids.iter().any(|id| id == correlation_id))
            .map(|r| Hop {
                record: r.clone(),
                // A batch of several flows is billed to each in equal parts.
                share: 1.0 / r.correlation_ids.len().max(1) as f64,
                consumption: self
                    .consumption
                    .get(&r.request_id)
                    .copied()
                    .unwrap_or_default(),
            })
            .collect();
        if hops.is_empty() {
            return None;
        }
        hops.sort_by_key(|h| (h.record.start, h.record.end));
        Some(Flow {
            id: correlation_id.to_string(),
            hops,
        })
    }

    /// The `n` correlation ids seen last, each with the function that started its flow.
    pub fn recent(&self, n: usize) -> Vec<(String, String, u64)> {
        let mut first: BTreeMap<&str, (&str, u64)> = BTreeMap::new();
        let mut last: BTreeMap<&str, u64> = BTreeMap::new();
        for r in &self.invocations {
            for id in &r.correlation_ids {
                let entry = first.entry(id).or_insert((&r.function, r.start));
                if r.start < entry.1 {
                    *entry = (&r.function, r.start);
                }
                let seen = last.entry(id).or_insert(r.end);
                *seen = (*seen).max(r.end);
            }
        }
        let mut ids: Vec<(String, String, u64)> = first
            .into_iter()
            .map(|(id, (function, start))| (id.to_string(), function.to_string(), start))
            .collect();
        ids.sort_by_key(|(id, _, _)| std::cmp::Reverse(last[id.as_str()]));
        ids.truncate(n);
        ids
    }
}

#[derive(Debug, Clone)]
pub struct Hop {
    pub record: InvocationRecord,
    /// The part of this invocation that belongs to the flow.
    pub share: f64,
    pub consumption: Consumption,
}

impl Hop {
    fn init_ms(&self) -> u64 {
        self.record.init_ms.map_or(0, |ms| ms.round() as u64)
    }

    /// When the instance began: the start, less the init phase of a cold start.
    fn began(&self) -> u64 {
        self.record.start.saturating_sub(self.init_ms())
    }
}

/// One line of a flow's bill.
#[derive(Debug, Clone, PartialEq)]
pub struct BillLine {
    pub item: &'static str,
    pub quantity: f64,
    pub unit: &'static str,
    pub usd: f64,
}

#[derive(Debug)]
pub struct Flow {
    pub id: String,
    pub hops: Vec<Hop>,
}

impl Flow {
    pub fn first_start(&self) -> u64 {
        self.hops.iter().map(Hop::began).min().unwrap_or(0)
    }

    pub fn last_end(&self) -> u64 {
        self.hops.iter().map(|h| h.record.end).max().unwrap_or(0)
    }

    /// First start to last end.
    pub fn critical_path_ms(&self) -> u64 {
        self.last_end().saturating_sub(self.first_start())
    }

    /// Each hop's wait before it: from its oldest record's write (SQS `SentTimestamp`;
    /// a stream's `ApproximateCreationDateTime`, in whole seconds, so no earlier than the
    /// end of the flow's last invocation before it, which wrote it) to its start.
    pub fn waits(&self) -> Vec<u64> {
        let flow_start = self.first_start();
        self.hops
            .iter()
            .enumerate()
            .map(|(i, hop)| {
                let mut wait = hop.record.wait_ms;
                if matches!(hop.record.trigger, Trigger::Stream { .. })
                    && let Some(previous_end) = self.hops[..i]
                        .iter()
                        .map(|h| h.record.end)
                        .filter(|end| *end <= hop.record.start)
                        .max()
                {
                    wait = wait.min(hop.record.start - previous_end);
                }
                wait.min(hop.record.start.saturating_sub(flow_start))
            })
            .collect()
    }

    pub fn bill(&self, prices: &BTreeMap<String, f64>) -> Result<Vec<BillLine>> {
        let price = |name: &str| {
            prices
                .get(name)
                .copied()
                .ok_or_else(|| anyhow!("tools/bench/prices.json has no price {name}"))
        };
        let (mut requests, mut gb_s, mut lambda_usd) = (0.0, 0.0, 0.0);
        let (mut http, mut reads, mut writes, mut sqs, mut log_bytes) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for hop in &self.hops {
            let (r, share) = (&hop.record, hop.share);
            let seconds = r.billed_ms as f64 / 1000.0;
            let hop_gb_s = share * seconds * r.memory_mb as f64 / 1024.0;
            gb_s += hop_gb_s;
            lambda_usd += hop_gb_s * price(&format!("lambda_gb_s_{}", r.architecture))?;
            requests += share;
            if matches!(r.trigger, Trigger::Http { .. }) {
                http += share;
            }
            reads += share * hop.consumption.read_units;
            writes += share * hop.consumption.write_units;
            sqs += share * (r.sqs_requests as f64 + hop.consumption.sqs_requests);
            log_bytes += share * r.log_bytes as f64;
        }
        let line = |item, quantity, unit, usd| BillLine {
            item,
            quantity,
            unit,
            usd,
        };
        Ok(vec![
            line(
                "Lambda requests",
                requests,
                "requests",
                requests * price("lambda_request")?,
            ),
            line("Lambda compute", gb_s, "GB-s", lambda_usd),
            line(
                "API Gateway HTTP API",
                http,
                "requests",
                http * price("http_api_request")?,
            ),
            line(
                "DynamoDB reads",
                reads,
                "RRU",
                reads * price("dynamodb_rru")?,
            ),
            line(
                "DynamoDB writes",
                writes,
                "WRU",
                writes * price("dynamodb_wru")?,
            ),
            line("SQS", sqs, "requests", sqs * price("sqs_request")?),
            line(
                "CloudWatch Logs",
                log_bytes,
                "bytes",
                log_bytes / 1e9 * price("logs_ingest_gb")?,
            ),
        ])
    }

    /// The waterfall, the critical path and the bill, as `localcloud trace` prints them.
    pub fn render(&self, prices: &BTreeMap<String, f64>) -> Result<String> {
        let mut out = String::new();
        let t0 = self.first_start();
        let span = self.critical_path_ms().max(1);
        let waits = self.waits();
        let _ = writeln!(
            out,
            "flow {}: {} invocations, {}",
            self.id,
            self.hops.len(),
            utc(t0)
        );
        let _ = writeln!(
            out,
            "\n{:>8} {:>8} {:>9}  {:<width$}  function, trigger, start, outcome",
            "at",
            "wait",
            "own",
            format!("0 ms {:>w$}", format!("{span} ms"), w = BAR_WIDTH - 5),
            width = BAR_WIDTH + 2
        );
        for (hop, wait) in self.hops.iter().zip(&waits) {
            let r = &hop.record;
            let bar = bar(t0, span, r.start - wait, hop.began(), r.start, r.end);
            let temperature = match r.init_ms {
                Some(init) => format!("cold (init {init:.1} ms)"),
                None => "warm".to_string(),
            };
            let outcome = serde_json::to_value(r.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{:>8} {:>8} {:>9}  |{bar}|  {} ({}), {temperature}, {outcome}",
                format!("+{} ms", r.start - t0),
                format!("{wait} ms"),
                format!("{:.1} ms", r.duration_ms),
                r.function,
                r.trigger.describe(),
            );
        }
        let _ = writeln!(
            out,
            "\n· waiting in a queue or stream   ░ init (cold start)   █ running\n\
             critical path: {} ms (first start to last end); waits: {} ms in all",
            self.critical_path_ms(),
            waits.iter().skip(1).sum::<u64>()
        );
        let bill = self.bill(prices)?;
        let total: f64 = bill.iter().map(|l| l.usd).sum();
        let _ = writeln!(
            out,
            "\nAWS bill of this flow (us-east-1, on demand, free tiers left out; tools/bench/prices.json):"
        );
        for line in &bill {
            let quantity = if line.unit == "GB-s" {
                format!("{:.4}", line.quantity)
            } else if line.quantity.fract() == 0.0 {
                format!("{:.0}", line.quantity)
            } else {
                format!("{:.2}", line.quantity)
            };
            let _ = writeln!(
                out,
                "  {:<22} {:>12} {:<9} ${:.8}",
                line.item, quantity, line.unit, line.usd
            );
        }
        let _ = writeln!(
            out,
            "  {:<22} {:>22} ${total:.8}  = ${:.2} per million such flows",
            "total",
            "",
            total * 1e6
        );
        Ok(out)
    }
}

/// One row of the waterfall: `·` from the record's write to the instance's start, `░` for
/// the init phase, `█` while it runs.
fn bar(t0: u64, span: u64, written: u64, began: u64, start: u64, end: u64) -> String {
    let column = |t: u64| ((t.saturating_sub(t0)) as f64 / span as f64 * BAR_WIDTH as f64) as usize;
    let (w, b, s) = (column(written), column(began), column(start));
    let e = column(end).max(s + 1).min(BAR_WIDTH);
    (0..BAR_WIDTH)
        .map(|c| {
            if c >= s && c < e {
                '█'
            } else if c >= b && c < s {
                '░'
            } else if c >= w && c < b {
                '·'
            } else {
                ' '
            }
        })
        .collect()
}

fn utc(epoch_ms: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(epoch_ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| epoch_ms.to_string())
}

/// Reads `<state>/invocations.jsonl` and renders the flow, or says which ids it knows.
pub fn trace(state_dir: &std::path::Path, correlation_id: &str) -> Result<String> {
    let path = crate::invocations::path_in(state_dir);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {} (invocations are recorded by `localcloud up --state-dir {}`)",
            path.display(),
            state_dir.display()
        )
    })?;
    let journal = Journal::parse(&text);
    match journal.flow(correlation_id) {
        Some(flow) => flow.render(&prices()?),
        None => {
            let mut message = format!(
                "no invocation in {} carries the correlation id {correlation_id}",
                path.display()
            );
            let recent = journal.recent(10);
            if !recent.is_empty() {
                message.push_str("; the most recent ones:");
                for (id, function, start) in recent {
                    let _ = write!(message, "\n  {id}  {}  {function}", utc(start));
                }
            }
            Err(anyhow!(message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invocations::Outcome;

    fn hop(
        function: &str,
        trigger: Trigger,
        ids: &[&str],
        (start, end): (u64, u64),
        wait_ms: u64,
    ) -> InvocationRecord {
        InvocationRecord {
            function: function.into(),
            request_id: format!("req-{function}"),
            trigger,
            correlation_ids: ids.iter().map(|s| s.to_string()).collect(),
            start,
            end,
            duration_ms: (end - start) as f64,
            billed_ms: end - start,
            memory_mb: 1024,
            architecture: "arm64".into(),
            init_ms: None,
            cold: false,
            max_memory_mb: Some(20),
            outcome: Outcome::Ok,
            wait_ms,
            log_bytes: 1000,
            sqs_requests: 0,
        }
    }

    fn journal() -> String {
        let http = Trigger::Http {
            route: "POST /v1/auth/sign-up".into(),
        };
        let stream = Trigger::Stream {
            table: "UsersTable".into(),
        };
        let sqs = Trigger::Sqs {
            queue: "NotificationsQueue".into(),
        };
        let mut first = hop("SignUp", http, &["flow"], (10_000, 10_100), 0);
        first.init_ms = Some(20.0);
        first.cold = true;
        let relay = hop("Relay", stream, &["flow"], (10_300, 10_310), 900);
        let mut consumer = hop("Consumer", sqs, &["flow", "other"], (10_400, 10_500), 90);
        consumer.sqs_requests = 2;
        let lines = [
            serde_json::to_value(&consumer).unwrap(),
            serde_json::to_value(&first).unwrap(),
            serde_json::to_value(&relay).unwrap(),
            serde_json::json!({"kind": "metrics", "requestId": "req-SignUp", "DynamoWriteUnits": 4.0, "DynamoReadUnits": 1.0, "SqsRequests": 0.0}),
            serde_json::json!({"kind": "metrics", "requestId": "req-Relay", "DynamoWriteUnits": 0.0, "DynamoReadUnits": 0.0, "SqsRequests": 2.0}),
        ];
        lines
            .into_iter()
            .map(|mut l| {
                if l.get("kind").is_none() {
                    l["kind"] = "invocation".into();
                }
                l.to_string() + "\n"
            })
            .collect::<String>()
            + "{\"kind\": \"invocation\", cut short"
    }

    #[test]
    fn a_flow_is_its_invocations_in_order_with_their_waits() {
        let journal = Journal::parse(&journal());
        let flow = journal.flow("flow").unwrap();
        let names: Vec<&str> = flow
            .hops
            .iter()
            .map(|h| h.record.function.as_str())
            .collect();
        assert_eq!(names, ["SignUp", "Relay", "Consumer"]);
        // The cold start's init counts from the flow's start.
        assert_eq!(flow.first_start(), 9_980);
        assert_eq!(flow.critical_path_ms(), 520);
        // The stream's whole-second stamp says 900 ms; the writer ended 200 ms before.
        assert_eq!(flow.waits(), [0, 200, 90]);
        assert!(journal.flow("nobody").is_none());
        assert_eq!(journal.recent(1)[0].0, "flow");
    }

    #[test]
    fn the_bill_prices_what_the_flow_used() {
        let prices = prices().unwrap();
        let flow = Journal::parse(&journal()).flow("flow").unwrap();
        let bill = flow.bill(&prices).unwrap();
        let line = |item: &str| bill.iter().find(|l| l.item == item).unwrap().clone();
        // Two invocations of its own and half of a batch shared with another flow.
        assert_eq!(line("Lambda requests").quantity, 2.5);
        // 100 ms + 10 ms + half of 100 ms at 1 GB.
        assert!((line("Lambda compute").quantity - 0.16).abs() < 1e-9);
        assert_eq!(line("API Gateway HTTP API").quantity, 1.0);
        assert_eq!(line("DynamoDB writes").quantity, 4.0);
        assert_eq!(line("DynamoDB reads").quantity, 1.0);
        // The relay's two sends and half of the consumer's receive and delete.
        assert_eq!(line("SQS").quantity, 3.0);
        assert_eq!(line("CloudWatch Logs").quantity, 2500.0);
        assert!((line("DynamoDB writes").usd - 4.0 * 0.625 / 1e6).abs() < 1e-15);
        let text = flow.render(&prices).unwrap();
        assert!(text.contains("critical path: 520 ms"), "{text}");
        assert!(
            text.contains("SignUp (http POST /v1/auth/sign-up), cold (init 20.0 ms), ok"),
            "{text}"
        );
        assert!(text.contains("per million such flows"), "{text}");
    }

    /// tools/bench/cost.py loads the same file: what it prices with is what trace does.
    #[test]
    fn the_prices_are_cost_pys() {
        let bench = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/bench");
        let printed = std::process::Command::new("python3")
            .current_dir(&bench)
            .args([
                "-c",
                "import json, cost; print(json.dumps({k: v[0] for k, v in cost.PRICES.items()}))",
            ])
            .output()
            .unwrap();
        assert!(
            printed.status.success(),
            "{}",
            String::from_utf8_lossy(&printed.stderr)
        );
        let cost_py: BTreeMap<String, f64> = serde_json::from_slice(&printed.stdout).unwrap();
        assert_eq!(cost_py, prices().unwrap());
        assert_eq!(cost_py["lambda_request"], 0.20 / 1e6);
    }

    #[test]
    fn the_bar_shows_wait_init_and_run() {
        assert_eq!(
            bar(0, 40, 0, 10, 20, 30),
            format!(
                "{}{}{}{}",
                "·".repeat(10),
                "░".repeat(10),
                "█".repeat(10),
                " ".repeat(10)
            )
        );
        // A run too short for a column still shows.
        assert_eq!(
            bar(0, 4000, 0, 0, 0, 1)
                .chars()
                .filter(|c| *c == '█')
                .count(),
            1
        );
    }
}
