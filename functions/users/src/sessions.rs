//! Sessions: a short-lived access token (JWT) and an opaque refresh token that rotates on
//! every use. Refresh tokens are stored only as SHA-256 hashes. All tokens rotated from one
//! sign-in form a family; presenting a token that was already used means it leaked, so the
//! whole family is revoked. A family records the account's sessions epoch when it started;
//! a password change or reset raises the epoch, which ends every family at once (no family
//! has to be found), and a deleted account's families refresh no more either.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use http::StatusCode;
use lambda_http::Request;
use serde::Serialize;
use sha2::{Digest, Sha256};
use shared::auth::{ACCESS_TOKEN_TTL_SECONDS, Claims, Role};
use shared::http::{Fields, FromJson, HttpResult, json, json_body, no_content};
use time::OffsetDateTime;

use crate::store::{Family, NewSession, RefreshRecord, Rotation, StoredUser};
use crate::{App, Error};

/// A refresh token lives 30 days unless used; a session lasts at most 90 days.
pub const REFRESH_TOKEN_TTL_SECONDS: i64 = 30 * 24 * 3600;
pub const SESSION_MAX_AGE_SECONDS: i64 = 90 * 24 * 3600;

/// An access token and the refresh token that renews it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenPair {
    /// A JWT (EdDSA) to send as `Authorization: Bearer <accessToken>`.
    #[schema(pattern = "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$")]
    pub access_token: String,
    /// Opaque; good for one `POST /v1/auth/refresh` (it rotates), for 30 days, within a
    /// session of at most 90 days.
    #[schema(pattern = "^[A-Za-z0-9_-]{43}$")]
    pub refresh_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    #[schema(minimum = 1, example = 900)]
    pub expires_in: i64,
}

/// How to send the access token: always `Bearer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum TokenType {
    Bearer,
}

/// The answer of sign-up and sign-in: the account and a new session's tokens.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    pub user: crate::model::User,
    #[serde(flatten)]
    pub tokens: TokenPair,
}

/// A new session: the tokens for the client and what to store.
pub struct Started {
    pub tokens: TokenPair,
    pub session: NewSession,
}

fn new_refresh_token() -> Result<(String, String), Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Tokens(e.to_string()))?;
    let token = B64.encode(bytes);
    let hash = hash_refresh_token(&token);
    Ok((token, hash))
}

fn hash_refresh_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn access_token(
    app: &App,
    user_id: &str,
    role: Role,
    name: &str,
    now: OffsetDateTime,
) -> Result<String, Error> {
    app.signer()?
        .sign(&Claims::access(user_id, role, now).named(name))
        .map_err(|e| Error::Tokens(e.internal.clone().unwrap_or_else(|| e.to_string())))
}

/// Starts a session for a user who just proved who they are (the caller stores it).
pub fn start(app: &App, user: &StoredUser, now: OffsetDateTime) -> Result<Started, Error> {
    let (user_id, role, name) = (user.id.as_str(), user.role, user.name.as_str());
    let family = Family {
        id: shared::new_id(),
        user_id: user_id.to_owned(),
        revoked: false,
        expires_at: now.unix_timestamp() + SESSION_MAX_AGE_SECONDS,
        epoch: user.sessions_epoch,
    };
    let (token, hash) = new_refresh_token()?;
    let record = RefreshRecord {
        hash,
        user_id: user_id.to_owned(),
        family_id: family.id.clone(),
        used: false,
        expires_at: now.unix_timestamp() + REFRESH_TOKEN_TTL_SECONDS,
    };
    Ok(Started {
        tokens: TokenPair {
            access_token: access_token(app, user_id, role, name, now)?,
            refresh_token: token,
            token_type: TokenType::Bearer,
            expires_in: ACCESS_TOKEN_TTL_SECONDS,
        },
        session: NewSession {
            family,
            first_token: record,
        },
    })
}

