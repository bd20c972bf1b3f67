//! Publishes the inventory table's outbox items (the stock step's replies) from its stream.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    shared::outbox::run_relay().await
}
