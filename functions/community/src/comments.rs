//! `POST /v1/community/posts/{id}/comments` and `GET /v1/community/posts/{id}/comments`
//! (oldest first). A comment on someone else's post sends `comment_added` to the post's
//! author through the outbox, in the same transaction as the comment and its count.

use http::StatusCode;
use lambda_http::{Request, RequestExt};
use serde_json::json;
use shared::clock::rfc3339;
use shared::events::{Envelope, EventType};
use shared::http::{Fields, FromJson, HttpResult, json, json_body_limited, path_id};
use shared::paging::PageRequest;

use crate::model::{Comment, CommentBody, Page, Post};
use crate::posts::live_post;
use crate::store::Commented;
use crate::{App, Error};

/// Room for the longest valid comment even when every character is a JSON escape.
pub const COMMENT_REQUEST_LIMIT: usize = 32 * 1024;

/// A comment cursor is bound to its post: one from another post's thread is a 400.
fn cursor_scope(post_id: &str) -> String {
    format!("community:comments:{post_id}")
}

#[derive(utoipa::ToSchema)]
pub struct NewComment {
    pub body: CommentBody,
}

impl FromJson for NewComment {
    fn from_json(f: &mut Fields) -> Option<Self> {
        Some(Self {
            body: f.required("body")?,
        })
    }
}

/// The `comment_added` event for `post`'s author, unless they commented themselves.
/// `commenter_name` is the name in the commenter's access token: `None` only for a token
/// issued before tokens carried names (the notification then says "someone").
pub fn notification(
    post: &Post,
    comment: &Comment,
    commenter_name: Option<&str>,
    app: &App,
) -> Option<Envelope> {
    if post.author_id == comment.author_id {
        return None;
    }
    let data = json!({
        "postId": post.id,
        "postTitle": post.title,
        "commentId": comment.id,
        "commenterId": comment.author_id,
        "commenterName": commenter_name,
    });
    Some(Envelope::new(
        EventType::CommentAdded,
        &post.author_id,
        data,
        app.clock.as_ref(),
    ))
}

/// Comment on a post
///
/// The post's author is notified (`comment_added`), unless they commented themselves.
#[utoipa::path(
    post,
    path = "/v1/community/posts/{id}/comments",
    tag = "community",
    operation_id = "addComment",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The post's id.")),
    request_body = NewComment,
    responses((status = 201, description = "The comment.", body = Comment)),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle_add(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let post_id = path_id(&req, "id")?;
    let input: NewComment = json_body_limited(&req, COMMENT_REQUEST_LIMIT)?;
    // The post's author and title go into the event; the transaction below checks again
    // that the post is live.
    let post = live_post(app, &post_id).await?;
    let now = app.clock.now();
    let comment = Comment {
        id: shared::new_id(),
        post_id,
        author_id: caller.user_id,
        body: input.body.into(),
        created_at: rfc3339(now),
    };
    let event = notification(&post, &comment, caller.name.as_deref(), app);
    match app.store.add_comment(&comment, event.as_ref(), now).await? {
        Commented::Added => {}
        Commented::PostNotFound => return Err(Error::PostNotFound.into()),
    }
    shared::fault::point(req.lambda_context_ref(), "after_commit");
    tracing::info!(postId = %comment.post_id, commentId = %comment.id, "comment added");
    json(StatusCode::CREATED, &comment)
}

/// List a post's comments, oldest first
#[utoipa::path(
    get,
    path = "/v1/community/posts/{id}/comments",
    tag = "community",
    operation_id = "listComments",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The post's id."), shared::openapi::PageQuery),
    responses((status = 200, description = "A page of the post's comments, oldest first.", body = Page<Comment>)),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle_list(app: &App, req: Request) -> HttpResult {
    app.verifier.authenticate(&req, app.clock.now())?;
    let post_id = path_id(&req, "id")?;
    let cursors = app.cursors()?;
    let scope = cursor_scope(&post_id);
    let page = PageRequest::from_request(&req, cursors, &scope)?;
    // The comments of a deleted post are gone with it, even before they are swept.
    live_post(app, &post_id).await?;
    json(
        StatusCode::OK,
        &app.store
            .comments_page(&post_id, &page, cursors, &scope)
            .await?,
    )
}
