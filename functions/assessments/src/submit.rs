//! `POST /v1/attempts/{attemptId}/submit`: grades the saved answers and, in the same
//! transaction, queues `attempt_graded` for learning and notifications (the outbox).
//!
//! Idempotent and safe under concurrent submits: the grade is written only while the
//! attempt is `in_progress` and still at the `version` that was graded. A submit that loses
//! that race reads again and returns the grade the winner stored; so does every later one.
//! After `expiresAt` no answer can be saved, so a late submit grades what was saved in time.

use http::StatusCode;
use lambda_http::{Request, RequestExt};
use serde_json::json;
use shared::clock::{Clock, rfc3339};
use shared::events::{Envelope, EventType};
use shared::http::{HttpResult, json, path_id};
use shared::store::StoreError;
use time::OffsetDateTime;

use crate::grading::{Grade, grade};
use crate::model::Attempt;
use crate::store::Graded;
use crate::{App, Error};

/// Each retry follows a write that changed the attempt; a handful covers any real client.
const MAX_ROUNDS: usize = 5;

/// `attempt_graded` for `attempt`'s user: what learning plans from (the skills) and what
/// the notification says (the assessment's title as the attempt started, the score).
pub fn graded_event(
    attempt: &Attempt,
    result: &Grade,
    submitted_at: OffsetDateTime,
    clock: &dyn Clock,
) -> Envelope {
    Envelope::new(
        EventType::AttemptGraded,
        &attempt.user_id,
        json!({
            "attemptId": attempt.id,
            "assessmentId": attempt.assessment_id,
            "assessmentTitle": attempt.title,
            "score": result.score,
            "maxScore": result.max_score,
            "skills": result.skills,
            "submittedAt": rfc3339(submitted_at),
        }),
        clock,
    )
}

pub async fn submit(
    app: &App,
    user_id: &str,
    attempt_id: &str,
    ctx: Option<&lambda_runtime::Context>,
) -> Result<Grade, Error> {
    for _ in 0..MAX_ROUNDS {
        let attempt = app
            .store
            .attempt(user_id, attempt_id)
            .await?
            .ok_or(Error::AttemptNotFound)?;
        if attempt.submitted {
            return attempt
                .result
                .ok_or_else(|| StoreError::malformed("result").into());
        }
        let result = grade(&attempt.questions, &attempt.answers);
        let now = app.clock.now();
        let graded = graded_event(&attempt, &result, now, app.clock.as_ref());
        match app.store.submit(&attempt, &result, now, &graded).await? {
            Graded::Recorded => {
                shared::fault::point(ctx, "after_commit");
                tracing::info!(attemptId = %attempt.id, score = result.score, maxScore = result.max_score, "attempt graded");
                return Ok(result);
            }
            // Another submit won, an answer landed in between, or the two transactions
            // collided: read again and decide from what is stored.
            Graded::Changed => continue,
        }
    }
    Err(Error::AttemptKeptChanging)
}

/// Submit an attempt for grading
///
/// The caller's own attempt only. Grades the saved answers (after `expiresAt`, those saved
/// in time) and tells learning and notifications (`attempt_graded`). Idempotent: submitting
/// again returns the same grade.
#[utoipa::path(
    post,
    path = "/v1/attempts/{attemptId}/submit",
    tag = "assessments",
    operation_id = "submitAttempt",
    security(("bearer" = [])),
    params(("attemptId" = String, Path, description = "The caller's attempt's id.")),
    responses(
        (status = 200, description = "The grade, the same for every submit of the attempt.", body = Grade,
         links(
            ("GetAttempt" = (operation_id = "getAttempt", parameters(("attemptId" = "$request.path.attemptId")))),
         )),
    ),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let attempt_id = path_id(&req, "attemptId")?;
    let result = submit(app, &caller.user_id, &attempt_id, req.lambda_context_ref()).await?;
    json(StatusCode::OK, &result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::clock::FixedClock;
    use std::collections::BTreeMap;
    use time::macros::datetime;

    #[test]
    fn attempt_graded_names_the_assessment_and_the_score() {
        let clock = FixedClock::at(datetime!(2026-11-24 12:00 UTC));
        let attempt = Attempt {
            id: "a1".into(),
            user_id: "u1".into(),
            assessment_id: "s1".into(),
            title: "Fractions".into(),
            questions: Vec::new(),
            answers: BTreeMap::new(),
            submitted: false,
            started_at: "2026-11-24T11:50:00Z".into(),
            expires_at: "2026-11-24T12:20:00Z".into(),
            deadline_ms: 0,
            submitted_at: None,
            result: None,
            version: 0,
        };
        let result = grade(&attempt.questions, &attempt.answers);
        let event = graded_event(&attempt, &result, clock.now(), &clock);
        assert_eq!(event.event_type, EventType::AttemptGraded);
        assert_eq!(event.user_id, "u1");
        assert_eq!(event.data["assessmentTitle"], "Fractions");
        assert_eq!(event.data["score"], result.score);
        assert_eq!(event.data["maxScore"], result.max_score);
        assert_eq!(event.data["submittedAt"], "2026-11-24T12:00:00Z");
    }
}
