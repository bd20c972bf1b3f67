//! The users table: every item this domain keeps, and nothing else.
//!
//! | pk                 | sk        | what                                            |
//! |--------------------|-----------|-------------------------------------------------|
//! | `USER#<id>`        | `PROFILE` | the account (email, name, role, password hash, whether the email is verified, the sessions epoch) |
//! | `USER#<id>`        | `VERIFY`  | the email verification code: SHA-256, expiry, tries (see crate::codes) |
//! | `EMAIL#<email>`    | `EMAIL`   | claims an email: uniqueness by conditional put  |
//! | `RESET#<sha256(email)>` | `RESET` | the password reset code for an email: SHA-256, expiry, tries, the account (none: a stand-in for an unknown email) |
//! | `REFRESH#<sha256>` | `REFRESH` | a refresh token, stored hashed                  |
//! | `FAMILY#<id>`      | `FAMILY`  | a session: every token rotated from one sign-in |
//! | `LOGINFAIL#<sha256(email)>`| `FROM#<ip>` | sign-in attempts from one address in the current window |
//! | `OUTBOX#<event>`   | `<queue>` | events waiting for the relay (see shared::outbox) |

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Put, ReturnValue, TransactWriteItem, Update,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::auth::Role;
use shared::dynamo::{AttributeValue, EXPIRES_AT, Item, is_condition_failed, key, n, s};
use shared::erasure::AccountEvent;
use shared::events::{Envelope, queues};
use shared::store::{StoreError, from_item};
use shared::transaction::{Tx, TxError};
use time::OffsetDateTime;

use crate::codes::CodeRecord;
use crate::model::{Email, User};

#[derive(Debug, Clone)]
pub struct Store {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

// The records below are the items' attributes as serde maps them (camelCase names, numbers
// as N, booleans as BOOL, the role as its snake_case name): keep them as they are, or the
// items already stored stop reading (see the tests).

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub password_hash: String,
    /// Whether the owner proved the email is theirs; `false` for accounts stored before
    /// verification existed (and not written while false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub email_verified: bool,
    /// Raised by every password change or reset: a session started under another epoch no
    /// longer refreshes. Missing (accounts stored before it existed) is 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sessions_epoch: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl StoredUser {
    pub fn public(&self) -> User {
        User {
            id: self.id.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role,
            created_at: self.created_at.clone(),
            email_verified: self.email_verified,
        }
    }
}

/// The item that claims an email for the account `user_id`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EmailClaim {
    user_id: String,
}

/// A refresh token as stored (by its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRecord {
    /// In the key, not an attribute.
    #[serde(skip)]
    pub hash: String,
    pub user_id: String,
    pub family_id: String,
    pub used: bool,
    pub expires_at: i64,
}

/// A session: the family of refresh tokens rotated from one sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Family {
    /// In the key, not an attribute.
    #[serde(skip)]
    pub id: String,
    pub user_id: String,
    pub revoked: bool,
    pub expires_at: i64,
    /// The account's `sessionsEpoch` when the session started; missing (sessions started
    /// before it existed) is 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub epoch: u64,
}

/// A session as it starts: its family and the family's first refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub family: Family,
    pub first_token: RefreshRecord,
}

/// Sign-in attempts counted for one email and client address in the current window: those
/// reserved and not (yet) cleared by a success, so failures and attempts still in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginFailures {
    #[serde(rename = "failures")]
    pub count: u32,
    pub window_ends: i64,
}

