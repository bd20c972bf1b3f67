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
use shared::clock::rfc3339;
use shared::events::{Envelope, EventType, queues};
use shared::http::{Fields, FromJson, HttpResult, json, json_body, path_id};
use shared::{ApiError, FieldError};

use crate::model::{ExerciseView, PlanStatus, Session, SessionResult};
use crate::planning::{all_done, apply_mastery, is_mastered};
use crate::{App, Error, epoch_day};

const MAX_ROUNDS: usize = 5;

/// `{moduleId}`.
pub struct StartSession {
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

/// `POST /v1/learning/sessions` → 201 `{sessionId, moduleId, skill, level, exercises}`.
pub async fn handle_start(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let input: StartSession = json_body(&req)?;
    let module = app
        .store
        .module(&input.module_id)
        .await?
        .ok_or(Error::ModuleNotFound)?;
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
    app.store
        .transact(vec![app.store.create_session(&session)?])
        .await
        .map_err(Error::from)?;
    let exercises: Vec<ExerciseView> = session.exercises.iter().map(ExerciseView::from).collect();
    json(
        StatusCode::CREATED,
        &json!({
            "sessionId": session.id,
            "moduleId": session.module_id,
            "title": module.title,
            "skill": session.skill,
            "level": session.level,
            "exercises": exercises,
            "startedAt": session.started_at,
        }),
    )
}

/// `{answers: [choiceIndex, ...]}`, one per exercise in the session's order.
pub struct SessionAnswers {
    pub answers: Vec<u32>,
}

impl FromJson for SessionAnswers {
    fn from_json(f: &mut Fields) -> Option<Self> {
        Some(Self {
            answers: f.required("answers")?,
        })
    }
}

/// The answers must fit the session's exercises: one each, each a choice of its exercise.
fn check_answers(session: &Session, answers: &[u32]) -> Result<(), ApiError> {
    if answers.len() != session.exercises.len() {
        return Err(ApiError::field(
            "answers",
            format!(
                "must hold one answer per exercise ({})",
                session.exercises.len()
            ),
        ));
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
        Err(ApiError::validation(errors))
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
        let mut writes = vec![app.store.submit_session(&session, &result, &rfc3339(now))?];
        writes.extend(
            app.store
                .count_session(&session, result.mastered, epoch_day(now))?,
        );
        if result.mastered
            && let Some(stored) = app.store.current_plan(user_id).await?
            && stored.plan.status == PlanStatus::Active
        {
            let mut plan = stored.plan.clone();
            if apply_mastery(&mut plan.items, &session.skill, session.level) {
                if all_done(&plan.items) {
                    plan.status = PlanStatus::Completed;
                    plan.completed_at = Some(rfc3339(now));
                    let completed = Envelope::new(
                        EventType::PlanCompleted,
                        user_id,
                        json!({"planId": plan.id, "attemptId": plan.attempt_id}),
                        app.clock.as_ref(),
                    );
                    writes.extend(shared::outbox::items(
                        app.store.table(),
                        &completed,
                        &[queues::NOTIFICATIONS],
                        now,
                    )?);
                }
                writes.push(app.store.update_plan(&stored, &plan)?);
            }
        }
        match app.store.transact(writes).await {
            Ok(()) => return Ok(result),
            // Submitted concurrently, or the plan moved: read again and decide from that.
            Err(e) if shared::dynamo::is_cancelled(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::internal("the session kept changing while it was being submitted").into())
}

/// `POST /v1/learning/sessions/{id}/submit` → `{correct, total, mastered}`.
pub async fn handle_submit(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let session_id = path_id(&req, "id")?;
    let input: SessionAnswers = json_body(&req)?;
    let result = submit(app, &caller.user_id, &session_id, &input.answers).await?;
    json(StatusCode::OK, &result)
}
