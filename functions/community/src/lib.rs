//! The community domain: posts, comments and likes.
//!
//! Each endpoint is its own Lambda (`src/bin/`); each binary builds an [`App`] once per
//! cold start and hands one of the `handle` functions to the runtime. A post's `likeCount`
//! and `commentCount` are changed only in the same transaction that adds or removes the
//! like or comment they count (see [`store`]), so they never drift from the real numbers.
//! An account's deletion reaches community's own queue as `user_deleted`, and
//! `CommunityEraseUserFunction` erases what the person wrote ([`erasure`]).

pub mod comments;
pub mod delete;
pub mod erasure;
pub mod error;
pub mod likes;
pub mod model;
pub mod posts;
pub mod store;

pub use error::Error;
pub use store::Store;

/// What a community function needs, built once per cold start: the store, the verifier,
/// the clock and (for the listing functions only) the cursor codec.
pub type App = shared::app::Context<Store>;

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
