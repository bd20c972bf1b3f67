//! GET /v1/orders
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = orders::App::with_cursors_from_env().await?;
    shared::http::serve(|req| orders::view::handle_list(&app, req)).await
}
