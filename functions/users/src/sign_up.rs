//! `POST /v1/auth/sign-up`: one transaction creates the account, claims its email, starts
//! its session, stores its email verification code and queues the `welcome` and
//! `email_verification` events, so none of them exists without the others.

use http::StatusCode;
use lambda_http::{Request, RequestExt};
use serde_json::json;
use shared::auth::Role;
use shared::clock::rfc3339;
use shared::events::{Envelope, EventType};
use shared::http::{Fields, FromJson, HttpResult, json, json_body};

use crate::codes::{self, CodeRecord};
use crate::model::{DisplayName, Email, Password};
use crate::sessions::{self, SignedIn};
use crate::store::{Created, StoredUser};
use crate::{App, Error, passwords, verification};

/// A new account: its email, password and display name.
#[derive(utoipa::ToSchema)]
pub struct SignUp {
    pub email: Email,
    pub password: Password,
    pub name: DisplayName,
}

impl FromJson for SignUp {
    fn from_json(f: &mut Fields) -> Option<Self> {
        let email = f.required("email");
        let password = f.required("password");
        let name = f.required("name");
        Some(Self {
            email: email?,
            password: password?,
            name: name?,
        })
    }
}

pub async fn sign_up(
    app: &App,
    input: SignUp,
    ctx: Option<&lambda_runtime::Context>,
) -> Result<SignedIn, Error> {
    let now = app.clock.now();
    let user = StoredUser {
        id: shared::new_id(),
        email: input.email.as_str().to_owned(),
        name: input.name.as_str().to_owned(),
        role: Role::Student,
        created_at: rfc3339(now),
        password_hash: passwords::hash(input.password.expose().to_owned()).await?,
        email_verified: false,
        sessions_epoch: 0,
    };
    let started = sessions::start(app, &user, now)?;
    let welcome = Envelope::new(
        EventType::Welcome,
        &user.id,
        json!({ "name": user.name }),
        app.clock.as_ref(),
    );
    let code = codes::new_code()?;
    let verification = CodeRecord {
        user_id: None,
        code_hash: code.hash,
        tries: 0,
        expires_at: now.unix_timestamp() + verification::CODE_TTL_SECONDS,
    };
    let verify = Envelope::new(
        EventType::EmailVerification,
        &user.id,
        json!({ "email": user.email, "code": code.code }),
        app.clock.as_ref(),
    );

    let created = app
        .store
        .sign_up(
            &user,
            &input.email,
            &started.session,
            &verification,
            &[&welcome, &verify],
            now,
        )
        .await?;
    if created == Created::EmailTaken {
        return Err(Error::EmailTaken);
    }
    shared::fault::point(ctx, "after_commit");
    tracing::info!(userId = %user.id, "account created");
    Ok(SignedIn {
        user: user.public(),
        tokens: started.tokens,
    })
}

/// Create an account
///
/// Creates a `student` account and signs it in. Emails are compared case-insensitively: an
/// email that differs from an existing account's only in case is taken. A 6-digit code is
/// emailed to the address (`email_verification`), good for 24 hours and 5 tries, for `POST
/// /v1/users/me/email/verify`; until then the account's `emailVerified` is `false`.
#[utoipa::path(
    post,
    path = "/v1/auth/sign-up",
    tag = "users",
    operation_id = "signUp",
    request_body = SignUp,
    responses(
        (status = 201, description = "The new account, signed in.", body = SignedIn,
         links(
            ("Refresh" = (operation_id = "refreshTokens",
                request_body = json!({"refreshToken": "$response.body#/refreshToken"}))),
            ("SignOut" = (operation_id = "signOut",
                request_body = json!({"refreshToken": "$response.body#/refreshToken"}))),
         )),
    ),
    extensions(("x-problems" = json!({"409": ["email_taken"]}))),
)]
pub async fn handle(app: &App, req: Request) -> HttpResult {
    let input: SignUp = json_body(&req)?;
    let out = sign_up(app, input, req.lambda_context_ref()).await?;
    json(StatusCode::CREATED, &out)
}
