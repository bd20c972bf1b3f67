//! Publishes the payments table's outbox items from its stream (see shared::outbox).
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    shared::outbox::run_relay().await
}
