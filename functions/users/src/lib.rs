//! The users domain: accounts, passwords, access and refresh tokens, the profile.
//!
//! Each endpoint is its own Lambda (`src/bin/`); each binary builds an [`App`] once per
//! cold start and hands one of the `handle` functions below to the runtime.

pub mod error;
pub mod model;
pub mod passwords;
pub mod profile;
pub mod seed_admin;
pub mod sessions;
pub mod sign_in;
pub mod sign_up;
pub mod store;

use std::sync::Arc;

use shared::auth::{TokenSigner, TokenVerifier};
use shared::clock::{Clock, SystemClock};
use shared::config::ConfigError;

pub use error::Error;
pub use store::Store;

/// What a users function needs, built once per cold start.
pub struct App {
    pub store: Store,
    pub verifier: TokenVerifier,
    /// Only the functions that issue tokens are given the private key.
    pub signer: Option<TokenSigner>,
    pub clock: Arc<dyn Clock>,
}

impl App {
    /// For endpoints that only verify tokens.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = shared::dynamo::sdk_config().await;
        Ok(Self {
            store: Store::new(
                shared::dynamo::connect(&config).await,
                shared::config::required("USERS_TABLE")?,
            ),
            verifier: TokenVerifier::from_env()?,
            signer: None,
            clock: Arc::new(SystemClock),
        })
    }

    /// For the endpoints that issue tokens (sign-up, sign-in, refresh).
    pub async fn with_signer_from_env() -> Result<Self, ConfigError> {
        let mut app = Self::from_env().await?;
        app.signer = Some(TokenSigner::from_env()?);
        Ok(app)
    }

    pub(crate) fn signer(&self) -> Result<&TokenSigner, Error> {
        self.signer.as_ref().ok_or_else(|| {
            Error::from(shared::ApiError::internal(
                "this function holds no signing key",
            ))
        })
    }
}

/// This domain's operations in the API contract (assembled into `docs/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    sign_up::handle,
    sign_in::handle,
    sessions::handle_refresh,
    sessions::handle_sign_out,
    profile::handle_get,
    profile::handle_update,
    profile::jwks,
))]
pub struct ApiDoc;
