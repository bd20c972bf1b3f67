//! POST /v1/assessments/{id}/attempts
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = assessments::App::from_env().await?;
    shared::http::serve(|req| assessments::attempts::handle_start(&app, req)).await
}
