//! `GET /v1/learning/plan` and `GET /v1/learning/progress`.

use http::StatusCode;
use lambda_http::Request;
use shared::http::{HttpResult, json};

use crate::model::{Plan, Progress};
use crate::planning::streak_days;
use crate::{App, Error, epoch_day};

/// Read one's training plan
///
/// The caller's current (newest) plan, built from their latest graded assessment attempt;
/// a 404 until the first one is built.
#[utoipa::path(
    get,
    path = "/v1/learning/plan",
    tag = "learning",
    operation_id = "getPlan",
    security(("bearer" = [])),
    responses((status = 200, description = "The current plan.", body = Plan)),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle_plan(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let stored = app
        .store
        .current_plan(&caller.user_id)
        .await?
        .ok_or(Error::NoPlan)?;
    json(StatusCode::OK, &stored.plan)
}

/// Read one's progress
///
/// Per skill trained: the highest level mastered and the sessions submitted; and the streak
/// of days with a submitted session.
#[utoipa::path(
    get,
    path = "/v1/learning/progress",
    tag = "learning",
    operation_id = "getProgress",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller's progress.", body = Progress)),
)]
pub async fn handle_progress(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let skills = app.store.progress(&caller.user_id).await?;
    let days = app.store.training_days(&caller.user_id).await?;
    let streak = streak_days(&days, epoch_day(app.clock.now()));
    json(
        StatusCode::OK,
        &Progress {
            skills,
            streak_days: streak,
        },
    )
}
