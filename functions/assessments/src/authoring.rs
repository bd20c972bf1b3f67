//! Admin authoring (`POST /v1/assessments`, `POST /v1/assessments/{id}/publish`) and the
//! catalogue every student reads (`GET /v1/assessments`, `GET /v1/assessments/{id}`).
//! Question ids are assigned here, once, so attempts and answers can name them.

use http::StatusCode;
use lambda_http::Request;
use serde::Deserialize;
use shared::ApiError;
use shared::auth::Caller;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body_limited, path_id};
use shared::paging::PageRequest;

use crate::model::{
    Assessment, AssessmentDetail, AssessmentStatus, AssessmentSummary, Choice, Description,
    MAX_CHOICES, MAX_POINTS, MAX_QUESTIONS, MAX_TIME_LIMIT_SECONDS, MIN_CHOICES, Page, Prompt,
    Question, Skill, Title,
};
use crate::store::{Created, Published};
use crate::{App, Error};

/// An assessment is the largest body of the API: up to 100 questions of 6 choices. The
/// limit also keeps the stored assessment and every attempt of it (the same texts, plus ids
/// and a grade) well under DynamoDB's 400 KB per item, whatever the characters.
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

/// `answerIndex` must name one of `choices`: beyond what a derived schema can say.
impl utoipa::PartialSchema for NewQuestion {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::ToSchema;
        use utoipa::openapi::schema::{AdditionalProperties, AllOf, ObjectBuilder, Ref, Type};
        let integer = |min: u32, max: u32| {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(min))
                .maximum(Some(max))
        };
        let fields = shared::openapi::prompt_and_choices::<Prompt, Choice>(
            MIN_CHOICES,
            MAX_CHOICES,
            Some("2 to 6 choices, answered by their index (0 is the first)."),
        )
        .property(
            "answerIndex",
            integer(0, MAX_CHOICES as u32 - 1)
                .description(Some("The index of the right choice in `choices`.")),
        )
        .property("skill", Ref::from_schema_name(Skill::name()))
        .property(
            "points",
            integer(1, MAX_POINTS).description(Some("What a right answer earns.")),
        )
        .required("prompt")
        .required("choices")
        .required("answerIndex")
        .required("skill")
        .required("points")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        // With n choices, the answer is one of the indexes 0 to n - 1.
        let answer_in_range = shared::openapi::answer_names_a_choice(MIN_CHOICES, MAX_CHOICES);
        AllOf::builder()
            .description(Some(
                "A question with its answer: `answerIndex` is the index of one of `choices`.",
            ))
            .item(fields)
            .item(answer_in_range)
            .into()
    }
}

impl utoipa::ToSchema for NewQuestion {
    fn schemas(schemas: &mut shared::openapi::Schemas) {
        shared::openapi::register::<Prompt>(schemas);
        shared::openapi::register::<Choice>(schemas);
        shared::openapi::register::<Skill>(schemas);
    }
}

#[derive(Debug, utoipa::ToSchema)]
pub struct NewAssessment {
    pub title: Title,
    /// Absent or `null`: none (an empty description).
    #[schema(value_type = Option<Description>)]
    pub description: String,
    /// How long an attempt may take, in seconds: 1 to 86,400 (a day).
    #[schema(rename = "timeLimitSeconds", minimum = 1, maximum = 86400)]
    pub time_limit_seconds: u32,
    #[schema(min_items = 1, max_items = 100)]
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

/// Draft an assessment
///
/// Admins only. The draft is returned with a fresh id for it and for each question, and with
/// the answers (only its authors ever see them); students see it once it is published. The
/// body may be at most 256 KiB.
#[utoipa::path(
    post,
    path = "/v1/assessments",
    tag = "assessments",
    operation_id = "createAssessment",
    security(("bearer" = [])),
    request_body = NewAssessment,
    responses(
        (status = 201, description = "The draft, with its answers.", body = Assessment,
         links(
            // A draft is the admins' alone: reads and attempts follow its publication.
            ("PublishAssessment" = (operation_id = "publishAssessment", parameters(("id" = "$response.body#/id")))),
         )),
    ),
    extensions(("x-problems" = json!({"403": ["forbidden"]}))),
)]
pub async fn handle_create(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    caller.require_admin()?;
    let input: NewAssessment = json_body_limited(&req, BODY_LIMIT)?;
    let draft = input.into_draft(rfc3339(app.clock.now()));
    if app.store.create_assessment(&draft).await? == Created::Existed {
        return Err(ApiError::internal(format!(
            "the fresh assessment id {} is taken",
            draft.id
        )));
    }
    tracing::info!(assessmentId = %draft.id, questions = draft.questions.len(), "assessment drafted");
    json(StatusCode::CREATED, &draft)
}

