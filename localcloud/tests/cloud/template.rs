use localcloud::{Cloud, CloudOptions, dynamo_with_tables};

fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_template_starts_with_its_tables_queues_routes_and_keys() {
    let cloud = Cloud::start(CloudOptions::for_tests(&project_root()))
        .await
        .unwrap();
    assert!(
        cloud
            .table_name("UsersTable")
            .unwrap()
            .ends_with("UsersTable")
    );
    assert!(
        cloud
            .queue_url("NotificationsQueue")
            .unwrap()
            .starts_with(&cloud.sqs_endpoint())
    );
    assert!(cloud.queue_url("NotificationsDeadLetterQueue").is_some());
    assert!(
        cloud
            .parameter("JwtSigningKeyId")
            .unwrap()
            .starts_with("local-")
    );
    assert_eq!(cloud.parameter("Stage").as_deref(), Some("dev"));
    let routes = cloud.routes();
    assert!(
        routes
            .iter()
            .any(|(key, f)| key == "POST /v1/auth/sign-up" && f == "UsersSignUpFunction"),
        "{routes:?}"
    );
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamo_fixture_creates_the_templates_tables() {
    let fixture = dynamo_with_tables(&project_root().join("template.yaml"))
        .await
        .unwrap();
    let table = fixture.tables["UsersTable"].clone();
    let client = fixture.client().await;
    let described = client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let t = described.table().unwrap();
    assert_eq!(t.key_schema().len(), 2);
    assert!(t.latest_stream_arn().is_some());
    let ttl = client
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description().unwrap().attribute_name(),
        Some("expiresAt")
    );
}

/// The template's sender identity exists in moto, so a message sent from it is accepted
/// (moto refuses an unknown sender), and the mail catcher shows it with both its parts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_sent_from_the_templates_sender_shows_at_the_mail_catcher() {
    use base64::Engine;
    let cloud = Cloud::start(CloudOptions::for_tests(&project_root()))
        .await
        .unwrap();
    let sender = cloud.parameter("EmailSender").unwrap();
    let to = format!(
        "{}@example.com",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    let raw = format!(
        "From: {sender}\r\nTo: {to}\r\nDate: Thu, 03 Dec 2026 09:40:00 +0000\r\nSubject: =?UTF-8?B?7J2066mU7J28IOyduOymnQ==?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\ncode 123456\r\n--b\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>code <b>123456</b></p>\r\n--b--\r\n"
    );
    let http = reqwest::Client::new();
    let send = |from: String| {
        let body = serde_json::json!({
            "FromEmailAddress": from,
            "Destination": { "ToAddresses": [to] },
            "Content": { "Raw": { "Data": base64::engine::general_purpose::STANDARD.encode(&raw) } },
        });
        http.post(format!("{}/v2/email/outbound-emails", cloud.sqs_endpoint()))
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=0",
            )
            .json(&body)
            .send()
    };
    let unknown = send("nobody@elsewhere.example".into()).await.unwrap();
    assert!(
        !unknown.status().is_success(),
        "moto refuses an unknown sender"
    );
    let sent = send(sender.clone()).await.unwrap();
    assert!(sent.status().is_success(), "{}", sent.text().await.unwrap());

    let mail_url = format!("{}/_localcloud/mail", cloud.base_url());
    let response = http.get(&mail_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let mail: Vec<serde_json::Value> = response.json().await.unwrap();
    let mine: Vec<_> = mail.iter().filter(|m| m["to"][0] == to.as_str()).collect();
    assert_eq!(mine.len(), 1, "{mail:?}");
    assert_eq!(mine[0]["subject"], "이메일 인증");
    assert_eq!(mine[0]["text"], "code 123456");
    assert_eq!(mine[0]["html"], "<p>code <b>123456</b></p>");
    assert_eq!(mine[0]["sentAt"], "2026-12-03T09:40:00Z");
    // Only GET; the path is no route of the template.
    assert_ne!(http.post(&mail_url).send().await.unwrap().status(), 200);
    cloud.shutdown().await;
}
