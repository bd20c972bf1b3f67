//! Publishes the orders table's outbox items (saga commands to inventory and payments,
//! order events to notifications) from its stream (see shared::outbox).
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    shared::outbox::run_relay().await
}
