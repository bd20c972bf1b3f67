//! POST /v1/learning/modules (admin)
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = learning::App::from_env().await?;
    shared::http::serve(|req| learning::modules::handle_create(&app, req)).await
}
