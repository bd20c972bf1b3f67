//! The REPORT line of every invocation, and with a state dir the record of each in
//! invocations.jsonl, which `localcloud trace` reads.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{await_logs, eventually, fixture_options};

fn records(state: &Path) -> Vec<Value> {
    std::fs::read_to_string(state.join("invocations.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn invocations_of(state: &Path, function: &str) -> Vec<Value> {
    records(state)
        .into_iter()
        .filter(|r| r["kind"] == "invocation" && r["function"] == function)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_invocation_has_a_report_line_and_a_record_that_trace_reads() {
    let state = std::env::temp_dir().join(format!("lc-records-{}", ulid::Ulid::new()));
    let mut opts = fixture_options();
    opts.state_dir = Some(state.clone());
    let cloud = localcloud::Cloud::start(opts).await.unwrap();
    let http = reqwest::Client::new();
    let mut request_ids = Vec::new();
    for n in 1..=2 {
        let response = http
            .post(format!("{}/echo/{n}", cloud.base_url()))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        request_ids.push(
            response.headers()["apigw-requestid"]
                .to_str()
                .unwrap()
                .to_string(),
        );
    }

    // Lambda's format, Init Duration on the cold start only.
    assert_eq!(
        await_logs(&cloud, "[EchoFunction] REPORT RequestId: ", 2).await,
        2
    );
    let reports: Vec<String> = cloud
        .logs()
        .into_iter()
        .filter(|l| l.starts_with("[EchoFunction] REPORT"))
        .collect();
    let pattern = |line: &str, cold: bool| {
        let fields: Vec<&str> = line.split('\t').collect();
        fields.len() == if cold { 6 } else { 5 }
            && fields[1].starts_with("Duration: ")
            && fields[1].ends_with(" ms")
            && fields[2].starts_with("Billed Duration: ")
            && fields[3] == "Memory Size: 128 MB"
            && fields[4].starts_with("Max Memory Used: ")
            && fields[4] != "Max Memory Used: 0 MB"
            && (!cold || fields[5].starts_with("Init Duration: "))
    };
    assert!(pattern(&reports[0], true), "{reports:#?}");
    assert!(pattern(&reports[1], false), "{reports:#?}");

    let echoes = invocations_of(&state, "EchoFunction");
    assert_eq!(echoes.len(), 2, "{echoes:#?}");
    for (record, request_id) in echoes.iter().zip(&request_ids) {
        assert_eq!(
            record["trigger"],
            json!({"type": "http", "route": "POST /echo/{id}"})
        );
        assert_eq!(record["correlationIds"], json!([request_id]));
        assert_eq!(record["outcome"], "ok");
        assert_eq!(record["memoryMb"], 128);
        assert_eq!(record["waitMs"], 0);
        assert!(record["end"].as_u64() >= record["start"].as_u64());
        assert!(record["maxMemoryMb"].as_u64().unwrap() > 0);
        // At least what it printed ("secret env present: ...") and its REPORT line.
        assert!(record["logBytes"].as_u64().unwrap() > 100, "{record}");
    }
    let (cold, warm) = (&echoes[0], &echoes[1]);
    assert_eq!(cold["cold"], true);
    let init = cold["initMs"].as_f64().unwrap();
    assert!(init > 0.0);
    // On a cold start the init phase is billed too.
    assert!(
        cold["billedMs"].as_f64().unwrap() >= (cold["durationMs"].as_f64().unwrap() + init).floor()
    );
    assert_eq!(warm["cold"], false);
    assert_eq!(warm["initMs"], Value::Null);
    assert_eq!(
        warm["billedMs"].as_f64().unwrap(),
        warm["durationMs"].as_f64().unwrap().ceil().max(1.0)
    );

    // A message of the first request's flow, through the SQS mapping.
    let sqs = aws_sdk_sqs::Client::new(&localcloud::sdk_config(&cloud.sqs_endpoint()).await);
    let body = json!({"id": "event-1", "correlationId": request_ids[0]}).to_string();
    sqs.send_message()
        .queue_url(cloud.queue_url("WorkQueue").unwrap())
        .message_body(body)
        .send()
        .await
        .unwrap();
    let consumed = eventually(Duration::from_secs(15), || async {
        let metrics = records(&state)
            .into_iter()
            .filter(|r| r["kind"] == "metrics")
            .count();
        !invocations_of(&state, "ConsumerFunction").is_empty() && metrics > 0
    })
    .await;
    assert!(consumed, "{:#?}\n{:#?}", records(&state), cloud.logs());
    let consumer = &invocations_of(&state, "ConsumerFunction")[0];
    assert_eq!(consumer["trigger"]["type"], "sqs");
    assert!(
        consumer["trigger"]["queue"]
            .as_str()
            .unwrap()
            .ends_with("WorkQueue")
    );
    assert_eq!(consumer["correlationIds"], json!([request_ids[0]]));
    // Its receive and its delete.
    assert_eq!(consumer["sqsRequests"], 2);
    let metrics: Vec<Value> = records(&state)
        .into_iter()
        .filter(|r| r["kind"] == "metrics")
        .collect();
    assert_eq!(metrics[0]["requestId"], consumer["requestId"]);
    assert_eq!(metrics[0]["DynamoWriteUnits"], 1.0);

    let text = localcloud::trace::trace(&state, &request_ids[0]).unwrap();
    assert!(text.contains("2 invocations"), "{text}");
    let echo_at = text
        .find("EchoFunction (http POST /echo/{id}), cold")
        .unwrap();
    let consumer_at = text.find("ConsumerFunction (sqs ").unwrap();
    assert!(echo_at < consumer_at, "{text}");
    // The consumer's SQS receive and delete, and its own send from the EMF record.
    assert!(
        text.contains("SQS                               3 requests"),
        "{text}"
    );
    assert!(
        text.contains("DynamoDB writes                   1 WRU"),
        "{text}"
    );
    let unknown = localcloud::trace::trace(&state, "no-such-flow").unwrap_err();
    let message = format!("{unknown:#}");
    assert!(message.contains("no-such-flow"), "{message}");
    assert!(message.contains(&request_ids[1]), "{message}");
    cloud.shutdown().await;
    std::fs::remove_dir_all(state).unwrap();
}
