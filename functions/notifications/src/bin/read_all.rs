//! POST /v1/notifications/read-all
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = notifications::App::from_env().await?;
    shared::http::serve(|req| notifications::inbox::handle_read_all(&app, req)).await
}
