//! The demo catalogue `make dev` seeds: a few premium programs with KRW prices and stock.
//! Ids are fixed and each product is created only if absent, so running it again changes
//! nothing (and never resets the stock that orders have taken since).

use serde::Serialize;
use shared::clock::rfc3339;
use shared::money::Money;
use shared::store::StoreError;

use crate::App;
use crate::model::Product;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seeded {
    pub products: usize,
    pub created: usize,
}

/// The program the first demo product sells: learning's demo program, whose premium
/// modules its buyers may train (`learning::seed::DEMO_PROGRAM`).
pub const DEMO_PROGRAM: &str = "01JDEMR0000000000000000001";

/// `(id, name, price in KRW, stock)`.
const DEMO: [(&str, &str, i64, i64); 3] = [
    (
        "01JDEMP0000000000000000001",
        "Fractions mastery · 4-week premium program",
        19_000,
        100,
    ),
    (
        "01JDEMP0000000000000000002",
        "Equations bootcamp with a personal tutor",
        49_000,
        20,
    ),
    (
        "01JDEMP0000000000000000003",
        "Geometry live class · limited seats",
        29_000,
        3,
    ),
];

/// The demo products; an invalid one (a bug in [`DEMO`]) cannot be stored.
pub fn demo_products() -> Result<Vec<Product>, StoreError> {
    DEMO.iter()
        .map(|&(id, name, price, stock)| {
            Ok(Product {
                id: id.to_owned(),
                name: name.to_owned(),
                price: Money::new(price, "KRW")
                    .map_err(|e| StoreError::Corrupt(format!("demo product {id}: {e}")))?,
                available: stock,
                program_id: (id == DEMO[0].0).then(|| DEMO_PROGRAM.to_owned()),
            })
        })
        .collect()
}

pub async fn seed_catalogue(app: &App) -> Result<Seeded, StoreError> {
    let products = demo_products()?;
    let now = rfc3339(app.clock.now());
    let mut created = 0;
    for product in &products {
        if app.store.create_product(product, &now).await? {
            created += 1;
        }
    }
    Ok(Seeded {
        products: products.len(),
        created,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MAX_STOCK, ProductName};

    #[test]
    fn the_demo_products_are_valid_products() {
        let products = demo_products().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(products.len(), 3);
        for p in &products {
            assert!(shared::is_id(&p.id), "{}", p.id);
            assert!(ProductName::try_from(p.name.clone()).is_ok(), "{}", p.name);
            assert!((0..=MAX_STOCK).contains(&p.available));
            assert_eq!(p.price.currency, "KRW");
        }
    }
}
