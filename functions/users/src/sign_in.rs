//! `POST /v1/auth/sign-in`: Argon2id verification, one answer for an unknown email and a
//! wrong password, and a per-account limit on failures.

use http::StatusCode;
use lambda_http::Request;
use shared::http::{Fields, FromJson, HttpResult, json, json_body};

use crate::model::Email;
use crate::sessions::{self, SignedIn};
use crate::{App, Error, passwords};

/// Failures allowed per account in one window before sign-in answers 429.
pub const MAX_FAILURES: u32 = 5;
pub const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;

/// An email and its password.
#[derive(utoipa::ToSchema)]
pub struct SignIn {
    pub email: Email,
    // Not a [`crate::model::Password`]: the length rules are for new passwords, and a
    // sign-in must not say which rule a guess broke.
    /// The password: 1 to 128 characters (not bytes).
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

impl FromJson for SignIn {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let email = f.required("email");
        let password: Option<String> = f.required("password");
        if password
            .as_ref()
            .is_some_and(|p| p.is_empty() || p.chars().count() > crate::model::PASSWORD_MAX_CHARS)
        {
            f.error("password", "must be 1 to 128 characters");
            return None;
        }
        Some(Self {
            email: email?,
            password: password?,
        })
    }
}

pub async fn sign_in(app: &App, input: SignIn) -> Result<SignedIn, Error> {
    let now = app.clock.now();
    let now_s = now.unix_timestamp();
    let failures = app.store.login_failures(&input.email).await?;
    if let Some(f) = failures.filter(|f| f.count >= MAX_FAILURES && f.window_ends > now_s) {
        let retry_after_seconds = u64::try_from(f.window_ends - now_s).unwrap_or(1);
        return Err(Error::TooManyAttempts {
            retry_after_seconds,
        });
    }
    let user = app.store.user_by_email(&input.email).await?;
    let matches = passwords::verify(
        input.password,
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    let Some(user) = user.filter(|_| matches) else {
        app.store
            .record_login_failure(&input.email, now_s, FAILURE_WINDOW_SECONDS)
            .await?;
        return Err(Error::InvalidCredentials);
    };
    let started = sessions::start(app, &user.id, user.role, &user.name, now)?;
    app.store.start_session(&started.session).await?;
    if failures.is_some() {
        app.store.clear_login_failures(&input.email).await?;
    }
    Ok(SignedIn {
        user: user.public(),
        tokens: started.tokens,
    })
}

/// Sign in
///
/// One answer (401 `invalid_credentials`) for an unknown email and a wrong password. After
/// 5 failures for one email within 15 minutes, sign-in for it answers 429 `rate_limited`
/// (with `Retry-After`) until that window ends, even with the right password.
#[utoipa::path(
    post,
    path = "/v1/auth/sign-in",
    tag = "users",
    operation_id = "signIn",
    request_body = SignIn,
    responses(
        (status = 200, description = "The account and a new session's tokens.", body = SignedIn,
         links(
            ("Refresh" = (operation_id = "refreshTokens",
                request_body = json!({"refreshToken": "$response.body#/refreshToken"}))),
            ("SignOut" = (operation_id = "signOut",
                request_body = json!({"refreshToken": "$response.body#/refreshToken"}))),
         )),
    ),
    extensions(("x-problems" = json!({"401": ["invalid_credentials"], "429": ["rate_limited"]}))),
)]
pub async fn handle(app: &App, req: Request) -> HttpResult {
    let input: SignIn = json_body(&req)?;
    let out = sign_in(app, input).await?;
    json(StatusCode::OK, &out)
}