/// What reserving a sign-in attempt answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Counted: the password may be checked.
    Granted,
    /// The window already counts the limit: no password is checked until it ends.
    Refused { window_ends: i64 },
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
    /// The session was revoked or ended meanwhile, or the account's sessions were all ended
    /// (a password change or reset) or the account deleted.
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
fn verification_key(user_id: &str) -> Item {
    key(format!("USER#{user_id}"), "VERIFY")
}
/// Keyed by the email's SHA-256 (as the sign-in counts): a reset anyone asks for a deleted
/// account's email afterwards holds nothing that names its owner.
fn reset_key(email: &Email) -> Item {
    key(format!("RESET#{}", email_digest(email)), "RESET")
}
/// The partition of the attempts counted for `email`: keyed by the email's SHA-256, so that
/// the counts of an email hold nothing that names its owner (anyone may try to sign in with
/// any email, also a deleted account's, after its deletion).
fn login_failures_pk(email: &Email) -> String {
    format!("LOGINFAIL#{}", email_digest(email))
}
/// `email`'s SHA-256 in hex: what keys the items about an email that must not name it.
fn email_digest(email: &Email) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(email.as_str().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
/// The attempts counted for `email` from the client address `from`.
fn login_failures_key(email: &Email, from: &str) -> Item {
    key(login_failures_pk(email), format!("FROM#{from}"))
}

/// The record a conditional update returned (`ReturnValue::AllNew`), or `None` when its
/// condition failed.
fn updated<T: DeserializeOwned, E, R>(
    result: Result<UpdateItemOutput, SdkError<E, R>>,
) -> Result<Option<T>, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(out) => out.attributes.map(from_item).transpose(),
        Err(e) if is_condition_failed(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A sessions epoch as a DynamoDB number (epochs stay far below `i64::MAX`).
fn epoch_number(epoch: u64) -> i64 {
    i64::try_from(epoch).unwrap_or(i64::MAX)
}

/// The item at `item_key` holding `record`'s attributes.
fn item(item_key: Item, record: &impl Serialize) -> Result<Item, StoreError> {
    let mut item = shared::store::to_item(record)?;
    item.extend(item_key);
    Ok(item)
}

impl shared::app::TableStore for Store {
    const TABLE_ENV: &'static str = "USERS_TABLE";

    fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self { client, table }
    }
}

impl Store {
    /// A put of the item at `item_key` holding `record`, only if it does not exist yet.
    fn put_new(
        &self,
        item_key: Item,
        record: &impl Serialize,
    ) -> Result<TransactWriteItem, StoreError> {
        shared::dynamo::put_new(&self.table, item(item_key, record)?)
    }

    /// The record stored at `item_key`, if any.
    async fn get<T: DeserializeOwned>(&self, item_key: Item) -> Result<Option<T>, StoreError> {
        shared::dynamo::get_item(&self.client, &self.table, item_key)
            .await?
            .map(from_item)
            .transpose()
    }

    // ------------------------------------------------------------ accounts

    /// Creates `user` with its `session` and its email verification code, and queues
    /// `events` (`welcome`, `email_verification`) for the notifications, all or nothing;
    /// refused when the email is taken.
    pub async fn sign_up(
        &self,
        user: &StoredUser,
        email: &Email,
        session: &NewSession,
        verification: &CodeRecord,
        events: &[&Envelope],
        now: OffsetDateTime,
    ) -> Result<Created, StoreError> {
        let mut tx = self.account(user, email)?;
        self.push_session(&mut tx, session)?;
        tx.push(
            "verification",
            self.put_new(verification_key(&user.id), verification)?,
        );
        for event in events {
            tx.extend(
                "outbox",
                shared::outbox::items(&self.table, event, &[queues::NOTIFICATIONS], now)?,
            );
        }
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
        tx.push("user", self.put_new(user_key(&user.id), user)?);
        let claim = EmailClaim {
            user_id: user.id.clone(),
        };
        tx.push("email", self.put_new(email_key(email), &claim)?);
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
        self.get(user_key(id)).await
    }

    /// The id of the account that holds `email`, if any (the claim alone, not the account).
    pub async fn account_id(&self, email: &Email) -> Result<Option<String>, StoreError> {
        Ok(self
            .get::<EmailClaim>(email_key(email))
            .await?
            .map(|c| c.user_id))
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<StoredUser>, StoreError> {
        let Some(claim) = self.get::<EmailClaim>(email_key(email)).await? else {
            return Ok(None);
        };
        self.user(&claim.user_id).await
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
        updated(result)
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

    /// Replaces the password hash of the account `id`, only while it is an admin; `false`
    /// if it is not one (or does not exist).
    pub async fn set_admin_password(&self, id: &str, hash: &str) -> Result<bool, StoreError> {
        shared::dynamo::written(
            self.client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(user_key(id)))
                .update_expression("SET passwordHash = :hash")
                .condition_expression("#role = :admin")
                .expression_attribute_names("#role", "role")
                .expression_attribute_values(":hash", s(hash))
                .expression_attribute_values(":admin", s(Role::Admin.as_str()))
                .send()
                .await,
        )
    }

    // ------------------------------------------------------------ one-time codes

    /// Counts one try of the code at `code_key` before it is compared: the code as it is
    /// now, or `None` when there is none (for a reset: none for an account), it expired
    /// (`now` in epoch seconds) or it already had `max` tries (spent).
    async fn try_code(
        &self,
        code_key: Item,
        now: i64,
        max: u32,
        for_account: bool,
    ) -> Result<Option<CodeRecord>, StoreError> {
        let condition = if for_account {
            "attribute_exists(userId) AND tries < :max AND expiresAt > :now"
        } else {
            "attribute_exists(codeHash) AND tries < :max AND expiresAt > :now"
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(code_key))
            .update_expression("ADD tries :one")
            .condition_expression(condition)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(i64::from(max)))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        updated(result)
    }

    /// Counts one try of the account `user_id`'s email verification code (see `try_code`).
    pub async fn try_verification_code(
        &self,
        user_id: &str,
        now: i64,
        max: u32,
    ) -> Result<Option<CodeRecord>, StoreError> {
        self.try_code(verification_key(user_id), now, max, false)
            .await
    }

    /// Marks the account `user_id`'s email verified (`"user"`) and deletes its code
    /// (`"code"`), together; `false` if the account no longer exists.
    pub async fn verify_email(&self, user_id: &str) -> Result<bool, StoreError> {
        let verified = Update::builder()
            .table_name(&self.table)
            .set_key(Some(user_key(user_id)))
            .update_expression("SET emailVerified = :yes")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .build()
            .map_err(StoreError::corrupt)?;
        let spent = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(verification_key(user_id)))
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push(
            "user",
            TransactWriteItem::builder().update(verified).build(),
        )
        .push("code", TransactWriteItem::builder().delete(spent).build());
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(true),
            Err(TxError::Cancelled(c)) if c.failed("user") => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    // ------------------------------------------------------------ passwords

    /// Stores `code` as the password reset code of `email` (replacing any earlier one) and
    /// queues `requested` (`password_reset`) when there is one, in one transaction: the
    /// same call whether or not an account has the email.
    pub async fn store_reset_code(
        &self,
        email: &Email,
        code: &CodeRecord,
        requested: Option<&Envelope>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(reset_key(email), code)?))
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push("code", TransactWriteItem::builder().put(put).build());
        if let Some(event) = requested {
            tx.extend(
                "outbox",
                shared::outbox::items(&self.table, event, &[queues::NOTIFICATIONS], now)?,
            );
        }
        Ok(tx.write_once(&self.client).await?)
    }

    /// Counts one try of `email`'s password reset code (see `try_code`): `None` also when
    /// no account has the email.
    pub async fn try_reset_code(
        &self,
        email: &Email,
        now: i64,
        max: u32,
    ) -> Result<Option<CodeRecord>, StoreError> {
        self.try_code(reset_key(email), now, max, true).await
    }

    /// Spends `email`'s reset code (`"code"`: only while it is still the one stored as
    /// `code_hash`), stores `new_hash` as the password of its account `user_id`, marks the
    /// email verified, ends every session (`"user"`: only while the account exists) and
    /// queues `changed` (`password_changed`), all or nothing; `false` if the code or the
    /// account is gone.
    pub async fn reset_password(
        &self,
        email: &Email,
        user_id: &str,
        code_hash: &str,
        new_hash: &str,
        changed: &Envelope,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let spent = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(reset_key(email)))
            .condition_expression("codeHash = :code")
            .expression_attribute_values(":code", s(code_hash))
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push("code", TransactWriteItem::builder().delete(spent).build())
            .push(
                "user",
                self.new_password(user_id, new_hash, true, "attribute_exists(pk)", &[])?,
            );
        tx.extend(
            "outbox",
            shared::outbox::items(&self.table, changed, &[queues::NOTIFICATIONS], now)?,
        );
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(true),
            Err(TxError::Cancelled(c)) if c.failed("code") || c.failed("user") => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces the password of the account `user_id` with `new_hash`, only while its hash
    /// is still `old_hash` (`"user"`), ends every session of the account (its sessions
    /// epoch goes up by one) and queues `changed` (`password_changed`), all or nothing;
    /// `false` if the password changed meanwhile or the account is gone.
    pub async fn change_password(
        &self,
        user_id: &str,
        old_hash: &str,
        new_hash: &str,
        changed: &Envelope,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let update = self.new_password(
            user_id,
            new_hash,
            false,
            "passwordHash = :old",
            &[(":old", old_hash)],
        )?;
        let mut tx = Tx::new();
        tx.push("user", update);
        tx.extend(
            "outbox",
            shared::outbox::items(&self.table, changed, &[queues::NOTIFICATIONS], now)?,
        );
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(true),
            Err(TxError::Cancelled(c)) if c.failed("user") => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The update that stores `new_hash` as the account `user_id`'s password and raises its
    /// sessions epoch (every session ends), and marks its email verified if `verified`, on
    /// `condition` with the string `values`.
    fn new_password(
        &self,
        user_id: &str,
        new_hash: &str,
        verified: bool,
        condition: &str,
        values: &[(&str, &str)],
    ) -> Result<TransactWriteItem, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(user_key(user_id)))
            .condition_expression(condition)
            .expression_attribute_values(":new", s(new_hash))
            .expression_attribute_values(":one", n(1));
        update = if verified {
            update
                .update_expression(
                    "SET passwordHash = :new, emailVerified = :yes ADD sessionsEpoch :one",
                )
                .expression_attribute_values(":yes", AttributeValue::Bool(true))
        } else {
            update.update_expression("SET passwordHash = :new ADD sessionsEpoch :one")
        };
        for (name, value) in values {
            update = update.expression_attribute_values(*name, s(*value));
        }
        let update = update.build().map_err(StoreError::corrupt)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    // ------------------------------------------------------------ sessions

    /// Stores a new session (a sign-in's): its family, then its first token, each a
    /// conditional put of its own rather than one transaction, which DynamoDB bills at
    /// double (4 write units with their `UserIndex` entries, not 6). Nothing needs the two
    /// together: the token is written only once its family exists, the caller hands it out
    /// only after both, and a crash between them leaves a family no token names, which
    /// refreshes nothing and goes with its TTL (or the account's erasure, by `UserIndex`).
    pub async fn start_session(&self, session: &NewSession) -> Result<(), StoreError> {
        let family = &session.family;
        self.put_new_now(family_key(&family.id), family).await?;
        let token = &session.first_token;
        self.put_new_now(refresh_key(&token.hash), token).await
    }

    /// Puts the item at `item_key` holding `record`, only if it does not exist yet (a fresh
    /// id or token hash: one that exists is a fault, not a case).
    async fn put_new_now(&self, item_key: Item, record: &impl Serialize) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(item_key, record)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await?;
        Ok(())
    }

    /// Adds the puts of `session`'s family (`"family"`) and first token (`"refresh"`), as
    /// they are (a new session is unrevoked, its token unused).
    fn push_session(&self, tx: &mut Tx, session: &NewSession) -> Result<(), StoreError> {
        let family = &session.family;
        tx.push("family", self.put_new(family_key(&family.id), family)?);
        tx.push("refresh", self.put_refresh(&session.first_token)?);
        Ok(())
    }

    fn put_refresh(&self, token: &RefreshRecord) -> Result<TransactWriteItem, StoreError> {
        self.put_new(refresh_key(&token.hash), token)
    }

    pub async fn refresh_record(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError> {
        let record = self.get::<RefreshRecord>(refresh_key(hash)).await?;
        Ok(record.map(|r| RefreshRecord {
            hash: hash.to_owned(),
            ..r
        }))
    }

    pub async fn family(&self, id: &str) -> Result<Option<Family>, StoreError> {
        let family = self.get::<Family>(family_key(id)).await?;
        Ok(family.map(|f| Family {
            id: id.to_owned(),
            ..f
        }))
    }

    /// Marks the token `used` used (`"used"`: only if it is unused and unexpired) and stores
    /// its successor `next` (`"next"`), only while their session is neither revoked nor
    /// expired (`"session"`) and the account exists with the sessions epoch `epoch` the
    /// session started under (`"account"`); `now` in epoch seconds.
    pub async fn rotate_refresh(
        &self,
        used: &RefreshRecord,
        next: &RefreshRecord,
        epoch: u64,
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
        // An account without the attribute has never ended its sessions: epoch 0, the only
        // epoch its sessions can have.
        let account_is_live = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(user_key(&used.user_id)))
            .condition_expression(
                "attribute_exists(pk) AND (sessionsEpoch = :epoch OR attribute_not_exists(sessionsEpoch))",
            )
            .expression_attribute_values(":epoch", n(epoch_number(epoch)))
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
        .push(
            "account",
            TransactWriteItem::builder()
                .condition_check(account_is_live)
                .build(),
        )
        .push("next", self.put_refresh(next)?);
        match tx.write_once(&self.client).await {
            Ok(()) => Ok(Rotation::Rotated),
            Err(TxError::Cancelled(c)) if c.failed("used") => Ok(Rotation::TokenReused),
            Err(TxError::Cancelled(c)) if c.failed("session") || c.failed("account") => {
                Ok(Rotation::SessionEnded)
            }
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

    // ------------------------------------------------------------ sign-in attempts

    /// Reserves one sign-in attempt for `email` from the client address `from`, before its
    /// password is checked: one conditional write counts it in the current window (or opens
    /// a new window if none is live), only while fewer than `max` are counted. However many
    /// sign-ins arrive at once, at most `max` are granted per window; an attempt that is not
    /// cleared by a success stays counted as a failure. `now` in epoch seconds.
    pub async fn reserve_sign_in(
        &self,
        email: &Email,
        from: &str,
        now: i64,
        max: u32,
        window_seconds: i64,
    ) -> Result<Reservation, StoreError> {
        // Each round either writes or sees a live window that was full a moment ago; a
        // window that ends or opens between the two writes costs one more round. A new
        // window is tried first: a successful sign-in clears its attempts, so most find none,
        // and a write refused by its condition is billed all the same (1 unit), which the
        // other order would pay on nearly every sign-in.
        for _ in 0..4 {
            let first = LoginFailures {
                count: 1,
                window_ends: now + window_seconds,
            };
            let mut first_item = item(login_failures_key(email, from), &first)?;
            // Swept when its window ends.
            first_item.insert(EXPIRES_AT.to_owned(), n(first.window_ends));
            let new_window = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(first_item))
                .condition_expression("attribute_not_exists(pk) OR windowEnds <= :now")
                .expression_attribute_values(":now", n(now))
                .send()
                .await;
            match new_window {
                Ok(_) => return Ok(Reservation::Granted),
                Err(e) if is_condition_failed(&e) => {}
                Err(e) => return Err(e.into()),
            }
            let in_window = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(login_failures_key(email, from)))
                .update_expression("ADD failures :one")
                .condition_expression("windowEnds > :now AND failures < :max")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":max", n(i64::from(max)))
                .send()
                .await;
            match in_window {
                Ok(_) => return Ok(Reservation::Granted),
                Err(e) if is_condition_failed(&e) => {}
                Err(e) => return Err(e.into()),
            }
            let live = self
                .get::<LoginFailures>(login_failures_key(email, from))
                .await?
                .filter(|f| f.window_ends > now);
            if let Some(f) = live.filter(|f| f.count >= max) {
                return Ok(Reservation::Refused {
                    window_ends: f.window_ends,
                });
            }
        }
        // Contended beyond reason: refuse briefly rather than check a password unreserved.
        Ok(Reservation::Refused {
            window_ends: now + 1,
        })
    }

    /// The attempts counted for `email` from `from`, if any (live or not).
    pub async fn sign_in_attempts(
        &self,
        email: &Email,
        from: &str,
    ) -> Result<Option<LoginFailures>, StoreError> {
        self.get(login_failures_key(email, from)).await
    }

    /// Forgets the attempts counted for `email` from `from` (after a successful sign-in).
    pub async fn clear_sign_in_attempts(
        &self,
        email: &Email,
        from: &str,
    ) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(login_failures_key(email, from)))
            .send()
            .await?;
        Ok(())
    }
}

