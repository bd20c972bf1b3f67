//! Admin authoring (`POST /v1/assessments`, `POST /v1/assessments/{id}/publish`) and the
//! catalogue every student reads (`GET /v1/assessments`, `GET /v1/assessments/{id}`).
//! Question ids are assigned here, once, so attempts and answers can name them.

use http::StatusCode;
use lambda_http::Request;
use serde::Deserialize;
use serde_json::json;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body_limited, path_id};
use shared::paging::PageRequest;

use crate::model::{
    Assessment, AssessmentStatus, Choice, Description, MAX_CHOICES, MAX_POINTS, MAX_QUESTIONS,
    MAX_TIME_LIMIT_SECONDS, MIN_CHOICES, Prompt, Question, Skill, Title,
};
use crate::{App, Error};

/// An assessment is the largest body of the API: up to 100 questions of 6 choices.
const BODY_LIMIT: usize = 256 * 1024;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewQuestion {
    pub prompt: Prompt,
    pub choices: Vec<Choice>,
    pub answer_index: u32,
    pub skill: Skill,
    pub points: u32,
}

#[derive(Debug)]
pub struct NewAssessment {
    pub title: Title,
    pub description: String,
    pub time_limit_seconds: u32,
    pub questions: Vec<NewQuestion>,
}

impl FromJson for NewAssessment {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let title = f.required("title");
        let description: Option<Option<Description>> = f.optional("description");
        let time_limit_seconds: Option<u32> = f.required("timeLimitSeconds");
        let questions: Option<Vec<NewQuestion>> = f.required("questions");
        if let Some(t) = time_limit_seconds
            && !(1..=MAX_TIME_LIMIT_SECONDS).contains(&t)
        {
            f.error(
                "timeLimitSeconds",
                format!("must be from 1 to {MAX_TIME_LIMIT_SECONDS}"),
            );
        }
        if let Some(qs) = &questions {
            if qs.is_empty() || qs.len() > MAX_QUESTIONS {
                f.error(
                    "questions",
                    format!("must hold 1 to {MAX_QUESTIONS} questions"),
                );
            }
            for (i, q) in qs.iter().enumerate() {
                if !(MIN_CHOICES..=MAX_CHOICES).contains(&q.choices.len()) {
                    f.error(
                        &format!("questions[{i}].choices"),
                        format!("must hold {MIN_CHOICES} to {MAX_CHOICES} choices"),
                    );
                }
                if q.answer_index as usize >= q.choices.len() {
                    f.error(
                        &format!("questions[{i}].answerIndex"),
                        "must be the index of one of the choices",
                    );
                }
                if !(1..=MAX_POINTS).contains(&q.points) {
                    f.error(
                        &format!("questions[{i}].points"),
                        format!("must be from 1 to {MAX_POINTS}"),
                    );
                }
            }
        }
        Some(Self {
            title: title?,
            description: description?.map(String::from).unwrap_or_default(),
            time_limit_seconds: time_limit_seconds?,
            questions: questions?,
        })
    }
}

impl NewAssessment {
    /// The draft, with a fresh id for the assessment and for every question.
    pub fn into_draft(self, created_at: String) -> Assessment {
        Assessment {
            id: shared::new_id(),
            title: self.title.into(),
            description: self.description,
            time_limit_seconds: self.time_limit_seconds,
            status: AssessmentStatus::Draft,
            questions: self
                .questions
                .into_iter()
                .map(|q| Question {
                    id: shared::new_id(),
                    prompt: q.prompt.into(),
                    choices: q.choices.into_iter().map(String::from).collect(),
                    answer_index: q.answer_index,
                    skill: q.skill.into(),
                    points: q.points,
                })
                .collect(),
            created_at,
            published_at: None,
        }
    }
}

/// `POST /v1/assessments` (admin) → 201 the draft, answers included (only admins see it).
pub async fn handle_create(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    caller.require_admin()?;
    let input: NewAssessment = json_body_limited(&req, BODY_LIMIT)?;
    let draft = input.into_draft(rfc3339(app.clock.now()));
    app.store
        .transact(app.store.create_assessment(&draft)?)
        .await
        .map_err(Error::from)?;
    tracing::info!(assessmentId = %draft.id, questions = draft.questions.len(), "assessment drafted");
    json(StatusCode::CREATED, &draft)
}

/// `POST /v1/assessments/{id}/publish` (admin): `draft` → `published`, once.
pub async fn handle_publish(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    caller.require_admin()?;
    let id = path_id(&req, "id")?;
    let mut assessment = app
        .store
        .assessment(&id)
        .await?
        .ok_or(Error::AssessmentNotFound)?;
    if assessment.status != AssessmentStatus::Draft {
        return Err(Error::AlreadyPublished.into());
    }
    assessment.status = AssessmentStatus::Published;
    assessment.published_at = Some(rfc3339(app.clock.now()));
    if !app.store.publish(&assessment).await? {
        return Err(Error::AlreadyPublished.into());
    }
    json(StatusCode::OK, &assessment.detail())
}

/// `GET /v1/assessments`: the published ones, newest first.
pub async fn handle_list(app: &App, req: Request) -> HttpResult {
    app.verifier.authenticate(&req, app.clock.now())?;
    let codec = app.cursors()?;
    let scope = "assessments";
    let page = PageRequest::from_request(&req, codec, scope)?;
    let (items, next_cursor) = app.store.published(&page, codec, scope).await?;
    json(
        StatusCode::OK,
        &json!({ "items": items, "nextCursor": next_cursor }),
    )
}

/// `GET /v1/assessments/{id}`: never the answers. A draft exists only for admins.
pub async fn handle_get(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let id = path_id(&req, "id")?;
    let assessment = app
        .store
        .assessment(&id)
        .await?
        .filter(|a| a.status == AssessmentStatus::Published || caller.is_admin())
        .ok_or(Error::AssessmentNotFound)?;
    json(StatusCode::OK, &assessment.detail())
}
