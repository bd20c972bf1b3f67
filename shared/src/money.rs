//! Money: an integer amount in the currency's minor units and an ISO 4217 code,
//! `{"amount": 19000, "currency": "KRW"}`. Never a float.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// The largest amount accepted anywhere (10^12 minor units): far above any price, far below
/// where `i64` arithmetic on totals could overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Money {
    pub amount: i64,
    pub currency: String,
}

/// Only a JSON object `{"amount", "currency"}` is money (a derived impl would also take the
/// list `[19000, "KRW"]`). Field by field, so a bad amount is reported at `price.amount`.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MoneyVisitor)
    }
}

struct MoneyVisitor;

impl<'de> Visitor<'de> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(r#"money such as {"amount": 19000, "currency": "KRW"}"#)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Money, A::Error> {
        let (mut amount, mut currency) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "amount" => amount = Some(map.next_value::<i64>()?),
                "currency" => currency = Some(map.next_value::<String>()?),
                other => return Err(de::Error::unknown_field(other, &["amount", "currency"])),
            }
        }
        let amount = amount.ok_or_else(|| de::Error::missing_field("amount"))?;
        let currency = currency.ok_or_else(|| de::Error::missing_field("currency"))?;
        Money::new(amount, &currency).map_err(de::Error::custom)
    }
}

impl Money {
    pub fn new(amount: i64, currency: &str) -> Result<Self, String> {
        if !(0..=MAX_AMOUNT).contains(&amount) {
            return Err(format!(
                "amount must be between 0 and {MAX_AMOUNT} minor units"
            ));
        }
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err("currency must be an ISO 4217 code such as KRW".to_owned());
        }
        Ok(Self {
            amount,
            currency: currency.to_owned(),
        })
    }

    /// `quantity` of this price, or `None` past [`MAX_AMOUNT`].
    pub fn times(&self, quantity: u32) -> Option<Money> {
        let amount = self.amount.checked_mul(i64::from(quantity))?;
        Money::new(amount, &self.currency).ok()
    }
}

/// Money for a reader: `19,000 KRW`, `12.50 USD`.
impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // ISO 4217 currencies without minor units that a Korean service is likely to see.
        let whole = matches!(self.currency.as_str(), "KRW" | "JPY" | "VND");
        // Never negative (checked on every way in), so the amount is a u64.
        let amount = self.amount.unsigned_abs();
        if whole {
            write!(f, "{} {}", thousands(amount), self.currency)
        } else {
            let (units, cents) = (amount / 100, amount % 100);
            write!(f, "{}.{cents:02} {}", thousands(units), self.currency)
        }
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_minor_units_and_an_iso_code_only() {
        let ok: Money = serde_json::from_str(r#"{"amount": 19000, "currency": "KRW"}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ok,
            Money::new(19000, "KRW").unwrap_or_else(|e| panic!("{e}"))
        );
        for bad in [
            r#"{"amount": 1.5, "currency": "KRW"}"#,
            r#"{"amount": -1, "currency": "KRW"}"#,
            r#"{"amount": 1, "currency": "krw"}"#,
            r#"{"amount": 1, "currency": "WON!"}"#,
            r#"{"amount": 1}"#,
            r#"{"amount": 1, "currency": "KRW", "extra": 1}"#,
            r#"{"amount": 10000000000000, "currency": "KRW"}"#,
            r#"[19000, "KRW"]"#,
            r#"{"amount": "19000", "currency": "KRW"}"#,
        ] {
            assert!(serde_json::from_str::<Money>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn totals_never_overflow() {
        let price = Money::new(MAX_AMOUNT, "KRW").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(price.times(1), Some(price.clone()));
        assert_eq!(price.times(2), None);
        let small = Money::new(19000, "KRW").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(small.times(3).map(|m| m.amount), Some(57000));
    }

    #[test]
    fn money_reads_in_whole_units_or_with_cents() {
        let text = |amount, currency| {
            Money::new(amount, currency)
                .map(|m| m.to_string())
                .unwrap_or_default()
        };
        assert_eq!(text(19_000, "KRW"), "19,000 KRW");
        assert_eq!(text(1_219_000, "KRW"), "1,219,000 KRW");
        assert_eq!(text(999, "KRW"), "999 KRW");
        assert_eq!(text(0, "KRW"), "0 KRW");
        assert_eq!(text(123_450, "USD"), "1,234.50 USD");
        assert_eq!(text(5, "EUR"), "0.05 EUR");
    }
}
