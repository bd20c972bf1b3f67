//! `POST /v1/auth/sign-in`: Argon2id verification, one answer for an unknown email and a
//! wrong password, and a limit on failures per account and client address.

use http::StatusCode;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use shared::http::{Fields, FromJson, HttpResult, json, json_body};

use crate::model::Email;
use crate::sessions::{self, SignedIn};
use crate::store::Reservation;
use crate::{App, Error, passwords};

/// Passwords checked per account and client address in one window before sign-in answers
/// 429.
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
        let password = password_to_check(f, "password");
        Some(Self {
            email: email?,
            password: password?,
        })
    }
}

/// Signs in `input` sent from the client address `from`.
///
/// The attempt is reserved (counted against the limit) before the password is checked, so
/// however many arrive at once, at most [`MAX_FAILURES`] passwords are checked per window for
/// one email and address. Counting per address keeps someone who knows an email from locking
/// its owner out: their failures refuse only their own address.
pub async fn sign_in(app: &App, input: SignIn, from: &str) -> Result<SignedIn, Error> {
    let now = app.clock.now();
    let now_s = now.unix_timestamp();
    let reserved = app
        .store
        .reserve_sign_in(
            &input.email,
            from,
            now_s,
            MAX_FAILURES,
            FAILURE_WINDOW_SECONDS,
        )
        .await?;
    if let Reservation::Refused { window_ends } = reserved {
        let retry_after_seconds = u64::try_from(window_ends - now_s).unwrap_or(1).max(1);
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
    // A failure stays counted: its reservation is the record of it.
    let Some(user) = user.filter(|_| matches) else {
        return Err(Error::InvalidCredentials);
    };
    let started = sessions::start(app, &user, now)?;
    app.store.start_session(&started.session).await?;
    app.store.clear_sign_in_attempts(&input.email, from).await?;
    Ok(SignedIn {
        user: user.public(),
        tokens: started.tokens,
    })
}

/// The client's address as API Gateway saw it (`requestContext.http.sourceIp`); one shared
/// name when the event carries none, so such sign-ins are still limited.
pub fn client_address(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        _ => None,
    }
    .filter(|ip| !ip.is_empty())
    .unwrap_or_else(|| "unknown".to_owned())
}

/// Sign in
///
/// One answer (401 `invalid_credentials`) for an unknown email and a wrong password. After
/// 5 failures for one email from one client address within 15 minutes (attempts are counted
/// before the password is checked, so concurrent ones cannot pass the limit), sign-in for
/// that email from that address answers 429 `rate_limited` (with `Retry-After`) until the
/// window ends, even with the right password; other addresses are not affected.
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
    let out = sign_in(app, input, &client_address(&req)).await?;
    json(StatusCode::OK, &out)
}

/// The password at `field` of a request that checks one (sign-in, or an account change that
/// asks for the current password): 1 to 128 characters. Not a [`crate::model::Password`]:
/// the length rules are for new passwords, and an answer must not say which rule a guess
/// broke.
pub fn password_to_check(f: &mut Fields, field: &str) -> Option<String> {
    let password: Option<String> = f.required(field);
    if password
        .as_ref()
        .is_some_and(|p| p.is_empty() || p.chars().count() > crate::model::PASSWORD_MAX_CHARS)
    {
        f.error(field, "must be 1 to 128 characters");
        return None;
    }
    password
}

/// Checks `password` against the account `user`'s, asked from the client address `from`,
/// for a change to the signed-in account (its deletion, say): counted against the sign-in
/// limit of the account's email from that address before it is checked, as a sign-in is, so
/// a stolen access token is no password oracle. The account's email, parsed.
pub async fn confirm_password(
    app: &App,
    user: &crate::store::StoredUser,
    password: String,
    from: &str,
) -> Result<Email, Error> {
    let email = Email::try_from(user.email.clone())
        .map_err(|_| shared::store::StoreError::malformed("email"))?;
    let now_s = app.clock.now().unix_timestamp();
    let reserved = app
        .store
        .reserve_sign_in(&email, from, now_s, MAX_FAILURES, FAILURE_WINDOW_SECONDS)
        .await?;
    if let Reservation::Refused { window_ends } = reserved {
        let retry_after_seconds = u64::try_from(window_ends - now_s).unwrap_or(1).max(1);
        return Err(Error::TooManyAttempts {
            retry_after_seconds,
        });
    }
    if !passwords::verify(password, Some(user.password_hash.clone())).await? {
        return Err(Error::InvalidCredentials);
    }
    Ok(email)
}
