//! The users table: every item this domain keeps, and nothing else.
//!
//! | pk                 | sk        | what                                            |
//! |--------------------|-----------|-------------------------------------------------|
//! | `USER#<id>`        | `PROFILE` | the account (email, name, role, password hash)  |
//! | `EMAIL#<email>`    | `EMAIL`   | claims an email: uniqueness by conditional put  |
//! | `REFRESH#<sha256>` | `REFRESH` | a refresh token, stored hashed                  |
//! | `FAMILY#<id>`      | `FAMILY`  | a session: every token rotated from one sign-in |
//! | `LOGINFAIL#<email>`| `LOGINFAIL` | failed sign-ins in the current window         |
//! | `OUTBOX#<event>`   | `<queue>` | events waiting for the relay (see shared::outbox) |

use aws_sdk_dynamodb::types::{ConditionCheck, ReturnValue, TransactWriteItem, Update};
use shared::auth::Role;
use shared::dynamo::{
    AttributeValue, EXPIRES_AT, Item, get_bool, get_i64, get_str, is_condition_failed, key, n, s,
};
use shared::events::{Envelope, queues};
use shared::store::StoreError;
use shared::transaction::{Tx, TxError};
use time::OffsetDateTime;

use crate::model::{Email, User};

#[derive(Debug, Clone)]
pub struct Store {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub password_hash: String,
}

impl StoredUser {
    pub fn public(&self) -> User {
        User {
            id: self.id.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role,
            created_at: self.created_at.clone(),
        }
    }

    fn from_item(item: &Item) -> Result<Self, StoreError> {
        Ok(Self {
            id: get_str(item, "id")?.to_owned(),
            email: get_str(item, "email")?.to_owned(),
            name: get_str(item, "name")?.to_owned(),
            role: Role::parse(get_str(item, "role")?)
                .ok_or_else(|| StoreError::Corrupt("stored role is unknown".into()))?,
            created_at: get_str(item, "createdAt")?.to_owned(),
            password_hash: get_str(item, "passwordHash")?.to_owned(),
        })
    }
}

/// A refresh token as stored (by its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    pub hash: String,
    pub user_id: String,
    pub family_id: String,
    pub used: bool,
    pub expires_at: i64,
}

/// A session: the family of refresh tokens rotated from one sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub id: String,
    pub user_id: String,
    pub revoked: bool,
    pub expires_at: i64,
}

/// A session as it starts: its family and the family's first refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub family: Family,
    pub first_token: RefreshRecord,
}

/// Failed sign-ins for one email in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: u32,
    pub window_ends: i64,
}

/// What creating an account did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The account exists now, with everything written alongside it.
    New,
    /// Another account holds the email (in any case): nothing was written.
    EmailTaken,
}

/// What trading a refresh token for its successor did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// The token is used and its successor stored.
    Rotated,
    /// The token was used (or expired) meanwhile: presented twice, it leaked.
    TokenReused,
    /// The session was revoked or ended meanwhile.
    SessionEnded,
}

fn user_key(id: &str) -> Item {
    key(format!("USER#{id}"), "PROFILE")
}
fn email_key(email: &Email) -> Item {
    key(format!("EMAIL#{}", email.as_str()), "EMAIL")
}
fn refresh_key(hash: &str) -> Item {
    key(format!("REFRESH#{hash}"), "REFRESH")
}
fn family_key(id: &str) -> Item {
    key(format!("FAMILY#{id}"), "FAMILY")
}
fn login_failures_key(email: &Email) -> Item {
    key(format!("LOGINFAIL#{}", email.as_str()), "LOGINFAIL")
}

/// The item at `item_key` with `attributes`.
fn item<const N: usize>(mut item_key: Item, attributes: [(&str, AttributeValue); N]) -> Item {
    item_key.extend(attributes.map(|(k, v)| (k.to_owned(), v)));
    item_key
}

impl shared::app::TableStore for Store {
    const TABLE_ENV: &'static str = "USERS_TABLE";

    fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self { client, table }
    }
}

impl Store {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// A put of the item at `item_key` with `attributes`, only if it does not exist yet.
    fn put_new<const N: usize>(
        &self,
        item_key: Item,
        attributes: [(&str, AttributeValue); N],
    ) -> Result<TransactWriteItem, StoreError> {
        shared::dynamo::put_new(&self.table, item(item_key, attributes))
    }

