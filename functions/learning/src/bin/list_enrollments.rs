//! GET /v1/learning/enrollments
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = learning::App::with_cursors_from_env().await?;
    shared::http::serve(|req| learning::enrollments::handle_list(&app, req)).await
}
