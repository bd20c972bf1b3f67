//! The assessments domain: authoring, attempts, grading.
//!
//! Each endpoint is its own Lambda (`src/bin/`); each binary builds an [`App`] once per
//! cold start and hands one of the `handle` functions to the runtime. Submitting an attempt
//! writes the grade and its `attempt_graded` event (for learning and notifications) in one
//! transaction; the table's stream and `AssessmentsOutboxRelayFunction` deliver the event.

pub mod attempts;
pub mod authoring;
pub mod error;
pub mod grading;
pub mod model;
pub mod seed;
pub mod store;
pub mod submit;

use std::sync::Arc;

use shared::auth::TokenVerifier;
use shared::clock::{Clock, SystemClock};
use shared::config::ConfigError;
use shared::cursor::CursorCodec;

pub use error::Error;
pub use store::Store;

/// What an assessments function needs, built once per cold start.
pub struct App {
    pub store: Store,
    pub verifier: TokenVerifier,
    pub clock: Arc<dyn Clock>,
    /// Only the listing functions are given the cursor secret.
    pub cursors: Option<CursorCodec>,
}

impl App {
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = shared::dynamo::sdk_config().await;
        Ok(Self {
            store: Store::new(
                shared::dynamo::connect(&config).await,
                shared::config::required("ASSESSMENTS_TABLE")?,
            ),
            verifier: TokenVerifier::from_env()?,
            clock: Arc::new(SystemClock),
            cursors: None,
        })
    }

    /// For the listing endpoints, which sign and check cursors.
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

    pub(crate) fn now_ms(&self) -> i64 {
        epoch_ms(self.clock.now())
    }
}

pub(crate) fn epoch_ms(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

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
