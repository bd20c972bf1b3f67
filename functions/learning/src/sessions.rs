//! `POST /v1/learning/sessions` `{moduleId}` and `POST /v1/learning/sessions/{id}/submit`
//! `{answers}`. A session is its owner's alone (another student gets 404).
//!
//! Submitting scores the answers, counts the session in the student's progress and streak,
//! and, when mastered (see [`crate::planning`]), marks the current plan's items done; the
//! last one completes the plan and queues `plan_completed`. All of it is one transaction,
//! conditional on the session still being open and the plan unchanged since it was read;
//! a submit that loses a race reads again. Submitting twice returns the first result.

use http::StatusCode;
use lambda_http::Request;
use serde_json::json;
use shared::FieldError;
use shared::clock::rfc3339;
use shared::events::{Envelope, EventType};
use shared::http::{Fields, FromJson, HttpResult, json, json_body, path_id};

use crate::model::{ChoiceIndex, ExerciseView, MAX_EXERCISES, PlanStatus, Session, SessionResult};
use crate::planning::{all_done, apply_mastery, is_mastered};
use crate::store::{PlanChange, SessionSubmitted, StoredPlan};
use crate::{App, Error};

const MAX_ROUNDS: usize = 5;

/// `{moduleId}`: the module to train.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct StartSession {
    /// The module to train.
    #[schema(value_type = shared::openapi::Id)]
    pub module_id: String,
}

impl FromJson for StartSession {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let raw: String = f.required("moduleId")?;
        let Some(module_id) = shared::canonical_id(&raw) else {
            f.error("moduleId", "is not a valid id");
            return None;
        };
        Some(Self { module_id })
    }
}

/// A session as started: the module's exercises, without their answers.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = StartedSession)]
pub struct Started {
    #[schema(value_type = shared::openapi::Id)]
    pub session_id: String,
    #[schema(value_type = shared::openapi::Id)]
    pub module_id: String,
    /// The module's title.
    pub title: String,
    pub skill: String,
    #[schema(minimum = 1, maximum = 5)]
    pub level: u8,
    /// Answer them in this order.
    #[schema(min_items = 1, max_items = 50)]
    pub exercises: Vec<ExerciseView>,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub started_at: String,
}

/// Start a training session on a module
///
/// The session holds the module's exercises as they are now; submit one answer per
/// exercise to `POST /v1/learning/sessions/{id}/submit`. A premium module opens only to
/// the students enrolled in its program (`GET /v1/learning/enrollments`).
#[utoipa::path(
    post,
    path = "/v1/learning/sessions",
    tag = "learning",
    operation_id = "startSession",
    security(("bearer" = [])),
    request_body = StartSession,
    responses(
        (status = 201, description = "The session, with its exercises (no answers).",
         body = Started,
         links(
            ("SubmitSession" = (operation_id = "submitSession",
                parameters(("id" = "$response.body#/sessionId")))),
         )),
    ),
    extensions(("x-problems" = json!({"403": ["enrollment_required"], "404": ["not_found"]}))),
)]
pub async fn handle_start(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let input: StartSession = json_body(&req)?;
    let module = app
        .store
        .module(&input.module_id)
        .await?
        .ok_or(Error::ModuleNotFound)?;
    if module.premium {
        let program = module.program_id.as_deref().unwrap_or_default();
        if !app.store.is_enrolled(&caller.user_id, program).await? {
            return Err(Error::EnrollmentRequired.into());
        }
    }
    let session = Session {
        id: shared::new_id(),
        user_id: caller.user_id,
        module_id: module.id,
        skill: module.skill,
        level: module.level,
        exercises: module.exercises,
        started_at: rfc3339(app.clock.now()),
        result: None,
    };
    app.store.create_session(&session).await?;
    let exercises: Vec<ExerciseView> = session.exercises.iter().map(ExerciseView::from).collect();
    json(
        StatusCode::CREATED,
        &Started {
            session_id: session.id,
            module_id: session.module_id,
            title: module.title,
            skill: session.skill,
            level: session.level,
            exercises,
            started_at: session.started_at,
        },
    )
}

/// `{answers: [choiceIndex, ...]}`, one per exercise in the session's order.
#[derive(utoipa::ToSchema)]
pub struct SessionAnswers {
    /// One choice index per exercise, in the session's order: exactly as many as the
    /// session has exercises, each naming one of its exercise's choices (a 400 otherwise,
    /// unless the session was submitted before: then its first result).
    #[schema(value_type = Vec<ChoiceIndex>, min_items = 1, max_items = 50)]
    pub answers: Vec<u32>,
}

impl FromJson for SessionAnswers {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let answers: Vec<ChoiceIndex> = f.required("answers")?;
        // No session has more exercises: refused before the session is read, so that a
        // second submit (which returns the first result) refuses it as well.
        if !(1..=MAX_EXERCISES).contains(&answers.len()) {
            f.error("answers", format!("must hold 1 to {MAX_EXERCISES} answers"));
            return None;
        }
        Some(Self {
            answers: answers.into_iter().map(|a| a.0).collect(),
        })
    }
}