    async fn get(&self, item_key: Item) -> Result<Option<Item>, StoreError> {
        shared::dynamo::get_item(&self.client, &self.table, item_key).await
    }

    // ------------------------------------------------------------ accounts

    /// Creates `user` with its `session` and queues `welcome` for the notifications, all or
    /// nothing; refused when the email is taken.
    pub async fn sign_up(
        &self,
        user: &StoredUser,
        email: &Email,
        session: &NewSession,
        welcome: &Envelope,
        now: OffsetDateTime,
    ) -> Result<Created, StoreError> {
        let mut tx = self.account(user, email)?;
        self.push_session(&mut tx, session)?;
        tx.extend(
            "outbox",
            shared::outbox::items(&self.table, welcome, &[queues::NOTIFICATIONS], now)?,
        );
        Self::created(tx.write_once(&self.client).await)
    }

    /// Creates `user` alone (no session, no event); refused when the email is taken.
    pub async fn create_user(
        &self,
        user: &StoredUser,
        email: &Email,
    ) -> Result<Created, StoreError> {
        Self::created(self.account(user, email)?.write_once(&self.client).await)
    }

    /// The puts that create `user` (`"user"`) and claim its email (`"email"`, which fails
    /// its condition when the email is taken).
    fn account(&self, user: &StoredUser, email: &Email) -> Result<Tx, StoreError> {
        let mut tx = Tx::new();
        tx.push(
            "user",
            self.put_new(
                user_key(&user.id),
                [
                    ("id", s(&user.id)),
                    ("email", s(&user.email)),
                    ("name", s(&user.name)),
                    ("role", s(user.role.as_str())),
                    ("createdAt", s(&user.created_at)),
                    ("passwordHash", s(&user.password_hash)),
                ],
            )?,
        );
        tx.push(
            "email",
            self.put_new(email_key(email), [("userId", s(&user.id))])?,
        );
        Ok(tx)
    }

    fn created(written: Result<(), TxError>) -> Result<Created, StoreError> {
        match written {
            Ok(()) => Ok(Created::New),
            Err(TxError::Cancelled(c)) if c.failed("email") => Ok(Created::EmailTaken),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn user(&self, id: &str) -> Result<Option<StoredUser>, StoreError> {
        self.get(user_key(id))
            .await?
            .as_ref()
            .map(StoredUser::from_item)
            .transpose()
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<StoredUser>, StoreError> {
        let Some(claim) = self.get(email_key(email)).await? else {
            return Ok(None);
        };
        self.user(get_str(&claim, "userId")?).await
    }

    /// Renames the account; `None` if it does not exist.
    pub async fn rename(
        &self,
        id: &str,
        name: &str,
        now: &str,
    ) -> Result<Option<StoredUser>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(user_key(id)))
            .update_expression("SET #name = :name, updatedAt = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#name", "name")
            .expression_attribute_values(":name", s(name))
            .expression_attribute_values(":now", s(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => out
                .attributes
                .as_ref()
                .map(StoredUser::from_item)
                .transpose(),
            Err(e) if is_condition_failed(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn set_role(&self, id: &str, role: Role) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(user_key(id)))
            .update_expression("SET #role = :role")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#role", "role")
            .expression_attribute_values(":role", s(role.as_str()))
            .send()
            .await?;
        Ok(())
    }

    // ------------------------------------------------------------ sessions

    /// Stores a new session (a sign-in's).
    pub async fn start_session(&self, session: &NewSession) -> Result<(), StoreError> {
        let mut tx = Tx::new();
        self.push_session(&mut tx, session)?;
        Ok(tx.write_once(&self.client).await?)
    }

    /// Adds the puts of `session`'s family (`"family"`) and first token (`"refresh"`).
    fn push_session(&self, tx: &mut Tx, session: &NewSession) -> Result<(), StoreError> {
        let family = &session.family;
        tx.push(
            "family",
            self.put_new(
                family_key(&family.id),
                [
                    ("userId", s(&family.user_id)),
                    ("revoked", AttributeValue::Bool(false)),
                    (EXPIRES_AT, n(family.expires_at)),
                ],
            )?,
        );
        tx.push("refresh", self.put_refresh(&session.first_token)?);
        Ok(())
    }

    fn put_refresh(&self, token: &RefreshRecord) -> Result<TransactWriteItem, StoreError> {
        self.put_new(
            refresh_key(&token.hash),
            [
                ("userId", s(&token.user_id)),
                ("familyId", s(&token.family_id)),
                ("used", AttributeValue::Bool(false)),
                (EXPIRES_AT, n(token.expires_at)),
            ],
        )
    }

    pub async fn refresh_record(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError> {
        let Some(item) = self.get(refresh_key(hash)).await? else {
            return Ok(None);
        };
        Ok(Some(RefreshRecord {
            hash: hash.to_owned(),
            user_id: get_str(&item, "userId")?.to_owned(),
            family_id: get_str(&item, "familyId")?.to_owned(),
            used: get_bool(&item, "used")?,
            expires_at: get_i64(&item, EXPIRES_AT)?,
        }))
    }

    pub async fn family(&self, id: &str) -> Result<Option<Family>, StoreError> {
        let Some(item) = self.get(family_key(id)).await? else {
            return Ok(None);
        };
        Ok(Some(Family {
            id: id.to_owned(),
            user_id: get_str(&item, "userId")?.to_owned(),
            revoked: get_bool(&item, "revoked")?,
            expires_at: get_i64(&item, EXPIRES_AT)?,
        }))
    }

    /// Marks the token `used` used (`"used"`: only if it is unused and unexpired) and stores
    /// its successor `next` (`"next"`), only while their session is neither revoked nor
    /// expired (`"session"`); `now` in epoch seconds.
    pub async fn rotate_refresh(
        &self,
        used: &RefreshRecord,
        next: &RefreshRecord,
        now: i64,
    ) -> Result<Rotation, StoreError> {
        let use_token = Update::builder()
            .table_name(&self.table)
            .set_key(Some(refresh_key(&used.hash)))
            .update_expression("SET used = :yes, usedAt = :now")
            .condition_expression("used = :no AND expiresAt > :now")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":now", n(now))
            .build()
            .map_err(StoreError::corrupt)?;
        let session_is_live = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(family_key(&used.family_id)))
            .condition_expression("revoked = :no AND expiresAt > :now")
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":now", n(now))
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push(
            "used",
            TransactWriteItem::builder().update(use_token).build(),
        )
        .push(
            "session",
            TransactWriteItem::builder()
                .condition_check(session_is_live)
                .build(),
        )
        .push("next", self.put_refresh(next)?);
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(Rotation::Rotated),
            Err(TxError::Cancelled(c)) if c.failed("used") => Ok(Rotation::TokenReused),
            Err(TxError::Cancelled(c)) if c.failed("session") => Ok(Rotation::SessionEnded),
            Err(e) => Err(e.into()),
        }
    }

