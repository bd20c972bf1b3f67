//! One flow, one id (issue 15): sign-up's `x-request-id` is the correlation id of every hop
//! it causes (the users outbox relay, the notifications consumer); each invocation ends with
//! one EMF line naming its Lambda request id, its flow and what it consumed; and the X-Ray
//! header of the hop that wrote an event travels with its SQS message (`AWSTraceHeader`).

use std::time::{Duration, Instant};

use aws_sdk_sqs::types::MessageSystemAttributeName;
use e2e::{NOTIFICATIONS_CONSUMER, TestCloud, email};
use serde_json::Value;

const SIGN_UP: &str = "UsersSignUpFunction";
const RELAY: &str = "UsersOutboxRelayFunction";

/// A JSON line a function logged: `[LogicalId] {...}` in the local cloud's log.
struct Line {
    function: String,
    json: Value,
}

impl Line {
    fn is_emf(&self) -> bool {
        self.json.get("_aws").is_some()
    }

    /// The flow the line names: its own field, or its span's.
    fn correlation_id(&self) -> Option<&str> {
        self.json["correlationId"]
            .as_str()
            .or_else(|| self.json["span"]["correlationId"].as_str())
    }

    /// Whether the line is of flow `id` (an EMF line of a batch lists all its flows).
    fn of_flow(&self, id: &str) -> bool {
        self.correlation_id() == Some(id)
            || self.json["correlationIds"]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|i| i == id))
    }
}

fn lines(t: &TestCloud) -> Vec<Line> {
    t.logs()
        .lines()
        .filter_map(|line| {
            let (function, rest) = line.strip_prefix('[')?.split_once("] ")?;
            let json: Value = serde_json::from_str(rest).ok()?;
            json.is_object().then(|| Line {
                function: function.to_owned(),
                json,
            })
        })
        .collect()
}

