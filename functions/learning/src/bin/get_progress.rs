//! GET /v1/learning/progress
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = learning::App::from_env().await?;
    shared::http::serve(|req| learning::progress::handle_progress(&app, req)).await
}
