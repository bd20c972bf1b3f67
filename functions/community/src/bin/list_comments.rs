//! GET /v1/community/posts/{id}/comments
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = community::App::with_cursors_from_env().await?;
    shared::http::serve(|req| community::comments::handle_list(&app, req)).await
}
