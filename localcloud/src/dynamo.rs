//! DynamoDB: dynoxide embedded in this process, and the template's tables created in it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ScalarAttributeType, StreamSpecification,
    StreamViewType, TimeToLiveSpecification,
};
use serde_json::Value;

use crate::sdk_config;
use crate::tasks::Tasks;
use crate::template::{ACCOUNT_ID, REGION, Resolver, TABLE, Template};

/// A running dynoxide server; it stops when its tasks are aborted.
pub struct DynamoServer {
    pub endpoint: String,
    pub db: dynoxide::Database,
}

impl DynamoServer {
    /// In memory, or in `<state_dir>/dynamodb.sqlite` so data survives restarts.
    pub async fn start(
        state_dir: Option<&Path>,
        ttl_sweep: Duration,
        tasks: &Tasks,
    ) -> Result<Self> {
        let db = match state_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                let path: PathBuf = dir.join("dynamodb.sqlite");
                let path_text = path
                    .to_str()
                    .ok_or_else(|| anyhow!("{} is not UTF-8", path.display()))?;
                dynoxide::Database::new(path_text)
                    .map_err(|e| anyhow!("opening {}: {e}", path.display()))?
            }
            None => dynoxide::Database::memory().map_err(|e| anyhow!("dynoxide: {e}"))?,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the DynamoDB listener")?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let served = db.clone();
        tasks.spawn(async move {
            if let Err(e) =
                dynoxide::server::serve_with_shutdown(listener, served, std::future::pending())
                    .await
            {
                tracing::error!("DynamoDB emulator stopped: {e}");
            }
        });
        let swept = db.clone();
        tasks.spawn(async move {
            let mut tick = tokio::time::interval(ttl_sweep);
            tick.tick().await;
            loop {
                tick.tick().await;
                let db = swept.clone();
                // The sweep takes the database lock and blocks: keep it off the runtime threads.
                match tokio::task::spawn_blocking(move || db.sweep_ttl()).await {
                    Ok(Err(e)) => tracing::warn!("TTL sweep failed: {e}"),
                    Err(e) => tracing::warn!("TTL sweep panicked: {e}"),
                    Ok(Ok(_)) => {}
                }
            }
        });
        Ok(DynamoServer { endpoint, db })
    }
}

/// A created table: its local name, ARN and (when streams are on) stream ARN.
#[derive(Debug, Clone)]
pub struct TableInfo {
    pub name: String,
    pub stream_arn: Option<String>,
}

pub fn table_arn(name: &str) -> String {
    format!("arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}")
}

/// Creates every table of the template that does not exist yet (the database may persist).
pub async fn create_tables(
    client: &Client,
    template: &Template,
    resolver: &Resolver,
    names: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, TableInfo>> {
    let mut tables = BTreeMap::new();
    for (id, name, props) in resolver.named_resources(template, TABLE, names)? {
        let info = ensure_table(client, &name, &props)
            .await
            .with_context(|| format!("creating table {id} ({name})"))?;
        tables.insert(id.to_string(), info);
    }
    Ok(tables)
}

async fn ensure_table(client: &Client, name: &str, props: &Value) -> Result<TableInfo> {
    let exists = client
        .describe_table()
        .table_name(name)
        .send()
        .await
        .is_ok();
    if !exists {
        let mut req = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_key_schema(Some(key_schema(&props["KeySchema"])?))
            .set_attribute_definitions(Some(attribute_definitions(
                &props["AttributeDefinitions"],
            )?));
        for gsi in array(&props["GlobalSecondaryIndexes"]) {
            req = req.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(string(&gsi["IndexName"])?)
                    .set_key_schema(Some(key_schema(&gsi["KeySchema"])?))
                    .projection(projection(&gsi["Projection"]))
                    .build()?,
            );
        }
        for lsi in array(&props["LocalSecondaryIndexes"]) {
            req = req.local_secondary_indexes(
                LocalSecondaryIndex::builder()
                    .index_name(string(&lsi["IndexName"])?)
                    .set_key_schema(Some(key_schema(&lsi["KeySchema"])?))
                    .projection(projection(&lsi["Projection"]))
                    .build()?,
            );
        }
        if let Some(view) = props["StreamSpecification"]["StreamViewType"].as_str() {
            req = req.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(view))
                    .build()?,
            );
        }
        req.send().await.map_err(|e| anyhow!("{}", sdk_error(&e)))?;
    }
    let ttl = &props["TimeToLiveSpecification"];
    if let (Some(attribute), Some(true)) = (ttl["AttributeName"].as_str(), ttl["Enabled"].as_bool())
    {
        let current = client
            .describe_time_to_live()
            .table_name(name)
            .send()
            .await
            .map_err(|e| anyhow!("{}", sdk_error(&e)))?;
        let enabled = current
            .time_to_live_description()
            .and_then(|d| d.attribute_name())
            .is_some();
        if !enabled {
            client
                .update_time_to_live()
                .table_name(name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(attribute)
                        .enabled(true)
                        .build()?,
                )
                .send()
                .await
                .map_err(|e| anyhow!("{}", sdk_error(&e)))?;
        }
    }
    let described = client
        .describe_table()
        .table_name(name)
        .send()
        .await
        .map_err(|e| anyhow!("{}", sdk_error(&e)))?;
    Ok(TableInfo {
        name: name.to_string(),
        stream_arn: described
            .table()
            .and_then(|t| t.latest_stream_arn())
            .map(str::to_string),
    })
}

