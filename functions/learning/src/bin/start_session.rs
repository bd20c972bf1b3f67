//! POST /v1/learning/sessions
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = learning::App::from_env().await?;
    shared::http::serve(|req| learning::sessions::handle_start(&app, req)).await
}
