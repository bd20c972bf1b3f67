//! The community table: every item this domain keeps, and nothing else.
//!
//! | pk               | sk                   | what                                              |
//! |------------------|----------------------|---------------------------------------------------|
//! | `POST#<id>`      | `POST`               | the post, with `likeCount` and `commentCount`     |
//! | `POST#<id>`      | `COMMENT#<id>`       | a comment (ULID ids: the sort key is time order)  |
//! | `POST#<id>`      | `LIKE#<userId>`      | one user's like: at most one per user and post    |
//! | `OUTBOX#<event>` | `<queue>`            | events waiting for the relay (see shared::outbox) |
//!
//! A live post also carries `feedPk = FEED` and `feedSk = <id>`, which put it in
//! `FeedIndex`, newest first. That index projects keys only: a like changes only the post
//! item, never the index, so the single `FEED` partition is written once per post created
//! or deleted, not once per like; the page is then read from the table with consistent
//! reads, so counts in lists are as exact as on the post itself.
//!
//! Counters change only inside the transaction that writes the like or comment they count,
//! guarded by conditions (a like that exists is not added again; one that does not exist is
//! not removed), so a retried or concurrent request can never make them drift.
//!
//! A post, a comment and a like carry `authorId` (the liker, for a like), which puts it in
//! `AuthorIndex` (keys only): everything a person wrote, found in one query when their
//! account is deleted ([`crate::erasure`]).
//!
//! Deleting a post first marks it (`deletedAt`, out of the index) so no like or comment can
//! be added any more, then deletes its likes and comments, then the post item. A crash
//! in between leaves a marked post that no endpoint shows and that a repeated DELETE
//! finishes sweeping.

use aws_sdk_dynamodb::types::{Delete, Put, ReturnValue, TransactWriteItem, Update};
use shared::cursor::CursorCodec;
use shared::dynamo::{Item, SK, get_i64, get_opt_str, get_str, is_condition_failed, key, n, s};
use shared::events::{Envelope, queues};
use shared::paging::{PageRequest, Pages};
use shared::store::StoreError;
use shared::transaction::{Tx, TxError};
use time::OffsetDateTime;

use crate::model::{Comment, Page, Post};

pub const FEED_INDEX: &str = "FeedIndex";
pub const AUTHOR_INDEX: &str = "AuthorIndex";
const AUTHOR_ID: &str = "authorId";
const FEED_PK: &str = "feedPk";
const FEED_SK: &str = "feedSk";
const FEED: &str = "FEED";

const POST_SK: &str = "POST";
const COMMENT_PREFIX: &str = "COMMENT#";
const LIKE_PREFIX: &str = "LIKE#";

/// The condition every change that counts on a post holds to: the post exists and is not
/// being deleted.
const POST_IS_LIVE: &str = "attribute_exists(pk) AND attribute_not_exists(deletedAt)";

#[derive(Debug, Clone)]
pub struct Store {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

/// A post as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPost {
    pub post: Post,
    /// Being deleted: shown nowhere, and its likes and comments are being swept.
    pub deleted: bool,
}

impl StoredPost {
    fn from_item(item: &Item) -> Result<Self, StoreError> {
        Ok(Self {
            post: Post {
                id: get_str(item, "id")?.to_owned(),
                author_id: get_str(item, "authorId")?.to_owned(),
                title: get_str(item, "title")?.to_owned(),
                body: get_str(item, "body")?.to_owned(),
                like_count: get_i64(item, "likeCount")?,
                comment_count: get_i64(item, "commentCount")?,
                created_at: get_str(item, "createdAt")?.to_owned(),
                updated_at: get_str(item, "updatedAt")?.to_owned(),
            },
            deleted: get_opt_str(item, "deletedAt").is_some(),
        })
    }

    /// The post if it is live.
    pub fn live(self) -> Option<Post> {
        (!self.deleted).then_some(self.post)
    }
}

fn comment_from_item(item: &Item) -> Result<Comment, StoreError> {
    Ok(Comment {
        id: get_str(item, "id")?.to_owned(),
        post_id: get_str(item, "postId")?.to_owned(),
        author_id: get_str(item, "authorId")?.to_owned(),
        body: get_str(item, "body")?.to_owned(),
        created_at: get_str(item, "createdAt")?.to_owned(),
    })
}

/// What a like or unlike did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toggle {
    Changed,
    /// Already so (liked twice, or unliked what was not liked): nothing was written.
    Unchanged,
    PostNotFound,
}

/// Something a person wrote, as `AuthorIndex` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authored {
    Post { post_id: String },
    Comment { post_id: String, comment_id: String },
    Like { post_id: String },
}

