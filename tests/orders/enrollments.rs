//! Programs unlock lessons, end to end: buying a product that sells a program enrolls the
//! buyer through the orders outbox, learning's enrollments queue and `LearningEnrollFunction`;
//! the premium module opens within seconds, stays closed to another student, and closes
//! again once the order is cancelled and refunded.

use std::time::Instant;

use serde_json::json;

use super::*;

async fn start(t: &TestCloud, who: &Session, module_id: &str) -> Reply {
    t.call(
        "POST",
        "/v1/learning/sessions",
        Some(json!({"moduleId": module_id})),
        Some(&who.access_token),
    )
    .await
}

async fn enrollments(t: &TestCloud, who: &Session) -> Reply {
    t.call(
        "GET",
        "/v1/learning/enrollments",
        None,
        Some(&who.access_token),
    )
    .await
}

/// Polls starting a session until it answers `status`; returns the time it took.
async fn until_start_is(t: &TestCloud, who: &Session, module_id: &str, status: u16) -> Duration {
    let begun = Instant::now();
    loop {
        let r = start(t, who, module_id).await;
        if r.status == status {
            return begun.elapsed();
        }
        assert!(
            begun.elapsed() < PATIENCE,
            "starting {module_id} never answered {status}; last {} {}",
            r.status,
            r.text
        );
        tokio::time::sleep(POLL).await;
    }
}

#[tokio::test]
async fn a_bought_program_opens_its_premium_module_until_the_order_is_cancelled() {
    let (t, admin) = cloud().await;
    let program = shared::new_id();
    let exercise = json!({"prompt": "1/2 + 1/2?", "choices": ["1", "2"], "answerIndex": 0});
    let r = t
        .call(
            "POST",
            "/v1/learning/modules",
            Some(
                json!({"title": "Program fractions", "skill": "fractions", "level": 5,
                        "exercises": [exercise], "premium": true, "programId": program}),
            ),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let module_id = id_of(&r.body);
    let r = t
        .call(
            "POST",
            "/v1/products",
            Some(
                json!({"name": "Fractions program", "price": money(PRICE), "stock": 5,
                        "programId": program}),
            ),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["programId"], program.as_str());
    let product_id = id_of(&r.body);

    let kim = t.sign_up("kim-program@example.com", "Kim").await;
    let lee = t.sign_up("lee-program@example.com", "Lee").await;
    let r = start(&t, &kim, &module_id).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.body["code"], "enrollment_required");

    let bought = Instant::now();
    let order_id = place(&t, &kim, &product_id, 1, "tok_ok").await;
    until_start_is(&t, &kim, &module_id, 201).await;
    let opened = bought.elapsed();
    eprintln!("POST /orders to the premium module open: {opened:?}");
    assert!(opened < Duration::from_secs(10), "{opened:?}");
    assert_eq!(settled(&t, &kim, &order_id).await["status"], "confirmed");

    let r = enrollments(&t, &kim).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.text
    );
    assert_eq!(r.body["items"][0]["programId"], program.as_str());
    assert_eq!(r.body["items"][0]["orderId"], order_id.as_str());

    let r = start(&t, &lee, &module_id).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.body["code"], "enrollment_required");

    let r = cancel(&t, &kim, &order_id).await;
    assert_eq!(r.status, 202, "{}", r.text);
    cancelled(&t, &kim, &order_id).await;
    until_start_is(&t, &kim, &module_id, 403).await;
    let r = enrollments(&t, &kim).await;
    assert_eq!(r.body["items"], json!([]), "{}", r.text);
}
