//! The notifications domain: the consumer of the notifications queue (the inbox and the
//! external KakaoTalk-style channel, exactly once per event), the inbox endpoints and the
//! notification preferences.
//!
//! Each endpoint is its own Lambda (`src/bin/`); each binary builds an [`App`] (or, for the
//! queue, a [`consume::Consumer`]) once per cold start and hands a handler to the runtime.

pub mod consume;
pub mod email;
pub mod email_channel;
pub mod error;
pub mod inbox;
pub mod kakao;
pub mod model;
pub mod preferences;
pub mod store;
pub mod templates;

pub use error::Error;
pub use store::Store;

/// What an HTTP function of this domain needs, built once per cold start (only the listing
/// function is given the cursor secret: `App::with_cursors_from_env`).
pub type App = shared::app::Context<Store>;

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
