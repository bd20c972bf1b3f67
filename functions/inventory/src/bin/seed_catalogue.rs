//! Seeds the demo products (invoked by hand or by `make dev`).
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let app = inventory::App::from_env().await?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        shared::invocation::start_flow(event, move |_| async move {
            // An operator reads this answer, so it carries the cause.
            inventory::seed::seed_catalogue(app)
                .await
                .map_err(|e| e.to_string())
        })
    }))
    .await
}
