//! `POST /v1/community/posts`, `GET /v1/community/posts` (newest first),
//! `GET /v1/community/posts/{id}` and `PATCH /v1/community/posts/{id}` (the author only).

use http::StatusCode;
use lambda_http::Request;
use shared::ApiError;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body_limited, path_id};
use shared::paging::PageRequest;

use crate::model::{Post, PostBody, Title};
use crate::{App, Error};

/// Room for the longest valid post even when every character arrives as a JSON escape
/// (`\ud83d\ude00` is 12 bytes for one character); anything larger is a 413.
pub const POST_REQUEST_LIMIT: usize = 160 * 1024;

/// Feed cursors all come from one list.
const FEED_SCOPE: &str = "community:feed";

pub struct NewPost {
    pub title: Title,
    pub body: PostBody,
}

impl FromJson for NewPost {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let title = f.required("title");
        let body = f.required("body");
        Some(Self {
            title: title?,
            body: body?,
        })
    }
}

/// `{title?, body?}`: at least one of them.
pub struct PostChange {
    pub title: Option<Title>,
    pub body: Option<PostBody>,
}

impl FromJson for PostChange {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let title = f.optional("title");
        let body = f.optional("body");
        Some(Self {
            title: title?,
            body: body?,
        })
    }
}

/// The live post `id`, or a 404.
pub(crate) async fn live_post(app: &App, id: &str) -> Result<Post, Error> {
    app.store
        .post(id)
        .await?
        .and_then(crate::store::StoredPost::live)
        .ok_or(Error::PostNotFound)
}

pub async fn handle_create(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let input: NewPost = json_body_limited(&req, POST_REQUEST_LIMIT)?;
    let now = rfc3339(app.clock.now());
    let post = Post {
        id: shared::new_id(),
        author_id: caller.user_id,
        title: input.title.into(),
        body: input.body.into(),
        like_count: 0,
        comment_count: 0,
        created_at: now.clone(),
        updated_at: now,
    };
    app.store.create_post(&post).await?;
    tracing::info!(postId = %post.id, "post created");
    json(StatusCode::CREATED, &post)
}

pub async fn handle_list(app: &App, req: Request) -> HttpResult {
    app.verifier.authenticate(&req, app.clock.now())?;
    let cursors = app.cursors()?;
    let page = PageRequest::from_request(&req, cursors, FEED_SCOPE)?;
    json(
        StatusCode::OK,
        &app.store.feed_page(&page, cursors, FEED_SCOPE).await?,
    )
}

pub async fn handle_get(app: &App, req: Request) -> HttpResult {
    app.verifier.authenticate(&req, app.clock.now())?;
    let id = path_id(&req, "id")?;
    json(StatusCode::OK, &live_post(app, &id).await?)
}

pub async fn handle_update(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let id = path_id(&req, "id")?;
    let change: PostChange = json_body_limited(&req, POST_REQUEST_LIMIT)?;
    if change.title.is_none() && change.body.is_none() {
        return Err(ApiError::bad_request("Send a title, a body or both."));
    }
    let post = live_post(app, &id).await?;
    if post.author_id != caller.user_id {
        return Err(ApiError::from(Error::NotTheAuthor));
    }
    let now = rfc3339(app.clock.now());
    let edited = app
        .store
        .edit_post(
            &id,
            &caller.user_id,
            change.title.as_ref().map(Title::as_str),
            change.body.as_ref().map(PostBody::as_str),
            &now,
        )
        .await?
        // Deleted between the read and the write.
        .ok_or(Error::PostNotFound)?;
    json(StatusCode::OK, &edited)
}