/// The logs once `done` holds of them; fails with the last lines after 20 s.
async fn until_logged(t: &TestCloud, what: &str, done: impl Fn(&[Line]) -> bool) -> Vec<Line> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let lines = lines(t);
        if done(&lines) {
            return lines;
        }
        assert!(
            Instant::now() < deadline,
            "{what}; last lines:\n{}",
            t.log_tail(40)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Signs up and returns the response's `x-request-id`.
async fn sign_up(t: &TestCloud, tag: &str) -> String {
    let r = t
        .call(
            "POST",
            "/v1/auth/sign-up",
            Some(
                serde_json::json!({"email": email(tag), "password": e2e::PASSWORD, "name": "Flo"}),
            ),
            None,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.header("x-request-id").unwrap_or_default().to_owned();
    assert!(!id.is_empty(), "{:?}", r.headers);
    id
}

#[tokio::test]
async fn sign_ups_request_id_is_the_correlation_id_of_every_hop_to_the_welcome() {
    let t = TestCloud::start().await;
    let flow = sign_up(&t, "flow").await;

    // The consumer's welcome: its log line, and its invocation's EMF line.
    let welcomed = |lines: &[Line]| {
        lines.iter().any(|l| {
            l.function == NOTIFICATIONS_CONSUMER
                && l.json["eventType"] == "welcome"
                && l.correlation_id() == Some(flow.as_str())
        })
    };
    let lines = until_logged(
        &t,
        "the consumer handling the welcome in the flow",
        |lines| {
            welcomed(lines)
                && lines
                    .iter()
                    .filter(|l| l.function == NOTIFICATIONS_CONSUMER && l.is_emf())
                    .filter(|l| l.of_flow(&flow))
                    .count()
                    >= 2
        },
    )
    .await;

    // Every line the consumer logged while handling a message names the flow: its two
    // messages (welcome and email_verification) are both of it.
    let consumer: Vec<&Line> = lines
        .iter()
        .filter(|l| l.function == NOTIFICATIONS_CONSUMER && l.json["span"]["name"] == "message")
        .collect();
    assert!(!consumer.is_empty());
    for line in &consumer {
        assert_eq!(line.correlation_id(), Some(flow.as_str()), "{}", line.json);
    }
    let consumer_emf: Vec<&Line> = lines
        .iter()
        .filter(|l| l.function == NOTIFICATIONS_CONSUMER && l.is_emf() && l.of_flow(&flow))
        .collect();
    for line in &consumer_emf {
        let emf = &line.json;
        assert!(
            emf["requestId"]
                .as_str()
                .is_some_and(|id| !id.is_empty() && id != flow)
        );
        assert_eq!(emf["MessagesProcessed"], 1.0, "{emf}");
        assert!(
            emf["DynamoReadUnits"].as_f64().is_some_and(|u| u > 0.0),
            "{emf}"
        );
        assert!(
            emf["DynamoWriteUnits"].as_f64().is_some_and(|u| u > 0.0),
            "{emf}"
        );
    }

    // Sign-up logs ONE EMF line: the route's latency and errors, with its Lambda request id
    // (not API Gateway's, which is the flow's) and what it consumed beside them.
    let sign_up_emf: Vec<&Line> = lines
        .iter()
        .filter(|l| l.function == SIGN_UP && l.is_emf())
        .collect();
    assert_eq!(sign_up_emf.len(), 1, "one line per request");
    let emf = &sign_up_emf[0].json;
    assert_eq!(emf["Route"], "POST /v1/auth/sign-up");
    assert_eq!(emf["correlationId"], flow.as_str());
    let lambda_request = emf["requestId"].as_str().unwrap_or_default();
    assert!(
        !lambda_request.is_empty() && lambda_request != flow,
        "{emf}"
    );
    assert!(
        emf["DynamoWriteUnits"].as_f64().is_some_and(|u| u > 0.0),
        "{emf}"
    );
    assert!(emf["DynamoReadUnits"].as_f64().is_some(), "{emf}");
    assert_eq!(emf["SqsRequests"], 0, "{emf}");
    assert!(emf["Latency"].as_f64().is_some(), "{emf}");
    assert_eq!(emf["ServerErrors"], 0.0);
    // Its other lines carry the flow through the request span.
    for line in lines
        .iter()
        .filter(|l| l.function == SIGN_UP && !l.is_emf())
    {
        assert_eq!(line.correlation_id(), Some(flow.as_str()), "{}", line.json);
    }

    // The relay sent the flow's two events with two SQS requests, and deleted both items.
    let relay = until_logged(&t, "the relay's EMF line", |lines| {
        lines
            .iter()
            .any(|l| l.function == RELAY && l.is_emf() && l.of_flow(&flow))
    })
    .await;
    let (sent, deleted) = relay
        .iter()
        .filter(|l| l.function == RELAY && l.is_emf() && l.of_flow(&flow))
        .fold((0.0, 0.0), |(sent, deleted), l| {
            (
                sent + l.json["SqsRequests"].as_f64().unwrap_or_default(),
                deleted + l.json["DynamoWriteUnits"].as_f64().unwrap_or_default(),
            )
        });
    assert!(sent >= 2.0, "{sent}");
    assert!(deleted >= 2.0, "{deleted}");
}

/// The X-Ray header of the invocation that wrote the events is on their SQS messages: the
/// relay handed it to SQS as `AWSTraceHeader` (the local SQS keeps and returns it).
#[tokio::test]
async fn the_trace_header_of_the_hop_that_wrote_an_event_travels_with_its_message() {
    let t = TestCloud::start_with(|o| {
        o.disabled_event_sources
            .insert(NOTIFICATIONS_CONSUMER.into());
    })
    .await;
    let flow = sign_up(&t, "trace").await;
    let url = t
        .cloud
        .queue_url("NotificationsQueue")
        .unwrap_or_else(|| panic!("no notifications queue"));
    let sqs = t.sqs().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut messages = Vec::new();
    while messages.len() < 2 && Instant::now() < deadline {
        let out = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .unwrap_or_else(|e| panic!("receive: {e}"));
        messages.extend(out.messages.unwrap_or_default());
    }
    assert_eq!(messages.len(), 2, "welcome and email_verification");
    let mut headers = Vec::new();
    for m in &messages {
        let body: Value = serde_json::from_str(m.body().unwrap_or_default()).unwrap_or_default();
        assert_eq!(body["correlationId"], flow.as_str(), "{body}");
        let header = m
            .attributes()
            .and_then(|a| a.get(&MessageSystemAttributeName::AwsTraceHeader))
            .cloned()
            .unwrap_or_default();
        assert!(
            header.starts_with("Root=1-") && header.contains(";Parent="),
            "{header:?}"
        );
        headers.push(header);
    }
    // Both events were written by the one sign-up invocation: one trace.
    assert_eq!(headers[0], headers[1]);
}

/// A seed starts a flow of its own: its Lambda request id is the correlation id of its lines.
#[tokio::test]
async fn a_seed_is_a_flow_of_its_own() {
    let (t, _admin) = TestCloud::start_with_admin().await;
    let lines = until_logged(&t, "the admin seed's EMF line", |lines| {
        lines
            .iter()
            .any(|l| l.function == "UsersSeedAdminFunction" && l.is_emf())
    })
    .await;
    let emf = lines
        .iter()
        .find(|l| l.function == "UsersSeedAdminFunction" && l.is_emf())
        .map(|l| &l.json)
        .unwrap_or_else(|| panic!("no EMF line"));
    let request_id = emf["requestId"].as_str().unwrap_or_default();
    assert!(!request_id.is_empty(), "{emf}");
    assert_eq!(emf["correlationId"], request_id, "{emf}");
    assert!(
        emf["DynamoWriteUnits"].as_f64().is_some_and(|u| u > 0.0),
        "{emf}"
    );
    for line in lines
        .iter()
        .filter(|l| l.function == "UsersSeedAdminFunction" && l.json["span"].is_object())
    {
        assert_eq!(line.correlation_id(), Some(request_id), "{}", line.json);
    }
}

/// A sign-in writes 6 units, each one needed: the attempt reserved (1) and cleared (1),
/// the session's family and its first token as two conditional puts (1 each, and 1 each for
/// their `UserIndex` entry). In one transaction the two cost 6 (DynamoDB bills a
/// transaction's items double); nothing needs them together (see users' `start_session`).
#[tokio::test]
async fn a_sign_in_writes_its_session_without_a_transaction() {
    let t = TestCloud::start().await;
    let address = email("units");
    t.sign_up(&address, "Una").await;
    let r = t.sign_in(&address, e2e::PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let flow = r.header("x-request-id").unwrap_or_default().to_owned();
    // The session works: its refresh token trades for a new pair.
    let refreshed = t
        .call(
            "POST",
            "/v1/auth/refresh",
            Some(serde_json::json!({"refreshToken": r.body["refreshToken"]})),
            None,
        )
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);

    let lines = until_logged(&t, "the sign-in's EMF line", |lines| {
        lines
            .iter()
            .any(|l| l.function == "UsersSignInFunction" && l.is_emf() && l.of_flow(&flow))
    })
    .await;
    let emf = lines
        .iter()
        .find(|l| l.function == "UsersSignInFunction" && l.is_emf() && l.of_flow(&flow))
        .map(|l| &l.json);
    assert_eq!(
        emf.and_then(|e| e["DynamoWriteUnits"].as_f64()),
        Some(6.0),
        "{emf:?}"
    );
}
