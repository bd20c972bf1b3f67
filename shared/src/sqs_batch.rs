//! The one way to consume an SQS batch: messages run concurrently (bounded), each in its own
//! task, so an error or a panic fails that message only; the response lists exactly the
//! failed ones (`ReportBatchItemFailures`), so successes are never redelivered.

use std::future::Future;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::StreamExt;

use crate::events::{Envelope, MessageKind};
use crate::telemetry::{Metric, emit};

pub async fn process<F, Fut, E>(event: SqsEvent, concurrency: usize, handle: F) -> SqsBatchResponse
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let total = event.records.len();
    let outcomes: Vec<(Option<String>, Result<(), String>)> = futures::stream::iter(event.records)
        .map(|message| {
            let id = message.message_id.clone();
            let task = tokio::spawn(handle(message));
            async move {
                let outcome = match task.await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(join) if join.is_panic() => Err("the handler panicked".to_owned()),
                    Err(join) => Err(join.to_string()),
                };
                (id, outcome)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;

    let mut response = SqsBatchResponse::default();
    for (id, outcome) in outcomes {
        if let Err(why) = outcome {
            tracing::warn!(
                messageId = id.as_deref().unwrap_or(""),
                why,
                "message failed; it will be retried"
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
        ],
        &[],
    );
    response
}

/// The envelope in a message body (`T`: notification events by default, or saga messages).
pub fn envelope<T: MessageKind>(message: &SqsMessage) -> Result<Envelope<T>, String> {
    let body = message.body.as_deref().ok_or("the message has no body")?;
    serde_json::from_str(body).map_err(|e| format!("not an event envelope: {e}"))
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
                    Some("err") => Err("bad message"),
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
                Ok::<(), String>(())
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
