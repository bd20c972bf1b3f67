//! `GET`/`PUT /v1/notifications/preferences`.

use e2e::{TestCloud, email};
use serde_json::{Value, json};

const PATH: &str = "/v1/notifications/preferences";

#[tokio::test]
async fn preferences_default_to_korean_without_kakao_and_can_be_replaced() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("prefs"), "Pref").await;
    let r = t.call("GET", PATH, None, Some(&s.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"locale": "ko", "kakao": {"enabled": false, "phone": null}})
    );

    let r = t
        .call(
            "PUT",
            PATH,
            Some(
                json!({"locale": "en", "kakao": {"enabled": true, "phone": " +82 10-9876-5432 "}}),
            ),
            Some(&s.access_token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let stored = json!({"locale": "en", "kakao": {"enabled": true, "phone": "+821098765432"}});
    assert_eq!(r.body, stored);
    assert_eq!(
        t.call("GET", PATH, None, Some(&s.access_token)).await.body,
        stored
    );

    // Turning the channel off may keep the number.
    let off = json!({"locale": "ko", "kakao": {"enabled": false, "phone": "01098765432"}});
    let r = t
        .call("PUT", PATH, Some(off.clone()), Some(&s.access_token))
        .await;
    assert_eq!(r.body, off);

    // Preferences are per user.
    let other = t.sign_up(&email("prefs-other"), "Other").await;
    let r = t.call("GET", PATH, None, Some(&other.access_token)).await;
    assert_eq!(r.body["locale"], "ko");
    assert_eq!(r.body["kakao"]["enabled"], false);
}

#[tokio::test]
async fn bad_preferences_are_refused_with_every_field_named() {
    let t = TestCloud::start().await;
    let s = t.sign_up(&email("badprefs"), "Bad").await;
    let token = Some(s.access_token.as_str());
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["locale", "kakao"]),
        (
            json!({"locale": "ja", "kakao": {"enabled": false}}),
            vec!["locale"],
        ),
        (
            json!({"locale": 1, "kakao": {"enabled": false}}),
            vec!["locale"],
        ),
        (
            json!({"locale": "KO", "kakao": {"enabled": false}}),
            vec!["locale"],
        ),
        (
            json!({"locale": "ko", "kakao": {"enabled": "yes"}}),
            vec!["kakao.enabled"],
        ),
        (json!({"locale": "ko", "kakao": true}), vec!["kakao"]),
        (
            json!({"locale": "ko", "kakao": {"enabled": true}}),
            vec!["kakao.phone"],
        ),
        (
            json!({"locale": "ko", "kakao": {"enabled": true, "phone": null}}),
            vec!["kakao.phone"],
        ),
        (
            json!({"locale": "ko", "kakao": {"enabled": true, "phone": "123"}}),
            vec!["kakao.phone"],
        ),
        (
            json!({"locale": "ko", "kakao": {"enabled": true, "phone": 1012345678}}),
            vec!["kakao.phone"],
        ),
        (
            json!({"locale": "ko", "kakao": {"enable": true}}),
            vec!["kakao.enable"],
        ),
        (
            json!({"locale": null, "kakao": null}),
            vec!["locale", "kakao"],
        ),
    ];
    for (body, fields) in cases {
        let r = t.call("PUT", PATH, Some(body.clone()), token).await;
        r.problem(400, "validation_failed");
        assert_eq!(r.fields(), fields, "{body}: {}", r.text);
    }

    let auth = format!("Bearer {}", s.access_token);
    let json_headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    t.send("PUT", PATH, &json_headers, Some(b"{\"locale\": ".to_vec()))
        .await
        .problem(400, "validation_failed");
    t.send("PUT", PATH, &json_headers, Some(b"[\"ko\"]".to_vec()))
        .await
        .problem(400, "validation_failed");
    t.send("PUT", PATH, &json_headers, Some(Vec::new()))
        .await
        .problem(400, "validation_failed");
    let big = format!(
        r#"{{"locale":"ko","kakao":{{"enabled":false,"phone":"{}"}}}}"#,
        "0".repeat(70_000)
    );
    t.send("PUT", PATH, &json_headers, Some(big.into_bytes()))
        .await
        .problem(413, "payload_too_large");
    t.send(
        "PUT",
        PATH,
        &[
            ("content-type", "text/plain"),
            ("authorization", auth.as_str()),
        ],
        Some(b"{}".to_vec()),
    )
    .await
    .problem(415, "unsupported_media_type");
    t.call("GET", PATH, None, None)
        .await
        .problem(401, "unauthorized");
    t.call(
        "PUT",
        PATH,
        Some(json!({"locale": "ko", "kakao": {"enabled": false}})),
        None,
    )
    .await
    .problem(401, "unauthorized");

    // Nothing was stored by any of it.
    let r = t.call("GET", PATH, None, token).await;
    assert_eq!(r.body["locale"], "ko");
    assert_eq!(r.body["kakao"]["enabled"], false);
}
