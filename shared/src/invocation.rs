//! One invocation of a function (an HTTP request, an SQS batch, a stream batch, a seed) and
//! what it consumed, reported in ONE EMF line at its end: the metrics it has always had
//! (latency and errors per route, messages processed, events published, counts), its Lambda
//! `requestId`, the `correlationId` of the flow(s) it handled ([`crate::flow`]), and what it
//! cost in the units AWS bills: `DynamoReadUnits` and `DynamoWriteUnits` (the sums of the
//! `ConsumedCapacity` DynamoDB answered, [`crate::metering`]) and `SqsRequests` (the SQS API
//! calls the function made).
//!
//! The three consumption figures are properties of the line, not CloudWatch metrics: declared
//! as metrics they would be three custom metrics per function ($0.30 a metric-month each, some
//! $50 a month for this system's functions) to say what Logs Insights reads off the lines
//! for nothing (`stats sum(DynamoWriteUnits) by correlationId`).
//!
//! The counters live in the invocation (a task-local), so a call made outside one (the
//! connection warm-up during init) counts for none, and an SQS batch whose messages run
//! concurrently sums them all. Lambda runs one invocation at a time per instance.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use lambda_runtime::LambdaEvent;
use serde_json::{Map, Value, json};
use tracing::Instrument;

use crate::flow::Flow;
use crate::telemetry::{Directive, Metric};

tokio::task_local! {
    static CURRENT: Arc<Invocation>;
}

/// Capacity units are counted in thousandths: DynamoDB answers halves (an eventually
/// consistent read of up to 4 KB), never finer than a thousandth.
const MILLI: f64 = 1000.0;

#[derive(Debug, Default)]
pub struct Invocation {
    request_id: String,
    trace_header: Option<String>,
    read_milli_units: AtomicU64,
    write_milli_units: AtomicU64,
    sqs_requests: AtomicU64,
    recorded: Mutex<Recorded>,
}

#[derive(Debug, Default)]
struct Recorded {
    /// Counts ([`crate::telemetry::count`] and the like) added up by name.
    counts: Vec<(String, f64)>,
    /// The correlation ids of the flows handled, in the order they started, each once.
    flows: Vec<String>,
}

/// What an invocation consumed so far.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    pub dynamo_read_units: f64,
    pub dynamo_write_units: f64,
    pub sqs_requests: u64,
}

impl Invocation {
    /// `request_id` is Lambda's (the runtime's `Lambda-Runtime-Aws-Request-Id`), not API
    /// Gateway's; `trace_header` is the invocation's X-Ray header, if any.
    pub fn new(request_id: impl Into<String>, trace_header: Option<String>) -> Arc<Self> {
        Arc::new(Self {
            request_id: request_id.into(),
            trace_header: trace_header.filter(|h| !h.is_empty()),
            ..Self::default()
        })
    }

    pub fn of(context: &lambda_runtime::Context) -> Arc<Self> {
        Self::new(context.request_id.clone(), context.xray_trace_id.clone())
    }

    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    pub fn trace_header(&self) -> Option<&str> {
        self.trace_header.as_deref()
    }

    /// The invocation `work` runs in, if any.
    pub fn current() -> Option<Arc<Self>> {
        CURRENT.try_with(Arc::clone).ok()
    }

    /// `work` inside this invocation: what it consumes is counted here. (A plain function:
    /// see [`Flow::scope`].)
    pub fn run<F: Future>(self: Arc<Self>, work: F) -> impl Future<Output = F::Output> {
        CURRENT.scope(self, work)
    }

    /// Counts the flow `correlation_id` among those this invocation handled.
    pub fn handles(&self, correlation_id: &str) {
        let mut recorded = self.lock();
        if !recorded.flows.iter().any(|f| f == correlation_id) {
            recorded.flows.push(correlation_id.to_owned());
        }
    }

    pub fn usage(&self) -> Usage {
        let units = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64 / MILLI;
        Usage {
            dynamo_read_units: units(&self.read_milli_units),
            dynamo_write_units: units(&self.write_milli_units),
            sqs_requests: self.sqs_requests.load(Ordering::Relaxed),
        }
    }