// ------------------------------------------------------------ deleting an account
//
// Kept apart from the blocks above: the account's erasure (`crate::delete_account`).

/// The index of every item that names an account by its id (`userId`): its sessions,
/// refresh tokens and email claim. Keys only.
const USER_INDEX: &str = "UserIndex";

/// Most items one deletion's transaction carries: DynamoDB allows 100, and the account's
/// own items and the outbox come first.
const DELETION_TX_MAX: usize = 100;

/// What deleting an account did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// The account is gone, with everything that named it, and its `user_deleted` queued.
    Deleted,
    /// The profile changed meanwhile (deleted by a concurrent request, or its password
    /// changed): nothing was written.
    Changed,
}

impl Store {
    /// Deletes the account `user` (as read, its password just verified against its
    /// `password_hash`) and queues `deleted` to each of `queues`, all or nothing: its profile
    /// (only while its password hash is still the one verified), its email claim (so the email
    /// is free at once), every other item under its key, and the sign-in attempts counted for
    /// its email from every address (they hold the email). Attempts beyond what one
    /// transaction holds are deleted right after it; they would also expire with their
    /// window (15 minutes).
    pub async fn delete_account(
        &self,
        user: &StoredUser,
        email: &Email,
        deleted: &Envelope<AccountEvent>,
        queues: &[&str],
        now: OffsetDateTime,
    ) -> Result<Deletion, StoreError> {
        // Sessions first: a deletion that fails after it leaves the account signed out, which
        // a retry finishes; one that fails before it has changed nothing.
        self.delete_sessions(&user.id).await?;
        let profile = user_key(&user.id);
        let owned = self.keys_under(&format!("USER#{}", user.id)).await?;
        let attempts = self.keys_under(&login_failures_pk(email)).await?;

        let mut tx = Tx::new();
        let profile_delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(profile.clone()))
            .condition_expression("passwordHash = :hash")
            .expression_attribute_values(":hash", s(&user.password_hash))
            .build()
            .map_err(StoreError::corrupt)?;
        tx.push(
            "user",
            TransactWriteItem::builder().delete(profile_delete).build(),
        );
        let claim_delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(email_key(email)))
            .condition_expression("userId = :id")
            .expression_attribute_values(":id", s(&user.id))
            .build()
            .map_err(StoreError::corrupt)?;
        tx.push(
            "email",
            TransactWriteItem::builder().delete(claim_delete).build(),
        );
        tx.extend(
            "outbox",
            shared::outbox::items(&self.table, deleted, queues, now)?,
        );
        for item_key in owned.into_iter().filter(|k| *k != profile) {
            tx.push("owned", self.delete(item_key)?);
        }
        let room = DELETION_TX_MAX.saturating_sub(tx.len());
        let later = attempts.len().saturating_sub(room);
        let mut attempts = attempts;
        let after = attempts.split_off(attempts.len() - later);
        for item_key in attempts {
            tx.push("attempts", self.delete(item_key)?);
        }
        match tx.write_once(&self.client).await {
            Ok(()) => {}
            Err(TxError::Cancelled(c)) if c.failed("user") || c.failed("email") => {
                return Ok(Deletion::Changed);
            }
            Err(e) => return Err(e.into()),
        }
        // A session started while this ran (a sign-in a moment before): the index shows it
        // now or soon; refresh refuses it anyway, the profile being gone.
        if let Err(e) = self.delete_sessions(&user.id).await {
            tracing::warn!(userId = %user.id, error = %e, "sessions started during the deletion are left to their expiry");
        }
        if !after.is_empty() {
            let requests = after
                .into_iter()
                .map(shared::dynamo::delete_request)
                .collect::<Result<_, _>>()?;
            shared::dynamo::batch_write(&self.client, &self.table, requests).await?;
        }
        Ok(Deletion::Deleted)
    }

    /// Deletes every session (family), refresh token and pending password reset of the
    /// account `user_id`, found through `UserIndex` (every item naming the account by its
    /// id), in batches; the number deleted. The email claim, also in the index, is the
    /// deletion's transaction's.
    async fn delete_sessions(&self, user_id: &str) -> Result<usize, StoreError> {
        let mut pages = shared::paging::Pages::new(
            self.client
                .query()
                .table_name(&self.table)
                .index_name(USER_INDEX)
                .key_condition_expression("userId = :id")
                .expression_attribute_values(":id", s(user_id)),
        );
        let mut deleted = 0;
        while let Some(items) = pages.next().await? {
            let requests: Vec<_> = items
                .iter()
                .filter_map(|item| {
                    let pk = item.get(shared::dynamo::PK)?.as_s().ok()?;
                    let sk = item.get(shared::dynamo::SK)?.as_s().ok()?;
                    ["FAMILY#", "REFRESH#", "RESET#"]
                        .iter()
                        .any(|prefix| pk.starts_with(prefix))
                        .then(|| key(pk.clone(), sk.clone()))
                })
                .map(shared::dynamo::delete_request)
                .collect::<Result<_, _>>()?;
            deleted += requests.len();
            shared::dynamo::batch_write(&self.client, &self.table, requests).await?;
        }
        Ok(deleted)
    }

    /// An unconditional delete of the item at `item_key`.
    fn delete(&self, item_key: Item) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(item_key))
            .build()
            .map_err(StoreError::corrupt)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// The keys of every item under the partition `pk` (consistent reads, every page).
    async fn keys_under(&self, pk: &str) -> Result<Vec<Item>, StoreError> {
        let mut pages = shared::paging::Pages::new(
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(pk))
                .projection_expression("pk, sk")
                .consistent_read(true),
        );
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await? {
            keys.extend(page);
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email::try_from("kim@example.com".to_owned()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn account() -> StoredUser {
        StoredUser {
            id: "u1".into(),
            email: "kim@example.com".into(),
            name: "Kim".into(),
            role: Role::Admin,
            created_at: "2026-01-02T03:04:05Z".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            email_verified: false,
            sessions_epoch: 0,
        }
    }

    fn family(id: &str, revoked: bool) -> Family {
        Family {
            id: id.into(),
            user_id: "u1".into(),
            revoked,
            expires_at: 1_800_000_000,
            epoch: 0,
        }
    }

    fn token(hash: &str, used: bool) -> RefreshRecord {
        RefreshRecord {
            hash: hash.into(),
            user_id: "u1".into(),
            family_id: "f1".into(),
            used,
            expires_at: 1_700_000_000,
        }
    }

    /// The items as this store wrote them, attribute by attribute, before serde mapped them.
    fn field_by_field(item_key: Item, attributes: Vec<(&str, AttributeValue)>) -> Item {
        let mut item = item_key;
        item.extend(attributes.into_iter().map(|(k, v)| (k.to_owned(), v)));
        item
    }

    fn account_item(u: &StoredUser) -> Item {
        field_by_field(
            user_key(&u.id),
            vec![
                ("id", s(&u.id)),
                ("email", s(&u.email)),
                ("name", s(&u.name)),
                ("role", s(u.role.as_str())),
                ("createdAt", s(&u.created_at)),
                ("passwordHash", s(&u.password_hash)),
            ],
        )
    }

    fn family_item(revoked: bool) -> Item {
        field_by_field(
            family_key("f1"),
            vec![
                ("userId", s("u1")),
                ("revoked", AttributeValue::Bool(revoked)),
                (EXPIRES_AT, n(1_800_000_000)),
            ],
        )
    }

    fn token_item(used: bool) -> Item {
        field_by_field(
            refresh_key("abc"),
            vec![
                ("userId", s("u1")),
                ("familyId", s("f1")),
                ("used", AttributeValue::Bool(used)),
                (EXPIRES_AT, n(1_700_000_000)),
            ],
        )
    }

    fn encoded(item_key: Item, record: &impl Serialize) -> Item {
        item(item_key, record).unwrap_or_else(|e| panic!("{e}"))
    }

    fn decoded<T: DeserializeOwned>(item: Item) -> T {
        from_item(item).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn records_are_written_with_the_attributes_they_always_had() {
        let (u, f, t) = (account(), family("f1", false), token("abc", false));
        assert_eq!(encoded(user_key(&u.id), &u), account_item(&u));
        let claim = EmailClaim {
            user_id: u.id.clone(),
        };
        assert_eq!(
            encoded(email_key(&email()), &claim),
            field_by_field(email_key(&email()), vec![("userId", s("u1"))])
        );
        assert_eq!(encoded(family_key(&f.id), &f), family_item(false));
        assert_eq!(encoded(refresh_key(&t.hash), &t), token_item(false));
        let failures = LoginFailures {
            count: 1,
            window_ends: 1_700_000_900,
        };
        assert_eq!(
            encoded(login_failures_key(&email(), "192.0.2.1"), &failures),
            field_by_field(
                login_failures_key(&email(), "192.0.2.1"),
                vec![("failures", n(1)), ("windowEnds", n(1_700_000_900))],
            )
        );
    }

    #[test]
    fn items_written_field_by_field_still_read() {
        let u = account();
        let mut renamed = account_item(&u);
        renamed.insert("updatedAt".into(), s("2026-02-03T04:05:06Z"));
        assert_eq!(decoded::<StoredUser>(renamed), u);
        let mut used = token_item(true);
        used.insert("usedAt".into(), n(1_600_000_000));
        assert_eq!(decoded::<RefreshRecord>(used), token("", true));
        assert_eq!(decoded::<Family>(family_item(true)), family("", true));
        let failures = field_by_field(
            login_failures_key(&email(), "192.0.2.1"),
            vec![
                ("failures", n(3)),
                ("windowEnds", n(1_700_000_900)),
                (EXPIRES_AT, n(1_700_000_900)),
            ],
        );
        assert_eq!(
            decoded::<LoginFailures>(failures),
            LoginFailures {
                count: 3,
                window_ends: 1_700_000_900
            }
        );
        let claim = field_by_field(email_key(&email()), vec![("userId", s("u1"))]);
        assert_eq!(decoded::<EmailClaim>(claim).user_id, "u1");
    }

    fn round_trip<T: Serialize + DeserializeOwned>(item_key: Item, record: &T) -> T {
        decoded(encoded(item_key, record))
    }

    #[test]
    fn a_verified_email_and_a_code_are_written_as_attributes_of_their_own() {
        let verified = StoredUser {
            email_verified: true,
            ..account()
        };
        let mut expected = account_item(&verified);
        expected.insert("emailVerified".into(), AttributeValue::Bool(true));
        assert_eq!(encoded(user_key(&verified.id), &verified), expected);
        assert_eq!(decoded::<StoredUser>(expected), verified);

        let code = CodeRecord {
            user_id: None,
            code_hash: "ab12".into(),
            tries: 2,
            expires_at: 1_700_000_000,
        };
        let item = field_by_field(
            verification_key("u1"),
            vec![
                ("codeHash", s("ab12")),
                ("tries", n(2)),
                (EXPIRES_AT, n(1_700_000_000)),
            ],
        );
        assert_eq!(encoded(verification_key("u1"), &code), item);
        assert_eq!(decoded::<CodeRecord>(item), code);
    }

    #[test]
    fn a_sessions_epoch_is_written_once_raised_and_missing_reads_zero() {
        let changed = StoredUser {
            sessions_epoch: 3,
            ..account()
        };
        let mut expected = account_item(&changed);
        expected.insert("sessionsEpoch".into(), n(3));
        assert_eq!(encoded(user_key(&changed.id), &changed), expected);
        assert_eq!(decoded::<StoredUser>(expected), changed);
        assert_eq!(
            decoded::<StoredUser>(account_item(&changed)).sessions_epoch,
            0
        );

        let later = Family {
            epoch: 3,
            ..family("f1", false)
        };
        let mut expected = family_item(false);
        expected.insert("epoch".into(), n(3));
        assert_eq!(encoded(family_key("f1"), &later), expected);
        assert_eq!(decoded::<Family>(expected).epoch, 3);
        assert_eq!(decoded::<Family>(family_item(false)).epoch, 0);
    }

    #[test]
    fn records_round_trip() {
        for (role, email_verified) in [(Role::Student, true), (Role::Admin, false)] {
            let u = StoredUser {
                role,
                email_verified,
                ..account()
            };
            assert_eq!(round_trip(user_key(&u.id), &u), u);
        }
        // A family's id and a token's hash are in the key only: the store puts them back.
        for flag in [false, true] {
            let f = family("f1", flag);
            assert_eq!(round_trip(family_key(&f.id), &f), family("", flag));
            let t = token("abc", flag);
            assert_eq!(round_trip(refresh_key(&t.hash), &t), token("", flag));
        }
        let failures = LoginFailures {
            count: u32::MAX,
            window_ends: -1,
        };
        assert_eq!(
            round_trip(login_failures_key(&email(), "192.0.2.1"), &failures),
            failures
        );
    }

    #[test]
    fn a_malformed_item_is_corrupt() {
        let u = account();
        let unknown_role = {
            let mut item = account_item(&u);
            item.insert("role".into(), s("owner"));
            item
        };
        let no_hash = {
            let mut item = account_item(&u);
            item.remove("passwordHash");
            item
        };
        let numeric_name = {
            let mut item = account_item(&u);
            item.insert("name".into(), n(7));
            item
        };
        for item in [unknown_role, no_hash, numeric_name] {
            let read = from_item::<StoredUser>(item);
            assert!(matches!(read, Err(StoreError::Corrupt(_))), "{read:?}");
        }
        let text_count = field_by_field(
            login_failures_key(&email(), "192.0.2.1"),
            vec![("failures", s("3")), ("windowEnds", n(1))],
        );
        let read = from_item::<LoginFailures>(text_count);
        assert!(matches!(read, Err(StoreError::Corrupt(_))), "{read:?}");
    }
}
