//! DELETE /v1/users/me
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = users::App::from_env().await?;
    shared::http::serve(|req| users::delete_account::handle(&app, req)).await
}
