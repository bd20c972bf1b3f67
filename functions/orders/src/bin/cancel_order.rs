//! POST /v1/orders/{id}/cancel
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = orders::App::from_env().await?;
    shared::http::serve(|req| orders::cancel::handle_cancel(&app, req)).await
}
