//! The orders table: every item this domain keeps, and nothing else.
//!
//! | pk                            | sk             | what                                              |
//! |-------------------------------|----------------|---------------------------------------------------|
//! | `ORDER#<id>`                  | `ORDER`        | the order (below)                                 |
//! | `CUSTOMER#<userId>`           | `ORDER#<id>`   | the customer's list entry, written with the order (with its `idempotencyKey`) |
//! | `IDEMPOTENCY#<userId>#<key>`  | `IDEMPOTENCY`  | a placed order's first answer (shared::idempotency) |
//! | `OUTBOX#<event>`              | `<queue>`      | commands and events waiting for the relay         |
//!
//! The order item holds `id, userId, productId, quantity (N), status, step, version (N),
//! createdAt, updatedAt`, and once known `reason`, `total` (Money as JSON), `productName`,
//! `paymentId`; `paymentToken` only until the capture command carries it away. Every
//! change replaces the item on the condition that `step` and `version` are still what the
//! change was decided on, in the same transaction as its outbox items (see
//! [`crate::advance`]).
//!
//! When the customer deletes their account (`user_deleted`, [`crate::erasure`]), each
//! settled order keeps its product, quantity, amounts and dates for accounting, its `userId`
//! becomes `deleted` (shared::saga::ERASED_CUSTOMER), and its list entry and idempotency
//! record go, with `forget_customer` to inventory and payments, in one transaction.
//!
//! "My orders" reads the list entries (ULID ids: sort key order is time order), newest
//! first, with a consistent query, then the orders themselves with consistent reads: an
//! order is listed the moment it is placed, with its current state. A keys-only index
//! would be eventually consistent and cost the same writes.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use shared::cursor::CursorCodec;
use shared::dynamo::{Item, get_i64, get_json, get_opt_str, get_str, key, n, put_new, s, to_json};
use shared::erasure::ERASED_CUSTOMER;
use shared::events::Envelope;
use shared::events::queues;
use shared::idempotency::{Idempotency, IdempotencyKey, Recorded};
use shared::paging::PageRequest;
use shared::saga::MessageType;
use shared::store::StoreError;
use shared::transaction::{Tx, TxError};
use time::OffsetDateTime;

use crate::model::{Order, OrderStatus, Page, Reason, Step};

const ORDER_SK: &str = "ORDER";
const ENTRY_PREFIX: &str = "ORDER#";

#[derive(Debug, Clone)]
pub struct Store {
    client: aws_sdk_dynamodb::Client,
    table: String,
    idempotency: Idempotency,
}

impl shared::app::TableStore for Store {
    const TABLE_ENV: &'static str = "ORDERS_TABLE";

    fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self {
            idempotency: Idempotency::new(client.clone(), table.clone()),
            client,
            table,
        }
    }
}

/// What a change of an order publishes through the outbox, in its transaction.
#[derive(Debug, Default)]
pub struct Sends {
    /// A saga command, and the queue of the participant it goes to.
    pub command: Option<(Envelope<MessageType>, &'static str)>,
    /// An event for the customer, to the notifications queue.
    pub notification: Option<Envelope>,
}

/// What placing an order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// The order, its list entry, the key's answer and the first command are written.
    New,
    /// A concurrent first try with the same key won: nothing is written, and this is the
    /// answer it recorded.
    Replayed(Recorded),
}

/// What replacing an order did.
#[derive(Debug, Clone, PartialEq)]
pub enum Replaced {
    /// The new order and what it sends are written.
    Written,
    /// The order changed since it was read (another change won the race): nothing is
    /// written; this is the order as it is now.
    Stale(Box<Order>),
}

fn key_of_entry(user_id: &str, order_id: &str) -> Item {
    key(customer_pk(user_id), format!("{ENTRY_PREFIX}{order_id}"))
}

fn order_key(id: &str) -> Item {
    key(format!("ORDER#{id}"), ORDER_SK)
}

fn customer_pk(user_id: &str) -> String {
    format!("CUSTOMER#{user_id}")
}

fn order_item(order: &Order) -> Result<Item, StoreError> {
    let mut item = order_key(&order.id);
    let mut set = |name: &str, value| {
        item.insert(name.to_owned(), value);
    };
    set("id", s(&order.id));
    set("userId", s(&order.user_id));
    set("productId", s(&order.product_id));
    set("quantity", n(i64::from(order.quantity)));
    set("status", s(order.status.as_str()));
    set("step", s(order.step.as_str()));
    set("version", n(order.version));
    set("createdAt", s(&order.created_at));
    set("updatedAt", s(&order.updated_at));
    if let Some(reason) = order.reason {
        set("reason", s(reason.as_str()));
    }
    if let Some(total) = &order.total {
        set("total", to_json(total)?);
    }
    if let Some(name) = &order.product_name {
        set("productName", s(name));
    }
    if let Some(id) = &order.payment_id {
        set("paymentId", s(id));
    }
    if let Some(id) = &order.program_id {
        set("programId", s(id));
    }
    if let Some(token) = &order.payment_token {
        set("paymentToken", s(token));
    }
    Ok(item)
}

