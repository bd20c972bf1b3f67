//! 1,000 messages through the local cloud, 10% of them duplicates and 5% of the events
//! refused once by the provider with a 5xx: every event lands in its user's inbox exactly
//! once and is sent exactly once. Prints messages per second (no timing assertion: the
//! figure depends on the machine).

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use aws_sdk_sqs::types::{QueueAttributeName, SendMessageBatchRequestEntry};
use e2e::{Session, TestCloud};
use serde_json::{Value, json};

use crate::provider::Provider;
use crate::{QUEUE, cloud, drained, enable_kakao, eventually, queue_url, user, while_progressing};

const MESSAGES: usize = 1_000;
const DUPLICATES: usize = MESSAGES / 10;
const UNIQUE: usize = MESSAGES - DUPLICATES;
/// Every 20th event is refused once (5%).
const FAILING_EVERY: usize = 20;
const USERS: usize = 4;
/// Batches of 10 sent at once.
const WAVE: usize = 10;
/// Visible messages the producer lets wait before its next wave.
const BACKLOG: u64 = 30;

/// Messages waiting to be received.
async fn waiting(sqs: &aws_sdk_sqs::Client, url: &str) -> u64 {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .ok()
        .and_then(|out| {
            out.attributes()?
                .get(&QueueAttributeName::ApproximateNumberOfMessages)?
                .parse()
                .ok()
        })
        .unwrap_or(u64::MAX)
}

/// Every id of a user's inbox, through the API, page by page.
async fn all_ids(t: &TestCloud, s: &Session) -> (Vec<String>, i64) {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/notifications?limit=100&cursor={c}"),
            None => "/v1/notifications?limit=100".to_owned(),
        };
        let r = t.call("GET", &path, None, Some(&s.access_token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let unread = r.body["unreadCount"].as_i64().unwrap_or(-1);
        ids.extend(
            r.body["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["id"].as_str().map(str::to_owned)),
        );
        match r.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return (ids, unread),
        }
    }
}

async fn unread_total(t: &TestCloud, users: &[(Session, String)]) -> i64 {
    let mut total = 0;
    for (s, _) in users {
        let r = t
            .call(
                "GET",
                "/v1/notifications?limit=1",
                None,
                Some(&s.access_token),
            )
            .await;
        total += r.body["unreadCount"].as_i64().unwrap_or(0);
    }
    total
}

#[tokio::test]
async fn a_thousand_messages_with_duplicates_and_failures_arrive_exactly_once() {
    let provider = Provider::start(|call| {
        let failing = call.body["templateCode"] == "order_cancelled";
        if failing && call.attempt == 1 {
            500
        } else {
            200
        }
    });
    let t = cloud(Some(&provider)).await;
    let mut users = Vec::new();
    for i in 0..USERS {
        let (s, welcome) = user(&t, &format!("load{i}-")).await;
        enable_kakao(&t, &s).await;
        users.push((s, welcome));
    }

    // The unique events, spread over the users; every 20th is an `order_cancelled`, which
    // the provider refuses the first time it sees it.
    let unique: Vec<Value> = (0..UNIQUE)
        .map(|i| {
            let (s, _) = &users[i % USERS];
            let kind = if i % FAILING_EVERY == 0 {
                "order_cancelled"
            } else {
                "plan_ready"
            };
            crate::event(kind, &s.user_id, json!({"n": i}))
        })
        .collect();
    let failing: HashSet<String> = unique
        .iter()
        .enumerate()
        .filter(|(i, _)| i % FAILING_EVERY == 0)
        .filter_map(|(_, e)| e["id"].as_str().map(str::to_owned))
        .collect();
    let mut messages: Vec<Value> = unique.clone();
    messages.extend(
        unique
            .iter()
            .step_by(UNIQUE / DUPLICATES)
            .take(DUPLICATES)
            .cloned(),
    );
    assert_eq!(messages.len(), MESSAGES);
    // Duplicates interleaved with the originals, not all at the end.
    messages.sort_by_key(|m| m["data"]["n"].as_u64().unwrap_or(0));

    let sqs = t.sqs().await;
    let url = queue_url(&t, QUEUE);
    let started = Instant::now();
    // Sent in waves of 100, the next when the backlog is down to a few batches: moto's
    // SQS slows down linearly with the messages a queue holds (a receive from a 1,000-deep
    // queue takes ~0.6 s), which would measure the emulator rather than the consumer. A
    // steady producer with a short backlog is also the realistic load.
    let batches: Vec<Vec<Value>> = messages.chunks(10).map(<[Value]>::to_vec).collect();
    for wave in batches.chunks(WAVE) {
        futures::future::join_all(wave.iter().map(|batch| {
            let (sqs, url) = (sqs.clone(), url.clone());
            async move {
                let entries = batch
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        SendMessageBatchRequestEntry::builder()
                            .id(i.to_string())
                            .message_body(m.to_string())
                            .build()
                            .unwrap_or_else(|e| panic!("{e}"))
                    })
                    .collect();
                sqs.send_message_batch()
                    .queue_url(&url)
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("send_message_batch: {e}"));
            }
        }))
        .await;
        eventually("the backlog to shrink", || async {
            waiting(&sqs, &url).await <= BACKLOG
        })
        .await;
    }
    let sent = started.elapsed();

    let expected_unread = (UNIQUE + USERS) as i64;
    while_progressing("every event in an inbox", expected_unread, || {
        unread_total(&t, &users)
    })
    .await;
    let stored = started.elapsed();
    drained(&t).await;
    let settled = started.elapsed();
    eprintln!(
        "throughput: {MESSAGES} messages ({DUPLICATES} duplicates, {} refused once), the last sent after {:.2}s; \
         all {UNIQUE} events in inboxes after {:.2}s = {:.0} messages/s; queue drained (retries included) after {:.2}s = {:.0} messages/s",
        failing.len(),
        sent.as_secs_f64(),
        stored.as_secs_f64(),
        MESSAGES as f64 / stored.as_secs_f64(),
        settled.as_secs_f64(),
        MESSAGES as f64 / settled.as_secs_f64(),
    );

    // Exactly once in the inbox: each user holds their events and their welcome, once each.
    let mut expected: HashMap<String, HashSet<String>> = HashMap::new();
    for e in &unique {
        expected
            .entry(e["userId"].as_str().unwrap_or_default().to_owned())
            .or_default()
            .insert(e["id"].as_str().unwrap_or_default().to_owned());
    }
    for (s, welcome) in &users {
        let (ids, unread) = all_ids(&t, s).await;
        let distinct: HashSet<String> = ids.iter().cloned().collect();
        assert_eq!(distinct.len(), ids.len(), "an inbox holds a duplicate");
        let mut want = expected.remove(&s.user_id).unwrap_or_default();
        want.insert(welcome.clone());
        assert_eq!(distinct, want);
        assert_eq!(unread, ids.len() as i64);
    }

    // Exactly once to the provider: one accepted call per event; the failing ones also
    // have their one refused call.
    let calls = provider.calls();
    let mut accepted: HashMap<&str, usize> = HashMap::new();
    for c in calls.iter().filter(|c| c.status == 200) {
        *accepted.entry(c.key.as_str()).or_default() += 1;
    }
    assert_eq!(accepted.len(), UNIQUE);
    assert!(
        accepted.values().all(|n| *n == 1),
        "an event was sent twice"
    );
    let refused: HashSet<&str> = calls
        .iter()
        .filter(|c| c.status == 500)
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(refused.len(), failing.len());
    assert!(refused.iter().all(|k| failing.contains(*k)));
    assert_eq!(calls.len(), UNIQUE + failing.len());
}
