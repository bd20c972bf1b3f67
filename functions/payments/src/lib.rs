//! The payments domain: the order saga's payment step and the payment provider adapter.
//!
//! The orders orchestrator asks through `PaymentsQueue` (`capture_payment`,
//! `refund_payment`); [`step`] charges or refunds at most once per order through the
//! configured [`provider`] and answers through this table's outbox
//! (`PaymentsOutboxRelayFunction` sends the replies to the orders queue). The payment's
//! state machine is [`model::PaymentState`]; the step's decisions are plain functions in
//! [`lifecycle`].

pub mod error;
pub mod http_provider;
pub mod lifecycle;
pub mod model;
pub mod provider;
pub mod sandbox;
pub mod step;
pub mod store;

use std::sync::Arc;

use shared::app::TableStore;
use shared::clock::{Clock, SystemClock};
use shared::config::ConfigError;

pub use error::Error;
pub use provider::Provider;
pub use store::Store;

/// What the payment step needs, built once per cold start: the store, the provider and the
/// clock (no token verifier: nothing here answers a client).
pub struct App {
    pub store: Store,
    pub provider: Provider,
    pub clock: Arc<dyn Clock>,
}

impl App {
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = shared::dynamo::sdk_config().await;
        let store = Store::from_env(&config).await?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let secrets = shared::secrets::Secrets::new(&config);
        let provider = Provider::from_env(
            store.client().clone(),
            store.table(),
            clock.clone(),
            &secrets,
        )
        .await?;
        tracing::info!(provider = provider.name(), "payment provider configured");
        Ok(Self {
            store,
            provider,
            clock,
        })
    }
}