fn order_from_item(item: &Item) -> Result<Order, StoreError> {
    Ok(Order {
        id: get_str(item, "id")?.to_owned(),
        user_id: get_str(item, "userId")?.to_owned(),
        product_id: get_str(item, "productId")?.to_owned(),
        quantity: u32::try_from(get_i64(item, "quantity")?).map_err(StoreError::corrupt)?,
        payment_token: get_opt_str(item, "paymentToken").map(str::to_owned),
        total: item
            .contains_key("total")
            .then(|| get_json(item, "total"))
            .transpose()?,
        product_name: get_opt_str(item, "productName").map(str::to_owned),
        payment_id: get_opt_str(item, "paymentId").map(str::to_owned),
        program_id: get_opt_str(item, "programId").map(str::to_owned),
        status: known("status", OrderStatus::parse(get_str(item, "status")?))?,
        reason: get_opt_str(item, "reason")
            .map(|r| known("reason", Reason::parse(r)))
            .transpose()?,
        step: known("step", Step::parse(get_str(item, "step")?))?,
        version: get_i64(item, "version")?,
        created_at: get_str(item, "createdAt")?.to_owned(),
        updated_at: get_str(item, "updatedAt")?.to_owned(),
    })
}

fn known<T>(name: &str, parsed: Option<T>) -> Result<T, StoreError> {
    parsed.ok_or_else(|| StoreError::Corrupt(format!("stored order has an unknown {name}")))
}

impl Store {
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The answer recorded for the customer's `key`, if any.
    pub async fn recorded(
        &self,
        user_id: &str,
        key: &IdempotencyKey,
    ) -> Result<Option<Recorded>, StoreError> {
        self.idempotency.lookup(user_id, key).await
    }

