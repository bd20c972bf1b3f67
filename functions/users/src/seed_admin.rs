//! Creates the first admin (or promotes an existing account) from `ADMIN_EMAIL` and
//! `ADMIN_PASSWORD`. Invoked once after a deploy, and by `make dev` at start. Running it
//! again changes nothing: an existing account keeps its password.

use serde::Serialize;
use shared::auth::Role;
use shared::clock::rfc3339;
use shared::config::ConfigError;
use shared::store::StoreError;

use crate::App;
use crate::model::{DisplayName, Email, Password};
use crate::passwords::{self, HashError};
use crate::store::{Created, StoredUser};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seeded {
    pub user_id: String,
    pub created: bool,
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
}

fn setting<T: TryFrom<String, Error = String>>(name: &'static str) -> Result<T, SeedError> {
    let raw = shared::config::required(name)?;
    T::try_from(raw).map_err(|why| SeedError::Invalid { name, why })
}

pub async fn seed_admin(app: &App) -> Result<Seeded, SeedError> {
    let email: Email = setting("ADMIN_EMAIL")?;
    let password: Password = setting("ADMIN_PASSWORD")?;
    if let Some(existing) = app.store.user_by_email(&email).await? {
        if existing.role != Role::Admin {
            app.store.set_role(&existing.id, Role::Admin).await?;
        }
        return Ok(Seeded {
            user_id: existing.id,
            created: false,
        });
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
    };
    match app.store.create_user(&user, &email).await? {
        Created::New => Ok(Seeded {
            user_id: user.id,
            created: true,
        }),
        // Created concurrently by another invocation: promote that one.
        Created::EmailTaken => Box::pin(seed_admin(app)).await,
    }
}
