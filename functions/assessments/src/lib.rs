//! The assessments domain: authoring, attempts, grading.
//!
//! Each endpoint is its own Lambda (`src/bin/`); each binary builds an [`App`] once per
//! cold start and hands one of the `handle` functions to the runtime. Submitting an attempt
//! writes the grade and its `attempt_graded` event (for learning and notifications) in one
//! transaction; the table's stream and `AssessmentsOutboxRelayFunction` deliver the event.

pub mod attempts;
pub mod authoring;
pub mod erasure;
pub mod error;
pub mod grading;
pub mod model;
pub mod seed;
pub mod store;
pub mod submit;

pub use error::Error;
pub use store::Store;

/// What an assessments function needs, built once per cold start (the listing functions
/// with the cursor secret: `App::with_cursors_from_env`).
pub type App = shared::app::Context<Store>;

/// This domain's operations in the API contract (assembled into `docs/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    authoring::handle_create,
    authoring::handle_publish,
    authoring::handle_list,
    authoring::handle_get,
    attempts::handle_start,
    attempts::handle_save_answer,
    submit::handle,
    attempts::handle_get,
    attempts::handle_list_mine,
))]
pub struct ApiDoc;
