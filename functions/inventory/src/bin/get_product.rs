//! GET /v1/products/{id}
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = inventory::App::from_env().await?;
    shared::http::serve(|req| inventory::products::handle_get(&app, req)).await
}
