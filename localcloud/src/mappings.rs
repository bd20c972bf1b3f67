//! Event source mappings: SQS pollers and DynamoDB stream pollers that invoke functions
//! the way Lambda's do.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, Message, MessageAttributeValue, MessageSystemAttributeName,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

use crate::dynamo::sdk_error;
use crate::filter::FilterCriteria;
use crate::invocations::Trigger;
use crate::runtime::{Functions, InvokeError};
use crate::tasks::Tasks;
use crate::template::{REGION, Resolver, Template, as_bool, as_i64, as_u64};

/// SQS allows at most 10 messages per ReceiveMessage and per DeleteMessageBatch.
const SQS_MAX_PER_CALL: usize = 10;
const SQS_WAIT_SECONDS: i32 = 1;
const STREAM_IDLE_POLL: Duration = Duration::from_millis(100);
const RETRY_BACKOFF_MIN: Duration = Duration::from_millis(100);
const RETRY_BACKOFF_MAX: Duration = Duration::from_secs(2);
const ERROR_PAUSE: Duration = Duration::from_millis(500);
/// Lambda starts with a few concurrent SQS pollers; two keeps a laptop quiet.
const DEFAULT_SQS_CONCURRENCY: usize = 2;

#[derive(Debug, Clone)]
pub struct SqsMapping {
    pub function: String,
    pub queue_url: String,
    pub queue_arn: String,
    pub batch_size: usize,
    pub batching_window: Duration,
    pub report_item_failures: bool,
    pub filter: FilterCriteria,
    pub concurrency: usize,
}

#[derive(Debug, Clone)]
pub struct StreamMapping {
    /// `<Function>/<EventName>`: the checkpoint's key.
    pub id: String,
    pub function: String,
    pub stream_arn: String,
    pub start_at_latest: bool,
    pub batch_size: i32,
    pub report_item_failures: bool,
    pub filter: FilterCriteria,
    /// `None` retries forever (-1 in the template).
    pub max_retries: Option<u64>,
    /// Queue URL of `DestinationConfig.OnFailure`.
    pub on_failure: Option<String>,
}

#[derive(Debug, Clone)]
pub enum EventSource {
    Sqs(SqsMapping),
    Stream(StreamMapping),
}

impl EventSource {
    /// The logical id of the function this mapping invokes.
    pub fn function(&self) -> &str {
        match self {
            EventSource::Sqs(m) => &m.function,
            EventSource::Stream(m) => &m.function,
        }
    }
}

fn reports_item_failures(props: &Value) -> bool {
    props["FunctionResponseTypes"]
        .as_array()
        .is_some_and(|t| t.iter().any(|v| v == "ReportBatchItemFailures"))
}

/// The SQS and DynamoDB event sources of every function, with ARNs resolved to local queues.
pub fn event_sources(
    template: &Template,
    resolver: &Resolver,
    queue_urls_by_arn: &BTreeMap<String, String>,
) -> Result<Vec<EventSource>> {
    let mut sources = Vec::new();
    for event in template.function_events() {
        let (function, event_name, kind) = (event.function, event.name, event.kind);
        if (kind != "SQS" && kind != "DynamoDB") || !resolver.exists(event.resource)? {
            continue;
        }
        let props = resolver
            .resolve_or_null(event.properties)
            .with_context(|| format!("resolving {function}.{event_name}"))?;
        if as_bool(props.get("Enabled")) == Some(false) {
            continue;
        }
        let filter = FilterCriteria::from_template(props.get("FilterCriteria"))
            .with_context(|| format!("{function}.{event_name}"))?;
        let url_of = |arn: &str| {
            queue_urls_by_arn
                .get(arn)
                .cloned()
                .ok_or_else(|| anyhow!("{function}.{event_name}: no local queue has ARN {arn}"))
        };
        if kind == "SQS" {
            let arn = props["Queue"].as_str().unwrap_or_default().to_string();
            sources.push(EventSource::Sqs(SqsMapping {
                function: function.to_string(),
                queue_url: url_of(&arn)?,
                queue_arn: arn,
                batch_size: as_u64(props.get("BatchSize")).unwrap_or(10).max(1) as usize,
                batching_window: Duration::from_secs(
                    as_u64(props.get("MaximumBatchingWindowInSeconds")).unwrap_or(0),
                ),
                report_item_failures: reports_item_failures(&props),
                filter,
                concurrency: as_u64(props.pointer("/ScalingConfig/MaximumConcurrency"))
                    .map_or(DEFAULT_SQS_CONCURRENCY, |c| c.max(1) as usize),
            }));
        } else {
            let on_failure = match props.pointer("/DestinationConfig/OnFailure/Destination") {
                Some(Value::String(arn)) => Some(url_of(arn)?),
                _ => None,
            };
            sources.push(EventSource::Stream(StreamMapping {
                id: format!("{function}/{event_name}"),
                function: function.to_string(),
                stream_arn: props["Stream"].as_str().unwrap_or_default().to_string(),
                start_at_latest: props["StartingPosition"].as_str() == Some("LATEST"),
                batch_size: as_i64(props.get("BatchSize")).unwrap_or(100).clamp(1, 1000) as i32,
                report_item_failures: reports_item_failures(&props),
                filter,
                max_retries: as_i64(props.get("MaximumRetryAttempts"))
                    .and_then(|n| u64::try_from(n).ok()),
                on_failure,
            }));
        }
    }
    Ok(sources)
}

