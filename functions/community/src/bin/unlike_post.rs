//! DELETE /v1/community/posts/{id}/like
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = community::App::from_env().await?;
    shared::http::serve(|req| community::likes::handle_unlike(&app, req)).await
}