    /// The correlation ids of the flows this invocation handled; none handled, its own
    /// request id (it started a flow of its own).
    pub fn correlation_ids(&self) -> Vec<String> {
        let flows = self.lock().flows.clone();
        if flows.is_empty() {
            vec![self.request_id.clone()]
        } else {
            flows
        }
    }

    /// Prints the invocation's one EMF line: `metrics` under the function name and
    /// `dimensions`, the counts recorded during the invocation under the function name
    /// alone, and as properties `requestId`, `correlationId` (the first flow handled;
    /// `correlationIds` lists them all when a batch carried several), `DynamoReadUnits`,
    /// `DynamoWriteUnits` and `SqsRequests`.
    pub fn emit(&self, metrics: &[Metric<'_>], dimensions: &[(&str, &str)]) {
        let line = self.record(metrics, dimensions, crate::telemetry::now_millis());
        crate::telemetry::write_line(&line);
    }

    fn record(&self, metrics: &[Metric<'_>], dimensions: &[(&str, &str)], at: u128) -> Value {
        let counts = self.lock().counts.clone();
        let counts: Vec<Metric<'_>> = counts
            .iter()
            .map(|(name, value)| Metric {
                name,
                unit: "Count",
                value: *value,
            })
            .collect();
        let merged: Vec<Metric<'_>>;
        let directives = if dimensions.is_empty() {
            merged = metrics.iter().chain(&counts).copied().collect();
            vec![Directive {
                dimensions,
                metrics: &merged,
            }]
        } else {
            vec![
                Directive {
                    dimensions,
                    metrics,
                },
                Directive {
                    dimensions: &[],
                    metrics: &counts,
                },
            ]
        };
        let usage = self.usage();
        let flows = self.correlation_ids();
        let mut properties = Map::new();
        if !self.request_id.is_empty() {
            properties.insert("requestId".into(), json!(self.request_id));
        }
        properties.insert("correlationId".into(), json!(flows[0]));
        if flows.len() > 1 {
            properties.insert("correlationIds".into(), json!(flows));
        }
        properties.insert("DynamoReadUnits".into(), json!(usage.dynamo_read_units));
        properties.insert("DynamoWriteUnits".into(), json!(usage.dynamo_write_units));
        properties.insert("SqsRequests".into(), json!(usage.sqs_requests));
        crate::telemetry::emf_record(&directives, properties, at)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        // A panic while holding the lock leaves plain numbers and strings: still usable.
        self.recorded.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs one invocation of a function that is not HTTP (a queue consumer, a relay): `handler`
/// inside an [`Invocation`], then its EMF line. The consumer scopes each message in its flow
/// ([`crate::sqs_batch::process`], the relay per item).
pub fn handle<E, F, Fut>(event: LambdaEvent<E>, handler: F) -> impl Future<Output = Fut::Output>
where
    F: FnOnce(LambdaEvent<E>) -> Fut,
    Fut: Future,
{
    let invocation = Invocation::of(&event.context);
    let work = invocation.clone().run(handler(event));
    // `map`, not an async block: the handler's future is held once, not twice.
    work.map(move |output| {
        invocation.emit(&[], &[]);
        output
    })
}

/// Runs one invocation that starts a flow of its own (a seed, a scheduled task): its Lambda
/// request id is the flow's correlation id, which its log lines and the events it causes
/// carry.
pub fn start_flow<E, F, Fut>(event: LambdaEvent<E>, handler: F) -> impl Future<Output = Fut::Output>
where
    F: FnOnce(LambdaEvent<E>) -> Fut,
    Fut: Future,
{
    let invocation = Invocation::of(&event.context);
    let flow = Flow::new(
        invocation.request_id(),
        invocation.trace_header().map(str::to_owned),
    );
    invocation.handles(&flow.correlation_id);
    let span = tracing::info_span!("invocation", correlationId = %flow.correlation_id);
    let work = invocation
        .clone()
        .run(flow.scope(handler(event)).instrument(span));
    work.map(move |output| {
        invocation.emit(&[], &[]);
        output
    })
}

/// Counts the flow `correlation_id` as handled by the current invocation, if any.
pub(crate) fn handles(correlation_id: &str) {
    let _ = CURRENT.try_with(|i| i.handles(correlation_id));
}

/// Adds capacity DynamoDB reported to the current invocation's.
pub(crate) fn add_capacity(read_units: f64, write_units: f64) {
    let milli = |units: f64| (units.max(0.0) * MILLI).round() as u64;
    let _ = CURRENT.try_with(|i| {
        i.read_milli_units
            .fetch_add(milli(read_units), Ordering::Relaxed);
        i.write_milli_units
            .fetch_add(milli(write_units), Ordering::Relaxed);
    });
}

/// Counts one SQS API request (an attempt: a retried call is billed twice).
pub(crate) fn add_sqs_request() {
    let _ = CURRENT.try_with(|i| i.sqs_requests.fetch_add(1, Ordering::Relaxed));
}

/// Adds `metrics` (counts) to the current invocation's line; `false` outside an invocation.
pub(crate) fn count(metrics: &[Metric<'_>]) -> bool {
    CURRENT
        .try_with(|i| {
            let mut recorded = i.lock();
            for m in metrics {
                match recorded.counts.iter_mut().find(|(name, _)| name == m.name) {
                    Some((_, value)) => *value += m.value,
                    None => recorded.counts.push((m.name.to_owned(), m.value)),
                }
            }
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_line_carries_the_request_the_flows_the_counts_and_the_units() {
        let invocation = Invocation::new("lambda-req-1", None);
        invocation
            .clone()
            .run(async {
                handles("flow-a");
                add_capacity(1.5, 2.0);
                crate::telemetry::count("Enrolled");
                handles("flow-b");
                add_capacity(0.5, 0.0);
                add_sqs_request();
                crate::telemetry::count("Enrolled");
                crate::telemetry::count("SagaReplyIgnored");
                handles("flow-a");
            })
            .await;
        // Outside the invocation nothing is counted.
        add_capacity(100.0, 100.0);
        assert_eq!(
            invocation.usage(),
            Usage {
                dynamo_read_units: 2.0,
                dynamo_write_units: 2.0,
                sqs_requests: 1
            }
        );

        let route = crate::telemetry::request_metrics(502, std::time::Duration::from_millis(3));
        let line = invocation.record(&route, &[("Route", "POST /v1/x")], 1);
        assert_eq!(line["requestId"], "lambda-req-1");
        assert_eq!(line["correlationId"], "flow-a");
        assert_eq!(line["correlationIds"], json!(["flow-a", "flow-b"]));
        assert_eq!(line["DynamoReadUnits"], 2.0);
        assert_eq!(line["DynamoWriteUnits"], 2.0);
        assert_eq!(line["SqsRequests"], 1);
        assert_eq!(line["Enrolled"], 2.0);
        assert_eq!(line["Latency"], 3.0);
        // Only the alarmed, non-zero ones are declared: the route's server error, and the
        // ignored reply; `Enrolled` and `Latency` stay properties.
        let directives = &line["_aws"]["CloudWatchMetrics"];
        assert_eq!(
            directives[0]["Dimensions"],
            json!([["FunctionName", "Route"]])
        );
        assert_eq!(
            directives[0]["Metrics"],
            json!([{"Name": "ServerErrors", "Unit": "Count"}])
        );
        assert_eq!(directives[1]["Dimensions"], json!([["FunctionName"]]));
        assert_eq!(
            directives[1]["Metrics"],
            json!([{"Name": "SagaReplyIgnored", "Unit": "Count"}])
        );
        // The units are in the line, not declared as metrics (each would cost a custom metric).
        assert!(!directives.to_string().contains("DynamoWriteUnits"));
    }

    #[tokio::test]
    async fn an_invocation_that_handled_no_flow_stands_for_its_own() {
        let invocation = Invocation::new("seed-req", None);
        let line = invocation.record(&[], &[], 1);
        assert_eq!(line["correlationId"], "seed-req");
        assert!(line.get("correlationIds").is_none());
        assert_eq!(line["_aws"]["CloudWatchMetrics"], json!([]));
        assert_eq!(line["DynamoWriteUnits"], 0.0);
    }
}
