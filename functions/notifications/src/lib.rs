//! The notifications domain: the consumer of the notifications queue (the inbox and the
//! external KakaoTalk-style channel, exactly once per event), the inbox endpoints and the
//! notification preferences.
//!
//! Each endpoint is its own Lambda (`src/bin/`); each binary builds an [`App`] (or, for the
//! queue, a [`consume::Consumer`]) once per cold start and hands a handler to the runtime.

pub mod consume;
pub mod error;
pub mod inbox;
pub mod kakao;
pub mod model;
pub mod preferences;
pub mod store;
pub mod templates;

use std::sync::Arc;

use shared::auth::TokenVerifier;
use shared::clock::{Clock, SystemClock};
use shared::config::ConfigError;
use shared::cursor::CursorCodec;

pub use error::Error;
pub use store::Store;

/// What an HTTP function of this domain needs, built once per cold start.
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
                shared::config::required("NOTIFICATIONS_TABLE")?,
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

    pub(crate) fn cursors(&self) -> Result<&CursorCodec, Error> {
        self.cursors.as_ref().ok_or_else(|| {
            Error::from(shared::ApiError::internal(
                "this function holds no cursor secret",
            ))
        })
    }
}

/// This domain's operations in the API contract (assembled into `docs/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    inbox::handle_list,
    inbox::handle_mark_read,
    inbox::handle_read_all,
    preferences::handle_get,
    preferences::handle_put,
))]
pub struct ApiDoc;
