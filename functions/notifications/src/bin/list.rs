//! GET /v1/notifications
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = notifications::App::with_cursors_from_env().await?;
    shared::http::serve(|req| notifications::inbox::handle_list(&app, req)).await
}