/// What pollers need to reach the emulators and the functions.
#[derive(Clone)]
pub struct PollerContext {
    pub functions: Arc<Functions>,
    pub sqs: aws_sdk_sqs::Client,
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub checkpoints: Arc<Checkpoints>,
}

pub fn start_pollers(sources: &[EventSource], ctx: &PollerContext, tasks: &Tasks) {
    for source in sources {
        match source {
            EventSource::Sqs(mapping) => {
                for _ in 0..mapping.concurrency {
                    tasks.spawn(poll_queue(mapping.clone(), ctx.clone()));
                }
            }
            EventSource::Stream(mapping) => {
                tasks.spawn(poll_stream(mapping.clone(), ctx.clone()));
            }
        }
    }
}

/// Which records of a batch failed, from a function's response.
#[derive(Debug, PartialEq, Eq)]
pub enum BatchResult {
    Success,
    /// Identifiers (message ids or sequence numbers) the function reported as failed.
    Partial(Vec<String>),
    Failed,
}

/// Interprets an invocation as Lambda does: with ReportBatchItemFailures, an unparseable
/// response or an unknown identifier fails the whole batch.
pub fn batch_result(
    outcome: &Result<Value, InvokeError>,
    report_item_failures: bool,
    known_ids: &[&str],
) -> BatchResult {
    let Ok(response) = outcome else {
        return BatchResult::Failed;
    };
    if !report_item_failures {
        return BatchResult::Success;
    }
    let failures = match response {
        Value::Null => return BatchResult::Success,
        Value::Object(map) => match map.get("batchItemFailures") {
            None | Some(Value::Null) => return BatchResult::Success,
            Some(Value::Array(items)) => items,
            Some(_) => return BatchResult::Failed,
        },
        _ => return BatchResult::Failed,
    };
    let mut ids = Vec::new();
    for item in failures {
        match item.get("itemIdentifier").and_then(Value::as_str) {
            Some(id) if known_ids.contains(&id) => ids.push(id.to_string()),
            _ => return BatchResult::Failed,
        }
    }
    if ids.is_empty() {
        BatchResult::Success
    } else {
        BatchResult::Partial(ids)
    }
}

// ------------------------------------------------------------------ SQS

async fn poll_queue(mapping: SqsMapping, ctx: PollerContext) {
    loop {
        match receive_batch(&mapping, &ctx.sqs).await {
            Ok((messages, _)) if messages.is_empty() => {}
            Ok((messages, receives)) => handle_messages(&mapping, &ctx, messages, receives).await,
            Err(e) => {
                tracing::warn!(
                    "polling {} for {}: {e:#}",
                    mapping.queue_url,
                    mapping.function
                );
                tokio::time::sleep(ERROR_PAUSE).await;
            }
        }
    }
}

