//! POST /v1/auth/password-reset
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = users::App::from_env().await?;
    shared::http::serve(|req| users::password_reset::handle_request(&app, req)).await
}
