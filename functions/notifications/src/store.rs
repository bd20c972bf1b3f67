//! The notifications table: every item this domain keeps, and nothing else.
//!
//! | pk              | sk        | what                                                       |
//! |-----------------|-----------|------------------------------------------------------------|
//! | `USER#<userId>` | `N#<id>`  | an inbox item; `<id>` is the event's id (a ULID, so newest sorts last) |
//! | `USER#<userId>` | `UNREAD`  | `unread`: how many inbox items have no `readAt`            |
//! | `USER#<userId>` | `PREFS`   | locale and the external channel the user opted into       |
//! | `DELIVERY#<id>` | `KAKAO`   | the external send of event `<id>`: sending, sent, failed or retrying |
//! | `DELIVERY#<id>` | `EMAIL`   | the email of event `<id>`, the same states                 |
//!
//! A delivery record names no one (its event's id, status, attempts, the provider's answer):
//! an account's erasure deletes what is under `USER#<userId>` and finds nothing else of theirs.
//!
//! Two invariants hold by construction, not by care:
//! - one inbox item per event id: the item is a conditional put keyed by the id;
//! - `UNREAD` equals the number of unread items: every write that adds an unread item or
//!   sets `readAt` changes the counter in the same transaction, and is guarded on the
//!   item's state (absent; no `readAt`), so a retried or concurrent write cannot count twice.

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use shared::cursor::CursorCodec;
use shared::dynamo::{
    AttributeValue, Item, SK, get_bool, get_i64, get_opt_str, get_str, is_condition_failed, key, n,
    s,
};
use shared::paging::{PageRequest, Pages};
use shared::store::StoreError;
use shared::transaction::{Tx, TxError};

use crate::model::{KakaoPreference, Locale, Notification, Phone, Preferences};

/// Items per read-all transaction (DynamoDB allows 100 actions; smaller ones conflict less).
const READ_ALL_CHUNK: usize = 25;
/// A delivery record outlives every copy of its message: the queue keeps messages 4 days
/// and the dead-letter queue 14, so a redriven message still finds it.
const DELIVERY_RETENTION_SECONDS: i64 = 30 * 24 * 3600;

pub const INBOX_PREFIX: &str = "N#";
/// On an inbox item about what another user did (a comment), that user's id: their
/// erasure finds the items that name them through `ActorIndex`.
const ACTOR_ID: &str = "actorId";
const ACTOR_INDEX: &str = "ActorIndex";

fn user_pk(user_id: &str) -> String {
    format!("USER#{user_id}")
}
fn inbox_key(user_id: &str, id: &str) -> Item {
    key(user_pk(user_id), format!("{INBOX_PREFIX}{id}"))
}
fn unread_key(user_id: &str) -> Item {
    key(user_pk(user_id), "UNREAD")
}
fn preferences_key(user_id: &str) -> Item {
    key(user_pk(user_id), "PREFS")
}
fn delivery_key(id: &str, channel: Channel) -> Item {
    key(format!("DELIVERY#{id}"), channel.as_str())
}

/// A channel that sends outside the inbox; each has its own delivery record per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Kakao,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Kakao => "KAKAO",
            Channel::Email => "EMAIL",
        }
    }
}

/// What adding an event to an inbox did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    New,
    /// The event was stored before (a redelivery or a duplicate): nothing changed.
    AlreadyThere,
}

/// What marking one item read found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkRead {
    Marked(Notification),
    /// Read before; the counter was left alone.
    AlreadyRead(Notification),
    NotFound,
}

/// The state of one external send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Claimed by an invocation that is sending now.
    Sending,
    /// The provider accepted it: never send again.
    Sent,
    /// The provider refused it (4xx): never send again.
    Failed,
    /// The last attempt hit a 5xx or a timeout; the next copy of the message may claim it.
    Retrying,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Retrying => "retrying",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "sending" => DeliveryStatus::Sending,
            "sent" => DeliveryStatus::Sent,
            "failed" => DeliveryStatus::Failed,
            "retrying" => DeliveryStatus::Retrying,
            _ => return None,
        })
    }
}

