//! Deleting an account, everywhere (issue 13), end to end through the local cloud: a student
//! with data in every domain deletes their account; at once they no longer sign in or
//! refresh and their email is free; then every domain erases them, and a scan of every table
//! of the cloud's DynamoDB finds nothing that holds their id, email, name or phone. Orders
//! and payments keep their records for accounting, with the customer replaced by `deleted`
//! (`shared::erasure::ERASED_CUSTOMER`), so they hold none of the four either.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use e2e::{PASSWORD, Reply, Session, TestCloud, email};
use serde_json::{Value, json};

/// How long the domains may take to erase before the test gives up.
const PATIENCE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(100);
/// The demo catalogue's product that sells the demo program (inventory's seed).
const DEMO_PRODUCT: &str = "01JDEMP0000000000000000001";

type Item = HashMap<String, AttributeValue>;

/// Every string in `value`, keys and nested maps, lists and sets included.
fn strings(value: &AttributeValue, out: &mut Vec<String>) {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => out.push(s.clone()),
        AttributeValue::Ss(v) | AttributeValue::Ns(v) => out.extend(v.iter().cloned()),
        AttributeValue::L(v) => v.iter().for_each(|v| strings(v, out)),
        AttributeValue::M(m) => m.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out);
        }),
        AttributeValue::B(b) => out.push(String::from_utf8_lossy(b.as_ref()).into_owned()),
        _ => {}
    }
}

/// The needles `item` holds (case-insensitive: emails are stored lower-cased).
fn found_in(item: &Item, needles: &[(&str, String)]) -> Vec<String> {
    let mut texts = Vec::new();
    for (name, value) in item {
        texts.push(name.clone());
        strings(value, &mut texts);
    }
    let texts: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
    needles
        .iter()
        .filter(|(_, needle)| texts.iter().any(|t| t.contains(&needle.to_lowercase())))
        .map(|(what, _)| (*what).to_owned())
        .collect()
}

/// Every table of the emulator (listed, not taken from the template), every item.
async fn every_item(t: &TestCloud) -> Vec<(String, Item)> {
    let client = t.dynamodb().await;
    let mut tables = Vec::new();
    let mut start = None;
    loop {
        let out = client
            .list_tables()
            .set_exclusive_start_table_name(start)
            .send()
            .await
            .unwrap_or_else(|e| panic!("list tables: {e:?}"));
        tables.extend(out.table_names().iter().cloned());
        match out.last_evaluated_table_name() {
            Some(last) => start = Some(last.to_owned()),
            None => break,
        }
    }
    assert!(tables.len() >= 8, "the cloud lists {tables:?}");
    let mut items = Vec::new();
    for table in tables {
        let mut start = None;
        loop {
            let out = client
                .scan()
                .table_name(&table)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .unwrap_or_else(|e| panic!("scan {table}: {e:?}"));
            items.extend(out.items().iter().map(|i| (table.clone(), i.clone())));
            match out.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => break,
            }
        }
    }
    items
}

/// What still names the deleted person: `table: what found (pk, sk)`, one line per item. An
/// item of the new account signed up with the freed email may hold that email (it is theirs).
async fn remains(t: &TestCloud, needles: &[(&str, String)], new_account: &str) -> Vec<String> {
    every_item(t)
        .await
        .into_iter()
        .filter_map(|(table, item)| {
            let mut found = found_in(&item, needles);
            if !found_in(&item, &[("new account", new_account.to_owned())]).is_empty() {
                found.retain(|what| what != "email");
            }
            let key = |k: &str| match item.get(k) {
                Some(AttributeValue::S(s)) => s.clone(),
                _ => String::new(),
            };
            (!found.is_empty())
                .then(|| format!("{table}: {found:?} ({}, {})", key("pk"), key("sk")))
        })
        .collect()
}

/// `call`, asserting the answer's status.
async fn expect(
    status: u16,
    t: &TestCloud,
    method: &str,
    path: &str,
    body: Option<Value>,
    who: &Session,
) -> Reply {
    let r = call(t, method, path, body, who).await;
    assert_eq!(r.status, status, "{method} {path}: {}", r.text);
    r
}

async fn call(
    t: &TestCloud,
    method: &str,
    path: &str,
    body: Option<Value>,
    who: &Session,
) -> Reply {
    t.call(method, path, body, Some(&who.access_token)).await
}

/// `check` until it returns something, polling; panics with `what` after [`PATIENCE`].
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(POLL).await;
    }
}

fn id_of(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap_or_default().to_owned()
}

