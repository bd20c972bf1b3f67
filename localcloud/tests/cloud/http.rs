use std::time::Duration;

use localcloud::InvokeError;
use serde_json::{Value, json};

use crate::support::{await_logs, fixture_cloud, fixture_options};

async fn post(base: &str, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn echoed(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_delivers_a_v2_event_and_returns_the_functions_response() {
    let cloud = fixture_cloud().await;
    let response = reqwest::Client::new()
        .get(format!("{}/echo/a%20b?x=1&x=2", cloud.base_url()))
        .header("cookie", "c=1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["set-cookie"], "echo=1");
    assert!(response.headers().contains_key("apigw-requestid"));
    let body = echoed(response).await;
    let event = &body["event"];
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "GET /echo/{id}");
    assert_eq!(event["rawPath"], "/echo/a%20b");
    assert_eq!(event["pathParameters"], json!({"id": "a b"}));
    assert_eq!(event["queryStringParameters"], json!({"x": "1,2"}));
    assert_eq!(event["cookies"], json!(["c=1"]));
    assert_eq!(event["requestContext"]["http"]["method"], "GET");

    let greedy = reqwest::get(format!("{}/files/a/b.txt", cloud.base_url()))
        .await
        .unwrap();
    let body = echoed(greedy).await;
    assert_eq!(body["event"]["pathParameters"]["proxy"], "a/b.txt");
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_stay_warm_between_requests() {
    let cloud = fixture_cloud().await;
    let first = echoed(post(&cloud.base_url(), "/echo/1", json!({})).await).await;
    let second = echoed(post(&cloud.base_url(), "/echo/2", json!({})).await).await;
    assert_eq!(first["pid"], second["pid"]);
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_is_a_502_and_the_next_request_gets_a_fresh_instance() {
    let cloud = fixture_cloud().await;
    let before = echoed(post(&cloud.base_url(), "/echo/1", json!({})).await).await;
    let crashed = post(&cloud.base_url(), "/echo/1", json!({"action": "crash"})).await;
    assert_eq!(crashed.status(), 502);
    assert_eq!(
        crashed.headers()["content-type"],
        "application/problem+json"
    );
    let request_id = crashed.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let problem: Value = crashed.json().await.unwrap();
    assert_eq!(problem["code"], "bad_gateway");
    assert_eq!(problem["requestId"], request_id.as_str());
    let after = echoed(post(&cloud.base_url(), "/echo/1", json!({})).await).await;
    assert_ne!(before["pid"], after["pid"]);
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_is_a_504() {
    let cloud = fixture_cloud().await;
    let started = std::time::Instant::now();
    let response = post(&cloud.base_url(), "/echo/1", json!({"action": "sleep"})).await;
    assert_eq!(response.status(), 504);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "gateway_timeout");
    // Timeout: 2 in the fixture; the instance was killed, not waited for.
    assert!(started.elapsed() < Duration::from_secs(8));
    echoed(post(&cloud.base_url(), "/echo/1", json!({})).await).await;
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_wrong_methods_and_huge_bodies_get_gateway_problems() {
    let cloud = fixture_cloud().await;
    let client = reqwest::Client::new();
    let missing = client
        .get(format!("{}/nowhere", cloud.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().contains_key("x-request-id"));
    let problem: Value = missing.json().await.unwrap();
    assert_eq!(problem["code"], "not_found");
    assert_eq!(problem["type"], "about:blank");

    let wrong_method = client
        .delete(format!("{}/echo/1", cloud.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 404);

    let huge = client
        .post(format!("{}/echo/1", cloud.base_url()))
        .body(vec![b'x'; 10 * 1024 * 1024 + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    let problem: Value = huge.json().await.unwrap();
    assert_eq!(problem["code"], "payload_too_large");

    let health = client
        .get(format!("{}/__localcloud/health", cloud.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        health.json::<Value>().await.unwrap(),
        json!({"status": "ok"})
    );
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_preflight_and_response_headers_follow_the_template() {
    let cloud = fixture_cloud().await;
    let client = reqwest::Client::new();
    let preflight = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/echo/1", cloud.base_url()),
        )
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(
        preflight.headers()["access-control-allow-methods"],
        "GET,POST"
    );
    assert_eq!(preflight.headers()["access-control-max-age"], "600");

    let allowed = client
        .get(format!("{}/echo/1", cloud.base_url()))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-expose-headers"],
        "x-request-id"
    );
    let other = client
        .get(format!("{}/echo/1", cloud.base_url()))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(!other.headers().contains_key("access-control-allow-origin"));
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_and_broken_functions_fail_only_their_invocations() {
    let cloud = fixture_cloud().await;
    cloud.inject_fault("EchoFunction", "after_write", 1);
    assert_eq!(
        post(&cloud.base_url(), "/echo/1", json!({})).await.status(),
        502
    );
    echoed(post(&cloud.base_url(), "/echo/1", json!({})).await).await;
    assert_eq!(
        await_logs(&cloud, "[EchoFunction] fault injected at after_write", 1).await,
        1
    );

    cloud.set_broken("EchoFunction", true);
    assert_eq!(
        post(&cloud.base_url(), "/echo/1", json!({})).await.status(),
        502
    );
    let direct = cloud.invoke("EchoFunction", json!({})).await;
    assert!(
        matches!(
            direct,
            Err(InvokeError::Crashed { .. } | InvokeError::InitFailed { .. })
        ),
        "{direct:?}"
    );
    cloud.set_broken("EchoFunction", false);
    echoed(post(&cloud.base_url(), "/echo/1", json!({})).await).await;
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_get_a_clean_environment_and_their_output_is_captured() {
    let mut opts = fixture_options();
    opts.parameter_overrides
        .insert("SecretValue".into(), "hunter2-very-secret".into());
    let cloud = localcloud::Cloud::start(opts).await.unwrap();
    assert_eq!(
        cloud.parameter("SecretValue").as_deref(),
        Some("hunter2-very-secret")
    );
    let result = cloud
        .invoke("EchoFunction", json!({"hello": 1}))
        .await
        .unwrap();
    assert_eq!(result["statusCode"], 200);
    assert_eq!(
        await_logs(&cloud, "[EchoFunction] secret env present: true", 1).await,
        1
    );
    assert!(cloud.logs().iter().all(|l| !l.contains("hunter2")));
    assert!(matches!(
        cloud.invoke("NoSuchFunction", json!({})).await,
        Err(InvokeError::UnknownFunction(_))
    ));
    cloud.shutdown().await;
}
