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

pub use error::Error;
pub use store::Store;

/// What an inventory function needs, built once per cold start: the store, the verifier,
/// the clock and (for the listing function only) the cursor codec.
pub type App = shared::app::Context<Store>;

/// This domain's operations in the API contract (assembled into `docs/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(products::handle_create, products::handle_list, products::handle_get,))]
pub struct ApiDoc;
