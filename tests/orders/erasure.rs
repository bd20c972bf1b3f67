//! An account's deletion reaches the orders queue as `user_deleted`: the customer's settled
//! orders keep what accounting needs and forget whom they were for, and so do the stock
//! reservation and the payment (`forget_customer`); "my orders" is empty.

use std::time::Instant;

use super::*;

fn names(item: &HashMap<String, AttributeValue>, user_id: &str) -> bool {
    format!("{item:?}").contains(user_id)
}

#[tokio::test]
async fn user_deleted_anonymises_the_customers_orders_reservations_and_payments() {
    let (t, admin) = cloud().await;
    let product = id_of(&create_product(&t, &admin, "Erasable", PRICE, 5).await);
    let kim = t.sign_up(&e2e::email("erase-buyer"), "Kim").await;
    let order = place(&t, &kim, &product, 2, "tok_ok").await;
    let confirmed = settled(&t, &kim, &order).await;
    assert_eq!(confirmed["status"], "confirmed", "{confirmed}");
    for table in ["OrdersTable", "InventoryTable", "PaymentsTable"] {
        assert!(
            t.scan(table).await.iter().any(|i| names(i, &kim.user_id)),
            "{table} holds the customer before the deletion"
        );
    }

    // Delivered twice: the second finds nothing left to do.
    for _ in 0..2 {
        t.send_user_deleted("OrdersQueue", &kim.user_id).await;
    }

    let begun = Instant::now();
    loop {
        let mut left = Vec::new();
        for table in ["OrdersTable", "InventoryTable", "PaymentsTable"] {
            if t.scan(table).await.iter().any(|i| names(i, &kim.user_id)) {
                left.push(table);
            }
        }
        if left.is_empty() {
            break;
        }
        assert!(
            begun.elapsed() < PATIENCE,
            "{left:?} still name the customer\n{}",
            log_tail(&t, 40)
        );
        tokio::time::sleep(POLL).await;
    }
    // What accounting keeps: the order with its product, quantity, total and dates; the
    // payment with its amount.
    let orders = t.scan("OrdersTable").await;
    let kept = orders
        .iter()
        .find(|i| i.get("pk") == Some(&AttributeValue::S(format!("ORDER#{order}"))))
        .expect("the order is kept");
    assert_eq!(
        kept.get("userId"),
        Some(&AttributeValue::S("deleted".into()))
    );
    assert_eq!(
        kept.get("productId"),
        Some(&AttributeValue::S(product.clone()))
    );
    assert_eq!(
        kept.get("status"),
        Some(&AttributeValue::S("confirmed".into()))
    );
    for field in ["total", "createdAt", "quantity"] {
        assert!(kept.contains_key(field), "{field} in {kept:?}");
    }
    let payments = t.scan("PaymentsTable").await;
    let payment = payments
        .iter()
        .find(|i| i.get("pk") == Some(&AttributeValue::S(format!("PAYMENT#{order}"))))
        .expect("the payment is kept");
    assert_eq!(
        payment.get("userId"),
        Some(&AttributeValue::S("deleted".into()))
    );
    assert!(payment.contains_key("amount"), "{payment:?}");

    // The token issued before the deletion still reads: nothing is listed as the customer's.
    let mine = t
        .call("GET", "/v1/orders", None, Some(&kim.access_token))
        .await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(mine.body["items"], json!([]), "{}", mine.text);
}
