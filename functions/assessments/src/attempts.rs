//! Taking an assessment: `POST /v1/assessments/{id}/attempts`, autosave with
//! `PUT /v1/attempts/{attemptId}/answers/{questionId}`, `GET /v1/attempts/{attemptId}` and
//! `GET /v1/users/me/attempts`. An attempt is its owner's alone: any other caller gets 404.

use std::collections::BTreeMap;

use http::StatusCode;
use lambda_http::Request;
use shared::app::epoch_ms;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body, no_content, path_id};
use shared::paging::PageRequest;

use crate::authoring::caller_and_assessment;
use crate::model::{AssessmentStatus, Attempt, AttemptStatus, AttemptSummary, AttemptView, Page};
use crate::{App, Error};

/// Start an attempt
///
/// At a published assessment: its questions (without answers) are fixed for the attempt,
/// and the clock starts: answers can be saved until `expiresAt`.
#[utoipa::path(
    post,
    path = "/v1/assessments/{id}/attempts",
    tag = "assessments",
    operation_id = "startAttempt",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The published assessment's id.")),
    responses(
        (status = 201, description = "The attempt, `in_progress`, with no answers yet.", body = AttemptView,
         links(
            ("SaveAnswer" = (operation_id = "saveAnswer", parameters(
                ("attemptId" = "$response.body#/attemptId"),
                ("questionId" = "$response.body#/questions/0/id"),
            ))),
            ("SubmitAttempt" = (operation_id = "submitAttempt", parameters(("attemptId" = "$response.body#/attemptId")))),
            ("GetAttempt" = (operation_id = "getAttempt", parameters(("attemptId" = "$response.body#/attemptId")))),
         )),
    ),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle_start(app: &App, req: Request) -> HttpResult {
    let (caller, assessment) =
        caller_and_assessment(app, &req, |_, a| a.status == AssessmentStatus::Published).await?;
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
    app.store.create_attempt(&attempt).await?;
    json(StatusCode::CREATED, &attempt.view(epoch_ms(now)))
}

/// The choice to save for a question.
#[derive(utoipa::ToSchema)]
pub struct ChosenAnswer {
    /// The index of the chosen choice in the question's `choices` (0 is the first); an index
    /// the question does not have is a 400.
    #[schema(rename = "choiceIndex", minimum = 0, maximum = 5)]
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

/// Save an answer
///
/// The caller's own attempt only. Saving again replaces the choice. Refused with 409 once
/// the attempt is submitted (`attempt_submitted`) or past `expiresAt` (`attempt_expired`).
#[utoipa::path(
    put,
    path = "/v1/attempts/{attemptId}/answers/{questionId}",
    tag = "assessments",
    operation_id = "saveAnswer",
    security(("bearer" = [])),
    params(
        ("attemptId" = String, Path, description = "The caller's attempt's id."),
        ("questionId" = String, Path, description = "The id of one of the attempt's questions."),
    ),
    request_body = ChosenAnswer,
    responses((status = 204, description = "The choice is saved.")),
    extensions(("x-problems" = json!({"404": ["not_found"], "409": ["attempt_submitted", "attempt_expired"]}))),
)]
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

/// Read one's attempt
///
/// The caller's own attempt only (anyone else's is 404): its questions, the saved choices
/// and, once submitted, its grade.
#[utoipa::path(
    get,
    path = "/v1/attempts/{attemptId}",
    tag = "assessments",
    operation_id = "getAttempt",
    security(("bearer" = [])),
    params(("attemptId" = String, Path, description = "The caller's attempt's id.")),
    responses((status = 200, description = "The attempt.", body = AttemptView)),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
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

/// List one's attempts, newest first
#[utoipa::path(
    get,
    path = "/v1/users/me/attempts",
    tag = "assessments",
    operation_id = "listMyAttempts",
    security(("bearer" = [])),
    params(shared::openapi::PageQuery),
    responses((status = 200, description = "A page of the caller's attempts, newest first.", body = Page<AttemptSummary>)),
)]
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
    json(StatusCode::OK, &Page { items, next_cursor })
}
