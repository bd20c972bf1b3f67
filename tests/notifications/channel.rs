//! The external channel: exactly one provider call per event, whatever SQS and producers
//! repeat; 5xx and timeouts retried through the queue to the DLQ and back by redrive; 4xx
//! recorded and dropped; an unconfigured channel leaves the inbox working.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use e2e::TestCloud;
use serde_json::json;

use crate::provider::{Answer, Provider};
use crate::{
    API_KEY, DLQ, QUEUE, cloud, drained, enable_kakao, event, eventually, ids, inbox, queue_depth,
    queue_url, send, user, wait_for,
};

#[tokio::test]
async fn duplicates_make_one_inbox_item_and_one_provider_call() {
    let provider = Provider::accepting();
    let t = cloud(Some(&provider)).await;
    let (s, _) = user(&t, "dup").await;
    enable_kakao(&t, &s).await;

    let e = event(
        "order_confirmed",
        &s.user_id,
        json!({"productName": "프리미엄 수학", "total": {"amount": 19000, "currency": "KRW"}}),
    );
    let id = e["id"].as_str().unwrap_or_default();
    // The same envelope three times: twice at once, then once more after it was handled.
    tokio::join!(send(&t, &e), send(&t, &e));
    wait_for(&t, &s, id).await;
    drained(&t).await;
    send(&t, &e).await;
    drained(&t).await;

    let page = inbox(&t, &s).await;
    assert_eq!(ids(&page).iter().filter(|i| *i == id).count(), 1, "{page}");
    assert_eq!(page["unreadCount"], 2, "the welcome and this one");
    let calls = provider.calls_for(id);
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call.method, "POST");
    assert_eq!(call.path, "/v1/alimtalk/messages");
    assert_eq!(
        call.headers.get("authorization").map(String::as_str),
        Some(format!("KakaoAK {API_KEY}").as_str())
    );
    assert_eq!(call.body["messageId"], id);
    assert_eq!(call.body["templateCode"], "order_confirmed");
    assert_eq!(call.body["recipientNo"], "01012345678");
    assert_eq!(call.body["title"], "주문이 확정되었어요");
    assert!(
        call.body["content"]
            .as_str()
            .is_some_and(|c| c.contains("프리미엄 수학") && c.contains("19,000 KRW")),
        "{}",
        call.body
    );
    // The welcome came before kakao was enabled: the provider never saw it.
    assert_eq!(provider.calls().len(), 1);
}

#[tokio::test]
async fn a_provider_5xx_is_retried_into_the_dlq_and_a_redrive_delivers_it() {
    let healthy = Arc::new(AtomicBool::new(false));
    let up = healthy.clone();
    let provider = Provider::start(move |_| if up.load(Ordering::SeqCst) { 200 } else { 503 });
    let t = cloud(Some(&provider)).await;
    let (s, _) = user(&t, "outage").await;
    enable_kakao(&t, &s).await;

    let e = event("plan_ready", &s.user_id, json!({}));
    let id = e["id"].as_str().unwrap_or_default();
    send(&t, &e).await;
    eventually("the message in the dead-letter queue", || async {
        queue_depth(&t, DLQ).await == 1
    })
    .await;
    // One call per receive, maxReceiveCount (5) of them; the inbox got it the first time.
    let failed = provider.calls_for(id);
    assert_eq!(failed.len(), 5, "{failed:?}");
    assert!(failed.iter().all(|c| c.status == 503));
    let page = inbox(&t, &s).await;
    assert_eq!(ids(&page).iter().filter(|i| *i == id).count(), 1);
    assert_eq!(page["unreadCount"], 2);

    // The provider recovers; an operator redrives the DLQ (what `localcloud redrive` runs).
    healthy.store(true, Ordering::SeqCst);
    let moved =
        localcloud::sqs::redrive(&t.sqs().await, &queue_url(&t, DLQ), &queue_url(&t, QUEUE))
            .await
            .unwrap_or_else(|e| panic!("redrive: {e:#}"));
    assert_eq!(moved, 1);
    eventually("the redriven message to be delivered", || async {
        provider.calls_for(id).iter().any(|c| c.status == 200)
    })
    .await;
    drained(&t).await;
    let calls = provider.calls_for(id);
    assert_eq!(calls.len(), 6, "{calls:?}");
    assert_eq!(calls.iter().filter(|c| c.status == 200).count(), 1);
    assert_eq!(queue_depth(&t, DLQ).await, 0);
    let page = inbox(&t, &s).await;
    assert_eq!(ids(&page).iter().filter(|i| *i == id).count(), 1);
    assert_eq!(page["unreadCount"], 2);
}

