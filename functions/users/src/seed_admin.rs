//! Creates the first admin (or promotes an existing account) from `ADMIN_EMAIL` and
//! `ADMIN_PASSWORD`. Invoked once after a deploy, and by `make dev` at start. Running it
//! again changes nothing: an existing account keeps its password.

use serde::Serialize;
use shared::ApiError;
use shared::auth::Role;
use shared::clock::rfc3339;
use shared::dynamo::failed_conditions;

use crate::model::{DisplayName, Email, Password};
use crate::store::StoredUser;
use crate::{App, passwords};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seeded {
    pub user_id: String,
    pub created: bool,
}

fn setting<T: TryFrom<String, Error = String>>(name: &'static str) -> Result<T, ApiError> {
    let raw = shared::config::required(name).map_err(ApiError::internal)?;
    T::try_from(raw).map_err(|why| ApiError::internal(format!("{name} {why}")))
}

pub async fn seed_admin(app: &App) -> Result<Seeded, ApiError> {
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
            .map_err(ApiError::internal)?
            .into(),
        role: Role::Admin,
        created_at: rfc3339(app.clock.now()),
        password_hash: passwords::hash(password.expose().to_owned()).await?,
    };
    match app
        .store
        .transact(app.store.create_user(&user, &email)?)
        .await
    {
        Ok(()) => Ok(Seeded {
            user_id: user.id,
            created: true,
        }),
        // Created concurrently by another invocation: promote that one.
        Err(e) if failed_conditions(&e).is_some_and(|f| f.contains(&true)) => {
            Box::pin(seed_admin(app)).await
        }
        Err(e) => Err(e.into()),
    }
}