impl Authored {
    /// What the item with these keys is; `None` for a key this table does not make.
    fn of_key(pk: &str, sk: &str) -> Option<Self> {
        let post_id = pk.strip_prefix("POST#")?.to_owned();
        if sk == POST_SK {
            Some(Authored::Post { post_id })
        } else if let Some(comment_id) = sk.strip_prefix(COMMENT_PREFIX) {
            Some(Authored::Comment {
                post_id,
                comment_id: comment_id.to_owned(),
            })
        } else {
            sk.starts_with(LIKE_PREFIX)
                .then_some(Authored::Like { post_id })
        }
    }
}

/// What adding a comment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commented {
    Added,
    PostNotFound,
}

fn post_pk(id: &str) -> String {
    format!("POST#{id}")
}

fn post_key(id: &str) -> Item {
    key(post_pk(id), POST_SK)
}

fn like_key(post_id: &str, user_id: &str) -> Item {
    key(post_pk(post_id), format!("{LIKE_PREFIX}{user_id}"))
}

/// A post's key in `FeedIndex`: what a feed cursor continues after.
fn feed_key(id: &str) -> Item {
    let mut k = post_key(id);
    k.insert(FEED_PK.to_owned(), s(FEED));
    k.insert(FEED_SK.to_owned(), s(id));
    k
}

fn comment_key(post_id: &str, comment_id: &str) -> Item {
    key(post_pk(post_id), format!("{COMMENT_PREFIX}{comment_id}"))
}

impl shared::app::TableStore for Store {
    const TABLE_ENV: &'static str = "COMMUNITY_TABLE";

    fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self { client, table }
    }
}

impl Store {
    /// Adds `delta` to one of a live post's counters, as a transaction item.
    fn count(
        &self,
        post_id: &str,
        counter: &str,
        delta: i64,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(post_key(post_id)))
            .update_expression("SET #counter = #counter + :delta")
            .condition_expression(POST_IS_LIVE)
            .expression_attribute_names("#counter", counter)
            .expression_attribute_values(":delta", n(delta))
            .build()
            .map_err(StoreError::corrupt)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    // ------------------------------------------------------------ posts

