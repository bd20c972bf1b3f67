//! PUT /v1/notifications/preferences
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = notifications::App::from_env().await?;
    shared::http::serve(|req| notifications::preferences::handle_put(&app, req)).await
}
