//! The transactional outbox.
//!
//! A handler never sends to SQS itself. It writes its state change and one outbox item per
//! destination queue in the same DynamoDB transaction, so either both exist or neither does.
//! The table's stream carries every new outbox item to the domain's relay function (a
//! DynamoDB stream event source mapping filtered to `OUTBOX#` inserts), which sends it to
//! its queue. A crash after the commit loses nothing: the stream keeps the record (24 h)
//! and the mapping retries the relay until it succeeds. Delivery is at least once; consumers
//! deduplicate on the envelope id.
//!
//! Why the stream and not "send after commit, sweep what was missed": no extra request on
//! the hot path, no scheduler to poll for leftovers (which would cost money at zero
//! traffic), ordering per table, and the retry machinery is AWS's own.

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::{Event as StreamEvent, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use aws_sdk_sqs::types::{
    MessageAttributeValue, MessageSystemAttributeNameForSends, MessageSystemAttributeValue,
};
use serde_dynamo::AttributeValue as StreamValue;
use time::OffsetDateTime;
use tracing::Instrument;

use crate::config::ConfigError;
use crate::dynamo::{EXPIRES_AT, PK, SK, n, s};
use crate::events::{Envelope, MessageKind, correlation_of};
use crate::flow::Flow;
use crate::store::StoreError;
use crate::telemetry::{Metric, emit};

pub const PK_PREFIX: &str = "OUTBOX#";
/// The relay deletes an item once sent; one it could not delete (or never sent) outlives its
/// stream record (24 h) and then goes.
const RETENTION_SECONDS: i64 = 7 * 24 * 3600;
const ENV_PREFIX: &str = "OUTBOX_QUEUE_";
/// The item's attributes that say which flow it belongs to ([`crate::flow`]): the
/// envelope's correlation id, and the X-Ray header of the hop that wrote it (when it had
/// one), which the relay hands to SQS as the message's `AWSTraceHeader`.
pub const CORRELATION_ID: &str = "correlationId";
pub const TRACE_HEADER: &str = "traceHeader";

/// The transaction items that publish `envelope` to each of `queues`.
pub fn items<T: MessageKind>(
    table: &str,
    envelope: &Envelope<T>,
    queues: &[&str],
    now: OffsetDateTime,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let body = serde_json::to_string(envelope).map_err(StoreError::corrupt)?;
    let trace_header = crate::flow::trace_header();
    queues
        .iter()
        .map(|queue| {
            let put = Put::builder()
                .table_name(table)
                .item(PK, s(format!("{PK_PREFIX}{}", envelope.id)))
                .item(SK, s(*queue))
                .item("queue", s(*queue))
                .item("eventType", s(envelope.event_type.as_str()))
                .item(CORRELATION_ID, s(envelope.correlation()))
                .item("body", s(body.clone()))
                .item(EXPIRES_AT, n(now.unix_timestamp() + RETENTION_SECONDS))
                .condition_expression("attribute_not_exists(pk)");
            let put = match &trace_header {
                Some(header) => put.item(TRACE_HEADER, s(header)),
                None => put,
            };
            let put = put.build().map_err(StoreError::corrupt)?;
            Ok(TransactWriteItem::builder().put(put).build())
        })
        .collect()
}

/// Sends outbox items from a stream batch to their queues, then deletes each item sent: an
/// event carries a person's id (and sometimes their name or email), so it is kept no longer
/// than it takes to send, and an account's erasure never has to find it (a deletion that
/// fails leaves the item to its TTL).
#[derive(Debug, Clone)]
pub struct Relay {
    sqs: aws_sdk_sqs::Client,
    /// Logical queue name → queue URL.
    routes: HashMap<String, String>,
    /// Deletes the items sent; `None` keeps them until their TTL.
    dynamo: Option<aws_sdk_dynamodb::Client>,
}

/// What one stream record asks of the relay.
enum Outgoing<'a> {
    Send {
        queue: &'a str,
        event_type: &'a str,
        body: &'a str,
        /// The item's key (`pk`, `sk`): deleted once sent.
        key: (&'a str, &'a str),
        flow: Flow,
    },
    /// Not an outbox insert: nothing to do.
    Skip,
    /// An outbox item that can never be sent as it is (a bug); logged, not retried forever.
    Malformed(&'static str),
}

impl Relay {
    /// Routes from every `OUTBOX_QUEUE_<NAME>=<url>` variable.
    pub fn from_env(sqs: aws_sdk_sqs::Client) -> Result<Self, ConfigError> {
        let routes: HashMap<String, String> = std::env::vars()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix(ENV_PREFIX)?;
                Some((name.to_ascii_lowercase(), v))
            })
            .collect();
        if routes.is_empty() {
            return Err(ConfigError::Missing("OUTBOX_QUEUE_<NAME>"));
        }
        Ok(Self {
            sqs,
            routes,
            dynamo: None,
        })
    }

    pub fn new(sqs: aws_sdk_sqs::Client, routes: HashMap<String, String>) -> Self {
        Self {
            sqs,
            routes,
            dynamo: None,
        }
    }

    /// Deletes every item once it is sent, with `dynamo` (the role needs
    /// `dynamodb:DeleteItem` on its table).
    pub fn deleting_sent_items(mut self, dynamo: aws_sdk_dynamodb::Client) -> Self {
        self.dynamo = Some(dynamo);
        self
    }

    /// Opens the SQS connection during init (see [`crate::warm`]): one GetQueueAttributes
    /// (QueueArn) on a target queue, so the relay's role needs `sqs:GetQueueAttributes` on
    /// its target queues beside `sqs:SendMessage`. Without it the call is denied, which
    /// warms the connection all the same, but leaves a denied call in the account's logs.
    pub async fn warm(&self) {
        let Some(url) = self.routes.values().min() else {
            return;
        };
        crate::warm::connection(
            "sqs",
            self.sqs
                .get_queue_attributes()
                .queue_url(url)
                .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .send(),
        )
        .await;
    }

    /// Publishes the batch in order. On the first failure it stops and reports that record,
    /// so the mapping retries from it (records after it are retried too: order is kept).
    pub async fn publish(&self, event: StreamEvent) -> DynamoDbEventResponse {
        let mut published = 0.0;
        let mut response = DynamoDbEventResponse::default();
        for record in &event.records {
            match outgoing(record) {
                Outgoing::Skip => {}
                Outgoing::Malformed(why) => {
                    tracing::error!(eventID = %record.event_id, why, "malformed outbox record skipped");
                    emit(
                        &[Metric {
                            name: "OutboxMalformed",
                            unit: "Count",
                            value: 1.0,
                        }],
                        &[],
                    );
                }
                Outgoing::Send {
                    queue,
                    event_type,
                    body,
                    key,
                    flow,
                } => {
                    let span = tracing::info_span!(
                        "outbox item",
                        correlationId = %flow.correlation_id,
                        queue,
                        eventType = event_type
                    );
                    let trace_header = flow.trace_header.clone();
                    crate::invocation::handles(&flow.correlation_id);
                    let sent = flow
                        .scope(async {
                            let sent = self
                                .send(queue, event_type, body, trace_header.as_deref())
                                .await;
                            match &sent {
                                Ok(()) => self.delete_sent(record, key).await,
                                Err(why) => tracing::error!(
                                    why = %why,
                                    "outbox publish failed; the batch will be retried from here"
                                ),
                            }
                            sent
                        })
                        .instrument(span)
                        .await;
                    if sent.is_err() {
                        let mut failure = DynamoDbBatchItemFailure::default();
                        failure.item_identifier = record.change.sequence_number.clone();
                        response.batch_item_failures.push(failure);
                        break;
                    }
                    published += 1.0;
                }
            }
        }
        emit(
            &[Metric {
                name: "OutboxPublished",
                unit: "Count",
                value: published,
            }],
            &[],
        );
        response
    }

    /// Deletes a sent item from the table the record came from. A failure is logged and
    /// left to the item's TTL: the event is sent, which is what counts.
    async fn delete_sent(&self, record: &EventRecord, (pk, sk): (&str, &str)) {
        let Some(dynamo) = &self.dynamo else {
            return;
        };
        let Some(table) = record.event_source_arn.as_deref().and_then(table_of_stream) else {
            tracing::warn!("outbox record without a table stream ARN; the item waits for its TTL");
            return;
        };
        let deleted = dynamo
            .delete_item()
            .table_name(table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .send()
            .await;
        if let Err(e) = deleted {
            tracing::warn!(
                error = %aws_sdk_dynamodb::error::DisplayErrorContext(e),
                "a sent outbox item was not deleted; it waits for its TTL"
            );
        }
    }

    async fn send(
        &self,
        queue: &str,
        event_type: &str,
        body: &str,
        trace_header: Option<&str>,
    ) -> Result<(), String> {
        let url = self
            .routes
            .get(queue)
            .ok_or_else(|| format!("no OUTBOX_QUEUE_{} configured", queue.to_ascii_uppercase()))?;
        let type_attribute = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(event_type)
            .build()
            .map_err(|e| e.to_string())?;
        let mut message = self
            .sqs
            .send_message()
            .queue_url(url)
            .message_body(body)
            .message_attributes("type", type_attribute);
        if let Some(header) = trace_header {
            let value = MessageSystemAttributeValue::builder()
                .data_type("String")
                .string_value(header)
                .build()
                .map_err(|e| e.to_string())?;
            message = message.message_system_attributes(
                MessageSystemAttributeNameForSends::AwsTraceHeader,
                value,
            );
        }
        message
            .send()
            .await
            .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?;
        Ok(())
    }
}