/// Publish a draft
///
/// Admins only: `draft` → `published`, once. From then on every student can read it (never
/// its answers) and take it.
#[utoipa::path(
    post,
    path = "/v1/assessments/{id}/publish",
    tag = "assessments",
    operation_id = "publishAssessment",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id.")),
    responses(
        (status = 200, description = "The published assessment, without its answers.", body = AssessmentDetail,
         links(
            ("GetAssessment" = (operation_id = "getAssessment", parameters(("id" = "$response.body#/id")))),
            ("StartAttempt" = (operation_id = "startAttempt", parameters(("id" = "$response.body#/id")))),
         )),
    ),
    extensions(("x-problems" = json!({"403": ["forbidden"], "404": ["not_found"], "409": ["already_published"]}))),
)]
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
    if app.store.publish(&assessment).await? == Published::NotADraft {
        return Err(Error::AlreadyPublished.into());
    }
    json(StatusCode::OK, &assessment.detail())
}

/// List the published assessments, newest first
#[utoipa::path(
    get,
    path = "/v1/assessments",
    tag = "assessments",
    operation_id = "listAssessments",
    security(("bearer" = [])),
    params(shared::openapi::PageQuery),
    responses((status = 200, description = "A page of the published assessments, newest first.", body = Page<AssessmentSummary>)),
)]
pub async fn handle_list(app: &App, req: Request) -> HttpResult {
    app.verifier.authenticate(&req, app.clock.now())?;
    let codec = app.cursors()?;
    let scope = "assessments";
    let page = PageRequest::from_request(&req, codec, scope)?;
    let (items, next_cursor) = app.store.published(&page, codec, scope).await?;
    json(StatusCode::OK, &Page { items, next_cursor })
}

/// Read an assessment
///
/// Its questions without their answers. A draft exists only for admins: anyone else gets 404.
#[utoipa::path(
    get,
    path = "/v1/assessments/{id}",
    tag = "assessments",
    operation_id = "getAssessment",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The assessment's id.")),
    responses((status = 200, description = "The assessment, without its answers.", body = AssessmentDetail)),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle_get(app: &App, req: Request) -> HttpResult {
    let (_, assessment) = caller_and_assessment(app, &req, |caller, a| {
        a.status == AssessmentStatus::Published || caller.is_admin()
    })
    .await?;
    json(StatusCode::OK, &assessment.detail())
}

/// The authenticated caller and the assessment the path's `{id}` names, if `visible` lets
/// the caller see it: an unknown and an invisible one are both not found.
pub(crate) async fn caller_and_assessment(
    app: &App,
    req: &Request,
    visible: impl FnOnce(&Caller, &Assessment) -> bool,
) -> Result<(Caller, Assessment), ApiError> {
    let caller = app.verifier.authenticate(req, app.clock.now())?;
    let id = path_id(req, "id")?;
    let assessment = app
        .store
        .assessment(&id)
        .await?
        .filter(|a| visible(&caller, a))
        .ok_or(Error::AssessmentNotFound)?;
    Ok((caller, assessment))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The fields `NewAssessment` refuses in `body`.
    fn refused(body: Value) -> Vec<String> {
        let Value::Object(map) = body else {
            return vec!["not an object".to_owned()];
        };
        let mut fields = Fields::new(map);
        // Like `json_body`: a value with errors beside it is refused.
        let parsed = NewAssessment::from_json(&mut fields);
        let errors: Vec<String> = fields.into_errors().into_iter().map(|e| e.field).collect();
        assert!(parsed.is_some() || !errors.is_empty());
        errors
    }

    fn with_choices(n: usize, answer: usize) -> Value {
        let choices: Vec<String> = (0..n).map(|i| format!("choice {i}")).collect();
        json!({
            "title": "T",
            "timeLimitSeconds": 60,
            "questions": [{"prompt": "p", "choices": choices, "answerIndex": answer, "skill": "s", "points": 1}],
        })
    }

    /// What the `NewQuestion` schema says: with n choices, `answerIndex` is 0 to n - 1.
    #[test]
    fn the_answer_is_one_of_the_choices_for_every_count() {
        for n in MIN_CHOICES..=MAX_CHOICES {
            assert!(refused(with_choices(n, n - 1)).is_empty(), "{n}");
            assert_eq!(
                refused(with_choices(n, n)),
                ["questions[0].answerIndex"],
                "{n}"
            );
        }
    }

    #[test]
    fn a_description_may_be_absent_or_null() {
        let mut body = with_choices(2, 0);
        assert!(refused(body.clone()).is_empty());
        body["description"] = Value::Null;
        assert!(refused(body.clone()).is_empty());
        body["description"] = json!(" ");
        assert!(refused(body).is_empty());
    }
}
