//! POST /v1/orders
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = orders::App::from_env().await?;
    shared::http::serve(|req| orders::place::handle_place(&app, req)).await
}
