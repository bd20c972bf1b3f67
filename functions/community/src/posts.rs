//! `POST /v1/community/posts`, `GET /v1/community/posts` (newest first),
//! `GET /v1/community/posts/{id}` and `PATCH /v1/community/posts/{id}` (the author only).

use http::StatusCode;
use lambda_http::Request;
use shared::ApiError;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body_limited, path_id};
use shared::paging::PageRequest;

use crate::model::{Page, Post, PostBody, Title};
use crate::{App, Error};

/// Room for the longest valid post even when every character arrives as a JSON escape
/// (`\ud83d\ude00` is 12 bytes for one character); anything larger is a 413.
pub const POST_REQUEST_LIMIT: usize = 160 * 1024;

/// Feed cursors all come from one list.
const FEED_SCOPE: &str = "community:feed";

#[derive(utoipa::ToSchema)]
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

/// Each field may be absent or `null` (left as it is), and at least one must be a value:
/// beyond what a derived schema can say.
impl utoipa::PartialSchema for PostChange {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::ToSchema;
        use utoipa::openapi::schema::{
            AdditionalProperties, AllOf, AnyOf, ObjectBuilder, OneOf, Ref, Type,
        };
        let title = || Ref::from_schema_name(Title::name());
        let body = || Ref::from_schema_name(PostBody::name());
        let nullable = |r: Ref| {
            OneOf::builder()
                .item(r)
                .item(ObjectBuilder::new().schema_type(Type::Null))
        };
        // Which fields must be values; the fields themselves are closed by the first part.
        let with_value = |name: &str, r: Ref| {
            ObjectBuilder::new()
                .property(name, r)
                .required(name)
                .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        };
        let fields = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("title", nullable(title()))
            .property("body", nullable(body()))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        AllOf::builder()
            .description(Some(
                "A title, a body or both; a field left out or `null` stays as it is.",
            ))
            .item(fields)
            .item(
                AnyOf::builder()
                    .item(with_value("title", title()))
                    .item(with_value("body", body())),
            )
            .into()
    }
}

impl utoipa::ToSchema for PostChange {
    fn schemas(schemas: &mut shared::openapi::Schemas) {
        shared::openapi::register::<Title>(schemas);
        shared::openapi::register::<PostBody>(schemas);
    }
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

/// Write a post
#[utoipa::path(
    post,
    path = "/v1/community/posts",
    tag = "community",
    operation_id = "createPost",
    security(("bearer" = [])),
    request_body = NewPost,
    responses(
        (status = 201, description = "The post, with no likes or comments yet.", body = Post,
         links(
            ("GetPost" = (operation_id = "getPost", parameters(("id" = "$response.body#/id")))),
            ("UpdatePost" = (operation_id = "updatePost", parameters(("id" = "$response.body#/id")))),
            ("DeletePost" = (operation_id = "deletePost", parameters(("id" = "$response.body#/id")))),
            ("AddComment" = (operation_id = "addComment", parameters(("id" = "$response.body#/id")))),
            ("ListComments" = (operation_id = "listComments", parameters(("id" = "$response.body#/id")))),
            ("LikePost" = (operation_id = "likePost", parameters(("id" = "$response.body#/id")))),
            ("UnlikePost" = (operation_id = "unlikePost", parameters(("id" = "$response.body#/id")))),
         )),
    ),
)]
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

/// List posts, newest first
#[utoipa::path(
    get,
    path = "/v1/community/posts",
    tag = "community",
    operation_id = "listPosts",
    security(("bearer" = [])),
    params(shared::openapi::PageQuery),
    responses((status = 200, description = "A page of live posts, newest first.", body = Page<Post>)),
)]
pub async fn handle_list(app: &App, req: Request) -> HttpResult {
    app.verifier.authenticate(&req, app.clock.now())?;
    let cursors = app.cursors()?;
    let page = PageRequest::from_request(&req, cursors, FEED_SCOPE)?;
    json(
        StatusCode::OK,
        &app.store.feed_page(&page, cursors, FEED_SCOPE).await?,
    )
}

/// Read a post
#[utoipa::path(
    get,
    path = "/v1/community/posts/{id}",
    tag = "community",
    operation_id = "getPost",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The post's id.")),
    responses((status = 200, description = "The post.", body = Post)),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle_get(app: &App, req: Request) -> HttpResult {
    app.verifier.authenticate(&req, app.clock.now())?;
    let id = path_id(&req, "id")?;
    json(StatusCode::OK, &live_post(app, &id).await?)
}

/// Edit one's own post
///
/// Send a title, a body or both; only the author may edit.
#[utoipa::path(
    patch,
    path = "/v1/community/posts/{id}",
    tag = "community",
    operation_id = "updatePost",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The post's id.")),
    request_body = PostChange,
    responses((status = 200, description = "The post as edited.", body = Post)),
    extensions(("x-problems" = json!({"403": ["forbidden"], "404": ["not_found"]}))),
)]
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
