//! The learning domain: modules, plans built from weak skills, sessions, progress.
//!
//! Learning never reads the assessments table: it learns of a graded attempt from the
//! `attempt_graded` event on its own queue and keeps its own copy of what it needs (the
//! skills and their ratios). The plan builder consumes that queue; `plan_ready` and
//! `plan_completed` leave through this table's outbox and `LearningOutboxRelayFunction`.
//! The rules (weak skills, levels, mastery, streak) are in [`planning`].
//!
//! A premium module opens to the students enrolled in its program: `order_confirmed` and
//! `order_cancelled` from the orders outbox, on learning's enrollments queue, enroll and
//! revoke ([`enrollments`]); `enrolled` leaves through this table's outbox.

pub mod enrollments;
pub mod error;
pub mod model;
pub mod modules;
pub mod plan_builder;
pub mod planning;
pub mod progress;
pub mod seed;
pub mod sessions;
pub mod store;

pub use error::Error;
pub use store::Store;

/// What a learning function needs, built once per cold start (the listing function with
/// the cursor secret: `App::with_cursors_from_env`).
pub type App = shared::app::Context<Store>;

/// Days since the Unix epoch, in UTC: the unit of the streak.
pub(crate) fn epoch_day(t: time::OffsetDateTime) -> i64 {
    t.unix_timestamp().div_euclid(86_400)
}

/// This domain's operations in the API contract (assembled into `docs/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    modules::handle_create,
    modules::handle_list,
    progress::handle_plan,
    sessions::handle_start,
    sessions::handle_submit,
    progress::handle_progress,
    enrollments::handle_list,
))]
pub struct ApiDoc;
