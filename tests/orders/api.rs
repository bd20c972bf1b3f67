//! The order endpoints themselves: placing (202 pending, Idempotency-Key replays and
//! conflicts), reading one's own orders and only those, cancelling where it cannot be
//! done, and every documented error. The inventory step is switched off here, so every
//! order stays `pending` at `reserve_stock` for as long as the test looks at it.

use std::collections::HashSet;

use e2e::{Session, TestCloud};
use serde_json::{Value, json};

use crate::products::assert_fields;
use crate::{
    PRICE, UNKNOWN_ID, cancel, cloud_with, create_product, get_order, id_of, key, list_orders,
    order_body, place, place_raw, student,
};

/// A cloud where orders are accepted but never progress past `pending`.
async fn cloud_that_keeps_orders_pending() -> (TestCloud, Session) {
    cloud_with(|o| {
        o.disabled_event_sources
            .insert("InventoryStockStepFunction".into());
    })
    .await
}

fn is_timestamp(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() >= 20 && s.ends_with('Z'))
}

#[tokio::test]
async fn placing_an_order_answers_202_pending_and_the_same_key_replays_it() {
    let (t, admin) = cloud_that_keeps_orders_pending().await;
    let product = id_of(&create_product(&t, &admin, "Premium program", PRICE, 10).await);
    let kim = student(&t, "kim").await;
    let lee = student(&t, "lee").await;
    let body = order_body(&product, 2, "tok_ok");
    let k = key();

    let first = place_raw(&t, &kim, Some(&k), &body).await;
    assert_eq!(first.status, 202, "{}", first.text);
    assert_eq!(first.body["status"], "pending", "{}", first.text);
    let order_id = first.body["orderId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(shared::is_id(&order_id), "{}", first.text);
    assert!(
        first
            .header("location")
            .is_some_and(|l| l.ends_with(&format!("/v1/orders/{order_id}"))),
        "Location: {:?}",
        first.header("location")
    );

    // The same key and body: the same answer, no second order.
    let again = place_raw(&t, &kim, Some(&k), &body).await;
    assert_eq!(again.status, 202, "{}", again.text);
    assert_eq!(again.body, first.body);
    // The same key with another body: 409.
    let other = place_raw(&t, &kim, Some(&k), &order_body(&product, 3, "tok_ok")).await;
    other.problem(409, "idempotency_key_reused");
    // Keys belong to their user: Lee's same key is Lee's own order.
    let lees = place_raw(&t, &lee, Some(&k), &body).await;
    assert_eq!(lees.status, 202, "{}", lees.text);
    assert_ne!(lees.body["orderId"], first.body["orderId"]);
    // No key: 400, and nothing is created.
    let keyless = place_raw(&t, &kim, None, &body).await;
    assert_fields(&keyless, &["idempotency-key"]);

    // The order as its owner (and an admin) sees it: pending, no total yet.
    let view = get_order(&t, &kim, &order_id).await;
    assert_eq!(view.status, 200, "{}", view.text);
    let o = &view.body;
    assert_eq!(o["id"], order_id.as_str());
    assert_eq!(o["productId"], product.as_str());
    assert_eq!(o["quantity"], 2);
    assert!(o["total"].is_null(), "{o}");
    assert_eq!(o["status"], "pending");
    assert!(o["reason"].is_null(), "{o}");
    assert_eq!(o["step"], "reserve_stock");
    assert!(
        is_timestamp(&o["createdAt"]) && is_timestamp(&o["updatedAt"]),
        "{o}"
    );
    let as_admin = get_order(&t, &admin, &order_id).await;
    assert_eq!(as_admin.status, 200, "{}", as_admin.text);
    assert_eq!(as_admin.body, view.body);
    // Anyone else: as if it did not exist.
    get_order(&t, &lee, &order_id)
        .await
        .problem(404, "not_found");
    cancel(&t, &lee, &order_id).await.problem(404, "not_found");

    // A pending order cannot be cancelled.
    cancel(&t, &kim, &order_id)
        .await
        .problem(409, "order_not_cancellable");
    assert_eq!(
        get_order(&t, &kim, &order_id).await.body["status"],
        "pending"
    );

    // Exactly one order for Kim and one for Lee came of all that.
    let kims = list_orders(&t, &kim, 100).await;
    assert_eq!(
        kims.iter().map(id_of).collect::<Vec<_>>(),
        [order_id.as_str()]
    );
    assert_eq!(kims[0], view.body);
    assert_eq!(list_orders(&t, &lee, 100).await.len(), 1);
}

#[tokio::test]
async fn the_list_holds_only_my_orders_newest_first() {
    let (t, admin) = cloud_that_keeps_orders_pending().await;
    let product = id_of(&create_product(&t, &admin, "Premium program", PRICE, 10).await);
    let kim = student(&t, "kim").await;
    let lee = student(&t, "lee").await;
    let mut kims = Vec::new();
    for q in 1..=5 {
        kims.push(place(&t, &kim, &product, q, "tok_ok").await);
        if q == 3 {
            place(&t, &lee, &product, 1, "tok_ok").await;
        }
    }
    let listed = list_orders(&t, &kim, 2).await;
    let ids: Vec<String> = listed.iter().map(id_of).collect();
    let newest_first: Vec<String> = kims.iter().rev().cloned().collect();
    assert_eq!(ids, newest_first, "{listed:?}");
    for o in &listed {
        assert_eq!(o["status"], "pending", "{o}");
        assert_eq!(o["productId"], product.as_str());
    }
    let quantities: Vec<i64> = listed
        .iter()
        .filter_map(|o| o["quantity"].as_i64())
        .collect();
    assert_eq!(quantities, [5, 4, 3, 2, 1]);
    let lees = list_orders(&t, &lee, 100).await;
    assert_eq!(lees.len(), 1);
    assert!(!ids.contains(&id_of(&lees[0])));

    // A bad limit is a 400.
    for bad in ["0", "101", "x"] {
        let r = t
            .call(
                "GET",
                &format!("/v1/orders?limit={bad}"),
                None,
                Some(&kim.access_token),
            )
            .await;
        assert_fields(&r, &["limit"]);
    }
}

#[tokio::test]
async fn order_endpoints_refuse_what_the_contract_refuses() {
    let (t, admin) = cloud_that_keeps_orders_pending().await;
    let product = id_of(&create_product(&t, &admin, "Premium program", PRICE, 10).await);
    let kim = student(&t, "kim").await;
    let body = order_body(&product, 1, "tok_ok");

    // No token or a bad one: 401 on every order endpoint.
    let order_path = format!("/v1/orders/{UNKNOWN_ID}");
    for (method, path) in [
        ("POST", "/v1/orders".to_owned()),
        ("GET", "/v1/orders".to_owned()),
        ("GET", order_path.clone()),
        ("POST", format!("{order_path}/cancel")),
    ] {
        for auth in [None, Some("Bearer not.a.token"), Some("Basic a2ltOnB3")] {
            let mut headers = vec![
                ("content-type", "application/json"),
                ("idempotency-key", "k1"),
            ];
            if let Some(a) = auth {
                headers.push(("authorization", a));
            }
            t.send(method, &path, &headers, Some(body.to_string().into_bytes()))
                .await
                .problem(401, "unauthorized");
        }
    }

    // Unknown and malformed order ids.
    get_order(&t, &kim, UNKNOWN_ID)
        .await
        .problem(404, "not_found");
    cancel(&t, &kim, UNKNOWN_ID).await.problem(404, "not_found");
    for bad in [
        "not-an-id",
        "01JDQ2Y8Z9K3M4N5P6R7S8T9V",
        "01JDQ2Y8Z9K3M4N5P6R7S8T9VW0",
    ] {
        assert_fields(&get_order(&t, &kim, bad).await, &["id"]);
        assert_fields(&cancel(&t, &kim, bad).await, &["id"]);
    }

    // Bodies that are not a JSON object.
    let auth = format!("Bearer {}", kim.access_token);
    for raw in [&b"{\"productId\": "[..], b"[1, 2]", b"", b"\"order\""] {
        t.send(
            "POST",
            "/v1/orders",
            &[
                ("content-type", "application/json"),
                ("authorization", &auth),
                ("idempotency-key", &key()),
            ],
            Some(raw.to_vec()),
        )
        .await
        .problem(400, "validation_failed");
    }

    // Missing fields, wrong types, values out of range.
    let with = |field: &str, value: Value| {
        let mut b = body.clone();
        b[field] = value;
        b
    };
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["productId", "quantity", "paymentToken"]),
        (
            json!({"productId": product}),
            vec!["quantity", "paymentToken"],
        ),
        (with("productId", json!("not-an-id")), vec!["productId"]),
        (with("productId", json!(42)), vec!["productId"]),
        (with("productId", json!(null)), vec!["productId"]),
        (with("quantity", json!(0)), vec!["quantity"]),
        (with("quantity", json!(101)), vec!["quantity"]),
        (with("quantity", json!(-1)), vec!["quantity"]),
        (with("quantity", json!(1.5)), vec!["quantity"]),
        (with("quantity", json!("1")), vec!["quantity"]),
        (with("paymentToken", json!("")), vec!["paymentToken"]),
        (
            with("paymentToken", json!("t".repeat(101))),
            vec!["paymentToken"],
        ),
        (with("paymentToken", json!(5)), vec!["paymentToken"]),
        (
            json!({"productId": [], "quantity": {}, "paymentToken": false}),
            vec!["productId", "quantity", "paymentToken"],
        ),
    ];
    let refused_key = key();
    for (b, fields) in cases {
        let r = place_raw(&t, &kim, Some(&refused_key), &b).await;
        assert_eq!(r.status, 400, "{b} → {}", r.text);
        assert_fields(&r, &fields);
    }
    // A malformed key.
    let r = place_raw(&t, &kim, Some(&"k".repeat(256)), &body).await;
    assert_fields(&r, &["idempotency-key"]);

    // Refused requests store nothing and do not use up their key; the limits are inclusive.
    assert!(list_orders(&t, &kim, 100).await.is_empty());
    let edge = order_body(&product, 100, &"t".repeat(100));
    let r = place_raw(&t, &kim, Some(&refused_key), &edge).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let listed = list_orders(&t, &kim, 100).await;
    let ids: HashSet<String> = listed.iter().map(id_of).collect();
    assert_eq!(ids.len(), 1);
    assert!(ids.contains(r.body["orderId"].as_str().unwrap_or_default()));
    assert_eq!(listed[0]["quantity"], 100);
}
