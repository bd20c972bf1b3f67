//! `POST /v1/users/me/password`: a new password, and every session of the account ends.

use lambda_http::Request;
use serde_json::json;
use shared::events::{Envelope, EventType};
use shared::http::{Fields, FromJson, HttpResult, json_body, no_content};

use crate::model::Password;
use crate::sign_in::{self, client_address};
use crate::{App, Error, passwords};

/// `{currentPassword, newPassword}`.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct PasswordChange {
    // Not a [`Password`]: the rules are for new passwords (as at sign-in).
    /// The password the account has now: 1 to 128 characters (not bytes).
    #[schema(min_length = 1, max_length = 128)]
    pub current_password: String,
    pub new_password: Password,
}

impl FromJson for PasswordChange {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let current = sign_in::password_to_check(f, "currentPassword");
        let new_password = f.required("newPassword");
        Some(Self {
            current_password: current?,
            new_password: new_password?,
        })
    }
}

/// Changes the password of the account `user_id` (the caller, sending from `from`): checks
/// `current_password` (counted against sign-in's limit for the account's email and the
/// address), then, in one transaction, stores the new hash, ends every session of the
/// account and queues `password_changed`.
pub async fn change(
    app: &App,
    user_id: &str,
    input: PasswordChange,
    from: &str,
) -> Result<(), Error> {
    let now = app.clock.now();
    let user = app.store.user(user_id).await?.ok_or(Error::UserNotFound)?;
    let email = sign_in::confirm_password(app, &user, input.current_password, from).await?;
    let new_hash = passwords::hash(input.new_password.expose().to_owned()).await?;
    let changed = Envelope::new(
        EventType::PasswordChanged,
        &user.id,
        json!({ "email": user.email }),
        app.clock.as_ref(),
    );
    if !app
        .store
        .change_password(&user.id, &user.password_hash, &new_hash, &changed, now)
        .await?
    {
        // Changed (or the account deleted) since it was read: the password checked is not
        // the account's any more.
        return Err(Error::InvalidCredentials);
    }
    app.store.clear_sign_in_attempts(&email, from).await?;
    tracing::info!(userId = %user.id, "password changed; every session ended");
    Ok(())
}

/// Change one's password
///
/// Checks `currentPassword` (a wrong one is 401 `invalid_credentials`, counted like a
/// sign-in failure for the account's email and the client address: after 5 in 15 minutes,
/// 429 `rate_limited`); `newPassword` follows the sign-up rules. Then, in one transaction,
/// the password changes, every session of the account ends (each refresh token answers
/// 401 from now on, this one's too: sign in again) and a `password_changed` notification
/// is sent (inbox, Kakao, email). Access tokens already issued stay valid until they expire.
#[utoipa::path(
    post,
    path = "/v1/users/me/password",
    tag = "users",
    operation_id = "changePassword",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses((status = 204, description = "The password is changed; every session ended.")),
    extensions(("x-problems" = json!({"401": ["invalid_credentials"], "404": ["not_found"], "429": ["rate_limited"]}))),
)]
pub async fn handle(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let input: PasswordChange = json_body(&req)?;
    change(app, &caller.user_id, input, &client_address(&req)).await?;
    no_content()
}