/// A student with data in every domain: an attempt graded (and the plan it made), a learning
/// session, inbox items and preferences with a phone, a post (with another's comment and
/// like on it), a comment and a like on another's post, a confirmed order of the demo
/// program (and the enrollment it made).
async fn student_everywhere(
    t: &TestCloud,
    admin: &Session,
    student: &Session,
    other: &Session,
    phone: &str,
) {
    // Assessments → learning: an attempt graded, and its plan.
    let questions: Vec<Value> = ["fractions", "fractions", "equations", "equations"]
        .iter()
        .map(|skill| json!({"prompt": format!("On {skill}"), "choices": ["right", "wrong"], "answerIndex": 0, "skill": skill, "points": 1}))
        .collect();
    let r = expect(
        201,
        t,
        "POST",
        "/v1/assessments",
        Some(json!({"title": "Diagnostic", "timeLimitSeconds": 600, "questions": questions})),
        admin,
    )
    .await;
    let assessment = id_of(&r.body, "id");
    expect(
        200,
        t,
        "POST",
        &format!("/v1/assessments/{assessment}/publish"),
        None,
        admin,
    )
    .await;
    let r = expect(
        201,
        t,
        "POST",
        &format!("/v1/assessments/{assessment}/attempts"),
        None,
        student,
    )
    .await;
    let attempt = id_of(&r.body, "attemptId");
    let first = id_of(&r.body["questions"][0], "id");
    expect(
        204,
        t,
        "PUT",
        &format!("/v1/attempts/{attempt}/answers/{first}"),
        Some(json!({"choiceIndex": 1})),
        student,
    )
    .await;
    expect(
        200,
        t,
        "POST",
        &format!("/v1/attempts/{attempt}/submit"),
        None,
        student,
    )
    .await;
    eventually("the plan", || async {
        let r = call(t, "GET", "/v1/learning/plan", None, student).await;
        (r.status == 200).then_some(())
    })
    .await;

    // Learning: a session of an open module.
    let r = expect(
        200,
        t,
        "GET",
        "/v1/learning/modules?limit=100",
        None,
        student,
    )
    .await;
    let open = r.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["premium"] == false)
        .map(|m| id_of(m, "id"))
        .unwrap_or_else(|| panic!("no open module: {}", r.text));
    expect(
        201,
        t,
        "POST",
        "/v1/learning/sessions",
        Some(json!({"moduleId": open})),
        student,
    )
    .await;

    // Notifications: preferences with a phone (the inbox fills from the events).
    expect(
        200,
        t,
        "PUT",
        "/v1/notifications/preferences",
        Some(json!({"locale": "ko", "kakao": {"enabled": true, "phone": phone}})),
        student,
    )
    .await;

    // Community: a post of theirs that another comments on and likes; a comment and a like
    // of theirs on another's post.
    let r = expect(
        201,
        t,
        "POST",
        "/v1/community/posts",
        Some(json!({"title": "My question", "body": "How do fractions add?"})),
        student,
    )
    .await;
    let mine = id_of(&r.body, "id");
    let r = expect(
        201,
        t,
        "POST",
        "/v1/community/posts",
        Some(json!({"title": "Tips", "body": "Practice daily."})),
        other,
    )
    .await;
    let theirs = id_of(&r.body, "id");
    for (who, post, body) in [
        (other, &mine, "Add the numerators."),
        (student, &theirs, "Thanks, this helps!"),
    ] {
        expect(
            201,
            t,
            "POST",
            &format!("/v1/community/posts/{post}/comments"),
            Some(json!({"body": body})),
            who,
        )
        .await;
        expect(
            204,
            t,
            "PUT",
            &format!("/v1/community/posts/{post}/like"),
            None,
            who,
        )
        .await;
    }

    // Orders → inventory, payments, learning: a confirmed order of the demo program.
    let r = t
        .send(
            "POST",
            "/v1/orders",
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("Bearer {}", student.access_token)),
                ("idempotency-key", &format!("erasure-{}", shared::new_id())),
            ],
            Some(
                json!({"productId": DEMO_PRODUCT, "quantity": 1, "paymentToken": "tok_ok"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let order = id_of(&r.body, "orderId");
    eventually("the order confirmed", || async {
        let r = call(t, "GET", &format!("/v1/orders/{order}"), None, student).await;
        (r.body["status"] == "confirmed").then_some(())
    })
    .await;
    eventually("the enrollment", || async {
        let r = call(t, "GET", "/v1/learning/enrollments", None, student).await;
        (r.body["items"].as_array().is_some_and(|i| !i.is_empty())).then_some(())
    })
    .await;
    eventually("inbox items", || async {
        let r = call(t, "GET", "/v1/notifications", None, student).await;
        (r.body["items"].as_array().is_some_and(|i| i.len() >= 3)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_deleted_account_is_erased_from_every_table() {
    let (t, admin) = TestCloud::start_with_admin().await;
    for seed in [
        "InventorySeedCatalogueFunction",
        "LearningSeedCatalogueFunction",
    ] {
        if let Err(e) = t.cloud.invoke(seed, json!({})).await {
            panic!("{seed}: {e:?}");
        }
    }
    let tag = shared::new_id().to_lowercase();
    let mail = email(&format!("erin-{}-", &tag[20..]));
    let name = format!("Erin {}", &tag[16..]);
    // A phone no one else has: 010 and eight digits from the id.
    let digits: String = tag
        .bytes()
        .map(|b| char::from(b'0' + b % 10))
        .take(8)
        .collect();
    let phone = format!("010{digits}");
    let student = t.sign_up(&mail, &name).await;
    let other = t.sign_up(&email("olive"), "Olive").await;
    student_everywhere(&t, &admin, &student, &other, &phone).await;
    let needles = [
        ("id", student.user_id.clone()),
        ("email", mail.clone()),
        ("name", name.clone()),
        ("phone", phone.clone()),
    ];
    let before = remains(&t, &needles, "no new account yet").await;
    for table in [
        "Users",
        "Assessments",
        "Learning",
        "Notifications",
        "Community",
        "Orders",
        "Payments",
    ] {
        assert!(
            before.iter().any(|line| line.contains(table)),
            "the student has nothing in {table} to erase: {before:#?}"
        );
    }

    // A password reset asked for before the deletion, and one asked for after it (by anyone).
    let reset = || async {
        let r = t
            .call(
                "POST",
                "/v1/auth/password-reset",
                Some(json!({"email": mail})),
                None,
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.text);
    };
    reset().await;
    let deleted_at = Instant::now();
    let r = t
        .call(
            "DELETE",
            "/v1/users/me",
            Some(json!({"password": PASSWORD})),
            Some(&student.access_token),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    reset().await;
    t.sign_in(&mail, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    let refresh = t
        .call(
            "POST",
            "/v1/auth/refresh",
            Some(json!({"refreshToken": student.refresh_token})),
            None,
        )
        .await;
    let again = t.sign_up(&mail, "Someone New").await;
    assert_ne!(again.user_id, student.user_id);

    // Poll until no table holds the person (or give up and list what is left).
    let mut left = Vec::new();
    let mut erased_in = None;
    while deleted_at.elapsed() < PATIENCE {
        left = remains(&t, &needles, &again.user_id).await;
        if left.is_empty() {
            erased_in = Some(deleted_at.elapsed());
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    match erased_in {
        Some(took) => eprintln!("DELETE /v1/users/me to the last domain's erasure: {took:?}"),
        None => eprintln!(
            "after {PATIENCE:?} these still name the deleted user:\n{}",
            left.join("\n")
        ),
    }
    assert_eq!(
        refresh.status, 401,
        "a refresh token issued before the deletion still refreshes: {}",
        refresh.text
    );
    assert!(
        left.is_empty(),
        "still naming the deleted user after {PATIENCE:?}:\n{}",
        left.join("\n")
    );
    // The retained accounting records are there, anonymised.
    let orders = t.scan("OrdersTable").await;
    assert!(
        orders
            .iter()
            .any(|i| matches!(i.get("userId"), Some(AttributeValue::S(u)) if u == "deleted")),
        "no anonymised order kept: {orders:?}"
    );
}

/// The same `user_deleted` delivered twice, once the first has been handled: the second
/// succeeds in every domain (nothing in a dead-letter queue) and changes nothing.
#[tokio::test]
async fn user_deleted_delivered_twice_changes_nothing_the_second_time() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let student = t.sign_up(&email("twice"), "Tess Twice").await;
    let other = t.sign_up(&email("ollie"), "Ollie").await;
    for seed in [
        "InventorySeedCatalogueFunction",
        "LearningSeedCatalogueFunction",
    ] {
        if let Err(e) = t.cloud.invoke(seed, json!({})).await {
            panic!("{seed}: {e:?}");
        }
    }
    student_everywhere(&t, &admin, &student, &other, "01098765432").await;
    // A copy of the event, as the users outbox sends it, for the second delivery.
    let event = json!({"id": shared::new_id(), "type": "user_deleted", "occurredAt": "2026-12-03T12:00:00Z",
                       "userId": student.user_id, "data": {}});
    let r = t
        .call(
            "DELETE",
            "/v1/users/me",
            Some(json!({"password": PASSWORD})),
            Some(&student.access_token),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let needles = [("id", student.user_id.clone())];
    eventually("the first erasure", || async {
        remains(&t, &needles, "-").await.is_empty().then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let settled = canonical(every_item(&t).await);

    let sqs = t.sqs().await;
    for queue in [
        "NotificationsQueue",
        "LearningQueue",
        "AssessmentsQueue",
        "CommunityQueue",
        "OrdersQueue",
    ] {
        let Some(url) = t.cloud.queue_url(queue) else {
            panic!("no queue {queue}");
        };
        sqs.send_message()
            .queue_url(url)
            .message_body(event.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{queue}: {e:?}"));
    }
    // Every queue drained (each consumer took its copy), and nothing failed.
    for queue in [
        "NotificationsQueue",
        "LearningQueue",
        "AssessmentsQueue",
        "CommunityQueue",
        "OrdersQueue",
    ] {
        eventually(&format!("{queue} drained"), || async {
            (depth(&t, queue).await == 0).then_some(())
        })
        .await;
    }
    for dlq in [
        "NotificationsDeadLetterQueue",
        "LearningDeadLetterQueue",
        "AssessmentsDeadLetterQueue",
        "CommunityDeadLetterQueue",
        "OrdersDeadLetterQueue",
    ] {
        assert_eq!(depth(&t, dlq).await, 0, "{dlq}");
    }
    let after = canonical(every_item(&t).await);
    assert_eq!(after.len(), settled.len());
    assert!(
        after == settled,
        "the second user_deleted changed something"
    );
}

/// Items as comparable text, in one order: each item's attribute names with their strings,
/// sorted.
fn canonical(items: Vec<(String, Item)>) -> Vec<String> {
    let mut out: Vec<String> = items
        .into_iter()
        .map(|(table, item)| {
            let mut fields: Vec<String> = item
                .iter()
                .map(|(name, value)| {
                    let mut texts = Vec::new();
                    strings(value, &mut texts);
                    texts.sort();
                    format!("{name}={texts:?}")
                })
                .collect();
            fields.sort();
            format!("{table}: {}", fields.join(", "))
        })
        .collect();
    out.sort();
    out
}

/// Messages in `queue`, visible or in flight.
async fn depth(t: &TestCloud, queue: &str) -> u64 {
    let url = t
        .cloud
        .queue_url(queue)
        .unwrap_or_else(|| panic!("no queue {queue}"));
    let out = t
        .sqs()
        .await
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(
            aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{queue}: {e:?}"));
    out.attributes()
        .map(|a| a.values().filter_map(|v| v.parse::<u64>().ok()).sum())
        .unwrap_or(0)
}

/// A domain that is down when `user_deleted` arrives erases when it comes back: the event
/// waits in its queue (redelivered every second here), nothing reaches the dead-letter queue.
#[tokio::test]
async fn a_domain_down_at_the_deletion_erases_when_it_comes_back() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let student = t.sign_up(&email("down"), "Dana Down").await;
    let question = json!({"prompt": "1 + 1?", "choices": ["2", "3"], "answerIndex": 0, "skill": "fractions", "points": 1});
    let r = expect(
        201,
        &t,
        "POST",
        "/v1/assessments",
        Some(json!({"title": "Quiz", "timeLimitSeconds": 600, "questions": [question]})),
        &admin,
    )
    .await;
    let assessment = id_of(&r.body, "id");
    expect(
        200,
        &t,
        "POST",
        &format!("/v1/assessments/{assessment}/publish"),
        None,
        &admin,
    )
    .await;
    expect(
        201,
        &t,
        "POST",
        &format!("/v1/assessments/{assessment}/attempts"),
        None,
        &student,
    )
    .await;
    let url = t
        .cloud
        .queue_url("AssessmentsQueue")
        .unwrap_or_else(|| panic!("no AssessmentsQueue"));
    t.sqs()
        .await
        .set_queue_attributes()
        .queue_url(url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
            "1",
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("set_queue_attributes: {e}"));
    t.cloud.set_broken("AssessmentsEraseUserFunction", true);

    let r = t
        .call(
            "DELETE",
            "/v1/users/me",
            Some(json!({"password": PASSWORD})),
            Some(&student.access_token),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let attempts = || async {
        t.scan("AssessmentsTable")
            .await
            .into_iter()
            .filter(|i| !found_in(i, &[("id", student.user_id.clone())]).is_empty())
            .count()
    };
    // The other domains erase; assessments, down, keeps the attempt while the event waits.
    eventually("user_deleted waiting in AssessmentsQueue", || async {
        (depth(&t, "AssessmentsQueue").await == 1).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(attempts().await, 1, "erased while down");

    t.cloud.set_broken("AssessmentsEraseUserFunction", false);
    eventually("the attempt erased", || async {
        (attempts().await == 0).then_some(())
    })
    .await;
    eventually("AssessmentsQueue drained", || async {
        (depth(&t, "AssessmentsQueue").await == 0).then_some(())
    })
    .await;
    assert_eq!(depth(&t, "AssessmentsDeadLetterQueue").await, 0);
}