#[tokio::test]
async fn a_provider_4xx_is_recorded_as_failed_and_not_retried() {
    let provider = Provider::start(|_| 400);
    let t = cloud(Some(&provider)).await;
    let (s, _) = user(&t, "refused").await;
    enable_kakao(&t, &s).await;

    let e = event("comment_added", &s.user_id, json!({"postTitle": "질문"}));
    let id = e["id"].as_str().unwrap_or_default();
    send(&t, &e).await;
    wait_for(&t, &s, id).await;
    eventually("the provider's refusal", || async {
        !provider.calls_for(id).is_empty()
    })
    .await;
    drained(&t).await;
    // The same event again: the failure was recorded, so nothing is sent a second time.
    send(&t, &e).await;
    drained(&t).await;
    assert_eq!(provider.calls_for(id).len(), 1);
    assert_eq!(queue_depth(&t, DLQ).await, 0);
    assert_eq!(
        ids(&inbox(&t, &s).await)
            .iter()
            .filter(|i| *i == id)
            .count(),
        1
    );
}

#[tokio::test]
async fn a_provider_timeout_is_retried_and_sent_once() {
    // The first call hangs past the consumer's 3 s limit; the retry is answered at once.
    let provider = Provider::start(|call| {
        if call.attempt == 1 {
            Answer {
                status: 200,
                delay: Duration::from_secs(5),
            }
        } else {
            Answer::from(200)
        }
    });
    let t = cloud(Some(&provider)).await;
    let (s, _) = user(&t, "slow").await;
    enable_kakao(&t, &s).await;

    let e = event("welcome", &s.user_id, json!({"name": "Slow"}));
    let id = e["id"].as_str().unwrap_or_default();
    send(&t, &e).await;
    eventually("the retry after the timeout", || async {
        provider.calls_for(id).len() >= 2
    })
    .await;
    drained(&t).await;
    assert_eq!(provider.calls_for(id).len(), 2);
    assert_eq!(queue_depth(&t, DLQ).await, 0);
}

#[tokio::test]
async fn one_failing_message_does_not_fail_the_others_in_its_batch() {
    let provider = Provider::accepting();
    let t = cloud(Some(&provider)).await;
    let (s, _) = user(&t, "batch").await;
    enable_kakao(&t, &s).await;
    // A batch of ten: one that can never be handled, nine good ones.
    let good: Vec<_> = (0..9)
        .map(|_| event("plan_ready", &s.user_id, json!({})))
        .collect();
    let mut bad = event("plan_ready", &s.user_id, json!({}));
    bad["id"] = json!("not-an-event-id");
    let mut entries = vec![bad];
    entries.extend(good.iter().cloned());
    let sqs = t.sqs().await;
    let batch = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(e.to_string())
                .build()
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    sqs.send_message_batch()
        .queue_url(queue_url(&t, QUEUE))
        .set_entries(Some(batch))
        .send()
        .await
        .unwrap_or_else(|e| panic!("send_message_batch: {e}"));
    for e in &good {
        wait_for(&t, &s, e["id"].as_str().unwrap_or_default()).await;
    }
    // The bad one is retried alone until it lands in the dead-letter queue; the good ones
    // were each handled, and sent, once.
    eventually("the bad message in the dead-letter queue", || async {
        queue_depth(&t, DLQ).await == 1
    })
    .await;
    drained(&t).await;
    assert_eq!(provider.calls().len(), 9);
    assert!(good.iter().all(|e| {
        provider
            .calls_for(e["id"].as_str().unwrap_or_default())
            .len()
            == 1
    }));
    assert_eq!(inbox(&t, &s).await["unreadCount"], 10);
}

#[tokio::test]
async fn without_a_provider_the_channel_is_off_and_the_inbox_works() {
    let t = TestCloud::start().await;
    assert_eq!(t.cloud.parameter("KakaoApiBaseUrl").as_deref(), Some(""));
    let (s, _) = user(&t, "offline").await;
    enable_kakao(&t, &s).await;
    let e = event(
        "order_rejected",
        &s.user_id,
        json!({"reason": "out_of_stock"}),
    );
    let id = e["id"].as_str().unwrap_or_default();
    send(&t, &e).await;
    let page = wait_for(&t, &s, id).await;
    assert_eq!(
        page["items"][0]["body"],
        "주문하신 상품 주문을 처리하지 못했어요. 사유: 재고가 부족해요"
    );
    drained(&t).await;
}
