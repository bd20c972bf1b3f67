use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::types::QueueAttributeName;
use localcloud::Cloud;

use crate::support::{count_logs, eventually, fixture_cloud, fixture_options};

async fn sqs(cloud: &Cloud) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&localcloud::sdk_config(&cloud.sqs_endpoint()).await)
}

async fn dynamodb(cloud: &Cloud) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&localcloud::sdk_config(&cloud.dynamodb_endpoint()).await)
}

async fn messages_in(sqs: &aws_sdk_sqs::Client, url: &str) -> u64 {
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap();
    attrs
        .attributes()
        .unwrap()
        .values()
        .map(|v| v.parse::<u64>().unwrap())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_mapping_deletes_successes_and_failures_reach_the_dead_letter_queue() {
    let cloud = fixture_cloud().await;
    let sqs = sqs(&cloud).await;
    let work = cloud.queue_url("WorkQueue").unwrap();
    let dlq = cloud.queue_url("WorkDeadLetterQueue").unwrap();
    for body in ["ok-1", "fail", "ok-2"] {
        sqs.send_message()
            .queue_url(&work)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let dead_lettered = eventually(Duration::from_secs(20), || async {
        messages_in(&sqs, &dlq).await == 1
    })
    .await;
    assert!(dead_lettered, "the failing message never reached the DLQ");
    let drained = eventually(Duration::from_secs(5), || async {
        messages_in(&sqs, &work).await == 0
    })
    .await;
    assert!(drained);
    let received = sqs.receive_message().queue_url(&dlq).send().await.unwrap();
    assert_eq!(received.messages()[0].body(), Some("fail"));
    // Successes were deleted after one delivery; the failure was delivered maxReceiveCount times.
    let logs = cloud.logs();
    let delivered = |needle: &str| logs.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(delivered(r#""body":"ok-1""#), 1, "{logs:#?}");
    assert_eq!(delivered(r#""body":"ok-2""#), 1, "{logs:#?}");
    assert_eq!(delivered(r#""body":"fail""#), 2, "{logs:#?}");
    assert!(
        logs.iter()
            .any(|l| l.contains(r#""eventSource":"aws:sqs""#))
    );
    cloud.shutdown().await;
}

async fn put_item(client: &aws_sdk_dynamodb::Client, table: &str, pk: &str) {
    client
        .put_item()
        .table_name(table)
        .item("pk", AttributeValue::S(pk.into()))
        .item("n", AttributeValue::N("1".into()))
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_mapping_delivers_an_inserted_item_once() {
    let cloud = fixture_cloud().await;
    let ddb = dynamodb(&cloud).await;
    let table = cloud.table_name("ItemsTable").unwrap();
    put_item(&ddb, &table, "item-1").await;
    // A MODIFY that the INSERT-only filter must drop.
    put_item(&ddb, &table, "item-1").await;
    let needle = r#""pk":{"S":"item-1"}"#;
    assert!(
        eventually(Duration::from_secs(10), || async {
            count_logs(&cloud, needle) > 0
        })
        .await
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let deliveries: Vec<String> = cloud
        .logs()
        .into_iter()
        .filter(|l| l.starts_with("[StreamFunction] records:") && l.contains(needle))
        .collect();
    assert_eq!(deliveries.len(), 1, "{deliveries:#?}");
    let line = &deliveries[0];
    assert!(line.contains(r#""eventName":"INSERT""#) && line.contains(r#""eventVersion":"1.1""#));
    assert!(line.contains(r#""NewImage":{"#) && line.contains(r#""n":{"N":"1"}"#));
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_a_state_dir_resumes_the_stream_instead_of_replaying() {
    let state = std::env::temp_dir().join(format!("lc-state-{}", ulid::Ulid::new()));
    let mut opts = fixture_options();
    opts.state_dir = Some(state.clone());
    let prefix = opts.resource_prefix.clone();

    let first = Cloud::start(opts.clone()).await.unwrap();
    let jwks_like = first.parameter("SecretValue");
    let ddb = dynamodb(&first).await;
    put_item(&ddb, &first.table_name("ItemsTable").unwrap(), "persisted").await;
    let needle = r#""pk":{"S":"persisted"}"#;
    assert!(
        eventually(Duration::from_secs(10), || async {
            count_logs(&first, needle) == 1
        })
        .await
    );
    first.shutdown().await;

    opts.resource_prefix = prefix;
    let second = Cloud::start(opts).await.unwrap();
    assert_eq!(second.parameter("SecretValue"), jwks_like);
    let ddb = dynamodb(&second).await;
    let table = second.table_name("ItemsTable").unwrap();
    let kept = ddb
        .get_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("persisted".into()))
        .send()
        .await
        .unwrap();
    assert!(
        kept.item().is_some(),
        "the item did not survive the restart"
    );
    put_item(&ddb, &table, "after-restart").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            count_logs(&second, r#""pk":{"S":"after-restart"}"#) == 1
        })
        .await
    );
    assert_eq!(
        count_logs(&second, needle),
        0,
        "the old record was replayed"
    );
    second.shutdown().await;
    std::fs::remove_dir_all(state).unwrap();
}
