//! Types that parse, not validate, and the shapes the API shows. What a student can read
//! ([`QuestionView`], [`AssessmentDetail`], [`AttemptView`]) has no field for the answer, so
//! no code path can leak `answerIndex` to a student.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shared::text::{Slug, Text};

use crate::grading::Grade;

pub type Title = Text<1, 200>;
pub type Description = Text<0, 2000>;
pub type Prompt = Text<1, 500>;
pub type Choice = Text<1, 200>;
pub type Skill = Slug<40>;

/// Bounds of an assessment: they keep one stored item well under DynamoDB's 400 KB.
pub const MAX_QUESTIONS: usize = 100;
pub const MIN_CHOICES: usize = 2;
pub const MAX_CHOICES: usize = 6;
pub const MAX_POINTS: u32 = 100;
pub const MAX_TIME_LIMIT_SECONDS: u32 = 24 * 3600;

// The schemas in the API contract write these bounds as literals (`#[schema(maximum = 5)]`
// takes no constant): changing one here means changing them there.
const _: () = assert!(
    MAX_QUESTIONS == 100
        && MIN_CHOICES == 2
        && MAX_CHOICES == 6
        && MAX_POINTS == 100
        && MAX_TIME_LIMIT_SECONDS == 86_400
);

/// A question as authored and stored, with its answer. Never sent to a student.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AuthoredQuestion)]
pub struct Question {
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    pub prompt: String,
    #[schema(min_items = 2, max_items = 6)]
    pub choices: Vec<String>,
    /// The index of the right choice in `choices`.
    #[schema(minimum = 0, maximum = 5)]
    pub answer_index: u32,
    /// The skill it scores (a slug such as `linear-equations`).
    pub skill: String,
    #[schema(minimum = 1, maximum = 100)]
    pub points: u32,
}

/// A question as a student sees it: without its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AssessmentQuestion)]
pub struct QuestionView {
    /// What `PUT /v1/attempts/{attemptId}/answers/{questionId}` names it by.
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    pub prompt: String,
    /// Answered by index: `choiceIndex` 0 is the first.
    #[schema(min_items = 2, max_items = 6)]
    pub choices: Vec<String>,
    /// The skill it scores (a slug such as `linear-equations`).
    pub skill: String,
    #[schema(minimum = 1, maximum = 100)]
    pub points: u32,
}

impl From<&Question> for QuestionView {
    fn from(q: &Question) -> Self {
        Self {
            id: q.id.clone(),
            prompt: q.prompt.clone(),
            choices: q.choices.clone(),
            skill: q.skill.clone(),
            points: q.points,
        }
    }
}

/// `draft` (seen by admins only) until published, then `published`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentStatus {
    Draft,
    Published,
}

impl AssessmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentStatus::Draft => "draft",
            AssessmentStatus::Published => "published",
        }
    }
}

/// An assessment as stored. Serialised whole only to admins (it holds the answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AuthoredAssessment)]
pub struct Assessment {
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    pub title: String,
    /// Empty when none was given.
    pub description: String,
    #[schema(minimum = 1, maximum = 86400)]
    pub time_limit_seconds: u32,
    pub status: AssessmentStatus,
    #[schema(min_items = 1, max_items = 100)]
    pub questions: Vec<Question>,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub created_at: String,
    /// `null` while it is a draft.
    #[schema(value_type = Option<shared::openapi::Timestamp>, required = true)]
    pub published_at: Option<String>,
}

impl Assessment {
    pub fn max_score(&self) -> u32 {
        self.questions.iter().map(|q| q.points).sum()
    }

    /// The skills it covers, each once, sorted.
    pub fn skills(&self) -> Vec<String> {
        let mut skills: Vec<String> = self.questions.iter().map(|q| q.skill.clone()).collect();
        skills.sort();
        skills.dedup();
        skills
    }

    pub fn summary(&self) -> AssessmentSummary {
        AssessmentSummary {
            id: self.id.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            time_limit_seconds: self.time_limit_seconds,
            question_count: self.questions.len(),
            max_score: self.max_score(),
            skills: self.skills(),
            published_at: self.published_at.clone(),
        }
    }

    pub fn detail(&self) -> AssessmentDetail {
        AssessmentDetail {
            summary: self.summary(),
            status: self.status,
            created_at: self.created_at.clone(),
            questions: self.questions.iter().map(QuestionView::from).collect(),
        }
    }
}

/// One entry of `GET /assessments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssessmentSummary {
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    pub title: String,
    /// Empty when none was given.
    pub description: String,
    #[schema(minimum = 1, maximum = 86400)]
    pub time_limit_seconds: u32,
    #[schema(minimum = 1, maximum = 100)]
    pub question_count: usize,
    /// The sum of the questions' points.
    #[schema(minimum = 1, maximum = 10000)]
    pub max_score: u32,
    /// The skills its questions score, each once, sorted.
    #[schema(min_items = 1, max_items = 100)]
    pub skills: Vec<String>,
    /// `null` while it is a draft.
    #[schema(value_type = Option<shared::openapi::Timestamp>, required = true)]
    pub published_at: Option<String>,
}

