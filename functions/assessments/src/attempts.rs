//! Taking an assessment: `POST /v1/assessments/{id}/attempts`, autosave with
//! `PUT /v1/attempts/{attemptId}/answers/{questionId}`, `GET /v1/attempts/{attemptId}` and
//! `GET /v1/users/me/attempts`. An attempt is its owner's alone: any other caller gets 404.

use std::collections::BTreeMap;

use http::StatusCode;
use lambda_http::Request;
use serde_json::json;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body, no_content, path_id};
use shared::paging::PageRequest;

use crate::model::{AssessmentStatus, Attempt, AttemptStatus};
use crate::{App, Error, epoch_ms};

/// `POST /v1/assessments/{id}/attempts` → 201 the attempt, its questions without answers.
pub async fn handle_start(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let id = path_id(&req, "id")?;
    let assessment = app
        .store
        .assessment(&id)
        .await?
        .filter(|a| a.status == AssessmentStatus::Published)
        .ok_or(Error::AssessmentNotFound)?;
    let now = app.clock.now();
    let deadline = now + time::Duration::seconds(i64::from(assessment.time_limit_seconds));
    let attempt = Attempt {
        id: shared::new_id(),
        user_id: caller.user_id,
        assessment_id: assessment.id,
        title: assessment.title,
        questions: assessment.questions,
        answers: BTreeMap::new(),
        submitted: false,
        started_at: rfc3339(now),
        expires_at: rfc3339(deadline),
        deadline_ms: epoch_ms(deadline),
        submitted_at: None,
        result: None,
        version: 0,
    };
    app.store
        .transact(vec![app.store.create_attempt(&attempt)?])
        .await
        .map_err(Error::from)?;
    json(StatusCode::CREATED, &attempt.view(epoch_ms(now)))
}

/// `{choiceIndex}`.
pub struct ChosenAnswer {
    pub choice_index: u32,
}

impl FromJson for ChosenAnswer {
    fn from_json(f: &mut Fields) -> Option<Self> {
        Some(Self {
            choice_index: f.required("choiceIndex")?,
        })
    }
}

/// Why an open-looking attempt refused an answer.
fn closed(attempt: &Attempt, now_ms: i64) -> Option<Error> {
    match attempt.status(now_ms) {
        AttemptStatus::Submitted => Some(Error::AttemptSubmitted),
        AttemptStatus::Expired => Some(Error::AttemptExpired),
        AttemptStatus::InProgress => None,
    }
}

/// `PUT /v1/attempts/{attemptId}/answers/{questionId}` `{choiceIndex}` → 204; saving again
/// replaces the choice. 409 once the attempt is submitted or past `expiresAt`.
pub async fn handle_save_answer(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let attempt_id = path_id(&req, "attemptId")?;
    let question_id = path_id(&req, "questionId")?;
    let input: ChosenAnswer = json_body(&req)?;
    let attempt = app
        .store
        .attempt(&caller.user_id, &attempt_id)
        .await?
        .ok_or(Error::AttemptNotFound)?;
    let question = attempt
        .questions
        .iter()
        .find(|q| q.id == question_id)
        .ok_or(Error::QuestionNotFound)?;
    let now_ms = app.now_ms();
    if let Some(refusal) = closed(&attempt, now_ms) {
        return Err(refusal.into());
    }
    if input.choice_index as usize >= question.choices.len() {
        return Err(Error::ChoiceOutOfRange {
            choices: question.choices.len(),
        }
        .into());
    }
    let saved = app
        .store
        .save_answer(
            &caller.user_id,
            &attempt_id,
            &question_id,
            input.choice_index,
            now_ms,
        )
        .await?;
    if !saved {
        // Submitted or expired since the read: say which.
        let now_ms = app.now_ms();
        let refusal = match app.store.attempt(&caller.user_id, &attempt_id).await? {
            Some(current) => closed(&current, now_ms).unwrap_or(Error::AttemptExpired),
            None => Error::AttemptNotFound,
        };
        return Err(refusal.into());
    }
    no_content()
}

/// `GET /v1/attempts/{attemptId}` (owner only).
pub async fn handle_get(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let attempt_id = path_id(&req, "attemptId")?;
    let attempt = app
        .store
        .attempt(&caller.user_id, &attempt_id)
        .await?
        .ok_or(Error::AttemptNotFound)?;
    json(StatusCode::OK, &attempt.view(app.now_ms()))
}

/// `GET /v1/users/me/attempts`: the caller's attempts, newest first.
pub async fn handle_list_mine(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let codec = app.cursors()?;
    // A cursor is bound to its owner's list: another student's cursor is a 400 here.
    let scope = format!("attempts:{}", caller.user_id);
    let page = PageRequest::from_request(&req, codec, &scope)?;
    let (items, next_cursor) = app
        .store
        .attempts(&caller.user_id, app.now_ms(), &page, codec, &scope)
        .await?;
    json(
        StatusCode::OK,
        &json!({ "items": items, "nextCursor": next_cursor }),
    )
}
