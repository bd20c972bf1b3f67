//! POST /v1/attempts/{attemptId}/submit
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = assessments::App::from_env().await?;
    shared::http::serve(|req| assessments::submit::handle(&app, req)).await
}
