//! GET /v1/learning/plan
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = learning::App::from_env().await?;
    shared::http::serve(|req| learning::progress::handle_plan(&app, req)).await
}
