//! GET /v1/assessments
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = assessments::App::with_cursors_from_env().await?;
    shared::http::serve(|req| assessments::authoring::handle_list(&app, req)).await
}
