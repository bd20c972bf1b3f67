//! An account's deletion reaches the orders queue as `user_deleted`: the customer's settled
//! orders keep what accounting needs and forget whom they were for, and so do the stock
//! reservation and the payment (`forget_customer`); "my orders" is empty.

use super::*;

const SAGA_TABLES: [&str; 3] = ["OrdersTable", "InventoryTable", "PaymentsTable"];

#[tokio::test]
async fn user_deleted_anonymises_the_customers_orders_reservations_and_payments() {
    let (t, admin) = cloud().await;
    let product = id_of(&create_product(&t, &admin, "Erasable", PRICE, 5).await);
    let kim = t.sign_up(&e2e::email("erase-buyer"), "Kim").await;
    let order = place(&t, &kim, &product, 2, "tok_ok").await;
    let confirmed = settled(&t, &kim, &order).await;
    assert_eq!(confirmed["status"], "confirmed", "{confirmed}");
    assert_eq!(
        t.tables_naming(&SAGA_TABLES, &kim.user_id).await,
        SAGA_TABLES.to_vec()
    );

    // Delivered twice: the second finds nothing left to do.
    for _ in 0..2 {
        t.send_user_deleted("OrdersQueue", &kim.user_id).await;
    }

    t.until_forgotten(&SAGA_TABLES, &kim.user_id, PATIENCE)
        .await;
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

#[tokio::test]
async fn an_orders_domain_that_is_down_when_user_deleted_arrives_erases_when_it_is_back() {
    let (t, admin) = cloud().await;
    let product = id_of(&create_product(&t, &admin, "Erasable later", PRICE, 5).await);
    let lee = t.sign_up(&e2e::email("erase-later"), "Lee").await;
    let order = place(&t, &lee, &product, 1, "tok_ok").await;
    assert_eq!(settled(&t, &lee, &order).await["status"], "confirmed");

    t.cloud.set_broken("OrdersSagaOrchestratorFunction", true);
    t.send_user_deleted("OrdersQueue", &lee.user_id).await;
    // Received and failed more than once meanwhile (the queue hands it out again after 2 s).
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        t.tables_naming(&SAGA_TABLES, &lee.user_id).await,
        SAGA_TABLES.to_vec()
    );
    t.cloud.set_broken("OrdersSagaOrchestratorFunction", false);
    t.until_forgotten(&SAGA_TABLES, &lee.user_id, PATIENCE)
        .await;
}
