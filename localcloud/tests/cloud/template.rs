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
