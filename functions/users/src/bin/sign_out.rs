//! POST /v1/auth/sign-out
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = users::App::from_env().await?;
    shared::http::serve(|req| users::sessions::handle_sign_out(&app, req)).await
}
