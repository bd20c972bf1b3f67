//! The stock step's decisions, as plain functions over plain data: what `reserve_stock` and
//! `release_stock` do given what the table holds. The I/O around them is in
//! [`crate::stock_step`]; every write there is conditional on exactly what was read here,
//! so a decision made on a value that changed meanwhile is never applied.

use shared::money::Money;
use shared::saga::StockRejection;

use crate::model::{Product, ReservationState};

/// What a `reserve_stock` for an order not yet handled does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserve {
    /// Take `quantity` units (on the condition that they are still available).
    Take {
        product_name: String,
        unit_price: Money,
        total: Money,
    },
    Reject(StockRejection),
}

/// Reserve `quantity` of `product` (`None`: no such product).
pub fn reserve(product: Option<&Product>, quantity: u32) -> Reserve {
    let Some(product) = product else {
        return Reserve::Reject(StockRejection::ProductNotFound);
    };
    if product.available < i64::from(quantity) {
        return Reserve::Reject(StockRejection::OutOfStock);
    }
    match product.price.times(quantity) {
        Some(total) => Reserve::Take {
            product_name: product.name.clone(),
            unit_price: product.price.clone(),
            total,
        },
        // No order can pay more than the largest amount: refused like a quantity beyond
        // the stock, so the order still ends (rejected) instead of waiting forever.
        None => Reserve::Reject(StockRejection::OutOfStock),
    }
}

/// What a `release_stock` does, given the order's reservation record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Nothing was ever recorded for the order: record a released tombstone (so a late
    /// `reserve_stock` takes nothing) and reply `stock_released`.
    Tombstone,
    /// Give the reserved units back and reply `stock_released`.
    GiveBack,
    /// The reservation was refused, so nothing was taken: mark it released and reply.
    CloseRejected,
    /// Already released: the reply is already in the outbox; nothing to do.
    AlreadyReleased,
}

pub fn release(state: Option<ReservationState>) -> Release {
    match state {
        None => Release::Tombstone,
        Some(ReservationState::Reserved) => Release::GiveBack,
        Some(ReservationState::Rejected) => Release::CloseRejected,
        Some(ReservationState::Released) => Release::AlreadyReleased,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use shared::money::MAX_AMOUNT;

    fn krw(amount: i64) -> Money {
        Money::new(amount, "KRW").unwrap_or_else(|e| panic!("{e}"))
    }

    fn product(available: i64, price: i64) -> Product {
        Product {
            id: "01JDEMP0000000000000000001".into(),
            name: "Premium fractions".into(),
            price: krw(price),
            available,
            program_id: None,
        }
    }

    #[test]
    fn the_last_unit_can_be_reserved_and_no_more() {
        assert_eq!(
            reserve(Some(&product(1, 19_000)), 1),
            Reserve::Take {
                product_name: "Premium fractions".into(),
                unit_price: krw(19_000),
                total: krw(19_000)
            }
        );
        assert_eq!(
            reserve(Some(&product(1, 19_000)), 2),
            Reserve::Reject(StockRejection::OutOfStock)
        );
        assert_eq!(
            reserve(Some(&product(0, 19_000)), 1),
            Reserve::Reject(StockRejection::OutOfStock)
        );
    }

    #[test]
    fn the_total_is_the_unit_price_times_the_quantity() {
        assert_eq!(
            reserve(Some(&product(10, 19_000)), 3),
            Reserve::Take {
                product_name: "Premium fractions".into(),
                unit_price: krw(19_000),
                total: krw(57_000)
            }
        );
    }

    #[test]
    fn an_unknown_product_is_rejected_as_not_found() {
        assert_eq!(
            reserve(None, 1),
            Reserve::Reject(StockRejection::ProductNotFound)
        );
    }

    #[test]
    fn a_total_beyond_the_largest_amount_is_refused() {
        assert_eq!(
            reserve(Some(&product(10, MAX_AMOUNT)), 2),
            Reserve::Reject(StockRejection::OutOfStock)
        );
    }

    #[test]
    fn release_gives_back_only_what_was_reserved_and_only_once() {
        assert_eq!(release(None), Release::Tombstone);
        assert_eq!(release(Some(ReservationState::Reserved)), Release::GiveBack);
        assert_eq!(
            release(Some(ReservationState::Rejected)),
            Release::CloseRejected
        );
        assert_eq!(
            release(Some(ReservationState::Released)),
            Release::AlreadyReleased
        );
    }

    proptest! {
        #[test]
        fn a_reservation_never_takes_more_than_is_available(
            available in 0i64..1_000,
            quantity in 1u32..200,
            price in 0i64..1_000_000,
        ) {
            match reserve(Some(&product(available, price)), quantity) {
                Reserve::Take { total, .. } => {
                    prop_assert!(i64::from(quantity) <= available);
                    prop_assert_eq!(total.amount, price * i64::from(quantity));
                }
                Reserve::Reject(reason) => {
                    prop_assert_eq!(reason, StockRejection::OutOfStock);
                    prop_assert!(i64::from(quantity) > available);
                }
            }
        }
    }
}
