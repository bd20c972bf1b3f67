//! The payments table: every item this domain keeps, and nothing else.
//!
//! | pk                 | sk          | what                                                        |
//! |--------------------|-------------|-------------------------------------------------------------|
//! | `PAYMENT#<order>`  | `PAYMENT`   | the order's payment (at most one): state, amount, ids        |
//! | `SANDBOX#<key>`    | `SANDBOX`   | the sandbox provider's record of a charge or refund          |
//! | `SANDBOX#<key>`    | `TRANSIENT` | the sandbox's memory that `tok_error` failed once for `key`  |
//! | `OUTBOX#<event>`   | `<queue>`   | replies waiting for the relay (see shared::outbox)           |
//!
//! A payment item holds `orderId`, `userId`, `state` (see [`PaymentState`]), `amount` (N,
//! minor units) and `currency`, `createdAt`, `updatedAt`, and once known `chargeId`,
//! `declineCode`, `refundId`. It is created only if absent and every change of `state` is
//! conditional on the state it moves from ([`PaymentState::can_become`]); a settling change
//! is one transaction with its reply in the outbox, so each reply is queued exactly once.
//! Payments never expire (no `expiresAt`): they are the record of money moved.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use shared::dynamo::{Item, get_i64, get_opt_str, get_str, is_condition_failed, n, s};
use shared::events::{Envelope, queues};
use shared::money::Money;
use shared::saga::MessageType;
use shared::store::StoreError;
use shared::transaction::{Tx, TxError};
use time::OffsetDateTime;

use crate::model::{Payment, PaymentState};

const PAYMENT_PREFIX: &str = "PAYMENT#";
const PAYMENT_SK: &str = "PAYMENT";

#[derive(Debug, Clone)]
pub struct Store {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl shared::app::TableStore for Store {
    const TABLE_ENV: &'static str = "PAYMENTS_TABLE";

    fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        Store::new(client, table)
    }
}

/// What a guarded write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Done,
    /// The state was no longer the one decided on (another delivery got there first):
    /// read again and decide again.
    Stale,
}

/// A change of a payment's state, with the attributes it settles.
#[derive(Debug, Clone, Copy)]
pub struct Transition<'a> {
    pub order_id: &'a str,
    pub from: PaymentState,
    pub to: PaymentState,
    pub now: &'a str,
    /// `(attribute, value)` pairs set with the new state (`chargeId`, `declineCode`,
    /// `refundId`).
    pub set: &'a [(&'a str, &'a str)],
}

fn payment_key(order_id: &str) -> Item {
    shared::dynamo::key(format!("{PAYMENT_PREFIX}{order_id}"), PAYMENT_SK)
}

fn payment_from_item(item: &Item) -> Result<Payment, StoreError> {
    let state = get_str(item, "state")?;
    Ok(Payment {
        order_id: get_str(item, "orderId")?.to_owned(),
        user_id: get_str(item, "userId")?.to_owned(),
        state: PaymentState::parse(state)
            .ok_or_else(|| StoreError::Corrupt(format!("stored payment state {state:?}")))?,
        amount: Money::new(get_i64(item, "amount")?, get_str(item, "currency")?)
            .map_err(StoreError::corrupt)?,
        charge_id: get_opt_str(item, "chargeId").map(str::to_owned),
        decline_code: get_opt_str(item, "declineCode").map(str::to_owned),
        refund_id: get_opt_str(item, "refundId").map(str::to_owned),
        created_at: get_str(item, "createdAt")?.to_owned(),
        updated_at: get_str(item, "updatedAt")?.to_owned(),
    })
}

impl Store {
    /// The order's payment forgets its customer (`forget_customer`): amount, ids and dates
    /// stay for accounting. `false` if the order has no payment.
    pub async fn forget_customer(&self, order_id: &str) -> Result<bool, StoreError> {
        shared::erasure::forget_customer(&self.client, &self.table, payment_key(order_id)).await
    }

    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// The order's payment, read consistently.
    pub async fn payment(&self, order_id: &str) -> Result<Option<Payment>, StoreError> {
        shared::dynamo::get_item(&self.client, &self.table, payment_key(order_id))
            .await?
            .map(|item| payment_from_item(&item))
            .transpose()
    }

    /// Records a new payment (`capturing`) unless the order has one.
    pub async fn start_capture(&self, payment: &Payment) -> Result<Written, StoreError> {
        if payment.state != PaymentState::Capturing {
            return Err(StoreError::Corrupt(
                "a payment starts as capturing".to_owned(),
            ));
        }
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(payment_key(&payment.order_id)))
            .item("orderId", s(&payment.order_id))
            .item("userId", s(&payment.user_id))
            .item("state", s(payment.state.as_str()))
            .item("amount", n(payment.amount.amount))
            .item("currency", s(&payment.amount.currency))
            .item("createdAt", s(&payment.created_at))
            .item("updatedAt", s(&payment.updated_at))
            .condition_expression("attribute_not_exists(pk)");
        match put.send().await {
            Ok(_) => Ok(Written::Done),
            Err(e) if is_condition_failed(&e) => Ok(Written::Stale),
            Err(e) => Err(e.into()),
        }
    }

    /// Moves a payment along a transition the state machine allows, on its own (no reply).
    pub async fn transition(&self, change: Transition<'_>) -> Result<Written, StoreError> {
        let mut tx = Tx::new();
        tx.push("payment", self.transition_item(change)?);
        self.write(tx).await
    }

    /// Moves a payment and queues `reply` to the orchestrator, in one transaction.
    pub async fn settle(
        &self,
        change: Transition<'_>,
        reply: &Envelope<MessageType>,
        now: OffsetDateTime,
    ) -> Result<Written, StoreError> {
        let mut tx = Tx::new();
        tx.push("payment", self.transition_item(change)?).extend(
            "reply",
            shared::outbox::items(&self.table, reply, &[queues::ORDERS], now)?,
        );
        self.write(tx).await
    }

    fn transition_item(&self, change: Transition<'_>) -> Result<TransactWriteItem, StoreError> {
        if !change.from.can_become(change.to) {
            return Err(StoreError::Corrupt(format!(
                "a payment cannot go from {} to {}",
                change.from.as_str(),
                change.to.as_str()
            )));
        }
        let mut expression = "SET #state = :to, updatedAt = :now".to_owned();
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(payment_key(change.order_id)))
            .condition_expression("#state = :from")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":from", s(change.from.as_str()))
            .expression_attribute_values(":to", s(change.to.as_str()))
            .expression_attribute_values(":now", s(change.now));
        for (i, (name, value)) in change.set.iter().enumerate() {
            expression.push_str(&format!(", #a{i} = :v{i}"));
            update = update
                .expression_attribute_names(format!("#a{i}"), *name)
                .expression_attribute_values(format!(":v{i}"), s(*value));
        }
        let update = update
            .update_expression(expression)
            .build()
            .map_err(StoreError::corrupt)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    async fn write(&self, tx: Tx) -> Result<Written, StoreError> {
        match tx.write(&self.client).await {
            Ok(()) => Ok(Written::Done),
            // The payment's state moved on, or the transaction kept losing races with
            // others touching it: either way the caller reads it again.
            Err(TxError::Cancelled(c)) if c.failed("payment") || c.failed_names().is_empty() => {
                Ok(Written::Stale)
            }
            Err(e) => Err(e.into()),
        }
    }
}