    pub async fn create_post(&self, post: &Post) -> Result<(), StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .condition_expression("attribute_not_exists(pk)");
        for (k, v) in post_key(&post.id) {
            put = put.item(k, v);
        }
        put.item("id", s(&post.id))
            .item("authorId", s(&post.author_id))
            .item("title", s(&post.title))
            .item("body", s(&post.body))
            .item("likeCount", n(post.like_count))
            .item("commentCount", n(post.comment_count))
            .item("createdAt", s(&post.created_at))
            .item("updatedAt", s(&post.updated_at))
            .item(FEED_PK, s(FEED))
            .item(FEED_SK, s(&post.id))
            .send()
            .await?;
        Ok(())
    }

    /// The post, live or being deleted; `None` once it is gone.
    pub async fn post(&self, id: &str) -> Result<Option<StoredPost>, StoreError> {
        shared::dynamo::get_item(&self.client, &self.table, post_key(id))
            .await?
            .as_ref()
            .map(StoredPost::from_item)
            .transpose()
    }

    /// A page of live posts, newest first. The index's cursor holds its own keys as well
    /// as the table's, so this is not shared::paging's table-only query page.
    pub async fn feed_page(
        &self,
        page: &PageRequest,
        cursors: &CursorCodec,
        scope: &str,
    ) -> Result<Page<Post>, StoreError> {
        let limit = page.limit;
        // One key more than asked says whether another page exists.
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(FEED_INDEX)
            .key_condition_expression("#feedPk = :feed")
            .expression_attribute_names("#feedPk", FEED_PK)
            .expression_attribute_values(":feed", s(FEED))
            .scan_index_forward(false)
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX))
            .set_exclusive_start_key(page.start.clone())
            .send()
            .await?;
        let mut ids: Vec<String> = out
            .items()
            .iter()
            .map(|k| get_str(k, FEED_SK).map(str::to_owned))
            .collect::<Result<_, _>>()?;
        let next_cursor = if ids.len() > limit {
            ids.truncate(limit);
            ids.last().map(|id| cursors.encode(scope, &feed_key(id)))
        } else {
            None
        };
        let mut found = self.posts(&ids).await?;
        // BatchGetItem answers in any order; the page keeps the index's order. A post
        // deleted since the index was read is left out.
        let items = ids
            .iter()
            .filter_map(|id| {
                let at = found.iter().position(|p| &p.post.id == id)?;
                found.swap_remove(at).live()
            })
            .collect();
        Ok(Page { items, next_cursor })
    }

    /// The posts with these ids that exist (consistent reads).
    async fn posts(&self, ids: &[String]) -> Result<Vec<StoredPost>, StoreError> {
        let keys = ids.iter().map(|id| post_key(id)).collect();
        shared::dynamo::batch_get(&self.client, &self.table, keys, true)
            .await?
            .iter()
            .map(StoredPost::from_item)
            .collect()
    }

    /// Changes the title and/or body of a live post by `author_id`; `None` if no such post.
    pub async fn edit_post(
        &self,
        id: &str,
        author_id: &str,
        title: Option<&str>,
        body: Option<&str>,
        now: &str,
    ) -> Result<Option<Post>, StoreError> {
        let mut set = vec!["updatedAt = :now"];
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(post_key(id)))
            .condition_expression(format!("{POST_IS_LIVE} AND authorId = :author"))
            .expression_attribute_values(":author", s(author_id))
            .expression_attribute_values(":now", s(now))
            .return_values(ReturnValue::AllNew);
        if let Some(t) = title {
            set.push("title = :title");
            update = update.expression_attribute_values(":title", s(t));
        }
        if let Some(b) = body {
            set.push("body = :body");
            update = update.expression_attribute_values(":body", s(b));
        }
        match update
            .update_expression(format!("SET {}", set.join(", ")))
            .send()
            .await
        {
            Ok(out) => out
                .attributes
                .as_ref()
                .map(|item| StoredPost::from_item(item).map(|p| p.post))
                .transpose(),
            Err(e) if is_condition_failed(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Marks a post deleted and takes it out of the feed; from now on nothing can be added
    /// to it. `false` if it was already marked or is gone.
    pub async fn mark_deleted(&self, id: &str, now: &str) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(post_key(id)))
            .update_expression("SET deletedAt = :now REMOVE #feedPk, #feedSk")
            .condition_expression(POST_IS_LIVE)
            .expression_attribute_names("#feedPk", FEED_PK)
            .expression_attribute_names("#feedSk", FEED_SK)
            .expression_attribute_values(":now", s(now))
            .send()
            .await;
        shared::dynamo::written(result)
    }

    /// Deletes a marked post's comments and likes, then the post. Safe to run again, and
    /// concurrently: deleting what is gone is not an error.
    pub async fn sweep_deleted(&self, id: &str) -> Result<(), StoreError> {
        let mut pages = Pages::new(
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(post_pk(id)))
                .projection_expression("pk, sk")
                .consistent_read(true),
        );
        while let Some(items) = pages.next().await? {
            let children = items
                .into_iter()
                .filter(|k| get_opt_str(k, SK) != Some(POST_SK))
                .map(shared::dynamo::delete_request)
                .collect::<Result<_, _>>()?;
            shared::dynamo::batch_write(&self.client, &self.table, children).await?;
        }
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(post_key(id)))
            // Only a marked post: a live one must never be deleted without its sweep.
            .condition_expression("attribute_exists(deletedAt)")
            .send()
            .await;
        match result {
            Err(e) if !is_condition_failed(&e) => Err(e.into()),
            _ => Ok(()),
        }
    }

    // ------------------------------------------------------------ comments

    /// Adds `comment` and counts it on its post in one transaction, with `notification`
    /// (if any) queued for the notifications domain in the same transaction.
    pub async fn add_comment(
        &self,
        comment: &Comment,
        notification: Option<&Envelope>,
        now: OffsetDateTime,
    ) -> Result<Commented, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .condition_expression("attribute_not_exists(pk)");
        for (k, v) in comment_key(&comment.post_id, &comment.id) {
            put = put.item(k, v);
        }
        let put = put
            .item("id", s(&comment.id))
            .item("postId", s(&comment.post_id))
            .item("authorId", s(&comment.author_id))
            .item("body", s(&comment.body))
            .item("createdAt", s(&comment.created_at))
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push("post", self.count(&comment.post_id, "commentCount", 1)?)
            .push("comment", TransactWriteItem::builder().put(put).build());
        if let Some(event) = notification {
            tx.extend(
                "outbox",
                shared::outbox::items(&self.table, event, &[queues::NOTIFICATIONS], now)?,
            );
        }
        match tx.write(&self.client).await {
            Ok(()) => Ok(Commented::Added),
            Err(TxError::Cancelled(c)) if c.failed("post") => Ok(Commented::PostNotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// A page of a post's comments, oldest first (see shared::paging).
    pub async fn comments_page(
        &self,
        post_id: &str,
        page: &PageRequest,
        cursors: &CursorCodec,
        scope: &str,
    ) -> Result<Page<Comment>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :comment)")
            .expression_attribute_values(":pk", s(post_pk(post_id)))
            .expression_attribute_values(":comment", s(COMMENT_PREFIX))
            .consistent_read(true);
        shared::paging::query_page(query, page, cursors, scope)
            .await?
            .parse(comment_from_item)
    }

    // ------------------------------------------------------------ likes

    /// `user_id` likes the post: the like and its count in one transaction, the like only
    /// if absent, so liking twice counts once.
    pub async fn like(
        &self,
        post_id: &str,
        user_id: &str,
        now: &str,
    ) -> Result<Toggle, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .condition_expression("attribute_not_exists(pk)");
        for (k, v) in like_key(post_id, user_id) {
            put = put.item(k, v);
        }
        let put = put
            .item("userId", s(user_id))
            .item(AUTHOR_ID, s(user_id))
            .item("createdAt", s(now))
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push("post", self.count(post_id, "likeCount", 1)?)
            .push("like", TransactWriteItem::builder().put(put).build());
        self.toggle(post_id, tx).await
    }

    /// `user_id` takes the like back: removed and uncounted together, only if it exists.
    pub async fn unlike(&self, post_id: &str, user_id: &str) -> Result<Toggle, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(like_key(post_id, user_id)))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push("post", self.count(post_id, "likeCount", -1)?)
            .push("like", TransactWriteItem::builder().delete(delete).build());
        self.toggle(post_id, tx).await
    }

    /// Runs a like or unlike: the count on the `post` and the `like` item itself.
    async fn toggle(&self, post_id: &str, tx: Tx) -> Result<Toggle, StoreError> {
        let cancelled = match tx.write(&self.client).await {
            Ok(()) => return Ok(Toggle::Changed),
            Err(TxError::Cancelled(c)) => c,
            Err(TxError::Store(e)) => return Err(e),
        };
        if cancelled.failed("post") {
            Ok(Toggle::PostNotFound)
        } else if cancelled.failed("like") {
            // Only the like's own condition failed: already so. The post is read again
            // so that a like on a post being deleted is a 404 like any other.
            match self.post(post_id).await?.and_then(StoredPost::live) {
                Some(_) => Ok(Toggle::Unchanged),
                None => Ok(Toggle::PostNotFound),
            }
        } else {
            Err(TxError::Cancelled(cancelled).into())
        }
    }

    // ------------------------------------------------------------ erasure

    /// Every post, comment and like by `user_id` (`AuthorIndex`, every page).
    pub async fn authored_by(&self, user_id: &str) -> Result<Vec<Authored>, StoreError> {
        let mut pages = Pages::new(
            self.client
                .query()
                .table_name(&self.table)
                .index_name(AUTHOR_INDEX)
                .key_condition_expression("#author = :author")
                .expression_attribute_names("#author", AUTHOR_ID)
                .expression_attribute_values(":author", s(user_id)),
        );
        let mut found = Vec::new();
        while let Some(keys) = pages.next().await? {
            for k in &keys {
                let (pk, sk) = (get_str(k, "pk")?, get_str(k, SK)?);
                match Authored::of_key(pk, sk) {
                    Some(authored) => found.push(authored),
                    None => {
                        return Err(StoreError::corrupt(format!(
                            "an unknown item in {AUTHOR_INDEX}: {pk} / {sk}"
                        )));
                    }
                }
            }
        }
        Ok(found)
    }

    /// Deletes a comment and uncounts it on its post in one transaction. On a post being
    /// deleted (or gone) the comment is deleted alone: the sweep would take it anyway.
    /// Deleting what is gone is not an error.
    pub async fn erase_comment(&self, post_id: &str, comment_id: &str) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(comment_key(post_id, comment_id)))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push("post", self.count(post_id, "commentCount", -1)?)
            .push(
                "comment",
                TransactWriteItem::builder().delete(delete).build(),
            );
        match tx.write(&self.client).await {
            Ok(()) => Ok(()),
            Err(TxError::Cancelled(c)) if c.failed("comment") => Ok(()),
            Err(TxError::Cancelled(c)) if c.failed("post") => {
                self.delete_child(comment_key(post_id, comment_id)).await
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Takes back `user_id`'s like of a post, uncounted; on a post being deleted (or gone)
    /// the like is deleted alone. Taking back what is gone is not an error.
    pub async fn erase_like(&self, post_id: &str, user_id: &str) -> Result<(), StoreError> {
        match self.unlike(post_id, user_id).await? {
            Toggle::Changed | Toggle::Unchanged => Ok(()),
            Toggle::PostNotFound => self.delete_child(like_key(post_id, user_id)).await,
        }
    }

    async fn delete_child(&self, child: Item) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(child))
            .send()
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::dynamo::{AttributeValue, PK};

    #[test]
    fn a_feed_cursor_key_holds_the_table_and_the_index_keys() {
        let k = feed_key("01J");
        assert_eq!(k.get(PK), Some(&s("POST#01J")));
        assert_eq!(k.get(SK), Some(&s("POST")));
        assert_eq!(k.get(FEED_PK), Some(&s(FEED)));
        assert_eq!(k.get(FEED_SK), Some(&AttributeValue::S("01J".into())));
    }
}
