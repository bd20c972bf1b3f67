//! The community domain: posts, comments and likes.
//!
//! Each endpoint is its own Lambda (`src/bin/`); each binary builds an [`App`] once per
//! cold start and hands one of the `handle` functions to the runtime. A post's `likeCount`
//! and `commentCount` are changed only in the same transaction that adds or removes the
//! like or comment they count (see [`store`]), so they never drift from the real numbers.

pub mod comments;
pub mod delete;
pub mod error;
pub mod likes;
pub mod model;
pub mod posts;
pub mod store;

use std::sync::Arc;

use shared::auth::TokenVerifier;
use shared::clock::{Clock, SystemClock};
use shared::config::ConfigError;
use shared::cursor::CursorCodec;

pub use error::Error;
pub use store::Store;

/// What a community function needs, built once per cold start.
pub struct App {
    pub store: Store,
    pub verifier: TokenVerifier,
    /// Only the listing functions are given the cursor secret.
    pub cursors: Option<CursorCodec>,
    pub clock: Arc<dyn Clock>,
}

impl App {
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = shared::dynamo::sdk_config().await;
        Ok(Self {
            store: Store::new(
                shared::dynamo::connect(&config).await,
                shared::config::required("COMMUNITY_TABLE")?,
            ),
            verifier: TokenVerifier::from_env()?,
            cursors: None,
            clock: Arc::new(SystemClock),
        })
    }

    /// For the listing endpoints, which sign and check cursors.
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
    posts::handle_create,
    posts::handle_list,
    posts::handle_get,
    posts::handle_update,
    delete::handle,
    comments::handle_add,
    comments::handle_list,
    likes::handle_like,
    likes::handle_unlike,
))]
pub struct ApiDoc;