/// Up to BatchSize messages, waiting at most the batching window for more, and how many
/// ReceiveMessage calls that took.
async fn receive_batch(
    mapping: &SqsMapping,
    sqs: &aws_sdk_sqs::Client,
) -> Result<(Vec<Message>, u64)> {
    let mut batch: Vec<Message> = Vec::new();
    let mut calls = 0;
    let window_ends = Instant::now() + mapping.batching_window;
    loop {
        let wanted = (mapping.batch_size - batch.len()).min(SQS_MAX_PER_CALL);
        let wait = if batch.is_empty() {
            SQS_WAIT_SECONDS
        } else {
            window_ends
                .saturating_duration_since(Instant::now())
                .as_secs()
                .min(SQS_WAIT_SECONDS as u64) as i32
        };
        let out = sqs
            .receive_message()
            .queue_url(&mapping.queue_url)
            .max_number_of_messages(wanted as i32)
            .wait_time_seconds(wait)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| anyhow!("{}", sdk_error(&e)))?;
        calls += 1;
        let received = out.messages.unwrap_or_default();
        let got_any = !received.is_empty();
        batch.extend(received);
        let full = batch.len() >= mapping.batch_size;
        if batch.is_empty() || full || !got_any || Instant::now() >= window_ends {
            return Ok((batch, calls));
        }
    }
}

pub fn sqs_record(message: &Message, queue_arn: &str) -> Value {
    let attributes: Map<String, Value> = message
        .attributes()
        .map(|attrs| {
            attrs
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), json!(v)))
                .collect()
        })
        .unwrap_or_default();
    let message_attributes: Map<String, Value> = message
        .message_attributes()
        .map(|attrs| {
            attrs
                .iter()
                .map(|(k, v)| (k.clone(), message_attribute(v)))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "messageId": message.message_id(),
        "receiptHandle": message.receipt_handle(),
        "body": message.body().unwrap_or_default(),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.md5_of_body(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    })
}

fn message_attribute(v: &MessageAttributeValue) -> Value {
    json!({
        "stringValue": v.string_value(),
        "binaryValue": v.binary_value().map(|b| BASE64.encode(b.as_ref())),
        "stringListValues": v.string_list_values(),
        "binaryListValues": v.binary_list_values().iter().map(|b| BASE64.encode(b.as_ref())).collect::<Vec<_>>(),
        "dataType": v.data_type(),
    })
}

/// Filters match a JSON body as an object under "body", as Lambda does.
fn sqs_filter_view(record: &Value) -> Value {
    let mut view = record.clone();
    if let Some(parsed) = record["body"]
        .as_str()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
        && let Some(map) = view.as_object_mut()
    {
        map.insert("body".into(), parsed);
    }
    view
}

