//! POST /v1/auth/sign-in
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = users::App::with_signer_from_env().await?;
    shared::http::serve(|req| users::sign_in::handle(&app, req)).await
}
