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
pub mod error;
pub mod model;
pub mod orchestrator;
pub mod place;
pub mod saga;
pub mod store;
pub mod view;

use std::sync::Arc;

use shared::auth::TokenVerifier;
use shared::clock::{Clock, SystemClock};
use shared::config::ConfigError;
use shared::cursor::CursorCodec;

pub use error::Error;
pub use store::Store;

/// What an orders function needs, built once per cold start.
pub struct App {
    pub store: Store,
    pub verifier: TokenVerifier,
    /// Only the listing function is given the cursor secret.
    pub cursors: Option<CursorCodec>,
    pub clock: Arc<dyn Clock>,
}

impl App {
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = shared::dynamo::sdk_config().await;
        Ok(Self {
            store: Store::new(
                shared::dynamo::connect(&config).await,
                shared::config::required("ORDERS_TABLE")?,
            ),
            verifier: TokenVerifier::from_env()?,
            cursors: None,
            clock: Arc::new(SystemClock),
        })
    }

    /// For the listing endpoint, which signs and checks cursors.
    pub async fn with_cursors_from_env() -> Result<Self, ConfigError> {
        let mut app = Self::from_env().await?;
        app.cursors = Some(CursorCodec::from_env()?);
        Ok(app)
    }

    pub(crate) fn cursors(&self) -> Result<&CursorCodec, shared::ApiError> {
        self.cursors
            .as_ref()
            .ok_or_else(|| shared::ApiError::internal("this function holds no cursor secret"))
    }
}

/// This domain's operations in the API contract (assembled into `docs/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    place::handle_place,
    view::handle_get,
    view::handle_list,
    cancel::handle_cancel,
))]
pub struct ApiDoc;
