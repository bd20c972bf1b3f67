//! `PUT /v1/community/posts/{id}/like` and `DELETE /v1/community/posts/{id}/like`: 204,
//! idempotent per user. Liking twice or unliking what is not liked changes nothing.

use lambda_http::Request;
use shared::clock::rfc3339;
use shared::http::{HttpResult, no_content, path_id};

use crate::store::Toggle;
use crate::{App, Error};

/// Like a post
///
/// Idempotent: liking a post one already likes changes nothing.
#[utoipa::path(
    put,
    path = "/v1/community/posts/{id}/like",
    tag = "community",
    operation_id = "likePost",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The post's id.")),
    responses((status = 204, description = "The caller likes the post.")),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle_like(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let post_id = path_id(&req, "id")?;
    let now = rfc3339(app.clock.now());
    let toggled = app.store.like(&post_id, &caller.user_id, &now).await?;
    answer(toggled)
}

/// Take back a like
///
/// Idempotent: unliking a post one does not like changes nothing.
#[utoipa::path(
    delete,
    path = "/v1/community/posts/{id}/like",
    tag = "community",
    operation_id = "unlikePost",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The post's id.")),
    responses((status = 204, description = "The caller does not like the post.")),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle_unlike(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let post_id = path_id(&req, "id")?;
    let toggled = app.store.unlike(&post_id, &caller.user_id).await?;
    answer(toggled)
}

fn answer(toggled: Toggle) -> HttpResult {
    match toggled {
        Toggle::Changed | Toggle::Unchanged => no_content(),
        Toggle::PostNotFound => Err(Error::PostNotFound.into()),
    }
}
