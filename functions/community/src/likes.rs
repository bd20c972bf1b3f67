//! `PUT /v1/community/posts/{id}/like` and `DELETE /v1/community/posts/{id}/like`: 204,
//! idempotent per user. Liking twice or unliking what is not liked changes nothing.

use lambda_http::Request;
use shared::clock::rfc3339;
use shared::http::{HttpResult, no_content, path_id};

use crate::store::Toggle;
use crate::{App, Error};

pub async fn handle_like(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let post_id = path_id(&req, "id")?;
    let now = rfc3339(app.clock.now());
    let toggled = app.store.like(&post_id, &caller.user_id, &now).await?;
    answer(toggled)
}

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
