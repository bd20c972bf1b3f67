//! The inbox: `GET /v1/notifications`, `POST /v1/notifications/{id}/read` and
//! `POST /v1/notifications/read-all`. Every call sees only the caller's own items.

use http::StatusCode;
use lambda_http::Request;
use serde::Serialize;
use shared::clock::rfc3339;
use shared::http::{HttpResult, json, path_id};
use shared::paging::PageRequest;

use crate::model::Notification;
use crate::store::MarkRead;
use crate::{App, Error};

/// A page of the inbox, newest first, with the count of unread items in the whole inbox.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxPage {
    pub items: Vec<Notification>,
    /// The cursor of the next page; `null` on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
    /// Unread items in the whole inbox, not only on this page.
    #[schema(minimum = 0)]
    pub unread_count: i64,
}

/// A cursor is bound to the inbox it came from: another user's cursor is a 400 here.
fn cursor_scope(user_id: &str) -> String {
    format!("notifications:{user_id}")
}

/// List one's notifications, newest first
///
/// A page of the caller's inbox, with how many of all their notifications are unread.
#[utoipa::path(
    get,
    path = "/v1/notifications",
    tag = "notifications",
    operation_id = "listNotifications",
    security(("bearer" = [])),
    params(shared::openapi::PageQuery),
    responses((status = 200, description = "A page of the caller's inbox, newest first.", body = InboxPage)),
)]
pub async fn handle_list(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let cursors = app.cursors()?;
    let scope = cursor_scope(&caller.user_id);
    let request = PageRequest::from_request(&req, cursors, &scope)?;
    let (page, unread_count) = tokio::join!(
        app.store.page(&caller.user_id, &request, cursors, &scope),
        app.store.unread_count(&caller.user_id)
    );
    let (items, next_cursor) = page?;
    json(
        StatusCode::OK,
        &InboxPage {
            items,
            next_cursor,
            unread_count: unread_count?,
        },
    )
}

/// Mark a notification read
///
/// Marking an item that is already read changes nothing and answers the same way.
#[utoipa::path(
    post,
    path = "/v1/notifications/{id}/read",
    tag = "notifications",
    operation_id = "markNotificationRead",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The notification's id (one of the caller's own).")),
    responses((status = 200, description = "The notification, read (with the time it was first marked read).", body = Notification)),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
pub async fn handle_mark_read(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let id = path_id(&req, "id")?;
    let now = rfc3339(app.clock.now());
    match app.store.mark_read(&caller.user_id, &id, &now).await? {
        MarkRead::Marked(n) | MarkRead::AlreadyRead(n) => json(StatusCode::OK, &n),
        MarkRead::NotFound => Err(Error::NotificationNotFound.into()),
    }
}

/// What marking the whole inbox read did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = InboxReadAll)]
pub struct ReadAll {
    /// Items this call marked read.
    #[schema(minimum = 0)]
    pub marked: usize,
    /// Unread after the call: items that arrived meanwhile stay unread.
    #[schema(minimum = 0)]
    pub unread_count: i64,
}

/// Mark every notification read
#[utoipa::path(
    post,
    path = "/v1/notifications/read-all",
    tag = "notifications",
    operation_id = "markAllNotificationsRead",
    security(("bearer" = [])),
    responses((status = 200, description = "How many items this call marked read, and how many are unread now.", body = ReadAll)),
)]
pub async fn handle_read_all(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let now = rfc3339(app.clock.now());
    let marked = app.store.read_all(&caller.user_id, &now).await?;
    let unread_count = app.store.unread_count(&caller.user_id).await?;
    json(
        StatusCode::OK,
        &ReadAll {
            marked,
            unread_count,
        },
    )
}
