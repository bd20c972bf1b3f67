//! `GET /v1/users/me`, `PATCH /v1/users/me` and `GET /.well-known/jwks.json`.

use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use lambda_http::{Body, Request, Response};
use shared::auth::TokenVerifier;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body};

use crate::model::DisplayName;
use crate::{App, Error};

pub async fn handle_get(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let user = app
        .store
        .user(&caller.user_id)
        .await?
        .ok_or(Error::UserNotFound)?;
    json(StatusCode::OK, &user.public())
}

/// `{name}`: the only field a user may change here.
pub struct ProfileChange {
    pub name: DisplayName,
}

impl FromJson for ProfileChange {
    fn from_json(f: &mut Fields) -> Option<Self> {
        Some(Self {
            name: f.required("name")?,
        })
    }
}

pub async fn handle_update(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let change: ProfileChange = json_body(&req)?;
    let now = rfc3339(app.clock.now());
    let user = app
        .store
        .rename(&caller.user_id, change.name.as_str(), &now)
        .await?
        .ok_or(Error::UserNotFound)?;
    json(StatusCode::OK, &user.public())
}

/// The public keys; cacheable, since they change only with a key rotation.
pub fn jwks(verifier: &TokenVerifier) -> HttpResult {
    let mut response = Response::new(Body::Text(verifier.jwks_json().to_owned()));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}
