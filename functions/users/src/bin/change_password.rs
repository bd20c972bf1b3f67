//! POST /v1/users/me/password
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = users::App::from_env().await?;
    shared::http::serve(|req| users::change_password::handle(&app, req)).await
}
