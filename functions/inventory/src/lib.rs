//! The inventory domain: products, their available stock, and the order saga's stock step.
//!
//! Each endpoint is its own Lambda (`src/bin/`); each binary builds an [`App`] once per
//! cold start. Admins create products; any signed-in user lists and reads them. The orders
//! orchestrator asks for stock through `InventoryQueue` (`reserve_stock`, `release_stock`);
//! [`stock_step`] answers each at most once per order, in the same transaction as the stock
//! change, through this table's outbox (`InventoryOutboxRelayFunction` sends the replies to
//! the orders queue). The decisions themselves are plain functions in [`reservation`].

pub mod error;
pub mod model;
pub mod products;
pub mod reservation;
pub mod seed;
pub mod stock_step;
pub mod store;

use std::sync::Arc;

use shared::auth::TokenVerifier;
use shared::clock::{Clock, SystemClock};
use shared::config::ConfigError;
use shared::cursor::CursorCodec;

pub use error::Error;
pub use store::Store;

/// What an inventory function needs, built once per cold start.
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
                shared::config::required("INVENTORY_TABLE")?,
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
#[openapi(paths(products::handle_create, products::handle_list, products::handle_get,))]
pub struct ApiDoc;
