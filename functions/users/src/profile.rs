//! `GET /v1/users/me`, `PATCH /v1/users/me` and `GET /.well-known/jwks.json`.

use http::StatusCode;
use lambda_http::Request;
use shared::auth::TokenVerifier;
use shared::clock::rfc3339;
use shared::http::{Fields, FromJson, HttpResult, json, json_body};

use crate::model::DisplayName;
use crate::{App, Error};

/// Read one's own account
#[utoipa::path(
    get,
    path = "/v1/users/me",
    tag = "users",
    operation_id = "getMe",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller's account.", body = crate::model::User)),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
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
#[derive(utoipa::ToSchema)]
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

/// Rename oneself
///
/// The display name is the only field one may change here.
#[utoipa::path(
    patch,
    path = "/v1/users/me",
    tag = "users",
    operation_id = "updateMe",
    security(("bearer" = [])),
    request_body = ProfileChange,
    responses((status = 200, description = "The caller's account, renamed.", body = crate::model::User)),
    extensions(("x-problems" = json!({"404": ["not_found"]}))),
)]
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

/// The public keys that verify access tokens (RFC 7517), as served.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct JwkSet {
    /// During a key rotation, the old key and the new one.
    #[schema(min_items = 1)]
    keys: Vec<Jwk>,
}

/// An Ed25519 public key (RFC 8037); access tokens name it in their `kid` header.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Jwk {
    #[schema(inline)]
    kty: JwkKeyType,
    #[schema(inline)]
    crv: JwkCurve,
    #[schema(inline)]
    alg: JwkAlgorithm,
    #[schema(rename = "use", inline)]
    key_use: JwkUse,
    kid: String,
    /// The 32-byte public key, base64url without padding.
    #[schema(pattern = "^[A-Za-z0-9_-]{43}$")]
    x: String,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
enum JwkKeyType {
    #[schema(rename = "OKP")]
    Okp,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
enum JwkCurve {
    Ed25519,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
enum JwkAlgorithm {
    EdDSA,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
enum JwkUse {
    #[schema(rename = "sig")]
    Sig,
}

/// Get the keys that verify access tokens
///
/// Public: needs no token. Cacheable for 5 minutes; keys change only with a rotation.
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "users",
    operation_id = "getJwks",
    responses(
        (status = 200, description = "The public keys.", body = JwkSet,
         headers(("Cache-Control" = String, description = "`public, max-age=300`."))),
    ),
)]
pub fn jwks(verifier: &TokenVerifier) -> HttpResult {
    shared::http::public_json(verifier.jwks_json().to_owned())
}
