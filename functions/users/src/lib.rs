//! The users domain: accounts, passwords, access and refresh tokens, the profile.
//!
//! Each endpoint is its own Lambda (`src/bin/`); each binary builds an [`App`] once per
//! cold start and hands one of the `handle` functions below to the runtime.

pub mod change_password;
pub mod codes;
pub mod delete_account;
pub mod error;
pub mod model;
pub mod password_reset;
pub mod passwords;
pub mod profile;
pub mod seed_admin;
pub mod sessions;
pub mod sign_in;
pub mod sign_up;
pub mod store;
pub mod verification;

use shared::app::Context;
use shared::auth::TokenSigner;
use shared::config::ConfigError;

pub use error::Error;
pub use store::Store;

/// What a users function needs, built once per cold start: the context every domain has
/// (`app.store`, `app.verifier`, `app.clock` through `Deref`) and, for the functions that
/// issue tokens, the signing key.
pub struct App {
    pub ctx: Context<Store>,
    /// Only the functions that issue tokens are given the private key.
    pub signer: Option<TokenSigner>,
}

impl std::ops::Deref for App {
    type Target = Context<Store>;

    fn deref(&self) -> &Context<Store> {
        &self.ctx
    }
}

impl App {
    pub fn new(ctx: Context<Store>, signer: Option<TokenSigner>) -> Self {
        Self { ctx, signer }
    }

    /// For endpoints that only verify tokens.
    pub async fn from_env() -> Result<Self, ConfigError> {
        Ok(Self::new(Context::from_env().await?, None))
    }

    /// For the endpoints that issue tokens (sign-up, sign-in, refresh).
    pub async fn with_signer_from_env() -> Result<Self, ConfigError> {
        let (ctx, signer) = Context::from_env_with(TokenSigner::from_ssm).await?;
        Ok(Self::new(ctx, Some(signer)))
    }

    pub(crate) fn signer(&self) -> Result<&TokenSigner, Error> {
        self.signer
            .as_ref()
            .ok_or_else(|| Error::Tokens("this function holds no signing key".into()))
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
    delete_account::handle,
    verification::handle,
    change_password::handle,
    password_reset::handle_request,
    password_reset::handle_confirm,
))]
pub struct ApiDoc;
