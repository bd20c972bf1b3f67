//! Types that parse, not validate, and the shapes the API shows. What a student reads
//! ([`ExerciseView`], [`ModuleSummary`]) has no field for the answer.

use serde::{Deserialize, Serialize};
use shared::text::{Slug, Text};

pub type Title = Text<1, 200>;
pub type Prompt = Text<1, 500>;
pub type Choice = Text<1, 200>;
/// Learning's own reading of a skill name; assessments uses the same rule, so every skill
/// an `attempt_graded` event carries parses here.
pub type Skill = Slug<40>;

pub const MAX_EXERCISES: usize = 50;
pub const MIN_CHOICES: usize = 2;
pub const MAX_CHOICES: usize = 6;

/// A module's difficulty, 1 (easiest) to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

impl Level {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 5;

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Level {
    type Error = String;

    fn try_from(n: u8) -> Result<Self, Self::Error> {
        if (Self::MIN..=Self::MAX).contains(&n) {
            Ok(Self(n))
        } else {
            Err(format!("must be from {} to {}", Self::MIN, Self::MAX))
        }
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> Self {
        l.0
    }
}

/// An exercise as authored and stored, with its answer. Never sent to a student.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exercise {
    pub prompt: String,
    pub choices: Vec<String>,
    pub answer_index: u32,
}

/// An exercise as a student sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExerciseView {
    pub prompt: String,
    pub choices: Vec<String>,
}

impl From<&Exercise> for ExerciseView {
    fn from(e: &Exercise) -> Self {
        Self {
            prompt: e.prompt.clone(),
            choices: e.choices.clone(),
        }
    }
}

/// A module as stored. Serialised whole only to admins (it holds the answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Module {
    pub id: String,
    pub title: String,
    pub skill: String,
    pub level: u8,
    pub exercises: Vec<Exercise>,
    pub created_at: String,
}

impl Module {
    pub fn summary(&self) -> ModuleSummary {
        ModuleSummary {
            id: self.id.clone(),
            title: self.title.clone(),
            skill: self.skill.clone(),
            level: self.level,
            exercise_count: self.exercises.len(),
        }
    }
}

/// One entry of `GET /learning/modules`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleSummary {
    pub id: String,
    pub title: String,
    pub skill: String,
    pub level: u8,
    pub exercise_count: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Todo,
    Done,
}

/// One step of a plan: train `skill` at `level`, with `moduleId` suggested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanItem {
    /// The catalogue's module closest to the level; `None` while it has none for the skill.
    pub module_id: Option<String>,
    pub skill: String,
    pub level: u8,
    /// The skill's ratio in the attempt the plan was built from.
    pub ratio: f64,
    pub status: ItemStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Active,
    Completed,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Active => "active",
            PlanStatus::Completed => "completed",
        }
    }
}

/// `GET /learning/plan`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub id: String,
    pub attempt_id: String,
    pub status: PlanStatus,
    pub items: Vec<PlanItem>,
    pub created_at: String,
    pub completed_at: Option<String>,
    /// Bumped by every change, so two sessions finishing at once cannot lose an update.
    #[serde(skip)]
    pub version: i64,
}

/// `{correct, total, mastered}` of a submitted session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResult {
    pub correct: u32,
    pub total: u32,
    pub mastered: bool,
}

/// A training session as stored: a snapshot of the module's exercises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub module_id: String,
    pub skill: String,
    pub level: u8,
    pub exercises: Vec<Exercise>,
    pub started_at: String,
    pub result: Option<SessionResult>,
}

/// One entry of `GET /learning/progress`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillProgress {
    pub skill: String,
    /// The highest level of this skill mastered in a session (0: none yet).
    pub mastery: u8,
    /// Sessions submitted for this skill.
    pub sessions: u32,
}
