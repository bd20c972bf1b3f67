//! DELETE /v1/community/posts/{id}
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = community::App::from_env().await?;
    shared::http::serve(|req| community::delete::handle(&app, req)).await
}