/// The answers must fit the session's exercises: one each, each a choice of its exercise.
fn check_answers(session: &Session, answers: &[u32]) -> Result<(), Error> {
    if answers.len() != session.exercises.len() {
        return Err(Error::InvalidAnswers(vec![FieldError::new(
            "answers",
            format!(
                "must hold one answer per exercise ({})",
                session.exercises.len()
            ),
        )]));
    }
    let errors: Vec<FieldError> = answers
        .iter()
        .zip(&session.exercises)
        .enumerate()
        .filter(|(_, (a, e))| **a as usize >= e.choices.len())
        .map(|(i, (_, e))| {
            FieldError::new(
                format!("answers[{i}]"),
                format!("must be from 0 to {}", e.choices.len().saturating_sub(1)),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidAnswers(errors))
    }
}

pub fn score(session: &Session, answers: &[u32]) -> SessionResult {
    let correct = session
        .exercises
        .iter()
        .zip(answers)
        .filter(|(e, a)| e.answer_index == **a)
        .count();
    let correct = u32::try_from(correct).unwrap_or(u32::MAX);
    let total = u32::try_from(session.exercises.len()).unwrap_or(u32::MAX);
    SessionResult {
        correct,
        total,
        mastered: is_mastered(correct, total),
    }
}

/// What a mastered `session` changes in the current plan: its items of the session's skill,
/// up to its level, done; when that was the last of them, the plan completed and
/// `plan_completed` queued. `None` when it changes nothing.
fn plan_change<'a>(
    app: &App,
    stored: &'a StoredPlan,
    session: &Session,
    now: time::OffsetDateTime,
) -> Option<PlanChange<'a>> {
    let mut plan = stored.plan.clone();
    if !apply_mastery(&mut plan.items, &session.skill, session.level) {
        return None;
    }
    let mut completed = None;
    if all_done(&plan.items) {
        plan.status = PlanStatus::Completed;
        plan.completed_at = Some(rfc3339(now));
        completed = Some(Envelope::new(
            EventType::PlanCompleted,
            &session.user_id,
            json!({"planId": plan.id, "attemptId": plan.attempt_id}),
            app.clock.as_ref(),
        ));
    }
    Some(PlanChange {
        stored,
        changed: plan,
        completed,
    })
}

pub async fn submit(
    app: &App,
    user_id: &str,
    session_id: &str,
    answers: &[u32],
) -> Result<SessionResult, Error> {
    for _ in 0..MAX_ROUNDS {
        let session = app
            .store
            .session(user_id, session_id)
            .await?
            .ok_or(Error::SessionNotFound)?;
        if let Some(first) = session.result {
            return Ok(first);
        }
        check_answers(&session, answers)?;
        let result = score(&session, answers);
        let now = app.clock.now();
        // Only a mastered session changes the plan, and only an active one.
        let stored = if result.mastered {
            app.store
                .current_plan(user_id)
                .await?
                .filter(|stored| stored.plan.status == PlanStatus::Active)
        } else {
            None
        };
        let change = stored
            .as_ref()
            .and_then(|stored| plan_change(app, stored, &session, now));
        match app
            .store
            .submit_session(&session, &result, now, change.as_ref())
            .await?
        {
            SessionSubmitted::Recorded => return Ok(result),
            // Submitted concurrently, or the plan moved: read again and decide from that.
            SessionSubmitted::Changed => continue,
        }
    }
    Err(Error::SessionKeptChanging)
}

/// Submit a session's answers
///
/// Scores the answers and counts the session in the caller's progress and streak; a
/// mastered session (at least 80% right) marks the current plan's items of its skill, up to
/// its level, done. Submitting again returns the first result and changes nothing.
#[utoipa::path(
    post,
    path = "/v1/learning/sessions/{id}/submit",
    tag = "learning",
    operation_id = "submitSession",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The session's id (the caller's own).")),
    request_body = SessionAnswers,
    responses((status = 200, description = "The session's result (the first one, if it was submitted before).",
               body = SessionResult)),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle_submit(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let session_id = path_id(&req, "id")?;
    let input: SessionAnswers = json_body(&req)?;
    let result = submit(app, &caller.user_id, &session_id, &input.answers).await?;
    json(StatusCode::OK, &result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(body: &Value) -> Result<Vec<u32>, Vec<String>> {
        let req = http::Request::builder()
            .method("POST")
            .header("content-type", "application/json")
            .body(lambda_http::Body::Text(body.to_string()))
            .unwrap_or_default();
        shared::http::json_body::<SessionAnswers>(&req)
            .map(|a| a.answers)
            .map_err(|e| e.errors.iter().map(|f| f.field.clone()).collect())
    }

    #[test]
    fn answers_are_choice_indexes_whole_numbers_included() {
        assert_eq!(parse(&json!({"answers": [0, 5, 2.0]})), Ok(vec![0, 5, 2]));
        assert_eq!(
            parse(&json!({"answers": [1, 6]})),
            Err(vec!["answers[1]".into()])
        );
        assert_eq!(
            parse(&json!({"answers": [1.5]})),
            Err(vec!["answers[0]".into()])
        );
        assert_eq!(
            parse(&json!({"answers": [-1]})),
            Err(vec!["answers[0]".into()])
        );
    }

    #[test]
    fn one_to_fifty_answers_are_read() {
        assert_eq!(parse(&json!({"answers": []})), Err(vec!["answers".into()]));
        assert!(parse(&json!({"answers": vec![0; MAX_EXERCISES]})).is_ok());
        assert_eq!(
            parse(&json!({"answers": vec![0; MAX_EXERCISES + 1]})),
            Err(vec!["answers".into()])
        );
    }

    #[test]
    fn a_module_id_is_read_in_its_canonical_spelling() {
        let req = http::Request::builder()
            .method("POST")
            .header("content-type", "application/json")
            .body(lambda_http::Body::Text(
                json!({"moduleId": "01jdemm0000000000000000011"}).to_string(),
            ))
            .unwrap_or_default();
        let start = shared::http::json_body::<StartSession>(&req).map(|s| s.module_id);
        assert_eq!(start.ok().as_deref(), Some("01JDEMM0000000000000000011"));
    }
}
