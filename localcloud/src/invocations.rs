//! What every invocation did: the Lambda-style REPORT line, and with a state directory
//! one JSON line per invocation in `<state>/invocations.jsonl` (plus one line per EMF
//! record a function prints), which `localcloud trace` reads.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const FILE_NAME: &str = "invocations.jsonl";

/// The metrics an EMF record of a function may carry (brief A's per-invocation record).
pub const METRICS: [&str; 3] = ["DynamoReadUnits", "DynamoWriteUnits", "SqsRequests"];

/// What made the cloud invoke a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Trigger {
    /// The HTTP API, with the route key (`POST /v1/orders`).
    Http { route: String },
    /// An SQS event source mapping, with the queue's name.
    Sqs { queue: String },
    /// A DynamoDB stream event source mapping, with the table's name.
    Stream { table: String },
    /// `Cloud::invoke` (`localcloud invoke`, tests, placeholders).
    Invoke,
    /// `up --invoke-on-start`.
    Seed,
}

impl Trigger {
    pub fn describe(&self) -> String {
        match self {
            Trigger::Http { route } => format!("http {route}"),
            Trigger::Sqs { queue } => format!("sqs {queue}"),
            Trigger::Stream { table } => format!("stream {table}"),
            Trigger::Invoke => "invoke".into(),
            Trigger::Seed => "seed".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Error,
    Timeout,
    Crashed,
}

/// One invocation, as `invocations.jsonl` keeps it (`"kind": "invocation"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationRecord {
    pub function: String,
    /// Lambda's request id (`Lambda-Runtime-Aws-Request-Id`).
    pub request_id: String,
    pub trigger: Trigger,
    /// The flows the payload belongs to: a batch can carry several.
    pub correlation_ids: Vec<String>,
    /// Epoch milliseconds: handed to the runtime (`/next`), and answered.
    pub start: u64,
    pub end: u64,
    pub duration_ms: f64,
    pub billed_ms: u64,
    pub memory_mb: u64,
    pub architecture: String,
    /// Process start to its first `/next`, on a cold start only.
    pub init_ms: Option<f64>,
    pub cold: bool,
    pub max_memory_mb: Option<u64>,
    pub outcome: Outcome,
    /// Queue or stream: the invocation's start minus when its oldest record was written.
    pub wait_ms: u64,
    /// The function's own output plus its REPORT line (CloudWatch Logs ingestion).
    pub log_bytes: u64,
    /// ReceiveMessage and DeleteMessageBatch calls the mapping made for this batch.
    pub sqs_requests: u64,
}

impl InvocationRecord {
    /// `REPORT RequestId: ...` as Lambda writes it after every invocation.
    pub fn report_line(&self) -> String {
        let mut line = format!(
            "REPORT RequestId: {}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
            self.request_id,
            self.duration_ms,
            self.billed_ms,
            self.memory_mb,
            self.max_memory_mb.unwrap_or(0),
        );
        if let Some(init) = self.init_ms {
            line.push_str(&format!("\tInit Duration: {init:.2} ms"));
        }
        match self.outcome {
            Outcome::Timeout => line.push_str("\tStatus: timeout"),
            Outcome::Crashed => line.push_str("\tStatus: error\tError Type: Runtime.ExitError"),
            Outcome::Ok | Outcome::Error => {}
        }
        line
    }
}

/// Billed milliseconds: the duration rounded up to 1 ms, plus the init phase on a cold start
/// (an OS-only runtime such as provided.al2023 has always been billed for it; AWS bills it
/// for every runtime since 2025-08-01).
pub fn billed_ms(duration_ms: f64, init_ms: Option<f64>) -> u64 {
    (duration_ms + init_ms.unwrap_or(0.0)).ceil().max(1.0) as u64
}

/// The flows an event belongs to: an SQS body's `correlationId` (else the envelope's `id`),
/// an outbox item's `correlationId` attribute (else its `body`'s, as for SQS), the HTTP
/// request's id; any other invocation starts a flow of its own (its request id).
pub fn correlation_ids(payload: &Value, request_id: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut add = |id: Option<&str>| {
        if let Some(id) = id.filter(|id| !id.is_empty())
            && !ids.iter().any(|known| known == id)
        {
            ids.push(id.to_string());
        }
    };
    if let Some(records) = payload["Records"].as_array() {
        for record in records {
            match record["eventSource"].as_str() {
                Some("aws:sqs") => add(envelope_correlation(record["body"].as_str()).as_deref()),
                Some("aws:dynamodb") => {
                    let image = &record["dynamodb"]["NewImage"];
                    let is_outbox = image["pk"]["S"]
                        .as_str()
                        .is_some_and(|pk| pk.starts_with("OUTBOX#"));
                    if is_outbox {
                        let own = image["correlationId"]["S"].as_str().map(str::to_string);
                        add(own
                            .or_else(|| envelope_correlation(image["body"]["S"].as_str()))
                            .as_deref());
                    }
                }
                _ => {}
            }
        }
        return ids;
    }
    match payload.pointer("/requestContext/requestId") {
        Some(Value::String(id)) => add(Some(id)),
        _ => add(Some(request_id)),
    }
    ids
}

fn envelope_correlation(body: Option<&str>) -> Option<String> {
    let envelope: Value = serde_json::from_str(body?).ok()?;
    ["correlationId", "id"]
        .iter()
        .find_map(|key| envelope[*key].as_str().map(str::to_string))
}

/// When the oldest record of a batch was written (epoch ms): SQS's `SentTimestamp`, a
/// stream record's `ApproximateCreationDateTime` (whole seconds, as in DynamoDB Streams).
pub fn oldest_record_ms(payload: &Value) -> Option<u64> {
    payload["Records"]
        .as_array()?
        .iter()
        .filter_map(|record| {
            let sent = record["attributes"]["SentTimestamp"]
                .as_str()
                .and_then(|t| t.parse::<u64>().ok());
            let created = record["dynamodb"]["ApproximateCreationDateTime"]
                .as_f64()
                .map(|secs| (secs * 1000.0) as u64);
            sent.or(created)
        })
        .min()
}

/// An EMF record's metrics as a `"kind": "metrics"` line, if it carries any of [`METRICS`];
/// `current_request` is the request the instance was running when the line arrived, for a
/// record that does not name its own.
pub fn metrics_line(function: &str, line: &str, current_request: Option<&str>) -> Option<Value> {
    if !line.starts_with('{') || !line.contains("\"_aws\"") {
        return None;
    }
    let record: Value = serde_json::from_str(line).ok()?;
    record.get("_aws")?;
    if !METRICS.iter().any(|m| record.get(*m).is_some()) {
        return None;
    }
    let request_id = record["requestId"]
        .as_str()
        .or(current_request)
        .map(str::to_string);
    let mut out = json!({
        "kind": "metrics",
        "function": function,
        "requestId": request_id,
        "correlationId": record.get("correlationId").cloned().unwrap_or(Value::Null),
    });
    for metric in METRICS {
        out[metric] = json!(record[metric].as_f64().unwrap_or(0.0));
    }
    Some(out)
}

/// `<state>/invocations.jsonl`, appended to by every invocation; without a state dir, nowhere.
#[derive(Debug, Default)]
pub struct InvocationLog {
    file: Option<Mutex<File>>,
}

impl InvocationLog {
    pub fn open(state_dir: Option<&Path>) -> anyhow::Result<Self> {
        use anyhow::Context;
        let Some(dir) = state_dir else {
            return Ok(InvocationLog::default());
        };
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(FILE_NAME);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        Ok(InvocationLog {
            file: Some(Mutex::new(file)),
        })
    }