/// The service's own message, which the SDK's Display hides behind "service error".
pub fn sdk_error<E: std::error::Error + 'static>(e: &E) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn array(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn string(v: &Value) -> Result<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("expected a string, got {v}"))
}

fn key_schema(v: &Value) -> Result<Vec<KeySchemaElement>> {
    array(v)
        .iter()
        .map(|k| {
            Ok(KeySchemaElement::builder()
                .attribute_name(string(&k["AttributeName"])?)
                .key_type(KeyType::from(string(&k["KeyType"])?.as_str()))
                .build()?)
        })
        .collect()
}

fn attribute_definitions(v: &Value) -> Result<Vec<AttributeDefinition>> {
    array(v)
        .iter()
        .map(|a| {
            Ok(AttributeDefinition::builder()
                .attribute_name(string(&a["AttributeName"])?)
                .attribute_type(ScalarAttributeType::from(
                    string(&a["AttributeType"])?.as_str(),
                ))
                .build()?)
        })
        .collect()
}

fn projection(v: &Value) -> Projection {
    let kind = v["ProjectionType"].as_str().unwrap_or("ALL");
    let non_key: Vec<String> = array(&v["NonKeyAttributes"])
        .iter()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    Projection::builder()
        .projection_type(ProjectionType::from(kind))
        .set_non_key_attributes((!non_key.is_empty()).then_some(non_key))
        .build()
}

/// DynamoDB alone, with the template's tables: for handler tests that call a handler
/// in-process. Keeps the server alive until dropped.
pub struct DynamoFixture {
    pub endpoint: String,
    /// Logical id -> table name.
    pub tables: BTreeMap<String, String>,
    tasks: Arc<Tasks>,
}

impl DynamoFixture {
    /// A client for the emulator, with the same dummy credentials the functions get.
    pub async fn client(&self) -> Client {
        Client::new(&sdk_config(&self.endpoint).await)
    }
}

impl Drop for DynamoFixture {
    fn drop(&mut self) {
        self.tasks.abort_all();
    }
}

/// Starts an in-memory DynamoDB and creates the template's tables under a unique prefix.
pub async fn dynamo_with_tables(template_path: &Path) -> Result<DynamoFixture> {
    let template = Template::load(template_path)?;
    let prefix = crate::cloud::unique_prefix();
    let resolver = crate::cloud::base_resolver(
        &template,
        &BTreeMap::new(),
        None,
        &prefix,
        "http://127.0.0.1:0",
    )?;
    let tasks = Arc::new(Tasks::default());
    let server = DynamoServer::start(None, crate::cloud::DEFAULT_TTL_SWEEP, &tasks).await?;
    let client = Client::new(&sdk_config(&server.endpoint).await);
    let names = crate::cloud::resource_names(&template, &resolver, TABLE, &prefix)?;
    let created = create_tables(&client, &template, &resolver, &names).await?;
    Ok(DynamoFixture {
        endpoint: server.endpoint,
        tables: created.into_iter().map(|(id, t)| (id, t.name)).collect(),
        tasks,
    })
}
