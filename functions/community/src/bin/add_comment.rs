//! POST /v1/community/posts/{id}/comments
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = community::App::from_env().await?;
    shared::http::serve(|req| community::comments::handle_add(&app, req)).await
}
