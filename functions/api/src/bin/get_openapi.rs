//! GET /openapi.json
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    shared::http::serve(|req| async move { api::handle_get_openapi(&req) }).await
}
