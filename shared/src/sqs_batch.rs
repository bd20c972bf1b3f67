//! The one way to consume an SQS batch: messages run concurrently (bounded), each in its own
//! task, so an error or a panic fails that message only; the response lists exactly the
//! failed ones (`ReportBatchItemFailures`), so successes are never redelivered. A consumer's
//! failure is a [`MessageError`]: the SQS edge's own error type, never the HTTP one.

use std::future::Future;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::StreamExt;
use tracing::Instrument;

use crate::events::{Envelope, MessageKind, correlation_of};
use crate::flow::Flow;
use crate::invocation::Invocation;
use crate::telemetry::{Metric, emit};

/// Why one message failed. Either way the message is reported failed and comes back through
/// its queue (after `maxReceiveCount` receives it waits in the dead-letter queue, so nothing
/// is lost); `retryable` says whether a later try can succeed, for the logs and the
/// `MessagesFailedPermanently` metric that points a person at the DLQ.
#[derive(Debug, thiserror::Error)]
#[error("{why}")]
pub struct MessageError {
    pub why: String,
    pub retryable: bool,
}

impl MessageError {
    pub fn new(why: impl std::fmt::Display, retryable: bool) -> Self {
        Self {
            why: why.to_string(),
            retryable,
        }
    }

    /// A failure that may pass: a store or a provider unavailable, a race lost.
    pub fn retry(why: impl std::fmt::Display) -> Self {
        Self::new(why, true)
    }

    /// A message that can never be handled as it is (malformed, or stored data it needs is).
    pub fn permanent(why: impl std::fmt::Display) -> Self {
        Self::new(why, false)
    }
}