    pub fn record(&self, record: &InvocationRecord) {
        if self.file.is_none() {
            return;
        }
        let mut line = serde_json::to_value(record).unwrap_or(Value::Null);
        line["kind"] = json!("invocation");
        self.append(&line);
    }

    /// One whole line per write on an O_APPEND file: lines of concurrent writers (an `up`
    /// and an `invoke` on the same state dir) never interleave.
    pub fn append(&self, line: &Value) {
        let Some(file) = &self.file else { return };
        let mut text = line.to_string();
        text.push('\n');
        let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = file.write_all(text.as_bytes()) {
            tracing::warn!("writing {FILE_NAME}: {e}");
        }
    }
}

pub fn path_in(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(init_ms: Option<f64>, outcome: Outcome) -> InvocationRecord {
        InvocationRecord {
            function: "F".into(),
            request_id: "8f1c2d3e-0000-4000-8000-000000000001".into(),
            trigger: Trigger::Invoke,
            correlation_ids: vec![],
            start: 0,
            end: 3,
            duration_ms: 3.214,
            billed_ms: billed_ms(3.214, init_ms),
            memory_mb: 128,
            architecture: "arm64".into(),
            init_ms,
            cold: init_ms.is_some(),
            max_memory_mb: Some(11),
            outcome,
            wait_ms: 0,
            log_bytes: 0,
            sqs_requests: 0,
        }
    }

    #[test]
    fn the_report_line_is_lambdas() {
        assert_eq!(
            record(Some(21.4), Outcome::Ok).report_line(),
            "REPORT RequestId: 8f1c2d3e-0000-4000-8000-000000000001\tDuration: 3.21 ms\t\
             Billed Duration: 25 ms\tMemory Size: 128 MB\tMax Memory Used: 11 MB\t\
             Init Duration: 21.40 ms"
        );
        assert_eq!(
            record(None, Outcome::Ok).report_line(),
            "REPORT RequestId: 8f1c2d3e-0000-4000-8000-000000000001\tDuration: 3.21 ms\t\
             Billed Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 11 MB"
        );
        assert!(
            record(None, Outcome::Timeout)
                .report_line()
                .ends_with("\tStatus: timeout")
        );
    }

    #[test]
    fn billing_rounds_up_to_a_millisecond_and_counts_the_init_phase() {
        assert_eq!(billed_ms(0.2, None), 1);
        assert_eq!(billed_ms(3.0, None), 3);
        assert_eq!(billed_ms(3.01, None), 4);
        assert_eq!(billed_ms(3.01, Some(20.0)), 24);
    }

    #[test]
    fn correlation_ids_come_from_each_kind_of_payload() {
        let http = json!({"requestContext": {"requestId": "req-1"}});
        assert_eq!(correlation_ids(&http, "lambda-1"), ["req-1"]);
        assert_eq!(correlation_ids(&json!({}), "lambda-1"), ["lambda-1"]);
        let sqs = json!({"Records": [
            {"eventSource": "aws:sqs", "body": r#"{"id":"e1","correlationId":"flow-a"}"#},
            {"eventSource": "aws:sqs", "body": r#"{"id":"e2"}"#},
            {"eventSource": "aws:sqs", "body": r#"{"id":"e3","correlationId":"flow-a"}"#},
            {"eventSource": "aws:sqs", "body": "not json"},
        ]});
        assert_eq!(correlation_ids(&sqs, "l"), ["flow-a", "e2"]);
        let image = |extra: Value| {
            let mut image = json!({"pk": {"S": "OUTBOX#01J"}, "body": {"S": r#"{"id":"e9","correlationId":"flow-b"}"#}});
            if let (Some(map), Value::Object(more)) = (image.as_object_mut(), extra) {
                map.extend(more);
            }
            json!({"eventSource": "aws:dynamodb", "dynamodb": {"NewImage": image}})
        };
        let stream = json!({"Records": [
            image(json!({"correlationId": {"S": "flow-c"}})),
            image(json!({})),
            {"eventSource": "aws:dynamodb", "dynamodb": {"NewImage": {"pk": {"S": "USER#1"}}}},
        ]});
        assert_eq!(correlation_ids(&stream, "l"), ["flow-c", "flow-b"]);
    }

    #[test]
    fn the_oldest_record_dates_the_wait() {
        let sqs = json!({"Records": [
            {"attributes": {"SentTimestamp": "1700000000500"}},
            {"attributes": {"SentTimestamp": "1700000000200"}},
        ]});
        assert_eq!(oldest_record_ms(&sqs), Some(1_700_000_000_200));
        let stream =
            json!({"Records": [{"dynamodb": {"ApproximateCreationDateTime": 1700000001.0}}]});
        assert_eq!(oldest_record_ms(&stream), Some(1_700_000_001_000));
        assert_eq!(oldest_record_ms(&json!({"body": "x"})), None);
    }

    #[test]
    fn emf_records_with_consumption_become_metrics_lines() {
        let emf = r#"{"_aws":{"Timestamp":1},"requestId":"r1","correlationId":"c1","DynamoWriteUnits":2,"DynamoReadUnits":1.5}"#;
        let line = metrics_line("F", emf, Some("other")).unwrap();
        assert_eq!(line["kind"], "metrics");
        assert_eq!(line["requestId"], "r1");
        assert_eq!(line["correlationId"], "c1");
        assert_eq!(line["DynamoWriteUnits"], 2.0);
        assert_eq!(line["DynamoReadUnits"], 1.5);
        assert_eq!(line["SqsRequests"], 0.0);
        let unnamed = r#"{"_aws":{},"SqsRequests":1}"#;
        assert_eq!(
            metrics_line("F", unnamed, Some("current")).unwrap()["requestId"],
            "current"
        );
        assert!(metrics_line("F", r#"{"_aws":{},"Latency":3}"#, None).is_none());
        assert!(metrics_line("F", r#"{"level":"INFO","_aws":1"#, None).is_none());
        assert!(metrics_line("F", "plain text", None).is_none());
    }

    #[test]
    fn records_are_appended_as_lines_of_json() {
        let dir = std::env::temp_dir().join(format!("lc-inv-{}", ulid::Ulid::new()));
        let log = InvocationLog::open(Some(&dir)).unwrap();
        log.record(&record(None, Outcome::Ok));
        let again = InvocationLog::open(Some(&dir)).unwrap();
        again.record(&record(Some(1.0), Outcome::Crashed));
        let text = std::fs::read_to_string(path_in(&dir)).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["kind"], "invocation");
        assert_eq!(lines[0]["trigger"]["type"], "invoke");
        assert_eq!(lines[0]["initMs"], Value::Null);
        assert_eq!(lines[1]["outcome"], "crashed");
        let back: InvocationRecord = serde_json::from_value(lines[1].clone()).unwrap();
        assert_eq!(back.init_ms, Some(1.0));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
