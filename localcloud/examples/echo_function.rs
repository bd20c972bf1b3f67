//! A tiny Lambda for localcloud's own tests. It answers HTTP events with the event itself,
//! and misbehaves on request: `{"action": "crash"}` aborts, `{"action": "sleep"}` outlives
//! any timeout. As an SQS consumer it reports messages whose body is "fail" as failed, and
//! prints an EMF record of its (pretend) consumption.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

fn action(event: &Value) -> Option<String> {
    let body: Value = serde_json::from_str(event["body"].as_str()?).ok()?;
    body["action"].as_str().map(str::to_string)
}

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    if let Some(point) = context
        .client_context
        .as_ref()
        .and_then(|c| c.custom.get("studyloop-fault"))
    {
        eprintln!("fault injected at {point}");
        std::process::abort();
    }
    if let Some(records) = payload["Records"].as_array() {
        let failures: Vec<Value> = records
            .iter()
            .filter(|r| r["body"] == "fail")
            .map(|r| json!({"itemIdentifier": r["messageId"]}))
            .collect();
        println!("records: {}", Value::Array(records.clone()));
        // What brief A's functions print once per invocation: an EMF record of consumption.
        println!(
            "{}",
            json!({
                "_aws": {"Timestamp": 0, "CloudWatchMetrics": []},
                "requestId": context.request_id,
                "DynamoReadUnits": 0.5,
                "DynamoWriteUnits": records.len(),
                "SqsRequests": 1,
            })
        );
        return Ok(json!({"batchItemFailures": failures}));
    }
    match action(&payload).as_deref() {
        Some("crash") => std::process::abort(),
        Some("sleep") => tokio::time::sleep(std::time::Duration::from_secs(60)).await,
        _ => {}
    }
    println!(
        "secret env present: {}",
        std::env::var("SECRET_VALUE").is_ok()
    );
    Ok(json!({
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-request-id": "echo"},
        "cookies": ["echo=1"],
        "body": json!({"event": payload, "pid": std::process::id()}).to_string(),
    }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}
