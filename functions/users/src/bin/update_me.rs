//! PATCH /v1/users/me
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = users::App::from_env().await?;
    shared::http::serve(|req| users::profile::handle_update(&app, req)).await
}