    /// Revokes a session: no token of it refreshes again.
    pub async fn revoke_family(&self, family_id: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(family_key(family_id)))
            .update_expression("SET revoked = :yes")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Already gone (expired and swept): nothing left to revoke.
            Err(e) if is_condition_failed(&e) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    // ------------------------------------------------------------ failed sign-ins

    pub async fn login_failures(&self, email: &Email) -> Result<Option<LoginFailures>, StoreError> {
        let Some(item) = self.get(login_failures_key(email)).await? else {
            return Ok(None);
        };
        Ok(Some(LoginFailures {
            count: u32::try_from(get_i64(&item, "failures")?).unwrap_or(u32::MAX),
            window_ends: get_i64(&item, "windowEnds")?,
        }))
    }

    /// Counts one failure in the current window, or starts a new window if it has ended.
    pub async fn record_login_failure(
        &self,
        email: &Email,
        now: i64,
        window_seconds: i64,
    ) -> Result<(), StoreError> {
        let in_window = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(login_failures_key(email)))
            .update_expression("ADD failures :one")
            .condition_expression("windowEnds > :now")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match in_window {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failed(&e) => {
                let new_window = self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item(
                        login_failures_key(email),
                        [
                            ("failures", n(1)),
                            ("windowEnds", n(now + window_seconds)),
                            (EXPIRES_AT, n(now + window_seconds)),
                        ],
                    )))
                    // Another failure may have opened the new window first: then count in it.
                    .condition_expression("attribute_not_exists(pk) OR windowEnds <= :now")
                    .expression_attribute_values(":now", n(now))
                    .send()
                    .await;
                match new_window {
                    Ok(_) => Ok(()),
                    Err(e) if is_condition_failed(&e) => Ok(()),
                    Err(e) => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn clear_login_failures(&self, email: &Email) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(login_failures_key(email)))
            .send()
            .await?;
        Ok(())
    }
}