    pub async fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        shared::dynamo::get_item(&self.client, &self.table, order_key(id))
            .await?
            .as_ref()
            .map(order_from_item)
            .transpose()
    }

    /// Places `order` in one transaction: the order and its customer's list entry (each
    /// only if new), the customer's `key` with its first `answer` (only if not recorded
    /// meanwhile) and what the order sends first.
    pub async fn place(
        &self,
        order: &Order,
        key: &IdempotencyKey,
        answer: &Recorded,
        sends: &Sends,
        now: OffsetDateTime,
    ) -> Result<Placed, StoreError> {
        let mut entry = key_of_entry(&order.user_id, &order.id);
        entry.insert("orderId".to_owned(), s(&order.id));
        // Found from here when the customer's account is deleted.
        entry.insert("idempotencyKey".to_owned(), s(key.as_str()));
        let mut tx = Tx::new();
        tx.push("order", put_new(&self.table, order_item(order)?)?)
            .push("entry", put_new(&self.table, entry)?)
            .push(
                "record",
                self.idempotency.record(&order.user_id, key, answer, now)?,
            )
            .extend("outbox", self.outbox(sends, now)?);
        match tx.write(&self.client).await {
            Ok(()) => Ok(Placed::New),
            Err(TxError::Cancelled(c)) if c.failed("record") => {
                let first = self.recorded(&order.user_id, key).await?.ok_or_else(|| {
                    StoreError::Corrupt("the idempotency record vanished".to_owned())
                })?;
                Ok(Placed::Replayed(first))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces `before` with `after` and queues what the change sends, in one
    /// transaction, only if the stored order is still at `before`'s step and version.
    pub async fn replace(
        &self,
        before: &Order,
        after: &Order,
        sends: &Sends,
        now: OffsetDateTime,
    ) -> Result<Replaced, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(order_item(after)?))
            .condition_expression("#step = :step AND #version = :version")
            .expression_attribute_names("#step", "step")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":step", s(before.step.as_str()))
            .expression_attribute_values(":version", n(before.version))
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push("order", TransactWriteItem::builder().put(put).build())
            .extend("outbox", self.outbox(sends, now)?);
        match tx.write(&self.client).await {
            Ok(()) => Ok(Replaced::Written),
            Err(TxError::Cancelled(c)) if c.failed("order") => {
                let current = self
                    .order(&before.id)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt(format!("order {} vanished", before.id)))?;
                Ok(Replaced::Stale(Box::new(current)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The customer's orders: each one's id and, for those placed since entries carry it,
    /// its idempotency key (consistent reads, every page).
    pub async fn customer_orders(
        &self,
        user_id: &str,
    ) -> Result<Vec<(String, Option<String>)>, StoreError> {
        let mut pages = shared::paging::Pages::new(
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :order)")
                .expression_attribute_values(":pk", s(customer_pk(user_id)))
                .expression_attribute_values(":order", s(ENTRY_PREFIX))
                .consistent_read(true),
        );
        let mut orders = Vec::new();
        while let Some(entries) = pages.next().await? {
            for e in &entries {
                orders.push((
                    get_str(e, "orderId")?.to_owned(),
                    get_opt_str(e, "idempotencyKey").map(str::to_owned),
                ));
            }
        }
        Ok(orders)
    }

    /// Forgets the customer `user_id` of the settled order `order_id`, in one transaction:
    /// the order's `userId` becomes [`ERASED_CUSTOMER`] (only while it is the customer's and
    /// settled), the list entry and the idempotency record `key` are deleted, and `forget`
    /// is queued for inventory and payments. `false` if the order was not the customer's
    /// settled one any more (forgotten already, or never settled: the caller read it).
    pub async fn forget_customer(
        &self,
        user_id: &str,
        order_id: &str,
        key: Option<&str>,
        forget: &Envelope<MessageType>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let order = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .set_key(Some(order_key(order_id)))
            .update_expression("SET userId = :erased, updatedAt = :now")
            .condition_expression("userId = :user AND #step = :done")
            .expression_attribute_names("#step", "step")
            .expression_attribute_values(":erased", s(ERASED_CUSTOMER))
            .expression_attribute_values(":now", s(shared::clock::rfc3339(now)))
            .expression_attribute_values(":user", s(user_id))
            .expression_attribute_values(":done", s(Step::Done.as_str()))
            .build()
            .map_err(StoreError::corrupt)?;
        let entry = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key_of_entry(user_id, order_id)))
            .build()
            .map_err(StoreError::corrupt)?;
        let mut tx = Tx::new();
        tx.push("order", TransactWriteItem::builder().update(order).build())
            .push("entry", TransactWriteItem::builder().delete(entry).build());
        if let Some(key) = key {
            tx.push("record", self.idempotency.delete(user_id, key)?);
        }
        tx.extend(
            "outbox",
            shared::outbox::items(
                &self.table,
                forget,
                &[queues::INVENTORY, queues::PAYMENTS],
                now,
            )?,
        );
        match tx.write(&self.client).await {
            Ok(()) => Ok(true),
            Err(TxError::Cancelled(c)) if c.failed("order") => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a list entry alone (its order forgotten already).
    pub async fn delete_entry(&self, user_id: &str, order_id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of_entry(user_id, order_id)))
            .send()
            .await?;
        Ok(())
    }

    /// The outbox items of `sends`.
    fn outbox(
        &self,
        sends: &Sends,
        now: OffsetDateTime,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut items = Vec::new();
        if let Some((command, queue)) = &sends.command {
            items.extend(shared::outbox::items(&self.table, command, &[*queue], now)?);
        }
        if let Some(event) = &sends.notification {
            items.extend(shared::outbox::items(
                &self.table,
                event,
                crate::saga::event_queues(event),
                now,
            )?);
        }
        Ok(items)
    }

    /// A page of the customer's orders, newest first (see shared::paging).
    pub async fn customer_page(
        &self,
        user_id: &str,
        page: &PageRequest,
        cursors: &CursorCodec,
        scope: &str,
    ) -> Result<Page<Order>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :order)")
            .expression_attribute_values(":pk", s(customer_pk(user_id)))
            .expression_attribute_values(":order", s(ENTRY_PREFIX))
            .scan_index_forward(false)
            .consistent_read(true);
        let entries = shared::paging::query_page(query, page, cursors, scope).await?;
        let ids: Vec<String> = entries
            .items
            .iter()
            .map(|e| get_str(e, "orderId").map(str::to_owned))
            .collect::<Result<_, _>>()?;
        let mut found = self.orders(&ids).await?;
        // BatchGetItem answers in any order; the page keeps the entries' order.
        let items = ids
            .iter()
            .filter_map(|id| {
                let at = found.iter().position(|o| &o.id == id)?;
                Some(found.swap_remove(at))
            })
            .collect();
        Ok(Page {
            items,
            next_cursor: entries.next_cursor,
        })
    }

    /// The orders with these ids (consistent reads).
    async fn orders(&self, ids: &[String]) -> Result<Vec<Order>, StoreError> {
        let keys = ids.iter().map(|id| order_key(id)).collect();
        shared::dynamo::batch_get(&self.client, &self.table, keys, true)
            .await?
            .iter()
            .map(order_from_item)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::money::Money;

    #[test]
    fn an_order_survives_its_item_with_and_without_optional_facts() {
        let mut order = Order::placed(
            "01JDQ2Y8Z9K3M4N5P6R7S8T9VW".into(),
            "01JDQ2W0X1Y2Z3A4B5C6D7E8F9".into(),
            "01JDEMA0000000000000000001".into(),
            3,
            "tok_ok".into(),
            "2026-11-24T12:00:00Z".into(),
        );
        order.step = Step::ReserveStock;
        let back = order_item(&order).and_then(|i| order_from_item(&i));
        assert_eq!(back.ok(), Some(order.clone()));
        order.payment_token = None;
        order.total = Money::new(57_000, "KRW").ok();
        order.product_name = Some("프리미엄".into());
        order.payment_id = Some("pay_1".into());
        order.status = OrderStatus::Cancelled;
        order.reason = Some(Reason::CancelledByCustomer);
        order.step = Step::Done;
        order.version = 5;
        let item = order_item(&order).unwrap_or_default();
        assert!(!item.contains_key("paymentToken"));
        assert_eq!(order_from_item(&item).ok(), Some(order));
    }
}