/// `GET /assessments/{id}`: everything but the answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssessmentDetail {
    #[serde(flatten)]
    pub summary: AssessmentSummary,
    pub status: AssessmentStatus,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub created_at: String,
    #[schema(min_items = 1, max_items = 100)]
    pub questions: Vec<QuestionView>,
}

/// `in_progress` until submitted or past `expiresAt`; `expired` (answers frozen, not yet
/// graded) until submitted; then `submitted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    InProgress,
    /// Past its deadline and not submitted: answers are frozen; submitting grades them.
    Expired,
    Submitted,
}

impl AttemptStatus {
    /// What is stored: `expired` is never stored, it is `in_progress` seen after the deadline.
    pub fn stored(self) -> &'static str {
        match self {
            AttemptStatus::Submitted => "submitted",
            AttemptStatus::InProgress | AttemptStatus::Expired => "in_progress",
        }
    }
}

/// An attempt as stored: a snapshot of the questions (with answers, for grading).
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub id: String,
    pub user_id: String,
    pub assessment_id: String,
    pub title: String,
    pub questions: Vec<Question>,
    pub answers: BTreeMap<String, u32>,
    pub submitted: bool,
    pub started_at: String,
    pub expires_at: String,
    /// `expiresAt` in epoch milliseconds: what conditions compare against.
    pub deadline_ms: i64,
    pub submitted_at: Option<String>,
    pub result: Option<Grade>,
    /// Bumped by every saved answer, so a submit grades exactly the answers it read.
    pub version: i64,
}

impl Attempt {
    pub fn status(&self, now_ms: i64) -> AttemptStatus {
        status_at(self.submitted, self.deadline_ms, now_ms)
    }

    pub fn view(&self, now_ms: i64) -> AttemptView {
        AttemptView {
            attempt_id: self.id.clone(),
            assessment_id: self.assessment_id.clone(),
            title: self.title.clone(),
            status: self.status(now_ms),
            started_at: self.started_at.clone(),
            expires_at: self.expires_at.clone(),
            submitted_at: self.submitted_at.clone(),
            questions: self.questions.iter().map(QuestionView::from).collect(),
            answers: self.answers.clone(),
            result: self.result.clone(),
        }
    }
}

pub fn status_at(submitted: bool, deadline_ms: i64, now_ms: i64) -> AttemptStatus {
    if submitted {
        AttemptStatus::Submitted
    } else if now_ms >= deadline_ms {
        AttemptStatus::Expired
    } else {
        AttemptStatus::InProgress
    }
}

/// `GET /attempts/{id}`: the attempt, its saved choices and, once submitted, its result.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Attempt)]
pub struct AttemptView {
    #[schema(value_type = shared::openapi::Id)]
    pub attempt_id: String,
    #[schema(value_type = shared::openapi::Id)]
    pub assessment_id: String,
    /// The assessment's title when the attempt started.
    pub title: String,
    pub status: AttemptStatus,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub started_at: String,
    /// The deadline: `startedAt` plus the assessment's time limit.
    #[schema(value_type = shared::openapi::Timestamp)]
    pub expires_at: String,
    /// `null` until submitted.
    #[schema(value_type = Option<shared::openapi::Timestamp>, required = true)]
    pub submitted_at: Option<String>,
    /// The assessment's questions when the attempt started, without answers.
    #[schema(min_items = 1, max_items = 100)]
    pub questions: Vec<QuestionView>,
    #[schema(schema_with = answers_schema)]
    pub answers: BTreeMap<String, u32>,
    /// `null` until submitted.
    #[schema(required = true)]
    pub result: Option<Grade>,
}

/// The schema of [`AttemptView::answers`]: question id → the saved choice's index.
fn answers_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "The saved choices: question id → the index of the chosen choice. A question not \
             answered yet is absent.",
        ))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(shared::openapi::ULID_PATTERN)),
        ))
        .additional_properties(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(MAX_CHOICES - 1)),
        ))
        .max_properties(Some(MAX_QUESTIONS))
        .build()
}

/// One entry of `GET /users/me/attempts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptSummary {
    #[schema(value_type = shared::openapi::Id)]
    pub attempt_id: String,
    #[schema(value_type = shared::openapi::Id)]
    pub assessment_id: String,
    /// The assessment's title when the attempt started.
    pub title: String,
    pub status: AttemptStatus,
    /// `null` until submitted.
    #[schema(required = true, minimum = 0, maximum = 10000)]
    pub score: Option<u32>,
    #[schema(minimum = 1, maximum = 10000)]
    pub max_score: u32,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub started_at: String,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub expires_at: String,
    /// `null` until submitted.
    #[schema(value_type = Option<shared::openapi::Timestamp>, required = true)]
    pub submitted_at: Option<String>,
}

/// A page of a list (one shape for every list).
pub use shared::http::Page;
