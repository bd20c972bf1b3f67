//! Creates the first admin (or promotes an existing account) from `ADMIN_EMAIL` and
//! `ADMIN_PASSWORD` (the SecureString parameter `ADMIN_PASSWORD_PARAMETER` names). Invoked once after a deploy, and by `make dev` at start.
//!
//! An existing account is promoted only when its password is `ADMIN_PASSWORD`: knowing an
//! admin's email (and signing up with it first) must not be a way to become one. When the
//! account is already the admin and its password is not `ADMIN_PASSWORD`, the setting was
//! changed: the account's password becomes the new one. Running it again with the same
//! settings changes nothing.

use serde::Serialize;
use shared::auth::Role;
use shared::clock::rfc3339;
use shared::config::ConfigError;
use shared::secrets::Secrets;
use shared::store::StoreError;

use crate::App;
use crate::model::{DisplayName, Email, Password};
use crate::passwords::{self, HashError};
use crate::store::{Created, StoredUser};

/// The environment variable naming the admin password's SSM parameter.
pub const PASSWORD_PARAMETER: &str = "ADMIN_PASSWORD_PARAMETER";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seeded {
    pub user_id: String,
    pub created: bool,
    /// The existing admin's password was replaced by `ADMIN_PASSWORD`.
    pub password_changed: bool,
}

/// Why the admin could not be seeded; an operator reads it (it never holds a secret).
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{name} {why}")]
    Invalid { name: &'static str, why: String },
    #[error(transparent)]
    Password(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "ADMIN_EMAIL names an existing account that is not an admin and whose password is not \
         ADMIN_PASSWORD: it was not promoted"
    )]
    NotPromoted,
}

fn setting<T: TryFrom<String, Error = String>>(name: &'static str) -> Result<T, SeedError> {
    let raw = shared::config::required(name)?;
    T::try_from(raw).map_err(|why| SeedError::Invalid { name, why })
}

/// The admin `ADMIN_EMAIL` names, with the password from the SecureString parameter
/// `ADMIN_PASSWORD_PARAMETER` names (read when invoked: it runs once per deploy).
pub async fn seed_admin(app: &App, secrets: &Secrets) -> Result<Seeded, SeedError> {
    let email: Email = setting("ADMIN_EMAIL")?;
    let raw = secrets.read(PASSWORD_PARAMETER).await?;
    let password =
        Password::try_from(raw.expose().to_owned()).map_err(|why| SeedError::Invalid {
            name: PASSWORD_PARAMETER,
            why: format!("names a password that {why}"),
        })?;
    seed(app, &email, &password).await
}

/// Makes `email` an admin whose password is `password`: creates the account, promotes an
/// existing one whose password it is, or changes the existing admin's password to it.
pub async fn seed(app: &App, email: &Email, password: &Password) -> Result<Seeded, SeedError> {
    if let Some(existing) = app.store.user_by_email(email).await? {
        let matches = passwords::verify(
            password.expose().to_owned(),
            Some(existing.password_hash.clone()),
        )
        .await?;
        let mut seeded = Seeded {
            user_id: existing.id.clone(),
            created: false,
            password_changed: false,
        };
        match (existing.role, matches) {
            (Role::Admin, true) => {}
            (_, true) => app.store.set_role(&existing.id, Role::Admin).await?,
            (Role::Admin, false) => {
                let hash = passwords::hash(password.expose().to_owned()).await?;
                if !app.store.set_admin_password(&existing.id, &hash).await? {
                    // No longer an admin (or gone) meanwhile: decide again.
                    return Box::pin(seed(app, email, password)).await;
                }
                seeded.password_changed = true;
            }
            (_, false) => return Err(SeedError::NotPromoted),
        }
        return Ok(seeded);
    }
    let user = StoredUser {
        id: shared::new_id(),
        email: email.as_str().to_owned(),
        name: DisplayName::try_from("Admin".to_owned())
            .map_err(|why| SeedError::Invalid {
                name: "the admin's name",
                why,
            })?
            .into(),
        role: Role::Admin,
        created_at: rfc3339(app.clock.now()),
        password_hash: passwords::hash(password.expose().to_owned()).await?,
        email_verified: false,
        sessions_epoch: 0,
    };
    match app.store.create_user(&user, email).await? {
        Created::New => Ok(Seeded {
            user_id: user.id,
            created: true,
            password_changed: false,
        }),
        // Created concurrently by another invocation: decide about that one.
        Created::EmailTaken => Box::pin(seed(app, email, password)).await,
    }
}
