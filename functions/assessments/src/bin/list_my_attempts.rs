//! GET /v1/users/me/attempts
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = assessments::App::with_cursors_from_env().await?;
    shared::http::serve(|req| assessments::attempts::handle_list_mine(&app, req)).await
}
