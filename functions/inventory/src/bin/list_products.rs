//! GET /v1/products
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = inventory::App::with_cursors_from_env().await?;
    shared::http::serve(|req| inventory::products::handle_list(&app, req)).await
}
