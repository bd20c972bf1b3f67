//! `POST /v1/auth/sign-up`: one transaction creates the account, claims its email, starts
//! its session and queues the `welcome` event, so none of them exists without the others.

use http::StatusCode;
use lambda_http::{Request, RequestExt};
use serde_json::json;
use shared::auth::Role;
use shared::clock::rfc3339;
use shared::events::{Envelope, EventType};
use shared::http::{Fields, FromJson, HttpResult, json, json_body};

use crate::model::{DisplayName, Email, Password};
use crate::sessions::{self, SignedIn};
use crate::store::{Created, StoredUser};
use crate::{App, Error, passwords};

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
    };
    let started = sessions::start(app, &user.id, user.role, &user.name, now)?;
    let welcome = Envelope::new(
        EventType::Welcome,
        &user.id,
        json!({ "name": user.name }),
        app.clock.as_ref(),
    );

    let created = app
        .store
        .sign_up(&user, &input.email, &started.session, &welcome, now)
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
/// email that differs from an existing account's only in case is taken.
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
