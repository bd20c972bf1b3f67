//! Types that parse, not validate: an order, its status, step and reason, and the fields of
//! a new order's request. Once a value of these types exists, it is valid.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::money::Money;

/// Where an order stands for its customer: `pending` while the saga runs (or undoes what
/// it did after a refusal), `confirmed` once stock is reserved and payment captured (and
/// while a customer's cancellation is carried out), `cancelled` once undone after stock was
/// reserved, `rejected` when refused before anything was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// The saga is running (or, after a failure, undoing what it did).
    Pending,
    /// Stock reserved and payment captured. Stays so while a customer's cancellation is
    /// being carried out (`step` says which compensation runs, `reason` says why).
    Confirmed,
    /// Undone after stock was reserved: payment declined, or cancelled by the customer.
    Cancelled,
    /// Refused before anything was done: out of stock, or no such product.
    Rejected,
}

/// Why an order was cancelled or rejected, or is being undone: `out_of_stock` and
/// `product_not_found` (rejected), `payment_declined` and `cancelled_by_customer`
/// (cancelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OrderReason)]
pub enum Reason {
    OutOfStock,
    ProductNotFound,
    PaymentDeclined,
    CancelledByCustomer,
}

/// The saga's current step: what the order waits for. Forward steps (`reserve_stock`,
/// `capture_payment`) and compensations (`refund_payment`, `release_stock`) are told apart
/// by name, so the step alone says where the saga is; `done` once the order has settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OrderStep)]
pub enum Step {
    ReserveStock,
    CapturePayment,
    ReleaseStock,
    RefundPayment,
    /// Nothing runs: the order is confirmed, cancelled or rejected.
    Done,
}

macro_rules! names {
    ($t:ty { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(<$t>::$variant => $name),*
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($name => Some(<$t>::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

names!(OrderStatus {
    Pending => "pending",
    Confirmed => "confirmed",
    Cancelled => "cancelled",
    Rejected => "rejected",
});
names!(Reason {
    OutOfStock => "out_of_stock",
    ProductNotFound => "product_not_found",
    PaymentDeclined => "payment_declined",
    CancelledByCustomer => "cancelled_by_customer",
});
names!(Step {
    ReserveStock => "reserve_stock",
    CapturePayment => "capture_payment",
    ReleaseStock => "release_stock",
    RefundPayment => "refund_payment",
    Done => "done",
});

impl OrderStatus {
    /// Confirmed, cancelled and rejected orders have settled; only a confirmed one can still
    /// change (the customer may cancel it).
    pub fn is_settled(self) -> bool {
        self != OrderStatus::Pending
    }
}

pub const QUANTITY_MAX: u32 = 100;
pub const PAYMENT_TOKEN_MAX_CHARS: usize = 100;

/// A product id: an id of the shape we issue (inventory's products are ULIDs too).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ProductId(String);

impl TryFrom<String> for ProductId {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        shared::canonical_id(&raw)
            .map(Self)
            .ok_or_else(|| "is not a valid id".to_owned())
    }
}

/// How many of the product: 1..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Value")]
pub struct Quantity(u32);

impl TryFrom<Value> for Quantity {
    type Error = String;

    /// From any JSON value, so that `"2"`, `2.5` and `-1` all get the same plain message.
    fn try_from(raw: Value) -> Result<Self, Self::Error> {
        raw.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (1..=QUANTITY_MAX).contains(n))
            .map(Self)
            .ok_or_else(|| format!("must be a whole number from 1 to {QUANTITY_MAX}"))
    }
}

impl Quantity {
    pub fn get(self) -> u32 {
        self.0
    }
}

/// The payment provider's one-time token from the client (`tok_ok` in the sandbox), never
/// card data. Kept out of `Debug`, so out of every log line.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct PaymentToken(String);

impl TryFrom<String> for PaymentToken {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let chars = raw.chars().count();
        if chars == 0 || chars > PAYMENT_TOKEN_MAX_CHARS {
            return Err(format!("must be 1 to {PAYMENT_TOKEN_MAX_CHARS} characters"));
        }
        if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("must not contain spaces or control characters".to_owned());
        }
        Ok(Self(raw))
    }
}

impl std::fmt::Debug for PaymentToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PaymentToken(<redacted>)")
    }
}

impl From<ProductId> for String {
    fn from(v: ProductId) -> Self {
        v.0
    }
}

impl From<PaymentToken> for String {
    fn from(v: PaymentToken) -> Self {
        v.0
    }
}

