//! `DELETE /v1/community/posts/{id}`: by the author or an admin. The post, its comments and
//! its likes leave every listing at once (the post is marked deleted first); the items are
//! then swept. A DELETE repeated after a crash mid-sweep finishes the sweep.

use lambda_http::{Request, RequestExt};
use shared::ApiError;
use shared::clock::rfc3339;
use shared::http::{HttpResult, no_content, path_id};

use crate::{App, Error};

/// Delete a post
///
/// By its author or an admin; its comments and likes go with it. Repeating it is harmless.
#[utoipa::path(
    delete,
    path = "/v1/community/posts/{id}",
    tag = "community",
    operation_id = "deletePost",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The post's id.")),
    responses((status = 204, description = "The post is gone.")),
    extensions(("x-problems" = json!({"403": ["forbidden"], "404": ["not_found"]}))),
)]
pub async fn handle(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let id = path_id(&req, "id")?;
    let stored = app.store.post(&id).await?.ok_or(Error::PostNotFound)?;
    let may_delete = stored.post.author_id == caller.user_id || caller.is_admin();
    if stored.deleted {
        // Someone else learns nothing about a post being deleted: for them it is gone.
        if !may_delete {
            return Err(ApiError::from(Error::PostNotFound));
        }
    } else {
        if !may_delete {
            return Err(ApiError::from(Error::NotTheAuthorOrAdmin));
        }
        // `false` when a concurrent DELETE marked it first; sweeping twice is harmless.
        app.store
            .mark_deleted(&id, &rfc3339(app.clock.now()))
            .await?;
        shared::fault::point(req.lambda_context_ref(), "after_mark");
    }
    app.store.sweep_deleted(&id).await?;
    tracing::info!(postId = %id, byAdmin = stored.post.author_id != caller.user_id, "post deleted");
    no_content()
}
