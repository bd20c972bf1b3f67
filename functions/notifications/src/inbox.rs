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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxPage {
    pub items: Vec<Notification>,
    pub next_cursor: Option<String>,
    pub unread_count: i64,
}

/// A cursor is bound to the inbox it came from: another user's cursor is a 400 here.
fn cursor_scope(user_id: &str) -> String {
    format!("notifications:{user_id}")
}

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

pub async fn handle_mark_read(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let id = path_id(&req, "id")?;
    let now = rfc3339(app.clock.now());
    match app.store.mark_read(&caller.user_id, &id, &now).await? {
        MarkRead::Marked(n) | MarkRead::AlreadyRead(n) => json(StatusCode::OK, &n),
        MarkRead::NotFound => Err(Error::NotificationNotFound.into()),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadAll {
    /// Items this call marked read.
    pub marked: usize,
    /// Unread after the call: items that arrived meanwhile stay unread.
    pub unread_count: i64,
}

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