/// Handles every message of `event` with `handle`, at most `concurrency` at a time. Each
/// message runs in the flow its envelope names ([`message_flow`]), under a span that carries
/// its `correlationId`, and inside the current invocation, which counts what it consumes.
pub async fn process<F, Fut, E>(event: SqsEvent, concurrency: usize, handle: F) -> SqsBatchResponse
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<MessageError> + Send + 'static,
{
    let total = event.records.len();
    let invocation = Invocation::current();
    let outcomes: Vec<(Option<String>, String, Result<(), MessageError>)> =
        futures::stream::iter(event.records)
            .map(|message| {
                let id = message.message_id.clone();
                let flow = message_flow(&message, invocation.as_deref());
                let correlation_id = flow.correlation_id.clone();
                if let Some(invocation) = &invocation {
                    invocation.handles(&correlation_id);
                }
                let span = tracing::info_span!(
                    "message",
                    correlationId = %correlation_id,
                    messageId = id.as_deref().unwrap_or("")
                );
                let work = flow.scope(handle(message)).instrument(span);
                // A spawned task starts outside the invocation: it joins it again.
                let task = match &invocation {
                    Some(invocation) => tokio::spawn(invocation.clone().run(work)),
                    None => tokio::spawn(work),
                };
                async move {
                    let outcome = match task.await {
                        Ok(Ok(())) => Ok(()),
                        Ok(Err(e)) => Err(e.into()),
                        Err(join) if join.is_panic() => {
                            Err(MessageError::permanent("the handler panicked"))
                        }
                        Err(join) => Err(MessageError::retry(join)),
                    };
                    (id, correlation_id, outcome)
                }
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;

    let mut response = SqsBatchResponse::default();
    let mut permanent = 0usize;
    for (id, correlation_id, outcome) in outcomes {
        if let Err(e) = outcome {
            permanent += usize::from(!e.retryable);
            tracing::warn!(
                messageId = id.as_deref().unwrap_or(""),
                correlationId = correlation_id,
                why = e.why,
                retryable = e.retryable,
                "message failed; it comes back through its queue"
            );
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id.unwrap_or_default();
            response.batch_item_failures.push(failure);
        }
    }
    let failed = response.batch_item_failures.len();
    emit(
        &[
            Metric {
                name: "MessagesProcessed",
                unit: "Count",
                value: (total - failed) as f64,
            },
            Metric {
                name: "MessagesFailed",
                unit: "Count",
                value: failed as f64,
            },
            Metric {
                name: "MessagesFailedPermanently",
                unit: "Count",
                value: permanent as f64,
            },
        ],
        &[],
    );
    response
}

/// The flow a message belongs to: its envelope's `correlationId` (else the envelope's id,
/// else the message's), with the X-Ray header SQS carried for it (`AWSTraceHeader`), else the
/// invocation's.
pub fn message_flow(message: &SqsMessage, invocation: Option<&Invocation>) -> Flow {
    let correlation_id = message
        .body
        .as_deref()
        .and_then(correlation_of)
        .or_else(|| message.message_id.clone())
        .unwrap_or_else(crate::new_id);
    let trace_header = message
        .attributes
        .get(TRACE_HEADER)
        .cloned()
        .or_else(|| invocation.and_then(|i| i.trace_header().map(str::to_owned)));
    Flow::new(correlation_id, trace_header)
}

/// The SQS system attribute that carries a message's X-Ray trace header.
pub const TRACE_HEADER: &str = "AWSTraceHeader";

/// The envelope in a message body (`T`: notification events by default, or saga messages).
pub fn envelope<T: MessageKind>(message: &SqsMessage) -> Result<Envelope<T>, MessageError> {
    let body = message
        .body
        .as_deref()
        .ok_or_else(|| MessageError::permanent("the message has no body"))?;
    serde_json::from_str(body)
        .map_err(|e| MessageError::permanent(format!("not an event envelope: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn batch(bodies: &[&str]) -> SqsEvent {
        let mut event = SqsEvent::default();
        for (i, body) in bodies.iter().enumerate() {
            let mut m = SqsMessage::default();
            m.message_id = Some(format!("m{i}"));
            m.body = Some((*body).to_owned());
            event.records.push(m);
        }
        event
    }

    fn failed_ids(r: &SqsBatchResponse) -> Vec<String> {
        let mut ids: Vec<String> = r
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        ids.sort();
        ids
    }

    #[tokio::test]
    async fn one_error_and_one_panic_fail_only_themselves() {
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        let r = process(batch(&["ok", "err", "panic", "ok"]), 2, move |m| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                match m.body.as_deref() {
                    Some("err") => Err(MessageError::retry("bad message")),
                    Some("panic") => panic!("boom"),
                    _ => Ok(()),
                }
            }
        })
        .await;
        assert_eq!(failed_ids(&r), ["m1", "m2"]);
        assert_eq!(seen.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn each_message_runs_in_its_flow_inside_the_invocation() {
        let mut event = batch(&[
            r#"{"id":"e1","type":"welcome","correlationId":"req-1","userId":"u","occurredAt":"x","data":{}}"#,
            r#"{"id":"e2","type":"welcome","userId":"u","occurredAt":"x","data":{}}"#,
            "not an envelope",
        ]);
        event.records[0].attributes.insert(
            TRACE_HEADER.into(),
            "Root=1-6750a8b0-aaaaaaaaaaaaaaaaaaaaaaaa;Sampled=1".into(),
        );
        let invocation = Invocation::new(
            "lambda-1",
            Some("Root=1-6750a8b0-bbbbbbbbbbbbbbbbbbbbbbbb;Sampled=0".into()),
        );
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let response = invocation
            .clone()
            .run(process(event, 3, move |_| {
                let log = log.clone();
                async move {
                    crate::invocation::add_sqs_request();
                    let flow = (
                        crate::flow::correlation_id(),
                        crate::flow::trace_header().unwrap_or_default(),
                    );
                    log.lock().unwrap_or_else(|e| e.into_inner()).push(flow);
                    Ok::<(), MessageError>(())
                }
            }))
            .await;
        assert!(response.batch_item_failures.is_empty());
        let mut flows = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
        flows.sort();
        assert_eq!(
            flows,
            [
                (
                    "e2".to_owned(),
                    "Root=1-6750a8b0-bbbbbbbbbbbbbbbbbbbbbbbb;Sampled=0".to_owned()
                ),
                (
                    "m2".to_owned(),
                    "Root=1-6750a8b0-bbbbbbbbbbbbbbbbbbbbbbbb;Sampled=0".to_owned()
                ),
                (
                    "req-1".to_owned(),
                    "Root=1-6750a8b0-aaaaaaaaaaaaaaaaaaaaaaaa;Sampled=1".to_owned()
                ),
            ]
        );
        // Every message's task counted into the one invocation.
        assert_eq!(invocation.usage().sqs_requests, 3);
        let mut handled = invocation.correlation_ids();
        handled.sort();
        assert_eq!(handled, ["e2", "m2", "req-1"]);
    }

    #[tokio::test]
    async fn concurrency_is_bounded() {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (r, p) = (running.clone(), peak.clone());
        let bodies = vec!["x"; 12];
        let response = process(batch(&bodies), 3, move |_| {
            let (r, p) = (r.clone(), p.clone());
            async move {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                r.fetch_sub(1, Ordering::SeqCst);
                Ok::<(), MessageError>(())
            }
        })
        .await;
        assert!(response.batch_item_failures.is_empty());
        assert!(
            peak.load(Ordering::SeqCst) <= 3,
            "peak {}",
            peak.load(Ordering::SeqCst)
        );
        assert!(peak.load(Ordering::SeqCst) >= 2);
    }
}
