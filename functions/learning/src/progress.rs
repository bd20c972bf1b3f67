//! `GET /v1/learning/plan` and `GET /v1/learning/progress`.

use http::StatusCode;
use lambda_http::Request;
use serde_json::json;
use shared::http::{HttpResult, json};

use crate::planning::streak_days;
use crate::{App, Error, epoch_day};

/// The caller's current (newest) plan; 404 until one is built.
pub async fn handle_plan(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let stored = app
        .store
        .current_plan(&caller.user_id)
        .await?
        .ok_or(Error::NoPlan)?;
    json(StatusCode::OK, &stored.plan)
}

/// `{skills: [{skill, mastery, sessions}], streakDays}`.
pub async fn handle_progress(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let skills = app.store.progress(&caller.user_id).await?;
    let days = app.store.training_days(&caller.user_id).await?;
    let streak = streak_days(&days, epoch_day(app.clock.now()));
    json(
        StatusCode::OK,
        &json!({ "skills": skills, "streakDays": streak }),
    )
}