/// The answer to "may I send this event now?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Yes: this invocation holds the claim until it records the outcome.
    Claimed,
    /// No: the send is settled (`Sent` or `Failed`).
    Settled(DeliveryStatus),
    /// No: another invocation holds a live claim.
    Busy,
}

#[derive(Debug, Clone)]
pub struct Store {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl shared::app::TableStore for Store {
    const TABLE_ENV: &'static str = "NOTIFICATIONS_TABLE";

    fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self { client, table }
    }
}

impl Store {
    /// The [`TableStore`](shared::app::TableStore) constructor, for callers without the
    /// trait in scope.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        <Self as shared::app::TableStore>::new(client, table.into())
    }

    async fn get(&self, item_key: Item) -> Result<Option<Item>, StoreError> {
        shared::dynamo::get_item(&self.client, &self.table, item_key).await
    }

    // ------------------------------------------------------------ preferences

    pub async fn preferences(&self, user_id: &str) -> Result<Option<Preferences>, StoreError> {
        let Some(item) = self.get(preferences_key(user_id)).await? else {
            return Ok(None);
        };
        let locale = Locale::parse(get_str(&item, "locale")?)
            .ok_or_else(|| StoreError::Corrupt("stored locale is unknown".into()))?;
        let phone = get_opt_str(&item, "phone")
            .map(|p| Phone::try_from(p.to_owned()))
            .transpose()
            .map_err(|_| StoreError::Corrupt("stored phone is not valid".into()))?;
        Ok(Some(Preferences {
            locale,
            kakao: KakaoPreference {
                enabled: get_bool(&item, "kakaoEnabled")?,
                phone,
            },
        }))
    }

    pub async fn put_preferences(
        &self,
        user_id: &str,
        preferences: &Preferences,
        now: &str,
    ) -> Result<(), StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(preferences_key(user_id)))
            .item("locale", s(preferences.locale.as_str()))
            .item(
                "kakaoEnabled",
                AttributeValue::Bool(preferences.kakao.enabled),
            )
            .item("updatedAt", s(now));
        if let Some(phone) = &preferences.kakao.phone {
            put = put.item("phone", s(phone.as_str()));
        }
        put.send().await?;
        Ok(())
    }

    // ------------------------------------------------------------ inbox

    /// Stores `notification` in the user's inbox, unread, once per id.
    pub async fn add_to_inbox(
        &self,
        user_id: &str,
        notification: &Notification,
        actor: Option<&str>,
    ) -> Result<Added, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(inbox_key(user_id, &notification.id)))
            .item("id", s(&notification.id))
            .item("type", s(&notification.kind))
            .item("title", s(&notification.title))
            .item("body", s(&notification.body))
            .item("createdAt", s(&notification.created_at))
            .condition_expression("attribute_not_exists(pk)");
        if let Some(read_at) = &notification.read_at {
            put = put.item("readAt", s(read_at));
        }
        if let Some(actor) = actor {
            put = put.item(ACTOR_ID, s(actor));
        }
        let put = put.build().map_err(StoreError::corrupt)?;
        let counted = i64::from(notification.read_at.is_none());
        let mut tx = Tx::new();
        tx.push("item", TransactWriteItem::builder().put(put).build())
            .push("unread", self.count_unread(user_id, counted)?);
        // Retried while it only lost a race on the `UNREAD` counter.
        match tx.write(&self.client).await {
            Ok(()) => Ok(Added::New),
            Err(TxError::Cancelled(c)) if c.failed("item") => Ok(Added::AlreadyThere),
            Err(e) => Err(e.into()),
        }
    }

    /// Adds `delta` to the unread counter (creating it at `delta`).
    fn count_unread(&self, user_id: &str, delta: i64) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(unread_key(user_id)))
            .update_expression("ADD unread :delta")
            .expression_attribute_values(":delta", n(delta))
            .build()
            .map_err(StoreError::corrupt)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Sets `readAt` on one inbox item, only if it exists and is unread.
    fn set_read(
        &self,
        user_id: &str,
        sk: &str,
        now: &str,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(user_pk(user_id), sk)))
            .update_expression("SET readAt = :now")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(readAt)")
            .expression_attribute_values(":now", s(now))
            .build()
            .map_err(StoreError::corrupt)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    pub async fn unread_count(&self, user_id: &str) -> Result<i64, StoreError> {
        Ok(match self.get(unread_key(user_id)).await? {
            Some(item) => get_i64(&item, "unread")?.max(0),
            None => 0,
        })
    }

    pub async fn notification(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<Option<Notification>, StoreError> {
        self.get(inbox_key(user_id, id))
            .await?
            .as_ref()
            .map(notification_from_item)
            .transpose()
    }

    /// One page of the inbox, newest first, and the cursor to the next one.
    pub async fn page(
        &self,
        user_id: &str,
        request: &PageRequest,
        cursors: &CursorCodec,
        scope: &str,
    ) -> Result<(Vec<Notification>, Option<String>), StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(user_pk(user_id)))
            .expression_attribute_values(":prefix", s(INBOX_PREFIX))
            .scan_index_forward(false);
        let page = shared::paging::query_page(query, request, cursors, scope)
            .await?
            .parse(notification_from_item)?;
        Ok((page.items, page.next_cursor))
    }

    pub async fn mark_read(
        &self,
        user_id: &str,
        id: &str,
        now: &str,
    ) -> Result<MarkRead, StoreError> {
        let Some(mut current) = self.notification(user_id, id).await? else {
            return Ok(MarkRead::NotFound);
        };
        if current.read_at.is_some() {
            return Ok(MarkRead::AlreadyRead(current));
        }
        let mut tx = Tx::new();
        tx.push(
            "item",
            self.set_read(user_id, &format!("{INBOX_PREFIX}{id}"), now)?,
        )
        .push("unread", self.count_unread(user_id, -1)?);
        match tx.write(&self.client).await {
            Ok(()) => {
                current.read_at = Some(now.to_owned());
                Ok(MarkRead::Marked(current))
            }
            // Marked read by a concurrent request between our read and our write.
            Err(TxError::Cancelled(c)) if c.failed("item") => {
                match self.notification(user_id, id).await? {
                    Some(n) => Ok(MarkRead::AlreadyRead(n)),
                    None => Ok(MarkRead::NotFound),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Marks every unread item read; returns how many this call marked. Items that arrive
    /// while it runs may stay unread, and are counted as such.
    pub async fn read_all(&self, user_id: &str, now: &str) -> Result<usize, StoreError> {
        let mut marked = 0;
        let mut pages = Pages::new(
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .filter_expression("attribute_not_exists(readAt)")
                .projection_expression("sk")
                .expression_attribute_values(":pk", s(user_pk(user_id)))
                .expression_attribute_values(":prefix", s(INBOX_PREFIX))
                .consistent_read(true),
        );
        while let Some(items) = pages.next().await? {
            let sks: Vec<String> = items
                .iter()
                .map(|item| get_str(item, SK).map(str::to_owned))
                .collect::<Result<_, _>>()?;
            for chunk in sks.chunks(READ_ALL_CHUNK) {
                marked += self.mark_chunk_read(user_id, chunk.to_vec(), now).await?;
            }
        }
        Ok(marked)
    }

    /// One transaction marks `sks` read and takes their number off the counter. An item
    /// marked read meanwhile fails its guard and cancels the transaction; the items still
    /// unread are read again and retried, so the counter only ever loses what this call
    /// marked.
    async fn mark_chunk_read(
        &self,
        user_id: &str,
        mut sks: Vec<String>,
        now: &str,
    ) -> Result<usize, StoreError> {
        for _ in 0..=READ_ALL_CHUNK {
            if sks.is_empty() {
                return Ok(0);
            }
            let mut tx = Tx::new();
            for sk in &sks {
                tx.push("item", self.set_read(user_id, sk, now)?);
            }
            let count = i64::try_from(sks.len()).map_err(StoreError::corrupt)?;
            tx.push("unread", self.count_unread(user_id, -count)?);
            match tx.write(&self.client).await {
                Ok(()) => return Ok(sks.len()),
                Err(TxError::Cancelled(c)) if c.failed("item") => {
                    sks = self.still_unread(user_id, sks).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Unavailable("read-all kept losing races".into()))
    }

    /// Those of `sks` (inbox items of `user_id`) that exist and are unread now.
    async fn still_unread(
        &self,
        user_id: &str,
        sks: Vec<String>,
    ) -> Result<Vec<String>, StoreError> {
        let keys = sks.iter().map(|sk| key(user_pk(user_id), sk)).collect();
        let found = shared::dynamo::batch_get(&self.client, &self.table, keys, true).await?;
        let mut unread = Vec::with_capacity(found.len());
        for item in found.iter().filter(|item| !item.contains_key("readAt")) {
            unread.push(get_str(item, SK)?.to_owned());
        }
        Ok(sks.into_iter().filter(|sk| unread.contains(sk)).collect())
    }

    // ------------------------------------------------------------ erasure

    /// Erases the user `user_id` (`user_deleted`): everything under their key (inbox items,
    /// the unread counter, preferences with the phone), a page at a time. Safe to run again;
    /// the number of items deleted.
    pub async fn erase_user(&self, user_id: &str) -> Result<usize, StoreError> {
        shared::erasure::delete_partition(&self.client, &self.table, &user_pk(user_id)).await
    }

    /// Erases what other users' inboxes say of the user `actor_id` (`user_deleted`): every
    /// inbox item about what they did (a comment names its commenter) goes, found through
    /// `ActorIndex`, each with its recipient's unread counter kept right (an unread item's
    /// deletion takes one off, in the same transaction). Safe to run again; the number of
    /// items deleted.
    pub async fn erase_actor(&self, actor_id: &str) -> Result<usize, StoreError> {
        let mut pages = Pages::new(
            self.client
                .query()
                .table_name(&self.table)
                .index_name(ACTOR_INDEX)
                .key_condition_expression("#actor = :actor")
                .expression_attribute_names("#actor", ACTOR_ID)
                .expression_attribute_values(":actor", s(actor_id)),
        );
        let mut deleted = 0;
        while let Some(items) = pages.next().await? {
            for item in items {
                let (Some(pk), Some(sk)) = (get_opt_str(&item, "pk"), get_opt_str(&item, SK))
                else {
                    continue;
                };
                let Some(user_id) = pk.strip_prefix("USER#") else {
                    continue;
                };
                if self.delete_inbox_item(user_id, sk).await? {
                    deleted += 1;
                }
            }
        }
        Ok(deleted)
    }

    /// Deletes one inbox item, taking it off its owner's unread count if it is unread, in one
    /// transaction guarded on the state read; `false` if it is gone already.
    async fn delete_inbox_item(&self, user_id: &str, sk: &str) -> Result<bool, StoreError> {
        // A read or a deletion between the read and the write cancels it: read again.
        for _ in 0..4 {
            let Some(item) = self.get(key(user_pk(user_id), sk)).await? else {
                return Ok(false);
            };
            let unread = !item.contains_key("readAt");
            let delete = aws_sdk_dynamodb::types::Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(user_pk(user_id), sk)))
                .condition_expression(if unread {
                    "attribute_exists(pk) AND attribute_not_exists(readAt)"
                } else {
                    "attribute_exists(readAt)"
                })
                .build()
                .map_err(StoreError::corrupt)?;
            let mut tx = Tx::new();
            tx.push("item", TransactWriteItem::builder().delete(delete).build());
            if unread {
                tx.push("unread", self.count_unread(user_id, -1)?);
            }
            match tx.write(&self.client).await {
                Ok(()) => return Ok(true),
                Err(TxError::Cancelled(c)) if c.failed("item") => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Unavailable(format!(
            "inbox item {sk} of {user_id} kept changing while it was erased"
        )))
    }

    // ------------------------------------------------------------ external deliveries

    /// Claims the external send of event `id` for this invocation (`token`), unless it is
    /// settled or another invocation's claim is younger than `stale_before_ms`. The record
    /// names no one (no user id, address or phone): keyed by the event, an account's erasure
    /// could not find it, so it holds nothing to erase.
    pub async fn claim_delivery(
        &self,
        id: &str,
        channel: Channel,
        token: &str,
        now_ms: i64,
        stale_before_ms: i64,
    ) -> Result<Claim, StoreError> {
        let result = self
            .update_delivery(id, channel)
            .update_expression(
                "SET #status = :sending, claimToken = :token, claimedAt = :now, \
                 expiresAt = :expires ADD attempts :one",
            )
            .condition_expression(
                "attribute_not_exists(pk) OR #status = :retrying \
                 OR (#status = :sending AND claimedAt < :stale)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", s(DeliveryStatus::Sending.as_str()))
            .expression_attribute_values(":retrying", s(DeliveryStatus::Retrying.as_str()))
            .expression_attribute_values(":token", s(token))
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":stale", n(stale_before_ms))
            .expression_attribute_values(":expires", n(now_ms / 1000 + DELIVERY_RETENTION_SECONDS))
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Claimed),
            Err(e) if is_condition_failed(&e) => match self.delivery_status(id, channel).await? {
                Some(status @ (DeliveryStatus::Sent | DeliveryStatus::Failed)) => {
                    Ok(Claim::Settled(status))
                }
                _ => Ok(Claim::Busy),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// An update of event `id`'s delivery record.
    fn update_delivery(&self, id: &str, channel: Channel) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(delivery_key(id, channel)))
    }

    pub async fn delivery_status(
        &self,
        id: &str,
        channel: Channel,
    ) -> Result<Option<DeliveryStatus>, StoreError> {
        let Some(item) = self.get(delivery_key(id, channel)).await? else {
            return Ok(None);
        };
        DeliveryStatus::parse(get_str(&item, "status")?)
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt("stored delivery status is unknown".into()))
    }

    /// Records the outcome of the send this invocation claimed, and lets go of the claim.
    /// `false` if the claim was no longer ours (it went stale and was taken over).
    pub async fn settle_delivery(
        &self,
        id: &str,
        channel: Channel,
        token: &str,
        status: DeliveryStatus,
        detail: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        let result = self
            .update_delivery(id, channel)
            .update_expression(
                "SET #status = :status, detail = :detail, updatedAt = :now REMOVE claimToken",
            )
            .condition_expression("claimToken = :token")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status.as_str()))
            .expression_attribute_values(":detail", s(detail))
            .expression_attribute_values(":now", s(now))
            .expression_attribute_values(":token", s(token))
            .send()
            .await;
        shared::dynamo::written(result)
    }
}

fn notification_from_item(item: &Item) -> Result<Notification, StoreError> {
    Ok(Notification {
        id: get_str(item, "id")?.to_owned(),
        kind: get_str(item, "type")?.to_owned(),
        title: get_str(item, "title")?.to_owned(),
        body: get_str(item, "body")?.to_owned(),
        created_at: get_str(item, "createdAt")?.to_owned(),
        read_at: get_opt_str(item, "readAt").map(str::to_owned),
    })
}
