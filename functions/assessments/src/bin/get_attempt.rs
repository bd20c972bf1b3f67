//! GET /v1/attempts/{attemptId}
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = assessments::App::from_env().await?;
    shared::http::serve(|req| assessments::attempts::handle_get(&app, req)).await
}