/// Trades a refresh token for a new pair; the old token stops working.
pub async fn refresh(app: &App, token: &str) -> Result<TokenPair, Error> {
    let now = app.clock.now();
    let now_s = now.unix_timestamp();
    let hash = hash_refresh_token(token);
    let record = app
        .store
        .refresh_record(&hash)
        .await?
        .ok_or(Error::InvalidRefreshToken)?;
    if record.used {
        app.store.revoke_family(&record.family_id).await?;
        tracing::warn!(familyId = %record.family_id, "refresh token reuse: session revoked");
        return Err(Error::RefreshTokenReused);
    }
    if record.expires_at <= now_s {
        return Err(Error::InvalidRefreshToken);
    }
    let family = app
        .store
        .family(&record.family_id)
        .await?
        .ok_or(Error::InvalidRefreshToken)?;
    if family.revoked || family.expires_at <= now_s {
        return Err(Error::InvalidRefreshToken);
    }
    // Gone (deleted), or every session ended since this one started (a password change or
    // reset): the rotation below checks both again, atomically.
    let user = app
        .store
        .user(&record.user_id)
        .await?
        .filter(|u| u.sessions_epoch == family.epoch)
        .ok_or(Error::InvalidRefreshToken)?;

    let (next_token, next_hash) = new_refresh_token()?;
    let next = RefreshRecord {
        hash: next_hash,
        user_id: record.user_id.clone(),
        family_id: record.family_id.clone(),
        used: false,
        expires_at: (now_s + REFRESH_TOKEN_TTL_SECONDS).min(family.expires_at),
    };
    match app
        .store
        .rotate_refresh(&record, &next, family.epoch, now_s)
        .await?
    {
        Rotation::Rotated => {}
        // Someone used this token between our read and our write: the same leak.
        Rotation::TokenReused => {
            app.store.revoke_family(&record.family_id).await?;
            return Err(Error::RefreshTokenReused);
        }
        // Revoked, expired, every session of the account ended, or the account deleted.
        Rotation::SessionEnded => return Err(Error::InvalidRefreshToken),
    }
    Ok(TokenPair {
        access_token: access_token(app, &user.id, user.role, &user.name, now)?,
        refresh_token: next_token,
        token_type: TokenType::Bearer,
        expires_in: ACCESS_TOKEN_TTL_SECONDS,
    })
}

/// Ends the session the token belongs to. Unknown tokens are ignored: signing out twice is fine.
pub async fn sign_out(app: &App, token: &str) -> Result<(), Error> {
    if let Some(record) = app.store.refresh_record(&hash_refresh_token(token)).await? {
        app.store.revoke_family(&record.family_id).await?;
    }
    Ok(())
}

/// `{refreshToken}`: a refresh token to trade or to end.
#[derive(utoipa::ToSchema)]
#[schema(as = RefreshTokenRequest, rename_all = "camelCase")]
pub struct RefreshTokenBody {
    /// The refresh token of a sign-up, sign-in or refresh: 1 to 512 characters.
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: String,
}

impl FromJson for RefreshTokenBody {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let token: String = f.required("refreshToken")?;
        if token.is_empty() || token.chars().count() > 512 {
            f.error("refreshToken", "must be 1 to 512 characters");
            return None;
        }
        Some(Self {
            refresh_token: token,
        })
    }
}

/// Trade a refresh token for new tokens
///
/// The refresh token is rotated: the one sent stops working and the answer holds its
/// successor. Sending a refresh token a second time is taken as a leak: the whole session
/// (every token rotated from one sign-in) is revoked and the answer is 401. An unknown,
/// expired or revoked token is also a 401.
#[utoipa::path(
    post,
    path = "/v1/auth/refresh",
    tag = "users",
    operation_id = "refreshTokens",
    request_body = RefreshTokenBody,
    responses(
        (status = 200, description = "A new access token and the next refresh token.", body = TokenPair,
         links(
            ("Refresh" = (operation_id = "refreshTokens",
                request_body = json!({"refreshToken": "$response.body#/refreshToken"}))),
            ("SignOut" = (operation_id = "signOut",
                request_body = json!({"refreshToken": "$response.body#/refreshToken"}))),
         )),
    ),
    extensions(("x-problems" = json!({"401": ["unauthorized"]}))),
)]
pub async fn handle_refresh(app: &App, req: Request) -> HttpResult {
    let body: RefreshTokenBody = json_body(&req)?;
    let pair = refresh(app, &body.refresh_token).await?;
    json(StatusCode::OK, &pair)
}

/// Sign out
///
/// Ends the session the refresh token belongs to: that token and every token rotated from
/// the same sign-in stop working. An unknown token is not an error, so signing out twice is
/// fine. Access tokens already issued stay valid until they expire (15 minutes).
#[utoipa::path(
    post,
    path = "/v1/auth/sign-out",
    tag = "users",
    operation_id = "signOut",
    request_body = RefreshTokenBody,
    responses((status = 204, description = "Signed out (or the token was unknown).")),
)]
pub async fn handle_sign_out(app: &App, req: Request) -> HttpResult {
    let body: RefreshTokenBody = json_body(&req)?;
    sign_out(app, &body.refresh_token).await?;
    no_content()
}