/// The whole main of a domain's relay function.
pub async fn run_relay() -> Result<(), lambda_runtime::Error> {
    let config = crate::dynamo::sdk_config().await;
    let relay = Relay::from_env(crate::metering::sqs_client(&config))?
        .deleting_sent_items(crate::dynamo::client(&config));
    relay.warm().await;
    let relay = &relay;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<StreamEvent>| {
            crate::invocation::handle(event, move |event| async move {
                let response = relay.publish(event.payload).await;
                crate::fault::point(Some(&event.context), "after_publish");
                Ok::<_, std::convert::Infallible>(response)
            })
        },
    ))
    .await
}

fn outgoing(record: &EventRecord) -> Outgoing<'_> {
    let image = &record.change.new_image;
    let is_outbox = matches!(image.get(PK), Some(StreamValue::S(pk)) if pk.starts_with(PK_PREFIX));
    if record.event_name != "INSERT" || !is_outbox {
        return Outgoing::Skip;
    }
    let text = |name: &str| match image.get(name) {
        Some(StreamValue::S(v)) => Some(v.as_str()),
        _ => None,
    };
    match (
        text("queue"),
        text("eventType"),
        text("body"),
        text(PK).zip(text(SK)),
    ) {
        (Some(queue), Some(event_type), Some(body), Some(key)) => {
            // An item written before items carried their flow: the body names it.
            let correlation_id = text(CORRELATION_ID)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .or_else(|| correlation_of(body))
                .unwrap_or_else(|| key.0.trim_start_matches(PK_PREFIX).to_owned());
            let trace_header = text(TRACE_HEADER).map(str::to_owned);
            Outgoing::Send {
                queue,
                event_type,
                body,
                key,
                flow: Flow::new(correlation_id, trace_header),
            }
        }
        _ => Outgoing::Malformed("an outbox item needs queue, eventType and body"),
    }
}

