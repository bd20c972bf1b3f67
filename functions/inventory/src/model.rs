//! Types that parse, not validate: once a value of these types exists, it is valid.

use serde::{Deserialize, Serialize};
use shared::money::Money;
use shared::text::Text;

/// A product's name: 1..=100 characters after trimming.
pub type ProductName = Text<1, 100>;

pub const MAX_STOCK: i64 = 1_000_000;

/// The stock a product is created with: a whole number in 0..=1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Stock(i64);

impl TryFrom<i64> for Stock {
    type Error = String;

    fn try_from(raw: i64) -> Result<Self, Self::Error> {
        if (0..=MAX_STOCK).contains(&raw) {
            Ok(Self(raw))
        } else {
            Err(format!("must be a whole number from 0 to {MAX_STOCK}"))
        }
    }
}

impl From<Stock> for i64 {
    fn from(s: Stock) -> Self {
        s.0
    }
}

// The contract's schema of `Stock`: the same rule as its `TryFrom`.
impl utoipa::PartialSchema for Stock {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(0))
            .maximum(Some(MAX_STOCK))
            .description(Some("Units in stock: a whole number from 0 to 1,000,000."))
            .into()
    }
}
impl utoipa::ToSchema for Stock {
    fn name() -> std::borrow::Cow<'static, str> {
        "ProductStock".into()
    }
}

/// A product as clients see it. `available` is what can still be reserved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    /// As created, without leading and trailing white space.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The price of one unit.
    pub price: Money,
    /// Units that can still be reserved: the stock it was created with, less what orders
    /// hold.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub available: i64,
    /// The program the product sells (its buyers are enrolled in it); `null` for none.
    #[schema(value_type = Option<shared::openapi::Id>, required = true)]
    pub program_id: Option<String>,
}

/// A page of a list (one shape for every list).
pub use shared::http::Page;

/// Where an order's reservation stands. One record per order, whatever happened, so a
/// repeated command finds what was done and answers the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservationState {
    /// Units taken from the product; they go back on release.
    Reserved,
    /// Refused (out of stock, unknown product): nothing was taken.
    Rejected,
    /// Given back, or released before anything was reserved (a tombstone): final.
    Released,
}

impl ReservationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationState::Reserved => "reserved",
            ReservationState::Rejected => "rejected",
            ReservationState::Released => "released",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reserved" => Some(ReservationState::Reserved),
            "rejected" => Some(ReservationState::Rejected),
            "released" => Some(ReservationState::Released),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_is_zero_to_a_million() {
        for ok in [0, 1, MAX_STOCK] {
            assert!(Stock::try_from(ok).is_ok(), "{ok}");
        }
        for bad in [-1, MAX_STOCK + 1, i64::MAX] {
            assert!(Stock::try_from(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Stock>("1.5").is_err());
        assert!(serde_json::from_str::<Stock>("\"5\"").is_err());
    }

    #[test]
    fn reservation_states_round_trip() {
        for state in [
            ReservationState::Reserved,
            ReservationState::Rejected,
            ReservationState::Released,
        ] {
            assert_eq!(ReservationState::parse(state.as_str()), Some(state));
        }
        assert_eq!(ReservationState::parse("RESERVED"), None);
    }
}
