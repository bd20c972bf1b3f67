//! `POST /v1/users/me/email/verify`: the code emailed at sign-up proves the address is the
//! owner's.

use lambda_http::Request;
use shared::http::{Fields, FromJson, HttpResult, json_body, no_content};

use crate::codes::{self, MAX_TRIES};
use crate::{App, Error};

/// A verification code is good for 24 hours (and [`MAX_TRIES`] tries).
pub const CODE_TTL_SECONDS: i64 = 24 * 3600;

/// `{code}`: the code emailed at sign-up.
#[derive(utoipa::ToSchema)]
pub struct VerifyEmail {
    /// The 6 digits of the email.
    #[schema(pattern = "^[0-9]{6}$", example = "493027")]
    pub code: String,
}

impl FromJson for VerifyEmail {
    fn from_json(f: &mut Fields) -> Option<Self> {
        Some(Self {
            code: codes::code_field(f)?,
        })
    }
}

/// Verifies the email of the account `user_id` with `code`. Verifying an address already
/// verified succeeds whatever the code (the same request twice is fine).
pub async fn verify(app: &App, user_id: &str, code: &str) -> Result<(), Error> {
    let user = app.store.user(user_id).await?.ok_or(Error::UserNotFound)?;
    if user.email_verified {
        return Ok(());
    }
    let now = app.clock.now().unix_timestamp();
    // Counted before it is compared: a 6th try is refused, right or wrong.
    let stored = app
        .store
        .try_verification_code(user_id, now, MAX_TRIES)
        .await?
        .ok_or(Error::InvalidCode)?;
    if !codes::matches(code, &stored.code_hash) {
        return Err(Error::InvalidCode);
    }
    if !app.store.verify_email(user_id).await? {
        return Err(Error::UserNotFound);
    }
    tracing::info!(userId = %user_id, "email verified");
    Ok(())
}

/// Verify one's email
///
/// With the 6-digit code emailed at sign-up: good for 24 hours and 5 tries (the 6th is
/// refused even with the right code). A wrong, expired or spent code is 400 `invalid_code`;
/// an email already verified answers 204 whatever the code. `GET /v1/users/me` then shows
/// `emailVerified: true`.
#[utoipa::path(
    post,
    path = "/v1/users/me/email/verify",
    tag = "users",
    operation_id = "verifyEmail",
    security(("bearer" = [])),
    request_body = VerifyEmail,
    responses((status = 204, description = "The email is verified.")),
    extensions(("x-problems" = json!({"400": ["invalid_code"], "404": ["not_found"]}))),
)]
pub async fn handle(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let body: VerifyEmail = json_body(&req)?;
    verify(app, &caller.user_id, &body.code).await?;
    no_content()
}
