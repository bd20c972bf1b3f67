//! POST /v1/assessments/{id}/publish (admin)
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = assessments::App::from_env().await?;
    shared::http::serve(|req| assessments::authoring::handle_publish(&app, req)).await
}
