//! POST /v1/assessments (admin)
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = assessments::App::from_env().await?;
    shared::http::serve(|req| assessments::authoring::handle_create(&app, req)).await
}
