//! A Docker-free `sam local` for this project: reads template.yaml and runs it on one
//! machine. DynamoDB is dynoxide (in-process), SQS is moto (a child process), each
//! function instance is a child process talking to an emulated Lambda Runtime API, the
//! HTTP API's routes are served on one port, and the SQS and DynamoDB stream event
//! source mappings are polled like Lambda polls them. Email (SES v2) goes to the same
//! moto, and `GET /_localcloud/mail` shows what was sent.

pub mod check;
pub mod cloud;
pub mod coverage;
pub mod dynamo;
pub mod filter;
pub mod http_api;
pub mod invocations;
pub mod logs;
pub mod mappings;
pub mod ownership;
pub mod placeholders;
pub mod runtime;
pub mod secret_grants;
pub mod secrets;
pub mod ses;
pub mod sqs;
pub mod ssm;
pub mod static_files;
mod tasks;
pub mod template;
pub mod trace;

pub use cloud::{Cloud, CloudOptions, MotoMode, default_bin_dir, workspace_root};
pub use dynamo::{DynamoFixture, dynamo_with_tables};
pub use logs::LogMode;
pub use runtime::InvokeError;
pub use secrets::LocalSecrets;

/// SDK configuration for a local emulator: dummy credentials, us-east-1.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    use aws_sdk_dynamodb::config::{Credentials, Region};
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new(template::REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "localcloud"))
        .load()
        .await
}
