//! The inventory table: every item this domain keeps, and nothing else.
//!
//! | pk               | sk              | what                                                     |
//! |------------------|-----------------|----------------------------------------------------------|
//! | `CATALOG`        | `PRODUCT#<id>`  | a product: name, price, `available` units                |
//! | `ORDER#<id>`     | `RESERVATION`   | what the stock step did for one order (at most one each) |
//! | `OUTBOX#<event>` | `<queue>`       | replies waiting for the relay (see shared::outbox)       |
//!
//! Products share one partition so the catalogue is one consistent, paged query with no
//! index to keep in step. Their writes are the stock changes; DynamoDB spreads a busy item
//! collection over partitions by sort key (the table has no local index, which would stop
//! that), so the ceiling is one item's write rate, as it would be for any layout.
//!
//! `available` only changes inside a transaction that also writes the order's reservation
//! record and the reply to the orchestrator, each guarded by a condition: a reservation
//! takes units only while `available >= quantity` and only if the order has no record yet;
//! a release gives them back only while the record says `reserved`. So no interleaving of
//! repeated, concurrent or reordered commands can oversell or give back twice.
//!
//! Each of those transactions carries its reply: the store is handed the reply's envelope
//! and queues it (see shared::outbox) for the orders queue with the change it answers.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use shared::clock::rfc3339;
use shared::cursor::CursorCodec;
use shared::dynamo::{Item, get_i64, get_opt_str, get_str, n, s};
use shared::events::{Envelope, queues};
use shared::money::Money;
use shared::paging::PageRequest;
use shared::saga::MessageType;
use shared::store::StoreError;
use shared::transaction::{Tx, TxError};
use time::OffsetDateTime;

use crate::model::{Page, Product, ReservationState};

const CATALOG: &str = "CATALOG";
const PRODUCT_PREFIX: &str = "PRODUCT#";
const RESERVATION_SK: &str = "RESERVATION";

#[derive(Debug, Clone)]
pub struct Store {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

/// An order's reservation record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub order_id: String,
    pub state: ReservationState,
    /// Absent on a tombstone (released before anything was reserved).
    pub product_id: Option<String>,
    /// Units taken (0 for a rejection or a tombstone).
    pub quantity: i64,
}

/// The order whose reservation a write records, and when.
#[derive(Debug, Clone, Copy)]
pub struct ForOrder<'a> {
    pub order_id: &'a str,
    /// The customer, as in the command's envelope.
    pub user_id: &'a str,
    pub now: OffsetDateTime,
}

/// What a guarded write (a stock change, the order's record and its reply) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// All of it happened, the reply is queued.
    Done,
    /// Nothing happened: the product's units or the order's record are no longer what the
    /// decision was made on (or other transactions kept getting there first). Read again
    /// and decide again.
    Stale,
}

fn product_key(id: &str) -> Item {
    shared::dynamo::key(CATALOG, format!("{PRODUCT_PREFIX}{id}"))
}

fn reservation_key(order_id: &str) -> Item {
    shared::dynamo::key(format!("ORDER#{order_id}"), RESERVATION_SK)
}

/// The product's key and, when it sells one, its program.
fn program_item(product: &Product) -> Item {
    let mut item = product_key(&product.id);
    if let Some(program) = &product.program_id {
        item.insert("programId".to_owned(), s(program));
    }
    item
}

fn product_from_item(item: &Item) -> Result<Product, StoreError> {
    let price = Money::new(
        get_i64(item, "priceAmount")?,
        get_str(item, "priceCurrency")?,
    )
    .map_err(|e| StoreError::Corrupt(format!("stored price is not valid: {e}")))?;
    Ok(Product {
        id: get_str(item, "id")?.to_owned(),
        name: get_str(item, "name")?.to_owned(),
        price,
        available: get_i64(item, "available")?,
        program_id: get_opt_str(item, "programId").map(str::to_owned),
    })
}

fn reservation_from_item(item: &Item) -> Result<Reservation, StoreError> {
    let state = get_str(item, "state")?;
    Ok(Reservation {
        order_id: get_str(item, "orderId")?.to_owned(),
        state: ReservationState::parse(state)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown reservation state {state}")))?,
        product_id: get_opt_str(item, "productId").map(str::to_owned),
        quantity: get_i64(item, "quantity")?,
    })
}

fn transact_update(update: Update) -> TransactWriteItem {
    TransactWriteItem::builder().update(update).build()
}

impl shared::app::TableStore for Store {
    const TABLE_ENV: &'static str = "INVENTORY_TABLE";

    fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self { client, table }
    }
}

impl Store {
    /// The order's reservation record forgets its customer (`forget_customer`). `false` if
    /// the order has no record.
    pub async fn forget_customer(&self, order_id: &str) -> Result<bool, StoreError> {
        shared::erasure::forget_customer(&self.client, &self.table, reservation_key(order_id)).await
    }

    // ------------------------------------------------------------ products

    /// Creates `product` unless a product with its id exists; `false` then (nothing changed).
    pub async fn create_product(&self, product: &Product, now: &str) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(program_item(product)))
            .item("id", s(&product.id))
            .item("name", s(&product.name))
            .item("priceAmount", n(product.price.amount))
            .item("priceCurrency", s(&product.price.currency))
            .item("available", n(product.available))
            .item("createdAt", s(now))
            .item("updatedAt", s(now))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        shared::dynamo::written(result)
    }

    /// The product (consistent read).
    pub async fn product(&self, id: &str) -> Result<Option<Product>, StoreError> {
        shared::dynamo::get_item(&self.client, &self.table, product_key(id))
            .await?
            .as_ref()
            .map(product_from_item)
            .transpose()
    }

    /// A page of the catalogue, in the order products were created (see shared::paging).
    pub async fn products_page(
        &self,
        page: &PageRequest,
        cursors: &CursorCodec,
        scope: &str,
    ) -> Result<Page<Product>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :catalog AND begins_with(sk, :product)")
            .expression_attribute_values(":catalog", s(CATALOG))
            .expression_attribute_values(":product", s(PRODUCT_PREFIX))
            .consistent_read(true);
        shared::paging::query_page(query, page, cursors, scope)
            .await?
            .parse(product_from_item)
    }

    // ------------------------------------------------------------ reservations

    /// The order's reservation record (consistent read).
    pub async fn reservation(&self, order_id: &str) -> Result<Option<Reservation>, StoreError> {
        shared::dynamo::get_item(&self.client, &self.table, reservation_key(order_id))
            .await?
            .as_ref()
            .map(reservation_from_item)
            .transpose()
    }

    /// A new reservation record for the order, as a transaction item that fails if the
    /// order already has one.
    fn new_record(
        &self,
        order: ForOrder<'_>,
        state: ReservationState,
        product_id: Option<&str>,
        quantity: i64,
        reason: Option<&str>,
    ) -> Result<TransactWriteItem, StoreError> {
        let now = rfc3339(order.now);
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(reservation_key(order.order_id)))
            .item("orderId", s(order.order_id))
            .item("userId", s(order.user_id))
            .item("state", s(state.as_str()))
            .item("quantity", n(quantity))
            .item("createdAt", s(&now))
            .item("updatedAt", s(now))
            .condition_expression("attribute_not_exists(pk)");
        if let Some(id) = product_id {
            put = put.item("productId", s(id));
        }
        if let Some(reason) = reason {
            put = put.item("reason", s(reason));
        }
        let put = put.build().map_err(StoreError::corrupt)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Moves the order's record from `from` to released, as a transaction item.
    fn mark_released(
        &self,
        order: ForOrder<'_>,
        from: ReservationState,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(reservation_key(order.order_id)))
            .update_expression("SET #state = :released, updatedAt = :now")
            .condition_expression("#state = :from")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":released", s(ReservationState::Released.as_str()))
            .expression_attribute_values(":from", s(from.as_str()))
            .expression_attribute_values(":now", s(rfc3339(order.now)))
            .build()
            .map_err(StoreError::corrupt)?;
        Ok(transact_update(update))
    }

    /// Adds `delta` units to the product's `available`, as a transaction item; a negative
    /// delta only while that many are available.
    fn change_available(
        &self,
        product_id: &str,
        delta: i64,
        now: OffsetDateTime,
    ) -> Result<TransactWriteItem, StoreError> {
        let condition = if delta < 0 {
            "attribute_exists(pk) AND available >= :needed"
        } else {
            "attribute_exists(pk)"
        };
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(product_key(product_id)))
            .update_expression("SET available = available + :delta, updatedAt = :now")
            .condition_expression(condition)
            .expression_attribute_values(":delta", n(delta))
            .expression_attribute_values(":now", s(rfc3339(now)));
        if delta < 0 {
            update = update.expression_attribute_values(":needed", n(-delta));
        }
        Ok(transact_update(
            update.build().map_err(StoreError::corrupt)?,
        ))
    }

    /// Takes `quantity` units of the product for the order, with `reply`, in one
    /// transaction: only while they are available and the order has no record yet.
    pub async fn reserve(
        &self,
        order: ForOrder<'_>,
        product_id: &str,
        quantity: i64,
        reply: &Envelope<MessageType>,
    ) -> Result<Written, StoreError> {
        let mut tx = Tx::new();
        tx.push(
            "stock",
            self.change_available(product_id, -quantity, order.now)?,
        )
        .push(
            "record",
            self.new_record(
                order,
                ReservationState::Reserved,
                Some(product_id),
                quantity,
                None,
            )?,
        );
        self.guarded(tx, order, reply).await
    }

    /// Records that the order's reservation was refused (`reason`), with `reply`: only if
    /// the order has no record yet.
    pub async fn reject(
        &self,
        order: ForOrder<'_>,
        product_id: &str,
        reason: &str,
        reply: &Envelope<MessageType>,
    ) -> Result<Written, StoreError> {
        self.record_only(
            self.new_record(
                order,
                ReservationState::Rejected,
                Some(product_id),
                0,
                Some(reason),
            )?,
            order,
            reply,
        )
        .await
    }

    /// Gives the order's reserved units back, with `reply`: only while its record says
    /// reserved, so they are given back once.
    pub async fn give_back(
        &self,
        order: ForOrder<'_>,
        reservation: &Reservation,
        reply: &Envelope<MessageType>,
    ) -> Result<Written, StoreError> {
        let product_id = reservation.product_id.as_deref().ok_or_else(|| {
            StoreError::Corrupt(format!(
                "reservation of order {} names no product",
                reservation.order_id
            ))
        })?;
        let mut tx = Tx::new();
        tx.push(
            "record",
            self.mark_released(order, ReservationState::Reserved)?,
        )
        .push(
            "stock",
            self.change_available(product_id, reservation.quantity, order.now)?,
        );
        self.guarded(tx, order, reply).await
    }

    /// Marks a refused reservation released (nothing to give back), with `reply`.
    pub async fn close_rejected(
        &self,
        order: ForOrder<'_>,
        reply: &Envelope<MessageType>,
    ) -> Result<Written, StoreError> {
        self.record_only(
            self.mark_released(order, ReservationState::Rejected)?,
            order,
            reply,
        )
        .await
    }

    /// Records a released tombstone for an order that has no record, with `reply`; a
    /// `reserve_stock` arriving after it finds the order handled and takes nothing.
    pub async fn tombstone(
        &self,
        order: ForOrder<'_>,
        reply: &Envelope<MessageType>,
    ) -> Result<Written, StoreError> {
        self.record_only(
            self.new_record(order, ReservationState::Released, None, 0, None)?,
            order,
            reply,
        )
        .await
    }

    /// [`Self::guarded`] for a change of the order's record alone.
    async fn record_only(
        &self,
        record: TransactWriteItem,
        order: ForOrder<'_>,
        reply: &Envelope<MessageType>,
    ) -> Result<Written, StoreError> {
        let mut tx = Tx::new();
        tx.push("record", record);
        self.guarded(tx, order, reply).await
    }

    /// Runs `tx` with `reply` queued for the orchestrator, in one transaction whose
    /// conditions hold what the caller read.
    async fn guarded(
        &self,
        mut tx: Tx,
        order: ForOrder<'_>,
        reply: &Envelope<MessageType>,
    ) -> Result<Written, StoreError> {
        tx.extend(
            "reply",
            shared::outbox::items(&self.table, reply, &[queues::ORDERS], order.now)?,
        );
        match tx.write(&self.client).await {
            Ok(()) => Ok(Written::Done),
            // Whichever condition failed (the "stock" or the "record"), or only conflicts
            // that outlasted the retries: reading again tells what happened.
            Err(TxError::Cancelled(_)) => Ok(Written::Stale),
            Err(TxError::Store(e)) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::dynamo::{PK, SK};

    #[test]
    fn products_share_the_catalogue_partition_and_orders_have_their_own() {
        let p = product_key("01JDEMP0000000000000000001");
        assert_eq!(p.get(PK), Some(&s(CATALOG)));
        assert_eq!(p.get(SK), Some(&s("PRODUCT#01JDEMP0000000000000000001")));
        let r = reservation_key("01JDQ2W0X1Y2Z3A4B5C6D7E8F9");
        assert_eq!(r.get(PK), Some(&s("ORDER#01JDQ2W0X1Y2Z3A4B5C6D7E8F9")));
        assert_eq!(r.get(SK), Some(&s(RESERVATION_SK)));
    }
}
