//! PUT /v1/attempts/{attemptId}/answers/{questionId}
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = assessments::App::from_env().await?;
    shared::http::serve(|req| assessments::attempts::handle_save_answer(&app, req)).await
}
