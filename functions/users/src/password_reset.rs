//! `POST /v1/auth/password-reset` and `POST /v1/auth/password-reset/confirm`: a forgotten
//! password, replaced with a one-time code sent to the account's email.
//!
//! The request answers the same, after the same reads and writes, whether or not an
//! account has the email (no account enumeration, no timing oracle): one read of the email's
//! claim, then one transaction that stores a code for the email, with the `password_reset`
//! event only when an account has it. For an unknown email the stored code belongs to no
//! account, so no confirmation can ever use it.

use http::StatusCode;
use lambda_http::Request;
use serde::Serialize;
use serde_json::json as data;
use shared::events::{Envelope, EventType};
use shared::http::{Fields, FromJson, HttpResult, json, json_body, no_content};

use crate::codes::{self, CodeRecord, MAX_TRIES};
use crate::model::{Email, Password};
use crate::{App, Error, passwords};

/// A reset code is good for 15 minutes (and [`MAX_TRIES`] tries).
pub const CODE_TTL_SECONDS: i64 = 15 * 60;

/// `{email}`: the address of the account whose password is forgotten.
#[derive(utoipa::ToSchema)]
pub struct PasswordResetRequest {
    pub email: Email,
}

impl FromJson for PasswordResetRequest {
    fn from_json(f: &mut Fields) -> Option<Self> {
        Some(Self {
            email: f.required("email")?,
        })
    }
}

/// The answer to a reset request: the same whether or not an account has the email.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResetRequested {
    /// Always the same sentence.
    #[schema(
        example = "If an account has this email, a code to reset its password was sent to it."
    )]
    pub detail: &'static str,
}

const REQUESTED: ResetRequested = ResetRequested {
    detail: "If an account has this email, a code to reset its password was sent to it.",
};

/// Sends a reset code to `email` if an account has it; the same work either way.
pub async fn request(app: &App, email: &Email) -> Result<(), Error> {
    let now = app.clock.now();
    let code = codes::new_code()?;
    let account = app.store.account_id(email).await?;
    let requested = account.as_ref().map(|user_id| {
        Envelope::new(
            EventType::PasswordReset,
            user_id,
            data!({ "email": email.as_str(), "code": code.code }),
            app.clock.as_ref(),
        )
    });
    let record = CodeRecord {
        user_id: account,
        code_hash: code.hash,
        tries: 0,
        expires_at: now.unix_timestamp() + CODE_TTL_SECONDS,
    };
    app.store
        .store_reset_code(email, &record, requested.as_ref(), now)
        .await?;
    Ok(())
}

/// `{email, code, newPassword}`.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct PasswordResetConfirmation {
    pub email: Email,
    /// The 6 digits of the email.
    #[schema(pattern = "^[0-9]{6}$", example = "493027")]
    pub code: String,
    pub new_password: Password,
}

impl FromJson for PasswordResetConfirmation {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let email = f.required("email");
        let code = codes::code_field(f);
        let new_password = f.required("newPassword");
        Some(Self {
            email: email?,
            code: code?,
            new_password: new_password?,
        })
    }
}

/// Replaces the password of the account with `input.email` if `input.code` is its live reset
/// code: the code is spent, every session ends and `password_changed` is queued, at once.
pub async fn confirm(app: &App, input: PasswordResetConfirmation) -> Result<(), Error> {
    let now = app.clock.now();
    // Counted before it is compared: a 6th try is refused, right or wrong.
    let stored = app
        .store
        .try_reset_code(&input.email, now.unix_timestamp(), MAX_TRIES)
        .await?
        .ok_or(Error::InvalidCode)?;
    let Some(user_id) = stored
        .user_id
        .filter(|_| codes::matches(&input.code, &stored.code_hash))
    else {
        return Err(Error::InvalidCode);
    };
    let new_hash = passwords::hash(input.new_password.expose().to_owned()).await?;
    let changed = Envelope::new(
        EventType::PasswordChanged,
        &user_id,
        data!({ "email": input.email.as_str() }),
        app.clock.as_ref(),
    );
    let reset = app
        .store
        .reset_password(
            &input.email,
            &user_id,
            &stored.code_hash,
            &new_hash,
            &changed,
            now,
        )
        .await?;
    if !reset {
        // Spent by a concurrent confirmation, replaced by a new request, or the account
        // deleted meanwhile.
        return Err(Error::InvalidCode);
    }
    tracing::info!(userId = %user_id, "password reset; every session ended");
    Ok(())
}

/// Ask for a password reset code
///
/// Emails a 6-digit code to the account with this email, good for 15 minutes and 5 tries,
/// for `POST /v1/auth/password-reset/confirm`; a new request replaces the previous code.
/// The answer is the same 202, after the same work, whether or not an account has the email.
#[utoipa::path(
    post,
    path = "/v1/auth/password-reset",
    tag = "users",
    operation_id = "requestPasswordReset",
    request_body = PasswordResetRequest,
    responses((status = 202, description = "A code was sent if an account has the email.", body = ResetRequested)),
)]
pub async fn handle_request(app: &App, req: Request) -> HttpResult {
    let input: PasswordResetRequest = json_body(&req)?;
    request(app, &input.email).await?;
    json(StatusCode::ACCEPTED, &REQUESTED)
}

/// Reset a password with the emailed code
///
/// With the code of `POST /v1/auth/password-reset`: single use, good for 15 minutes and 5
/// tries (the 6th is refused even with the right code). Sets `newPassword` (the sign-up
/// rules), ends every session of the account (each refresh token answers 401), marks the
/// email verified and sends a `password_changed` notification. A wrong, expired or spent
/// code and an email without an account get the same 400 `invalid_code`.
#[utoipa::path(
    post,
    path = "/v1/auth/password-reset/confirm",
    tag = "users",
    operation_id = "confirmPasswordReset",
    request_body = PasswordResetConfirmation,
    responses((status = 204, description = "The password is replaced; every session ended.")),
    extensions(("x-problems" = json!({"400": ["invalid_code"]}))),
)]
pub async fn handle_confirm(app: &App, req: Request) -> HttpResult {
    let input: PasswordResetConfirmation = json_body(&req)?;
    confirm(app, input).await?;
    no_content()
}