/// The table a stream belongs to, from its ARN
/// (`arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`).
fn table_of_stream(arn: &str) -> Option<&str> {
    let (_, rest) = arn.split_once(":table/")?;
    let (table, _) = rest.split_once("/stream/")?;
    (!table.is_empty()).then_some(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, FixedClock};
    use crate::events::EventType;
    use time::macros::datetime;

    fn record(event_name: &str, image: serde_json::Value) -> EventRecord {
        let value = serde_json::json!({
            "awsRegion": "us-east-1",
            "eventID": "1",
            "eventName": event_name,
            "eventSource": "aws:dynamodb",
            "dynamodb": {"NewImage": image, "SequenceNumber": "100", "SizeBytes": 64, "StreamViewType": "NEW_IMAGE"}
        });
        serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn outbox_inserts_are_sent_and_everything_else_skipped() {
        let outbox = serde_json::json!({
            "pk": {"S": "OUTBOX#01J"}, "sk": {"S": "notifications"},
            "queue": {"S": "notifications"}, "eventType": {"S": "welcome"}, "body": {"S": "{}"}
        });
        assert!(matches!(
            outgoing(&record("INSERT", outbox.clone())),
            Outgoing::Send {
                queue: "notifications",
                ..
            }
        ));
        assert!(matches!(
            outgoing(&record("REMOVE", outbox)),
            Outgoing::Skip
        ));
        let user = serde_json::json!({"pk": {"S": "USER#1"}, "sk": {"S": "PROFILE"}});
        assert!(matches!(outgoing(&record("INSERT", user)), Outgoing::Skip));
        let broken = serde_json::json!({"pk": {"S": "OUTBOX#01J"}, "sk": {"S": "x"}});
        assert!(matches!(
            outgoing(&record("INSERT", broken)),
            Outgoing::Malformed(_)
        ));
    }

    #[test]
    fn a_stream_arn_names_its_table() {
        assert_eq!(
            table_of_stream(
                "arn:aws:dynamodb:us-east-1:000000000000:table/studyloop-UsersTable-1/stream/2026-12-03T00:00:00.000"
            ),
            Some("studyloop-UsersTable-1")
        );
        for arn in [
            "",
            "arn:stream:UsersTable",
            "arn:aws:dynamodb:r:a:table//stream/x",
        ] {
            assert_eq!(table_of_stream(arn), None, "{arn}");
        }
    }

    #[test]
    fn one_item_per_queue_each_guarded_against_overwrite() {
        let clock = FixedClock::at(datetime!(2026-11-24 12:00 UTC));
        let env = Envelope::new(EventType::Welcome, "u1", serde_json::json!({}), &clock);
        let items =
            items("t", &env, &["notifications", "learning"], clock.now()).unwrap_or_default();
        assert_eq!(items.len(), 2);
        for item in &items {
            let put = item.put().unwrap_or_else(|| panic!("not a put"));
            assert_eq!(put.condition_expression(), Some("attribute_not_exists(pk)"));
            assert_eq!(
                put.item().get("pk").and_then(|v| v.as_s().ok()),
                Some(&format!("OUTBOX#{}", env.id))
            );
        }
    }

    #[tokio::test]
    async fn an_item_carries_its_flow_and_trace_header_to_the_relay() {
        let clock = FixedClock::at(datetime!(2026-11-24 12:00 UTC));
        let flow = Flow::new(
            "req-9",
            Some("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1".into()),
        );
        let items = flow
            .scope(async {
                let env = Envelope::new(EventType::Welcome, "u1", serde_json::json!({}), &clock);
                items("t", &env, &["notifications"], clock.now()).unwrap_or_default()
            })
            .await;
        let put = items[0].put().unwrap_or_else(|| panic!("not a put"));
        let text = |name: &str| put.item().get(name).and_then(|v| v.as_s().ok()).cloned();
        assert_eq!(text(CORRELATION_ID).as_deref(), Some("req-9"));
        assert_eq!(
            text(TRACE_HEADER).as_deref(),
            Some("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
        );

        // What the relay reads back from the stream image.
        let image: serde_json::Value = put
            .item()
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), serde_json::json!({"S": v.as_s().ok()?}))))
            .collect::<serde_json::Map<_, _>>()
            .into();
        let Outgoing::Send { flow, .. } = outgoing(&record("INSERT", image)) else {
            panic!("not sent");
        };
        assert_eq!(flow.correlation_id, "req-9");
        assert_eq!(
            flow.trace_header.as_deref(),
            Some("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
        );
    }

    #[test]
    fn an_item_from_before_correlation_ids_takes_its_flow_from_the_body() {
        let old = |body: &str| {
            serde_json::json!({
                "pk": {"S": "OUTBOX#01JOLD"}, "sk": {"S": "notifications"},
                "queue": {"S": "notifications"}, "eventType": {"S": "welcome"}, "body": {"S": body}
            })
        };
        let flow_of = |body: &str| match outgoing(&record("INSERT", old(body))) {
            Outgoing::Send { flow, .. } => (flow.correlation_id, flow.trace_header),
            _ => panic!("not sent"),
        };
        assert_eq!(
            flow_of(r#"{"id":"01JOLD","correlationId":"req-1"}"#),
            ("req-1".to_owned(), None)
        );
        assert_eq!(flow_of(r#"{"id":"01JOLD"}"#), ("01JOLD".to_owned(), None));
        assert_eq!(flow_of("{}"), ("01JOLD".to_owned(), None));
    }
}
