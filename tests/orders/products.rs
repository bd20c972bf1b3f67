//! The catalogue: admins create products, every signed-in user reads them; every
//! documented error as problem+json.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::{
    CURRENCY, PRICE, UNKNOWN_ID, cloud, create_product, get_product, id_of, money, student,
};

/// The fields a validation problem names, each either exactly one of `expected` or inside
/// it (`price.amount` is inside `price`), and every expected field named.
#[track_caller]
pub fn assert_fields(r: &e2e::Reply, expected: &[&str]) {
    r.problem(400, "validation_failed");
    let got = r.fields();
    let inside = |f: &str, e: &str| {
        f == e || f.starts_with(&format!("{e}.")) || f.starts_with(&format!("{e}["))
    };
    for e in expected {
        assert!(
            got.iter().any(|f| inside(f, e)),
            "{e} not named in {}",
            r.text
        );
    }
    for f in &got {
        assert!(
            expected.iter().any(|e| inside(f, e)),
            "unexpected field {f} in {}",
            r.text
        );
    }
}

#[tokio::test]
async fn admins_create_products_and_every_signed_in_user_reads_them() {
    let (t, admin) = cloud().await;
    let kim = student(&t, "kim").await;

    let r = t
        .call(
            "POST",
            "/v1/products",
            Some(json!({"name": "Premium program", "price": money(PRICE), "stock": 25})),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let premium = r.body.clone();
    let id = id_of(&premium);
    assert!(shared::is_id(&id), "{premium}");
    assert_eq!(premium["name"], "Premium program");
    assert_eq!(
        premium["price"],
        json!({"amount": PRICE, "currency": CURRENCY})
    );
    assert_eq!(premium["available"], 25);

    // The limits are inclusive.
    let longest = create_product(&t, &admin, &"가".repeat(100), 0, 0).await;
    assert_eq!(
        longest["name"].as_str().map(|n| n.chars().count()),
        Some(100)
    );
    assert_eq!(longest["available"], 0);
    let biggest = create_product(&t, &admin, "Campus licence", 1_000, 1_000_000).await;
    assert_eq!(biggest["available"], 1_000_000);

    // A student reads them: one by one, and the list page by page.
    let got = get_product(&t, &kim, &id).await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.body, premium);
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/products?limit=1&cursor={c}"),
            None => "/v1/products?limit=1".to_owned(),
        };
        let r = t.call("GET", &path, None, Some(&kim.access_token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 1, "{}", r.text);
        listed.extend(items);
        match r.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(listed.len() <= 3, "paging does not end: {listed:?}");
    }
    let ids: HashSet<String> = listed.iter().map(id_of).collect();
    let created: HashSet<String> = [&premium, &longest, &biggest]
        .into_iter()
        .map(id_of)
        .collect();
    assert_eq!(ids, created, "{listed:?}");
    assert!(listed.contains(&premium), "{listed:?}");

    // A student may not create one.
    let r = t
        .call(
            "POST",
            "/v1/products",
            Some(json!({"name": "Free lunch", "price": money(1), "stock": 1})),
            Some(&kim.access_token),
        )
        .await;
    r.problem(403, "forbidden");
    let r = t
        .call("GET", "/v1/products", None, Some(&kim.access_token))
        .await;
    assert_eq!(
        r.body["items"].as_array().map(Vec::len),
        Some(3),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn product_endpoints_refuse_what_the_contract_refuses() {
    let (t, admin) = cloud().await;
    let kim = student(&t, "kim").await;
    let product = create_product(&t, &admin, "Premium program", PRICE, 5).await;
    let id = id_of(&product);

    // No token or a bad one: 401 everywhere.
    for (method, path) in [
        ("POST", "/v1/products".to_owned()),
        ("GET", "/v1/products".to_owned()),
        ("GET", format!("/v1/products/{id}")),
    ] {
        let body = json!({"name": "x", "price": money(1), "stock": 1});
        t.call(method, &path, Some(body.clone()), None)
            .await
            .problem(401, "unauthorized");
        t.call(method, &path, Some(body), Some("not.a.token"))
            .await
            .problem(401, "unauthorized");
    }

    // Unknown and malformed ids.
    get_product(&t, &kim, UNKNOWN_ID)
        .await
        .problem(404, "not_found");
    for bad in [
        "not-an-id",
        "01JDQ2Y8Z9K3M4N5P6R7S8T9V",
        "01JDQ2Y8Z9K3M4N5P6R7S8T9VW0",
    ] {
        let r = get_product(&t, &kim, bad).await;
        assert_fields(&r, &["id"]);
    }

    // Bodies that are not a JSON object.
    let auth = format!("Bearer {}", admin.access_token);
    for body in [&b"{\"name\": "[..], b"[1, 2]", b"", b"null"] {
        t.send(
            "POST",
            "/v1/products",
            &[
                ("content-type", "application/json"),
                ("authorization", &auth),
            ],
            Some(body.to_vec()),
        )
        .await
        .problem(400, "validation_failed");
    }

    // Missing fields, wrong types, values out of range.
    let good = || json!({"name": "Premium", "price": money(PRICE), "stock": 5});
    let with = |field: &str, value: Value| {
        let mut body = good();
        body[field] = value;
        body
    };
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["name", "price", "stock"]),
        (json!({"name": "Premium"}), vec!["price", "stock"]),
        (with("name", json!(null)), vec!["name"]),
        (with("name", json!("")), vec!["name"]),
        (with("name", json!("x".repeat(101))), vec!["name"]),
        (with("name", json!(7)), vec!["name"]),
        (with("price", json!(19000)), vec!["price"]),
        (with("price", json!("19000 KRW")), vec!["price"]),
        (
            with("price", json!({"amount": -1, "currency": "KRW"})),
            vec!["price"],
        ),
        (
            with("price", json!({"amount": 1.5, "currency": "KRW"})),
            vec!["price"],
        ),
        (
            with("price", json!({"amount": 100, "currency": "krw"})),
            vec!["price"],
        ),
        (with("price", json!({"amount": 100})), vec!["price"]),
        (with("stock", json!(-1)), vec!["stock"]),
        (with("stock", json!(1_000_001)), vec!["stock"]),
        (with("stock", json!("5")), vec!["stock"]),
        (with("stock", json!(1.5)), vec!["stock"]),
        (
            json!({"name": 1, "price": "p", "stock": "s"}),
            vec!["name", "price", "stock"],
        ),
    ];
    for (body, fields) in cases {
        let r = t
            .call(
                "POST",
                "/v1/products",
                Some(body.clone()),
                Some(&admin.access_token),
            )
            .await;
        assert_eq!(r.status, 400, "{body} → {}", r.text);
        assert_fields(&r, &fields);
    }

    // Nothing of it was stored, and the product is untouched.
    let r = t
        .call("GET", "/v1/products", None, Some(&kim.access_token))
        .await;
    assert_eq!(
        r.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.text
    );
    assert_eq!(get_product(&t, &kim, &id).await.body, product);
}
