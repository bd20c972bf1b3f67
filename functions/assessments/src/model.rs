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

/// A question as authored and stored, with its answer. Never sent to a student.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    pub id: String,
    pub prompt: String,
    pub choices: Vec<String>,
    pub answer_index: u32,
    pub skill: String,
    pub points: u32,
}

/// A question as a student sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionView {
    pub id: String,
    pub prompt: String,
    pub choices: Vec<String>,
    pub skill: String,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    pub id: String,
    pub title: String,
    pub description: String,
    pub time_limit_seconds: u32,
    pub status: AssessmentStatus,
    pub questions: Vec<Question>,
    pub created_at: String,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssessmentSummary {
    pub id: String,
    pub title: String,
    pub description: String,
    pub time_limit_seconds: u32,
    pub question_count: usize,
    pub max_score: u32,
    pub skills: Vec<String>,
    pub published_at: Option<String>,
}

/// `GET /assessments/{id}`: everything but the answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssessmentDetail {
    #[serde(flatten)]
    pub summary: AssessmentSummary,
    pub status: AssessmentStatus,
    pub created_at: String,
    pub questions: Vec<QuestionView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    pub attempt_id: String,
    pub assessment_id: String,
    pub title: String,
    pub status: AttemptStatus,
    pub started_at: String,
    pub expires_at: String,
    pub submitted_at: Option<String>,
    pub questions: Vec<QuestionView>,
    /// Question id → the saved choice.
    pub answers: BTreeMap<String, u32>,
    pub result: Option<Grade>,
}

/// One entry of `GET /users/me/attempts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptSummary {
    pub attempt_id: String,
    pub assessment_id: String,
    pub title: String,
    pub status: AttemptStatus,
    pub score: Option<u32>,
    pub max_score: u32,
    pub started_at: String,
    pub expires_at: String,
    pub submitted_at: Option<String>,
}
