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

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, ReturnValue, TransactWriteItem, Update};
use shared::ApiError;
use shared::auth::Role;
use shared::dynamo::{
    EXPIRES_AT, Item, get_bool, get_i64, get_str, is_condition_failed, key, n, s,
};

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

    fn from_item(item: &Item) -> Result<Self, ApiError> {
        Ok(Self {
            id: get_str(item, "id")?.to_owned(),
            email: get_str(item, "email")?.to_owned(),
            name: get_str(item, "name")?.to_owned(),
            role: Role::parse(get_str(item, "role")?)
                .ok_or_else(|| ApiError::internal("stored role is unknown"))?,
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

/// Failed sign-ins for one email in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: u32,
    pub window_ends: i64,
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

/// A conditional put of `attributes` under `item_key`, for a transaction.
fn put_new(
    table: &str,
    item_key: Item,
    attributes: Vec<(&str, shared::dynamo::AttributeValue)>,
) -> Result<TransactWriteItem, ApiError> {
    let mut put = Put::builder()
        .table_name(table)
        .condition_expression("attribute_not_exists(pk)");
    for (k, v) in item_key {
        put = put.item(k, v);
    }
    for (k, v) in attributes {
        put = put.item(k, v);
    }
    Ok(TransactWriteItem::builder()
        .put(put.build().map_err(ApiError::internal)?)
        .build())
}

impl Store {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<(), SdkError<TransactWriteItemsError>> {
        shared::transaction::write_once(&self.client, items).await
    }

    async fn get(&self, item_key: Item) -> Result<Option<Item>, ApiError> {
        shared::dynamo::get_item(&self.client, &self.table, item_key).await
    }

    // ------------------------------------------------------------ accounts

    /// The puts that create `user` and claim its email; the email put fails its condition
    /// (position 1) when the email is taken.
    pub fn create_user(
        &self,
        user: &StoredUser,
        email: &Email,
    ) -> Result<Vec<TransactWriteItem>, ApiError> {
        Ok(vec![
            put_new(
                &self.table,
                user_key(&user.id),
                vec![
                    ("id", s(&user.id)),
                    ("email", s(&user.email)),
                    ("name", s(&user.name)),
                    ("role", s(user.role.as_str())),
                    ("createdAt", s(&user.created_at)),
                    ("passwordHash", s(&user.password_hash)),
                ],
            )?,
            put_new(&self.table, email_key(email), vec![("userId", s(&user.id))])?,
        ])
    }

    /// Position of the email claim in [`Store::create_user`]'s items.
    pub const EMAIL_CLAIM_POSITION: usize = 1;

    pub async fn user(&self, id: &str) -> Result<Option<StoredUser>, ApiError> {
        self.get(user_key(id))
            .await?
            .as_ref()
            .map(StoredUser::from_item)
            .transpose()
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<StoredUser>, ApiError> {
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
    ) -> Result<Option<StoredUser>, ApiError> {
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

    pub async fn set_role(&self, id: &str, role: Role) -> Result<(), ApiError> {
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

    pub fn put_family(&self, family: &Family) -> Result<TransactWriteItem, ApiError> {
        put_new(
            &self.table,
            family_key(&family.id),
            vec![
                ("userId", s(&family.user_id)),
                ("revoked", shared::dynamo::AttributeValue::Bool(false)),
                (EXPIRES_AT, n(family.expires_at)),
            ],
        )
    }

    pub fn put_refresh(&self, token: &RefreshRecord) -> Result<TransactWriteItem, ApiError> {
        put_new(
            &self.table,
            refresh_key(&token.hash),
            vec![
                ("userId", s(&token.user_id)),
                ("familyId", s(&token.family_id)),
                ("used", shared::dynamo::AttributeValue::Bool(false)),
                (EXPIRES_AT, n(token.expires_at)),
            ],
        )
    }

    pub async fn refresh_record(&self, hash: &str) -> Result<Option<RefreshRecord>, ApiError> {
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

    pub async fn family(&self, id: &str) -> Result<Option<Family>, ApiError> {
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

    /// Marks a refresh token used, only if it is unused and unexpired.
    pub fn use_refresh(&self, hash: &str, now: i64) -> Result<TransactWriteItem, ApiError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(refresh_key(hash)))
            .update_expression("SET used = :yes, usedAt = :now")
            .condition_expression("used = :no AND expiresAt > :now")
            .expression_attribute_values(":yes", shared::dynamo::AttributeValue::Bool(true))
            .expression_attribute_values(":no", shared::dynamo::AttributeValue::Bool(false))
            .expression_attribute_values(":now", n(now))
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Holds only while the session is neither revoked nor expired.
    pub fn family_is_live(&self, family_id: &str, now: i64) -> Result<TransactWriteItem, ApiError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(family_key(family_id)))
            .condition_expression("revoked = :no AND expiresAt > :now")
            .expression_attribute_values(":no", shared::dynamo::AttributeValue::Bool(false))
            .expression_attribute_values(":now", n(now))
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// Revokes a session: no token of it refreshes again.
    pub async fn revoke_family(&self, family_id: &str) -> Result<(), ApiError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(family_key(family_id)))
            .update_expression("SET revoked = :yes")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":yes", shared::dynamo::AttributeValue::Bool(true))
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

    pub async fn login_failures(&self, email: &Email) -> Result<Option<LoginFailures>, ApiError> {
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
    ) -> Result<(), ApiError> {
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
                let mut put = self.client.put_item().table_name(&self.table);
                for (k, v) in login_failures_key(email) {
                    put = put.item(k, v);
                }
                put.item("failures", n(1))
                    .item("windowEnds", n(now + window_seconds))
                    .item(EXPIRES_AT, n(now + window_seconds))
                    // Another failure may have opened the new window first: then count in it.
                    .condition_expression("attribute_not_exists(pk) OR windowEnds <= :now")
                    .expression_attribute_values(":now", n(now))
                    .send()
                    .await
                    .map(|_| ())
                    .or_else(|e| {
                        if is_condition_failed(&e) {
                            Ok(())
                        } else {
                            Err(e.into())
                        }
                    })
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn clear_login_failures(&self, email: &Email) -> Result<(), ApiError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(login_failures_key(email)))
            .send()
            .await?;
        Ok(())
    }
}
