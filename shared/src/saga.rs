//! The order saga's messages: the commands the orders orchestrator sends to the inventory
//! and payments step handlers, and their replies. One definition, so the three domains
//! cannot drift apart. Each travels in the usual [`Envelope`](crate::events::Envelope)
//! (`{id, type, occurredAt, userId, correlationId, data}`; `userId` is the customer) through
//! the sending domain's outbox; a reply keeps its command's `correlationId`.
//!
//! Every step is keyed by the order: a step handler does its work at most once per
//! `orderId` (a reservation, a charge, a refund, a release), so a redelivered or repeated
//! command never reserves or charges twice; it answers with the reply of what it did.

use serde::{Deserialize, Serialize};

use crate::events::MessageKind;
use crate::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    /// orders → inventory: [`ReserveStock`]
    ReserveStock,
    /// orders → inventory: [`OrderRef`] (compensation of `reserve_stock`)
    ReleaseStock,
    /// orders → payments: [`CapturePayment`]
    CapturePayment,
    /// orders → payments: [`OrderRef`] (compensation of `capture_payment`)
    RefundPayment,
    /// inventory → orders: [`StockReserved`]
    StockReserved,
    /// inventory → orders: [`StockRejected`]
    StockRejected,
    /// inventory → orders: [`OrderRef`]
    StockReleased,
    /// payments → orders: [`PaymentCaptured`]
    PaymentCaptured,
    /// payments → orders: [`PaymentDeclined`]
    PaymentDeclined,
    /// payments → orders: [`PaymentRefunded`]
    PaymentRefunded,
    /// orders → inventory and payments: [`OrderRef`]. The order's customer deleted their
    /// account: the step's record of the order keeps what accounting needs and forgets
    /// who it was for ([`crate::erasure::ERASED_CUSTOMER`]).
    ForgetCustomer,
}

impl MessageKind for MessageType {
    fn as_str(self) -> &'static str {
        MessageType::as_str(self)
    }
}

impl MessageType {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::ReserveStock => "reserve_stock",
            MessageType::ReleaseStock => "release_stock",
            MessageType::CapturePayment => "capture_payment",
            MessageType::RefundPayment => "refund_payment",
            MessageType::StockReserved => "stock_reserved",
            MessageType::StockRejected => "stock_rejected",
            MessageType::StockReleased => "stock_released",
            MessageType::PaymentCaptured => "payment_captured",
            MessageType::PaymentDeclined => "payment_declined",
            MessageType::PaymentRefunded => "payment_refunded",
            MessageType::ForgetCustomer => "forget_customer",
        }
    }
}

/// `release_stock`, `refund_payment`, `stock_released`: the order is all they need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRef {
    pub order_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReserveStock {
    pub order_id: String,
    pub product_id: String,
    pub quantity: u32,
}

/// The price is the product's at reservation time; the order's total comes from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockReserved {
    pub order_id: String,
    pub product_name: String,
    pub unit_price: Money,
    pub total: Money,
    /// The program the product sells, if it sells one: the order carries it to learning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockRejection {
    OutOfStock,
    ProductNotFound,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockRejected {
    pub order_id: String,
    pub reason: StockRejection,
    /// Absent when the product does not exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
}

/// The payment token is the provider's one-time token from the client (`tok_ok` in the
/// sandbox), never card data; it is still never logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapturePayment {
    pub order_id: String,
    pub amount: Money,
    pub payment_token: String,
}

impl std::fmt::Debug for CapturePayment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CapturePayment")
            .field("order_id", &self.order_id)
            .field("amount", &self.amount)
            .field("payment_token", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentCaptured {
    pub order_id: String,
    pub payment_id: String,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentDeclined {
    pub order_id: String,
    /// The provider's decline code, e.g. `card_declined`; the order's reason is
    /// `payment_declined` whatever it says.
    pub decline_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRefunded {
    pub order_id: String,
    pub refund_id: String,
    pub amount: Money,
}

/// A message a saga step cannot act on (malformed, an unexpected type): logged as an error
/// and counted under `metric`; the step acknowledges it, as retrying cannot help.
pub fn ignored(message: &str, message_type: &str, why: &str, metric: &str) {
    tracing::error!(
        message,
        messageType = message_type,
        why,
        "message ignored and acknowledged"
    );
    crate::telemetry::count(metric);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::events::Envelope;
    use time::macros::datetime;

    #[test]
    fn messages_travel_in_the_usual_envelope() {
        let clock = FixedClock::at(datetime!(2026-11-24 12:00 UTC));
        let data = serde_json::json!({"orderId": "o1", "productId": "p1", "quantity": 2});
        let env = Envelope::new(MessageType::ReserveStock, "u1", data, &clock);
        let text = serde_json::to_string(&env).unwrap_or_default();
        assert!(text.contains(r#""type":"reserve_stock""#), "{text}");
        let back: Envelope<MessageType> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let reserve: ReserveStock =
            serde_json::from_value(back.data).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reserve.quantity, 2);
        // A notification event is not a saga message, and the other way round.
        assert!(serde_json::from_str::<Envelope>(&text).is_err());
    }

    #[test]
    fn the_payment_token_never_reaches_a_log_line() {
        let capture = CapturePayment {
            order_id: "o1".into(),
            amount: Money::new(100, "KRW").unwrap_or_else(|e| panic!("{e}")),
            payment_token: "tok_secret".into(),
        };
        assert!(!format!("{capture:?}").contains("tok_secret"));
    }
}
