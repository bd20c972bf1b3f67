//! The one way to consume an SQS batch: messages run concurrently (bounded), each in its own
//! task, so an error or a panic fails that message only; the response lists exactly the
//! failed ones (`ReportBatchItemFailures`), so successes are never redelivered. A consumer's
//! failure is a [`MessageError`]: the SQS edge's own error type, never the HTTP one.

use std::future::Future;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::StreamExt;

use crate::events::{Envelope, MessageKind};
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

pub async fn process<F, Fut, E>(event: SqsEvent, concurrency: usize, handle: F) -> SqsBatchResponse
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<MessageError> + Send + 'static,
{
    let total = event.records.len();
    let outcomes: Vec<(Option<String>, Result<(), MessageError>)> =
        futures::stream::iter(event.records)
            .map(|message| {
                let id = message.message_id.clone();
                let task = tokio::spawn(handle(message));
                async move {
                    let outcome = match task.await {
                        Ok(Ok(())) => Ok(()),
                        Ok(Err(e)) => Err(e.into()),
                        Err(join) if join.is_panic() => {
                            Err(MessageError::permanent("the handler panicked"))
                        }
                        Err(join) => Err(MessageError::retry(join)),
                    };
                    (id, outcome)
                }
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;

    let mut response = SqsBatchResponse::default();
    let mut permanent = 0usize;
    for (id, outcome) in outcomes {
        if let Err(e) = outcome {
            permanent += usize::from(!e.retryable);
            tracing::warn!(
                messageId = id.as_deref().unwrap_or(""),
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
