//! GET /v1/orders/{id}
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = orders::App::from_env().await?;
    shared::http::serve(|req| orders::view::handle_get(&app, req)).await
}
