//! Structured JSON logs (every line inside a request carries its `requestId` and
//! `correlationId`, from the request span; a consumer's, a relay's or a seed's, the
//! `correlationId` of the flow it handles, from the message's span) and CloudWatch metrics in
//! the embedded metric format: a JSON line on stdout that CloudWatch Logs turns into metrics,
//! with no API call and no extra latency. An invocation prints one such line at its end
//! ([`crate::invocation`]); counts made during it join that line.
//!
//! Nothing here logs a header or a body: secrets, passwords and tokens only ever travel
//! in those.

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::json;

pub const METRICS_NAMESPACE: &str = "studyloop";

/// Installs the JSON log subscriber. Level from `AWS_LAMBDA_LOG_LEVEL` (Lambda's advanced
/// logging controls), else `RUST_LOG`, else INFO.
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned())
        .to_ascii_lowercase();
    let _ = tracing::subscriber::set_global_default(subscriber(&level, std::io::stdout));
}

/// The log format every function writes to `writer`, at `level` (an `EnvFilter` directive):
/// one JSON object a line, the event's fields flat, the current span's fields under `span`.
pub(crate) fn subscriber<W>(level: &str, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(filter)
        .with_writer(writer)
        .finish()
}

fn function_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "local".to_owned())
    })
}

/// One metric value with its CloudWatch unit.
#[derive(Debug, Clone, Copy)]
pub struct Metric<'a> {
    pub name: &'a str,
    pub unit: &'a str,
    pub value: f64,
}

/// Emits `metrics` as one EMF record with the function name as the dimension, plus any
/// extra (dimension, value) pairs. Inside an invocation ([`crate::invocation`]), counts with
/// no extra dimension join the invocation's one line instead of a line of their own.
pub fn emit(metrics: &[Metric<'_>], dimensions: &[(&str, &str)]) {
    if dimensions.is_empty()
        && metrics.iter().all(|m| m.unit == "Count")
        && crate::invocation::count(metrics)
    {
        return;
    }
    let line = emf_record(
        &[Directive {
            dimensions,
            metrics,
        }],
        serde_json::Map::new(),
        now_millis(),
    );
    write_line(&line);
}

/// Writes one JSON line to stdout, where CloudWatch Logs reads it.
pub(crate) fn write_line(line: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

/// Metrics published under the function name and `dimensions`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Directive<'a> {
    pub dimensions: &'a [(&'a str, &'a str)],
    pub metrics: &'a [Metric<'a>],
}

/// The metrics an alarm watches: the only ones declared to CloudWatch, and only when not
/// zero. A declared metric is a custom metric, billed $0.30 a month for each series (function
/// and dimension values) in every hour it is published: declaring every request's `Latency`,
/// `ClientErrors` and `ServerErrors` and every batch's counts was some 200 series, $45 a month
/// as soon as each function ran every hour, more than everything else at a million requests
/// (docs/performance.md "Levers"). Everything else stays in the line as a property, which
/// Logs Insights reads (per-route p99, counts); latency and throttles are alarmed on
/// Lambda's and API Gateway's own metrics, which are free.
pub const ALARMED: [&str; 5] = [
    "ServerErrors",
    "MessagesFailed",
    "MessagesFailedPermanently",
    "OutboxMalformed",
    "SagaReplyIgnored",
];

fn declared(metric: &Metric<'_>) -> bool {
    metric.value != 0.0 && ALARMED.contains(&metric.name)
}

/// One EMF record: every directive's metrics and dimensions, and `properties`, values that
/// stay in the log line (for Logs Insights) without becoming CloudWatch metrics. Only
/// [`ALARMED`] metrics that are not zero are declared; a directive with none is left out,
/// and every value stays in the line.
pub(crate) fn emf_record(
    directives: &[Directive<'_>],
    properties: serde_json::Map<String, serde_json::Value>,
    timestamp_ms: u128,
) -> serde_json::Value {
    let declared: Vec<_> = directives
        .iter()
        .filter_map(|d| {
            let definitions: Vec<_> = d
                .metrics
                .iter()
                .filter(|m| declared(m))
                .map(|m| json!({"Name": m.name, "Unit": m.unit}))
                .collect();
            if definitions.is_empty() {
                return None;
            }
            let mut names = vec!["FunctionName"];
            names.extend(d.dimensions.iter().map(|(k, _)| *k));
            Some(json!({
                "Namespace": METRICS_NAMESPACE,
                "Dimensions": [names],
                "Metrics": definitions,
            }))
        })
        .collect();
    let mut record = json!({
        "_aws": {
            "Timestamp": timestamp_ms as u64,
            "CloudWatchMetrics": declared,
        },
        "FunctionName": function_name(),
    });
    if let Some(obj) = record.as_object_mut() {
        for d in directives {
            for (k, v) in d.dimensions {
                obj.insert((*k).to_owned(), json!(v));
            }
            for m in d.metrics {
                obj.insert(m.name.to_owned(), json!(m.value));
            }
        }
        obj.extend(properties);
    }
    record
}

pub(crate) fn now_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}

/// Counts one occurrence of `name` (an EMF count with the function name as dimension).
pub fn count(name: &str) {
    emit(
        &[Metric {
            name,
            unit: "Count",
            value: 1.0,
        }],
        &[],
    );
}

/// Latency and error counts for one HTTP request, to go in its invocation's line
/// ([`crate::invocation::Invocation::emit`]) under the `Route` dimension.
pub fn request_metrics(status: u16, elapsed: Duration) -> [Metric<'static>; 3] {
    let is = |lo: u16, hi: u16| if (lo..hi).contains(&status) { 1.0 } else { 0.0 };
    [
        Metric {
            name: "Latency",
            unit: "Milliseconds",
            value: elapsed.as_secs_f64() * 1e3,
        },
        Metric {
            name: "ClientErrors",
            unit: "Count",
            value: is(400, 500),
        },
        Metric {
            name: "ServerErrors",
            unit: "Count",
            value: is(500, 600),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(status: u16) -> serde_json::Value {
        emf_record(
            &[Directive {
                dimensions: &[("Route", "GET /v1/users/me")],
                metrics: &request_metrics(status, Duration::from_micros(4500)),
            }],
            serde_json::Map::new(),
            1_700_000_000_000,
        )
    }

    #[test]
    fn a_failed_request_declares_its_server_error_with_its_route() {
        let r = request(503);
        let cw = &r["_aws"]["CloudWatchMetrics"];
        assert_eq!(cw.as_array().map(Vec::len), Some(1));
        assert_eq!(cw[0]["Namespace"], METRICS_NAMESPACE);
        assert_eq!(cw[0]["Dimensions"][0], json!(["FunctionName", "Route"]));
        assert_eq!(
            cw[0]["Metrics"],
            json!([{"Name": "ServerErrors", "Unit": "Count"}])
        );
        assert_eq!(r["ServerErrors"], 1.0);
        assert_eq!(r["Route"], "GET /v1/users/me");
        assert_eq!(r["_aws"]["Timestamp"], 1_700_000_000_000u64);
    }

    #[test]
    fn a_successful_request_declares_nothing_and_keeps_its_values_in_the_line() {
        for status in [200, 404] {
            let r = request(status);
            assert_eq!(r["_aws"]["CloudWatchMetrics"], json!([]), "{status}");
            assert_eq!(r["Latency"], 4.5);
            assert_eq!(r["ClientErrors"], if status == 404 { 1.0 } else { 0.0 });
            assert_eq!(r["ServerErrors"], 0.0);
        }
    }
}
