//! The orders domain: orders, and the saga orchestrator that carries each one through
//! inventory (reserve stock) and payments (capture payment) to confirmed, or back through
//! their compensations to cancelled or rejected.
//!
//! The saga is data and its state machine a pure function ([`saga`]); everything else is
//! the shell around it: the endpoints ([`place`], [`view`], [`cancel`]), the consumer of
//! the participants' replies ([`orchestrator`]), and the one way an order changes
//! ([`advance`]): read, decide, write conditionally with the outbox items, decide again
//! after a lost race. Commands and events leave only through this table's outbox and
//! `OrdersOutboxRelayFunction`.

pub mod advance;
pub mod cancel;
pub mod erasure;
pub mod error;
pub mod model;
pub mod orchestrator;
pub mod place;
pub mod saga;
pub mod store;
pub mod view;

pub use error::{Error, ReplyError};
pub use store::Store;

/// What an orders function needs, built once per cold start (only the listing function is
/// given the cursor secret: `App::with_cursors_from_env`).
pub type App = shared::app::Context<Store>;

/// This domain's operations in the API contract (assembled into `docs/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    place::handle_place,
    view::handle_get,
    view::handle_list,
    cancel::handle_cancel,
))]
pub struct ApiDoc;
