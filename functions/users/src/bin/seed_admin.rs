//! Creates or promotes the admin named by ADMIN_EMAIL (invoked by hand or by `make dev`).
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let app = users::App::from_env().await?;
    let secrets = shared::secrets::Secrets::new(&shared::dynamo::sdk_config().await);
    let (app, secrets) = (&app, &secrets);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        shared::invocation::start_flow(event, move |_| async move {
            // An operator reads this answer, so it carries the cause (never a secret).
            users::seed_admin::seed_admin(app, secrets)
                .await
                .map_err(|e| e.to_string())
        })
    }))
    .await
}
