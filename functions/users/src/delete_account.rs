//! `DELETE /v1/users/me`: the account is deleted at once (it no longer signs in or
//! refreshes, its email is free for a new sign-up), and one `user_deleted` envelope goes
//! through the outbox, in the same transaction, to every domain that keeps the person's data,
//! each of which erases it (docs/contract.md, "Deleting an account").

use http::StatusCode;
use lambda_http::Request;
use serde_json::json;
use shared::erasure::AccountEvent;
use shared::events::{Envelope, queues};
use shared::http::{Fields, FromJson, HttpResult, json_body};

use crate::sign_in::{client_address, confirm_password, password_to_check};
use crate::store::Deletion;
use crate::{App, Error};

/// The queues `user_deleted` goes to: every domain that keeps something of the person.
pub const ERASING_QUEUES: &[&str] = &[
    queues::NOTIFICATIONS,
    queues::LEARNING,
    queues::ASSESSMENTS,
    queues::COMMUNITY,
    queues::ORDERS,
];

/// The account's password, which confirms the deletion.
#[derive(utoipa::ToSchema)]
pub struct AccountDeletion {
    /// The account's current password: 1 to 128 characters (not bytes).
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

impl FromJson for AccountDeletion {
    fn from_json(f: &mut Fields) -> Option<Self> {
        Some(Self {
            password: password_to_check(f, "password")?,
        })
    }
}

/// Deletes the account `user_id` once `password` is its password, asked from the client
/// address `from`. A wrong password counts against the sign-in limit of the account's email
/// from that address (a stolen access token must not become a password oracle).
pub async fn delete_account(
    app: &App,
    user_id: &str,
    password: String,
    from: &str,
) -> Result<(), Error> {
    let user = app.store.user(user_id).await?.ok_or(Error::UserNotFound)?;
    let email = confirm_password(app, &user, password, from).await?;
    let now = app.clock.now();
    let deleted = Envelope::new(
        AccountEvent::UserDeleted,
        &user.id,
        json!({}),
        app.clock.as_ref(),
    );
    match app
        .store
        .delete_account(&user, &email, &deleted, ERASING_QUEUES, now)
        .await?
    {
        Deletion::Deleted => {
            tracing::info!(userId = %user.id, eventId = %deleted.id, "account deleted; user_deleted queued");
            Ok(())
        }
        // Deleted by a concurrent request, or its password changed since it was verified.
        Deletion::Changed => match app.store.user(user_id).await? {
            None => Err(Error::UserNotFound),
            Some(_) => Err(Error::InvalidCredentials),
        },
    }
}

/// Delete one's account
///
/// Needs the account's password. At once the account no longer signs in or refreshes, and
/// its email is free for a new sign-up; every domain then erases what it keeps of the person
/// (attempts, plans, sessions, progress, inbox, preferences, posts, comments, likes), and
/// orders and payments keep only what accounting needs, with nothing that identifies the
/// person (docs/contract.md, "Deleting an account"). Access tokens already issued stay valid
/// until they expire (at most 15 minutes) but find no account. A wrong password counts
/// against the sign-in limit of the account's email from the caller's address (429
/// `rate_limited` after 5).
#[utoipa::path(
    delete,
    path = "/v1/users/me",
    tag = "users",
    operation_id = "deleteMe",
    security(("bearer" = [])),
    request_body = AccountDeletion,
    responses((status = 202, description = "The account is deleted; the other domains erase what they keep of it.")),
    extensions(("x-problems" = json!({"401": ["invalid_credentials"], "404": ["not_found"], "429": ["rate_limited"]}))),
)]
pub async fn handle(app: &App, req: Request) -> HttpResult {
    let caller = app.verifier.authenticate(&req, app.clock.now())?;
    let input: AccountDeletion = json_body(&req)?;
    delete_account(app, &caller.user_id, input.password, &client_address(&req)).await?;
    let mut response = lambda_http::Response::new(lambda_http::Body::Empty);
    *response.status_mut() = StatusCode::ACCEPTED;
    Ok(response)
}
