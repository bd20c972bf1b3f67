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

impl utoipa::PartialSchema for Level {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(Self::MIN))
            .maximum(Some(Self::MAX))
            .description(Some("A module's difficulty, 1 (easiest) to 5."))
            .into()
    }
}

impl utoipa::ToSchema for Level {
    fn name() -> std::borrow::Cow<'static, str> {
        "ModuleLevel".into()
    }
}

/// The index of one of an exercise's choices (0 is the first): 0 to 5 wherever it is read,
/// so that a request the contract refuses is refused before anything is looked up; whether
/// the exercise has that many choices is checked where the exercise is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u32")]
pub struct ChoiceIndex(pub u32);

impl TryFrom<u32> for ChoiceIndex {
    type Error = String;

    fn try_from(n: u32) -> Result<Self, Self::Error> {
        if (n as usize) < MAX_CHOICES {
            Ok(Self(n))
        } else {
            Err(format!("must be from 0 to {}", MAX_CHOICES - 1))
        }
    }
}

impl utoipa::PartialSchema for ChoiceIndex {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .maximum(Some(MAX_CHOICES - 1))
            .description(Some(
                "The index of one of the exercise's choices, 0 for the first.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for ChoiceIndex {}

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ModuleExercise)]
pub struct Exercise {
    pub prompt: String,
    #[schema(min_items = 2, max_items = 6)]
    pub choices: Vec<String>,
    /// The right choice's index, 0 for the first.
    #[schema(minimum = 0, maximum = 5)]
    pub answer_index: u32,
}

/// An exercise as a student sees it: no answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SessionExercise)]
pub struct ExerciseView {
    pub prompt: String,
    #[schema(min_items = 2, max_items = 6)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Module {
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    pub title: String,
    pub skill: String,
    #[schema(minimum = 1, maximum = 5)]
    pub level: u8,
    #[schema(min_items = 1, max_items = 50)]
    pub exercises: Vec<Exercise>,
    /// Whether only the program's enrolled students may train it.
    #[serde(default)]
    pub premium: bool,
    /// The program the module belongs to; `null` for a module of no program.
    #[serde(default)]
    #[schema(value_type = Option<shared::openapi::Id>, required = true)]
    pub program_id: Option<String>,
    #[schema(value_type = shared::openapi::Timestamp)]
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
            premium: self.premium,
            program_id: self.program_id.clone(),
        }
    }
}

/// One entry of `GET /learning/modules`: a module without its exercises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModuleSummary {
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    pub title: String,
    pub skill: String,
    #[schema(minimum = 1, maximum = 5)]
    pub level: u8,
    #[schema(minimum = 1, maximum = 50)]
    pub exercise_count: usize,
    /// Whether only the program's enrolled students may train it (403
    /// `enrollment_required` for anyone else).
    #[serde(default)]
    pub premium: bool,
    /// The program the module belongs to; `null` for a module of no program.
    #[serde(default)]
    #[schema(value_type = Option<shared::openapi::Id>, required = true)]
    pub program_id: Option<String>,
}

/// One entry of `GET /learning/enrollments`: a program the student bought, and the order
/// that bought it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Enrollment {
    #[schema(value_type = shared::openapi::Id)]
    pub program_id: String,
    /// The program's name as the order knew it; `null` when the order did not say.
    #[schema(required = true)]
    pub program_name: Option<String>,
    /// The confirmed order that enrolled the student.
    #[schema(value_type = shared::openapi::Id)]
    pub order_id: String,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub enrolled_at: String,
}

/// A page of a list (one shape for every list).
pub use shared::http::Page;

/// Whether a plan's step is still to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = PlanItemStatus)]
pub enum ItemStatus {
    Todo,
    Done,
}

/// One step of a plan: train `skill` at `level`, with `moduleId` suggested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanItem {
    /// The catalogue's module closest to the level; `null` while it has none for the skill.
    #[schema(value_type = Option<shared::openapi::Id>, required = true)]
    pub module_id: Option<String>,
    pub skill: String,
    #[schema(minimum = 1, maximum = 5)]
    pub level: u8,
    /// The skill's ratio in the attempt the plan was built from: weak, so under 0.8.
    #[schema(minimum = 0, exclusive_maximum = 0.8)]
    pub ratio: f64,
    pub status: ItemStatus,
}

/// `completed` once every item is done (at once for a plan with no items).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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

/// A training plan: one item per weak skill of the attempt it was built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TrainingPlan)]
pub struct Plan {
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    /// The graded attempt the plan was built from.
    #[schema(value_type = shared::openapi::Id)]
    pub attempt_id: String,
    pub status: PlanStatus,
    /// The weak skills, weakest first; empty when the attempt had none.
    pub items: Vec<PlanItem>,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub created_at: String,
    /// When the last item was done; `null` while the plan is active.
    #[schema(value_type = Option<shared::openapi::Timestamp>, required = true)]
    pub completed_at: Option<String>,
    /// Bumped by every change, so two sessions finishing at once cannot lose an update.
    #[serde(skip)]
    pub version: i64,
}

/// `{correct, total, mastered}` of a submitted session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionResult {
    /// Answers that were right.
    #[schema(minimum = 0, maximum = 50)]
    pub correct: u32,
    /// The session's exercises.
    #[schema(minimum = 1, maximum = 50)]
    pub total: u32,
    /// Whether `correct / total` is at least 0.8.
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkillProgress {
    pub skill: String,
    /// The highest level of this skill mastered in a session (0: none yet).
    #[schema(minimum = 0, maximum = 5)]
    pub mastery: u8,
    /// Sessions submitted for this skill.
    #[schema(minimum = 1)]
    pub sessions: u32,
}

/// A student's progress: per skill trained, and the streak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = LearningProgress)]
pub struct Progress {
    /// Every skill with a submitted session.
    pub skills: Vec<SkillProgress>,
    /// Consecutive UTC days with a submitted session, ending today (or yesterday, until
    /// today has one).
    #[schema(minimum = 0)]
    pub streak_days: u32,
}