/// An order as stored: what the saga needs and what it learned on the way.
#[derive(Clone, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    /// The customer.
    pub user_id: String,
    pub product_id: String,
    pub quantity: u32,
    /// Kept until the capture command carries it to payments, then dropped.
    pub payment_token: Option<String>,
    /// From `stock_reserved`: the product's price at reservation times the quantity.
    pub total: Option<Money>,
    /// From `stock_reserved` (or `stock_rejected`, when the product exists).
    pub product_name: Option<String>,
    /// From `payment_captured`.
    pub payment_id: Option<String>,
    /// From `stock_reserved`: the program the product sells, if any.
    pub program_id: Option<String>,
    pub status: OrderStatus,
    pub reason: Option<Reason>,
    pub step: Step,
    /// Grows by one with every change: every write is conditional on it.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl std::fmt::Debug for Order {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Order")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("product_id", &self.product_id)
            .field("quantity", &self.quantity)
            .field(
                "payment_token",
                &self.payment_token.as_ref().map(|_| "<redacted>"),
            )
            .field("total", &self.total)
            .field("product_name", &self.product_name)
            .field("payment_id", &self.payment_id)
            .field("program_id", &self.program_id)
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("step", &self.step)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Order {
    /// An order as placed, before the saga starts it: pending, nothing learned yet, at
    /// version 0, created (and last updated) `at`.
    pub fn placed(
        id: String,
        user_id: String,
        product_id: String,
        quantity: u32,
        payment_token: String,
        at: String,
    ) -> Self {
        Self {
            id,
            user_id,
            product_id,
            quantity,
            payment_token: Some(payment_token),
            total: None,
            product_name: None,
            payment_id: None,
            program_id: None,
            status: OrderStatus::Pending,
            reason: None,
            step: Step::Done,
            version: 0,
            created_at: at.clone(),
            updated_at: at,
        }
    }
}

/// An order as its customer sees it (`GET /v1/orders/{id}`, the list, cancel's answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Order)]
pub struct OrderView {
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    /// The product ordered, as sent (it may turn out not to exist: the order is then
    /// rejected with `product_not_found`).
    #[schema(value_type = shared::openapi::Id)]
    pub product_id: String,
    #[schema(minimum = 1, maximum = 100)]
    pub quantity: u32,
    /// The unit price when the stock was reserved times the quantity; `null` until then,
    /// and for a rejected order.
    #[schema(required = true)]
    pub total: Option<Money>,
    pub status: OrderStatus,
    /// Why the order is cancelled or rejected, or being undone; `null` otherwise.
    #[schema(required = true)]
    pub reason: Option<Reason>,
    pub step: Step,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub created_at: String,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub updated_at: String,
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        Self {
            id: o.id.clone(),
            product_id: o.product_id.clone(),
            quantity: o.quantity,
            total: o.total.clone(),
            status: o.status,
            reason: o.reason,
            step: o.step,
            created_at: o.created_at.clone(),
            updated_at: o.updated_at.clone(),
        }
    }
}

/// A page of a list (one shape for every list).
pub use shared::http::Page;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_round_trip_and_match_serde() {
        for s in Step::ALL {
            assert_eq!(Step::parse(s.as_str()), Some(*s));
            assert_eq!(json!(s), json!(s.as_str()));
        }
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(*s));
            assert_eq!(json!(s), json!(s.as_str()));
        }
        for r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()), Some(*r));
            assert_eq!(json!(r), json!(r.as_str()));
        }
        assert_eq!(Step::parse("confirm"), None);
    }

    #[test]
    fn quantities_are_whole_numbers_from_1_to_100() {
        for ok in [json!(1), json!(100)] {
            assert!(serde_json::from_value::<Quantity>(ok).is_ok());
        }
        for bad in [
            json!(0),
            json!(101),
            json!(-1),
            json!(2.5),
            json!("2"),
            json!(null),
            json!([1]),
            json!(u64::MAX),
        ] {
            let e = serde_json::from_value::<Quantity>(bad.clone()).err();
            assert!(
                e.is_some_and(|e| e.to_string().contains("from 1 to 100")),
                "{bad}"
            );
        }
    }

    #[test]
    fn payment_tokens_are_1_to_100_characters_without_spaces() {
        assert!(PaymentToken::try_from("tok_ok".to_owned()).is_ok());
        assert!(PaymentToken::try_from("t".repeat(100)).is_ok());
        for bad in [
            String::new(),
            "t".repeat(101),
            "tok ok".into(),
            "tok\n".into(),
        ] {
            assert!(PaymentToken::try_from(bad.clone()).is_err(), "{bad:?}");
        }
        let token =
            PaymentToken::try_from("tok_secret".to_owned()).unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{token:?}").contains("tok_secret"));
    }

    #[test]
    fn product_ids_are_ids() {
        assert!(ProductId::try_from("01JDEMA0000000000000000001".to_owned()).is_ok());
        assert!(ProductId::try_from("../products".to_owned()).is_err());
    }
}
