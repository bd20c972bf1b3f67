//! POST /v1/auth/refresh
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = users::App::with_signer_from_env().await?;
    shared::http::serve(|req| users::sessions::handle_refresh(&app, req)).await
}
