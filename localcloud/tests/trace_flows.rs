//! Flows of the project's template through the local cloud with a state dir, as
//! `make dev` runs them, and what `localcloud trace` makes of their invocations.jsonl.
//!
//! Needs the function binaries in target/debug (`make build`, as `make test` does first).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use localcloud::invocations::{InvocationRecord, Trigger};
use localcloud::trace::Journal;
use localcloud::{Cloud, CloudOptions};
use serde_json::{Value, json};

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn journal(state: &Path) -> Journal {
    Journal::parse(&std::fs::read_to_string(state.join("invocations.jsonl")).unwrap_or_default())
}

fn of<'a>(journal: &'a Journal, function: &str) -> Vec<&'a InvocationRecord> {
    journal
        .invocations
        .iter()
        .filter(|r| r.function == function)
        .collect()
}

/// Waits until `done` holds for the journal, or 30 s pass.
async fn journal_until(state: &Path, done: impl Fn(&Journal) -> bool) -> Journal {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = journal(state);
        if done(&now) || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_up_is_traced_from_its_request_to_the_notifications() {
    let state = std::env::temp_dir().join(format!("lc-trace-{}", ulid::Ulid::new()));
    let mut options = CloudOptions::for_tests(&project_root());
    options.state_dir = Some(state.clone());
    let cloud = Cloud::start(options)
        .await
        .unwrap_or_else(|e| panic!("local cloud: {e:#}"));
    let email = format!("trace-{}@example.com", ulid::Ulid::new()).to_lowercase();
    let response = reqwest::Client::new()
        .post(format!("{}/v1/auth/sign-up", cloud.base_url()))
        .json(&json!({"email": email, "password": "correct horse battery staple", "name": "Tracy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();

    // Sign-up queues two events (welcome, email_verification): the relay publishes them
    // and the notifications consumer takes what the relay published, under the same ids.
    let consumed = |j: &Journal| {
        let relayed: Vec<&String> = of(j, "UsersOutboxRelayFunction")
            .iter()
            .flat_map(|r| r.correlation_ids.iter())
            .collect();
        !relayed.is_empty()
            && relayed.iter().all(|id| {
                of(j, "NotificationsConsumerFunction")
                    .iter()
                    .any(|c| c.correlation_ids.contains(id))
            })
    };
    let journal = journal_until(&state, consumed).await;
    assert!(consumed(&journal), "{:#?}", journal.invocations);

    let sign_up = of(&journal, "UsersSignUpFunction");
    assert_eq!(sign_up.len(), 1);
    let sign_up = sign_up[0];
    assert_eq!(
        sign_up.trigger,
        Trigger::Http {
            route: "POST /v1/auth/sign-up".into()
        }
    );
    assert_eq!(sign_up.correlation_ids, std::slice::from_ref(&request_id));
    assert_eq!(sign_up.memory_mb, 512);
    assert!(sign_up.cold && sign_up.init_ms.is_some());
    let relay = of(&journal, "UsersOutboxRelayFunction")[0];
    assert!(matches!(&relay.trigger, Trigger::Stream { table } if table.ends_with("UsersTable")));
    assert!(relay.start >= sign_up.end, "{relay:?} {sign_up:?}");
    let consumer = of(&journal, "NotificationsConsumerFunction")[0];
    assert!(
        matches!(&consumer.trigger, Trigger::Sqs { queue } if queue.ends_with("NotificationsQueue"))
    );
    assert!(consumer.start >= relay.start);
    // The mapping received and deleted the consumer's batch.
    assert!(consumer.sqs_requests >= 2, "{consumer:?}");

    let flow = journal.flow(&request_id).unwrap();
    let functions: Vec<&str> = flow
        .hops
        .iter()
        .map(|h| h.record.function.as_str())
        .collect();
    // The functions pass the request's id on: one flow from the request to the
    // notifications, in order.
    assert_eq!(
        functions[..3],
        [
            "UsersSignUpFunction",
            "UsersOutboxRelayFunction",
            "NotificationsConsumerFunction"
        ],
        "{functions:?}"
    );
    assert!(
        functions[3..]
            .iter()
            .all(|f| *f == "NotificationsConsumerFunction")
    );
    // The functions' EMF records: sign-up writes, the relay sends.
    assert!(
        flow.hops[0].consumption.write_units > 0.0,
        "{:?}",
        flow.hops[0]
    );
    assert!(
        flow.hops[1].consumption.sqs_requests > 0.0,
        "{:?}",
        flow.hops[1]
    );
    let bill = flow.bill(&localcloud::trace::prices().unwrap()).unwrap();
    let total: f64 = bill.iter().map(|l| l.usd).sum();
    assert!(total > 0.0, "{bill:?}");
    let text = localcloud::trace::trace(&state, &request_id).unwrap();
    assert!(
        text.contains("UsersSignUpFunction (http POST /v1/auth/sign-up), cold"),
        "{text}"
    );
    assert!(text.contains("per million such flows"), "{text}");
    println!("{text}");
    cloud.shutdown().await;
    let _ = std::fs::remove_dir_all(state);
}

async fn call(
    cloud: &Cloud,
    method: &str,
    path: &str,
    body: Value,
    token: Option<&str>,
) -> (Value, String) {
    let mut request = reqwest::Client::new()
        .request(
            method.parse().unwrap(),
            format!("{}{path}", cloud.base_url()),
        )
        .header("idempotency-key", format!("k-{}", ulid::Ulid::new()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if !body.is_null() {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {path}: {status} {body}");
    (body, request_id)
}

/// Signs up or in, and returns the session's access token.
async fn access_token(cloud: &Cloud, path: &str, account: Value) -> String {
    let (session, _) = call(cloud, "POST", path, account, None).await;
    session["accessToken"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_traced_from_its_request_to_the_notification_of_order_confirmed() {
    let state = std::env::temp_dir().join(format!("lc-trace-{}", ulid::Ulid::new()));
    let mut options = CloudOptions::for_tests(&project_root());
    options.state_dir = Some(state.clone());
    let password = "correct horse battery staple";
    options
        .parameter_overrides
        .insert("AdminEmail".into(), "admin@studyloop.test".into());
    options
        .parameter_overrides
        .insert("AdminPassword".into(), password.into());
    let cloud = Cloud::start(options)
        .await
        .unwrap_or_else(|e| panic!("local cloud: {e:#}"));
    cloud.seed("UsersSeedAdminFunction").await.unwrap();
    let admin_account = json!({"email": "admin@studyloop.test", "password": password});
    let admin = access_token(&cloud, "/v1/auth/sign-in", admin_account).await;
    let (product, _) = call(
        &cloud,
        "POST",
        "/v1/products",
        json!({"name": "Trace", "price": {"amount": 19000, "currency": "KRW"}, "stock": 5}),
        Some(&admin),
    )
    .await;
    let email = format!("order-{}@example.com", ulid::Ulid::new()).to_lowercase();
    let student_account = json!({"email": email, "password": password, "name": "Otto"});
    let student = access_token(&cloud, "/v1/auth/sign-up", student_account).await;
    let (_, request_id) = call(
        &cloud,
        "POST",
        "/v1/orders",
        json!({"productId": product["id"], "quantity": 1, "paymentToken": "tok_ok"}),
        Some(&student),
    )
    .await;

    // The inbox shows order_confirmed once the notifications consumer has taken it.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (inbox, _) = call(
            &cloud,
            "GET",
            "/v1/notifications?limit=100",
            Value::Null,
            Some(&student),
        )
        .await;
        let items = inbox["items"].as_array().cloned().unwrap_or_default();
        if items.iter().any(|i| i["type"] == "order_confirmed") {
            break;
        }
        assert!(Instant::now() < deadline, "no order_confirmed in {inbox}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Its record is written as the consumer's invocation ends.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let journal = journal(&state);
    let flow = journal.flow(&request_id).unwrap();
    let functions: Vec<&str> = flow
        .hops
        .iter()
        .map(|h| h.record.function.as_str())
        .collect();
    assert_eq!(functions[0], "OrdersCreateOrderFunction", "{functions:?}");
    assert!(
        matches!(&flow.hops[0].record.trigger, Trigger::Http { route } if route == "POST /v1/orders")
    );
    for hop in &flow.hops[1..] {
        assert!(hop.record.start >= flow.hops[0].record.end, "{hop:?}");
        assert!(
            !matches!(hop.record.trigger, Trigger::Http { .. }),
            "{hop:?}"
        );
    }
    for function in [
        "OrdersSagaOrchestratorFunction",
        "NotificationsConsumerFunction",
    ] {
        assert!(
            functions.contains(&function),
            "{function} not in {functions:?}"
        );
    }
    let text = localcloud::trace::trace(&state, &request_id).unwrap();
    assert!(text.contains("per million such flows"), "{text}");
    println!("{text}");
    cloud.shutdown().await;
    let _ = std::fs::remove_dir_all(state);
}