/// The last segment of a queue URL: the queue's name.
fn queue_name_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` -> `<name>`.
fn table_of_stream(arn: &str) -> &str {
    arn.split_once(":table/")
        .map_or(arn, |(_, rest)| rest.split('/').next().unwrap_or(rest))
}

async fn handle_messages(
    mapping: &SqsMapping,
    ctx: &PollerContext,
    messages: Vec<Message>,
    receives: u64,
) {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| sqs_record(m, &mapping.queue_arn))
        .collect();
    // Lambda deletes messages that no filter matches.
    type Pairs<'a> = Vec<(Value, &'a Message)>;
    let (kept, dropped): (Pairs<'_>, Pairs<'_>) = records
        .into_iter()
        .zip(&messages)
        .partition(|(record, _)| mapping.filter.matches(&sqs_filter_view(record)));
    let mut delete: Vec<&Message> = dropped.into_iter().map(|(_, m)| m).collect();
    if !kept.is_empty() {
        let event = json!({"Records": kept.iter().map(|(r, _)| r).collect::<Vec<_>>()});
        let trigger = Trigger::Sqs {
            queue: queue_name_of(&mapping.queue_url).to_string(),
        };
        let invoked = ctx
            .functions
            .invoke_unrecorded(&mapping.function, &event, trigger)
            .await;
        let outcome = invoked.result;
        if let Err(e) = &outcome {
            tracing::warn!("SQS batch for {} failed: {e}", mapping.function);
        }
        let ids: Vec<&str> = kept.iter().filter_map(|(_, m)| m.message_id()).collect();
        match batch_result(&outcome, mapping.report_item_failures, &ids) {
            BatchResult::Success => delete.extend(kept.iter().map(|(_, m)| *m)),
            BatchResult::Partial(failed) => {
                delete.extend(kept.iter().map(|(_, m)| *m).filter(|m| {
                    !m.message_id()
                        .is_some_and(|id| failed.iter().any(|f| f == id))
                }))
            }
            BatchResult::Failed => {}
        }
        if let Some(mut record) = invoked.record {
            // The batch's receives and the deletes below: what Lambda's poller bills.
            record.sqs_requests = receives + delete.len().div_ceil(SQS_MAX_PER_CALL) as u64;
            ctx.functions.record(&record);
        }
    }
    if let Err(e) = delete_messages(&ctx.sqs, &mapping.queue_url, &delete).await {
        tracing::warn!(
            "deleting processed messages from {}: {e:#}",
            mapping.queue_url
        );
    }
}

async fn delete_messages(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    messages: &[&Message],
) -> Result<()> {
    for chunk in messages.chunks(SQS_MAX_PER_CALL) {
        let entries = chunk
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .set_receipt_handle(m.receipt_handle().map(str::to_string))
                    .build()
                    .ok()
            })
            .collect();
        sqs.delete_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| anyhow!("{}", sdk_error(&e)))?;
    }
    Ok(())
}

// ------------------------------------------------------------------ DynamoDB streams

/// Stream positions per mapping, persisted in `<state>/streams.json` when there is a state dir.
#[derive(Debug, Default)]
pub struct Checkpoints {
    path: Option<PathBuf>,
    positions: Mutex<BTreeMap<String, Value>>,
}

impl Checkpoints {
    pub fn load(path: Option<PathBuf>) -> Result<Self> {
        let positions = match &path {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a JSON map", p.display()))?
            }
            _ => BTreeMap::new(),
        };
        Ok(Checkpoints {
            path,
            positions: Mutex::new(positions),
        })
    }

    /// The last processed sequence number, if it belongs to this very stream.
    pub fn get(&self, mapping: &str, stream_arn: &str) -> Option<String> {
        let positions = self.positions.lock().unwrap_or_else(|p| p.into_inner());
        let entry = positions.get(mapping)?;
        (entry["streamArn"] == stream_arn)
            .then(|| entry["sequenceNumber"].as_str().map(str::to_string))
            .flatten()
    }

    pub fn set(&self, mapping: &str, stream_arn: &str, sequence_number: &str) -> Result<()> {
        let text = {
            let mut positions = self.positions.lock().unwrap_or_else(|p| p.into_inner());
            positions.insert(
                mapping.to_string(),
                json!({"streamArn": stream_arn, "sequenceNumber": sequence_number}),
            );
            serde_json::to_string_pretty(&*positions)?
        };
        if let Some(path) = &self.path {
            let temp = path.with_extension("json.tmp");
            std::fs::write(&temp, text).with_context(|| format!("writing {}", temp.display()))?;
            std::fs::rename(&temp, path)
                .with_context(|| format!("replacing {}", path.display()))?;
        }
        Ok(())
    }
}

/// A DynamoDB attribute value in DynamoDB JSON, as stream events carry it.
pub fn attribute_json(value: &AttributeValue) -> Value {
    let blobs = |items: &[aws_sdk_dynamodbstreams::primitives::Blob]| {
        items
            .iter()
            .map(|b| BASE64.encode(b.as_ref()))
            .collect::<Vec<_>>()
    };
    match value {
        AttributeValue::S(s) => json!({"S": s}),
        AttributeValue::N(n) => json!({"N": n}),
        AttributeValue::B(b) => json!({"B": BASE64.encode(b.as_ref())}),
        AttributeValue::Bool(b) => json!({"BOOL": b}),
        AttributeValue::Null(_) => json!({"NULL": true}),
        AttributeValue::Ss(items) => json!({"SS": items}),
        AttributeValue::Ns(items) => json!({"NS": items}),
        AttributeValue::Bs(items) => json!({"BS": blobs(items)}),
        AttributeValue::L(items) => {
            json!({"L": items.iter().map(attribute_json).collect::<Vec<_>>()})
        }
        AttributeValue::M(map) => json!({"M": item_json(map)}),
        _ => Value::Null,
    }
}

fn item_json(map: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), attribute_json(v)))
            .collect(),
    )
}

pub fn stream_record(record: &Record, stream_arn: &str) -> Value {
    let mut dynamodb = Map::new();
    if let Some(r) = record.dynamodb() {
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(v) = value {
                dynamodb.insert(key.to_string(), v);
            }
        };
        put(
            "ApproximateCreationDateTime",
            r.approximate_creation_date_time().map(|t| json!(t.secs())),
        );
        put("Keys", r.keys().map(item_json));
        put("NewImage", r.new_image().map(item_json));
        put("OldImage", r.old_image().map(item_json));
        put("SequenceNumber", r.sequence_number().map(|s| json!(s)));
        put("SizeBytes", r.size_bytes().map(|s| json!(s)));
        put(
            "StreamViewType",
            r.stream_view_type().map(|v| json!(v.as_str())),
        );
    }
    json!({
        "eventID": record.event_id(),
        "eventName": record.event_name().map(|n| n.as_str()),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    })
}

fn sequence_of(record: &Record) -> Option<&str> {
    record.dynamodb().and_then(|d| d.sequence_number())
}

/// Where the next read starts.
#[derive(Debug, Clone)]
enum ReadFrom {
    Start,
    After(String),
    At(String),
}

async fn shard_iterator(
    ctx: &PollerContext,
    mapping: &StreamMapping,
    from: &ReadFrom,
) -> Result<Option<String>> {
    let stream = ctx
        .streams
        .describe_stream()
        .stream_arn(&mapping.stream_arn)
        .send()
        .await
        .map_err(|e| anyhow!("{}", sdk_error(&e)))?;
    // dynoxide keeps one shard per table.
    let Some(shard_id) = stream
        .stream_description()
        .and_then(|d| d.shards().first())
        .and_then(|s| s.shard_id())
    else {
        return Ok(None);
    };
    let (kind, sequence) = match from {
        ReadFrom::Start if mapping.start_at_latest => (ShardIteratorType::Latest, None),
        ReadFrom::Start => (ShardIteratorType::TrimHorizon, None),
        ReadFrom::After(seq) => (ShardIteratorType::AfterSequenceNumber, Some(seq.clone())),
        ReadFrom::At(seq) => (ShardIteratorType::AtSequenceNumber, Some(seq.clone())),
    };
    let out = ctx
        .streams
        .get_shard_iterator()
        .stream_arn(&mapping.stream_arn)
        .shard_id(shard_id)
        .shard_iterator_type(kind)
        .set_sequence_number(sequence)
        .send()
        .await
        .map_err(|e| anyhow!("{}", sdk_error(&e)))?;
    Ok(out.shard_iterator().map(str::to_string))
}

/// Lambda's on-failure record for a stream batch that ran out of retries.
fn failure_record(
    mapping: &StreamMapping,
    records: &[Record],
    attempts: u64,
    error: &str,
) -> Value {
    let arrival = |r: Option<&Record>| {
        r.and_then(|r| r.dynamodb())
            .and_then(|d| d.approximate_creation_date_time())
            .map(|t| t.secs())
    };
    json!({
        "requestContext": {
            "requestId": crate::runtime::new_request_id(),
            "functionArn": crate::cloud::function_arn(&mapping.function),
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": attempts,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": error},
        "version": "1.0",
        "timestamp": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        "DDBStreamBatchInfo": {
            "shardId": "shardId-00000001",
            "startSequenceNumber": records.first().and_then(sequence_of),
            "endSequenceNumber": records.last().and_then(sequence_of),
            "approximateArrivalOfFirstRecord": arrival(records.first()),
            "approximateArrivalOfLastRecord": arrival(records.last()),
            "batchSize": records.len(),
            "streamArn": mapping.stream_arn,
        },
    })
}

async fn poll_stream(mapping: StreamMapping, ctx: PollerContext) {
    let mut from = ctx
        .checkpoints
        .get(&mapping.id, &mapping.stream_arn)
        .map_or(ReadFrom::Start, ReadFrom::After);
    let mut iterator: Option<String> = None;
    let mut attempts: u64 = 0;
    let mut backoff = RETRY_BACKOFF_MIN;
    loop {
        if iterator.is_none() {
            match shard_iterator(&ctx, &mapping, &from).await {
                Ok(Some(it)) => iterator = Some(it),
                Ok(None) => {
                    tokio::time::sleep(STREAM_IDLE_POLL).await;
                    continue;
                }
                Err(e) => {
                    tracing::warn!("stream of {}: {e:#}", mapping.id);
                    tokio::time::sleep(ERROR_PAUSE).await;
                    continue;
                }
            }
        }
        let read = ctx
            .streams
            .get_records()
            .set_shard_iterator(iterator.clone())
            .limit(mapping.batch_size)
            .send()
            .await;
        let out = match read {
            Ok(out) => out,
            Err(e) => {
                tracing::warn!("reading the stream of {}: {}", mapping.id, sdk_error(&e));
                iterator = None;
                tokio::time::sleep(ERROR_PAUSE).await;
                continue;
            }
        };
        let records = out.records().to_vec();
        let next = out.next_shard_iterator().map(str::to_string);
        if records.is_empty() {
            iterator = next;
            tokio::time::sleep(STREAM_IDLE_POLL).await;
            continue;
        }
        match deliver(&mapping, &ctx, &records, attempts + 1).await {
            Delivery::Done => {
                attempts = 0;
                backoff = RETRY_BACKOFF_MIN;
                if let Some(last) = records.last().and_then(sequence_of) {
                    from = ReadFrom::After(last.to_string());
                    save_checkpoint(&ctx, &mapping, last);
                }
                iterator = next;
            }
            Delivery::RetryFrom(index) => {
                if index > 0 {
                    // The records before the lowest failure succeeded: checkpoint past them.
                    attempts = 0;
                    if let Some(seq) = sequence_of(&records[index - 1]) {
                        save_checkpoint(&ctx, &mapping, seq);
                    }
                }
                attempts += 1;
                if let Some(seq) = sequence_of(&records[index]) {
                    from = ReadFrom::At(seq.to_string());
                }
                iterator = None;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(RETRY_BACKOFF_MAX);
            }
        }
    }
}

enum Delivery {
    /// The batch is processed (or given up on): move past it.
    Done,
    /// Read again from this index of the batch.
    RetryFrom(usize),
}

async fn deliver(
    mapping: &StreamMapping,
    ctx: &PollerContext,
    records: &[Record],
    attempt: u64,
) -> Delivery {
    let events: Vec<(usize, Value)> = records
        .iter()
        .map(|r| stream_record(r, &mapping.stream_arn))
        .enumerate()
        .filter(|(_, event)| mapping.filter.matches(event))
        .collect();
    if events.is_empty() {
        return Delivery::Done;
    }
    let payload = json!({"Records": events.iter().map(|(_, e)| e).collect::<Vec<_>>()});
    let trigger = Trigger::Stream {
        table: table_of_stream(&mapping.stream_arn).to_string(),
    };
    let outcome = ctx
        .functions
        .invoke(&mapping.function, &payload, trigger)
        .await;
    let ids: Vec<&str> = events
        .iter()
        .filter_map(|(i, _)| sequence_of(&records[*i]))
        .collect();
    let retry_from = match batch_result(&outcome, mapping.report_item_failures, &ids) {
        BatchResult::Success => return Delivery::Done,
        BatchResult::Failed => events.first().map_or(0, |(i, _)| *i),
        BatchResult::Partial(failed) => records
            .iter()
            .position(|r| sequence_of(r).is_some_and(|s| failed.iter().any(|f| f == s)))
            .unwrap_or(0),
    };
    let error = match &outcome {
        Err(e) => e.to_string(),
        Ok(_) => "batch item failures reported".to_string(),
    };
    tracing::warn!(
        "{} failed a stream batch (attempt {attempt}): {error}",
        mapping.function
    );
    let exhausted = mapping.max_retries.is_some_and(|max| attempt > max);
    if !exhausted {
        return Delivery::RetryFrom(retry_from);
    }
    if let Some(queue_url) = &mapping.on_failure {
        let record = failure_record(mapping, &records[retry_from..], attempt, &error);
        let sent = ctx
            .sqs
            .send_message()
            .queue_url(queue_url)
            .message_body(record.to_string())
            .send()
            .await;
        if let Err(e) = sent {
            tracing::warn!("sending a failure record to {queue_url}: {}", sdk_error(&e));
        }
    }
    Delivery::Done
}

fn save_checkpoint(ctx: &PollerContext, mapping: &StreamMapping, sequence_number: &str) {
    if let Err(e) = ctx
        .checkpoints
        .set(&mapping.id, &mapping.stream_arn, sequence_number)
    {
        tracing::warn!("saving the stream checkpoint of {}: {e:#}", mapping.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crashed() -> Result<Value, InvokeError> {
        Err(InvokeError::Crashed {
            function: "F".into(),
            detail: "boom".into(),
        })
    }

    #[test]
    fn batch_results_follow_lambda_rules() {
        let ids = ["a", "b"];
        assert_eq!(
            batch_result(&Ok(json!(null)), true, &ids),
            BatchResult::Success
        );
        assert_eq!(
            batch_result(&Ok(json!({"batchItemFailures": []})), true, &ids),
            BatchResult::Success
        );
        assert_eq!(
            batch_result(
                &Ok(json!({"batchItemFailures": [{"itemIdentifier": "b"}]})),
                true,
                &ids
            ),
            BatchResult::Partial(vec!["b".into()])
        );
        assert_eq!(
            batch_result(
                &Ok(json!({"batchItemFailures": [{"itemIdentifier": "zzz"}]})),
                true,
                &ids
            ),
            BatchResult::Failed
        );
        assert_eq!(
            batch_result(&Ok(json!("nope")), true, &ids),
            BatchResult::Failed
        );
        assert_eq!(
            batch_result(
                &Ok(json!({"batchItemFailures": [{"itemIdentifier": "b"}]})),
                false,
                &ids
            ),
            BatchResult::Success
        );
        assert_eq!(batch_result(&crashed(), true, &ids), BatchResult::Failed);
    }

    #[test]
    fn triggers_name_the_queue_and_the_table() {
        assert_eq!(
            queue_name_of("http://127.0.0.1:5000/123456789012/NotificationsQueue"),
            "NotificationsQueue"
        );
        assert_eq!(
            table_of_stream(
                "arn:aws:dynamodb:us-east-1:123456789012:table/UsersTable/stream/2026-12-03T00:00:00.000"
            ),
            "UsersTable"
        );
    }

    #[test]
    fn attribute_values_become_dynamodb_json() {
        let item = HashMap::from([
            ("s".to_string(), AttributeValue::S("x".into())),
            ("n".to_string(), AttributeValue::N("1".into())),
            ("b".to_string(), AttributeValue::Bool(true)),
            ("z".to_string(), AttributeValue::Null(true)),
            (
                "l".to_string(),
                AttributeValue::L(vec![AttributeValue::Ss(vec!["a".into()])]),
            ),
            (
                "m".to_string(),
                AttributeValue::M(HashMap::from([(
                    "k".to_string(),
                    AttributeValue::B(aws_sdk_dynamodbstreams::primitives::Blob::new(vec![1, 2])),
                )])),
            ),
        ]);
        assert_eq!(
            item_json(&item),
            json!({
                "s": {"S": "x"}, "n": {"N": "1"}, "b": {"BOOL": true}, "z": {"NULL": true},
                "l": {"L": [{"SS": ["a"]}]}, "m": {"M": {"k": {"B": "AQI="}}}
            })
        );
    }

    #[test]
    fn checkpoints_persist_and_ignore_other_streams() {
        let dir = std::env::temp_dir().join(format!("lc-cp-{}", ulid::Ulid::new()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("streams.json");
        let cp = Checkpoints::load(Some(path.clone())).unwrap();
        cp.set("F/E", "arn:1", "42").unwrap();
        let again = Checkpoints::load(Some(path)).unwrap();
        assert_eq!(again.get("F/E", "arn:1").as_deref(), Some("42"));
        assert_eq!(again.get("F/E", "arn:2"), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
