//! Fifty customers want the last unit at the same moment: one gets it, nobody else is
//! charged, the stock never goes below zero.

use std::collections::HashMap;

use crate::{
    Ledger, PRICE, assert_books, assert_outcome, available, cloud, create_product, id_of, place,
    settled, student,
};

const ORDERS: usize = 50;

#[tokio::test]
async fn fifty_concurrent_orders_for_the_last_unit_confirm_exactly_one() {
    let (t, admin) = cloud().await;
    let pid = id_of(&create_product(&t, &admin, "Last seat", PRICE, 1).await);
    let kim = student(&t, "kim").await;

    // One customer, fifty different keys (fifty taps on fifty devices), all at once.
    let ids =
        futures::future::join_all((0..ORDERS).map(|_| place(&t, &kim, &pid, 1, "tok_ok"))).await;
    assert_eq!(
        ids.iter().collect::<std::collections::HashSet<_>>().len(),
        ORDERS
    );

    // Waited for one after the other: polling fifty orders at once would load the machine
    // more than the saga does.
    let mut settled_orders = Vec::new();
    for id in &ids {
        settled_orders.push(settled(&t, &kim, id).await);
    }
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    for o in &settled_orders {
        let key = format!(
            "{}/{}",
            o["status"].as_str().unwrap_or("?"),
            o["reason"].as_str().unwrap_or("-")
        );
        *outcomes.entry(key).or_default() += 1;
    }
    assert_eq!(
        outcomes,
        HashMap::from([
            ("confirmed/-".to_owned(), 1),
            ("rejected/out_of_stock".to_owned(), ORDERS - 1)
        ]),
    );
    for o in &settled_orders {
        if o["status"] == "confirmed" {
            assert_outcome(o, "confirmed", None);
        } else {
            assert_outcome(o, "rejected", Some("out_of_stock"));
        }
    }
    assert_eq!(available(&t, &kim, &pid).await, 0);
    let ledger = Ledger::read(&t).await;
    assert_eq!(ledger.charge_count(), 1, "{ledger:?}");
    assert_eq!(ledger.refund_count(), 0, "{ledger:?}");
    assert_books(&t, &kim, &settled_orders, &[(&pid, 1)]).await;
}
