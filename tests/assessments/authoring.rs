//! Authoring and the catalogue: admin-only routes, validation, answers never shown to a
//! student, publishing once, and paging.

use e2e::{TestCloud, email};
use serde_json::{Value, json};

use crate::support::{diagnostic_questions, draft, publish, published, question, str_of, student};

#[tokio::test]
async fn admins_author_and_publish_and_students_never_see_answers() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let s = student(&t, "reader").await;

    let a = draft(&t, &admin, diagnostic_questions(), 600).await;
    assert_eq!(a["status"], "draft");
    let id = str_of(&a["id"]).to_owned();
    let questions = a["questions"].as_array().cloned().unwrap_or_default();
    assert_eq!(questions.len(), 6);
    // Ids are assigned by the server, one per question, and the author sees the answers.
    assert!(
        questions
            .iter()
            .all(|q| str_of(&q["id"]).len() == 26 && q["answerIndex"] == 0)
    );

    // A draft exists only for admins.
    t.call(
        "GET",
        &format!("/v1/assessments/{id}"),
        None,
        Some(&s.access_token),
    )
    .await
    .problem(404, "not_found");
    let list = t
        .call("GET", "/v1/assessments", None, Some(&s.access_token))
        .await;
    assert_eq!(list.body["items"], json!([]), "{}", list.text);

    let p = publish(&t, &admin, &id).await;
    assert_eq!(p["status"], "published");
    assert!(p["publishedAt"].as_str().is_some_and(|t| t.ends_with('Z')));
    t.call(
        "POST",
        &format!("/v1/assessments/{id}/publish"),
        None,
        Some(&admin.access_token),
    )
    .await
    .problem(409, "already_published");

    let detail = t
        .call(
            "GET",
            &format!("/v1/assessments/{id}"),
            None,
            Some(&s.access_token),
        )
        .await;
    assert_eq!(detail.status, 200, "{}", detail.text);
    assert_eq!(detail.body["maxScore"], 6);
    assert_eq!(
        detail.body["skills"],
        json!(["equations", "fractions", "geometry"])
    );
    assert_eq!(detail.body["questions"][0]["id"], questions[0]["id"]);
    let list = t
        .call("GET", "/v1/assessments", None, Some(&s.access_token))
        .await;
    assert_eq!(list.body["items"][0]["id"], id.as_str(), "{}", list.text);
    assert_eq!(list.body["items"][0]["questionCount"], 6);
    // Not even the admin reads answers back from the catalogue.
    let admin_detail = t
        .call(
            "GET",
            &format!("/v1/assessments/{id}"),
            None,
            Some(&admin.access_token),
        )
        .await;
    for text in [&detail.text, &list.text, &admin_detail.text] {
        assert!(!text.contains("answerIndex"), "{text}");
    }
}

#[tokio::test]
async fn students_are_forbidden_the_admin_routes_and_strangers_are_unauthorized() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let s = student(&t, "nosy").await;
    let a = draft(&t, &admin, vec![question("fractions", 1)], 60).await;
    let id = str_of(&a["id"]);
    let body =
        json!({"title": "x", "timeLimitSeconds": 60, "questions": [question("fractions", 1)]});
    t.call(
        "POST",
        "/v1/assessments",
        Some(body.clone()),
        Some(&s.access_token),
    )
    .await
    .problem(403, "forbidden");
    t.call(
        "POST",
        &format!("/v1/assessments/{id}/publish"),
        None,
        Some(&s.access_token),
    )
    .await
    .problem(403, "forbidden");
    let module = json!({"title": "m", "skill": "fractions", "level": 1, "exercises": [{"prompt": "p", "choices": ["a", "b"], "answerIndex": 0}]});
    t.call(
        "POST",
        "/v1/learning/modules",
        Some(module),
        Some(&s.access_token),
    )
    .await
    .problem(403, "forbidden");
    for (method, path) in [
        ("POST", "/v1/assessments".to_owned()),
        ("GET", "/v1/assessments".to_owned()),
        ("GET", format!("/v1/assessments/{id}")),
        ("POST", format!("/v1/assessments/{id}/attempts")),
        ("GET", "/v1/users/me/attempts".to_owned()),
        ("GET", "/v1/learning/plan".to_owned()),
        ("GET", "/v1/learning/progress".to_owned()),
        ("GET", "/v1/learning/modules".to_owned()),
        ("POST", "/v1/learning/sessions".to_owned()),
    ] {
        t.call(method, &path, Some(body.clone()), None)
            .await
            .problem(401, "unauthorized");
        t.call(method, &path, Some(body.clone()), Some("not-a-token"))
            .await
            .problem(401, "unauthorized");
    }
}

#[tokio::test]
async fn authoring_refuses_bad_input_field_by_field() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let create = |body: Value| {
        t.call(
            "POST",
            "/v1/assessments",
            Some(body),
            Some(&admin.access_token),
        )
    };
    let valid = |questions: Vec<Value>| json!({"title": "T", "timeLimitSeconds": 60, "questions": questions});
    let with = |f: &dyn Fn(&mut Value)| {
        let mut q = question("fractions", 1);
        f(&mut q);
        valid(vec![q])
    };
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["title", "timeLimitSeconds", "questions"]),
        (
            json!({"title": " ", "timeLimitSeconds": 0, "questions": []}),
            vec!["title", "timeLimitSeconds", "questions"],
        ),
        (
            json!({"title": "T", "timeLimitSeconds": "soon", "questions": [question("a", 1)]}),
            vec!["timeLimitSeconds"],
        ),
        (
            json!({"title": "T", "timeLimitSeconds": 86401, "questions": [question("a", 1)]}),
            vec!["timeLimitSeconds"],
        ),
        (
            json!({"title": "T", "timeLimitSeconds": -5, "questions": [question("a", 1)]}),
            vec!["timeLimitSeconds"],
        ),
        (
            json!({"title": "T", "timeLimitSeconds": 60, "questions": "many"}),
            vec!["questions"],
        ),
        (
            with(&|q| q["answerIndex"] = json!(3)),
            vec!["questions[0].answerIndex"],
        ),
        (
            with(&|q| q["choices"] = json!(["only"])),
            vec!["questions[0].choices"],
        ),
        (
            with(&|q| q["choices"] = json!(["a", "b", "c", "d", "e", "f", "g"])),
            vec!["questions[0].choices"],
        ),
        (
            with(&|q| q["points"] = json!(0)),
            vec!["questions[0].points"],
        ),
        (
            with(&|q| q["skill"] = json!("Fractions & more")),
            vec!["questions[0].skill"],
        ),
        (
            with(&|q| q["prompt"] = json!("")),
            vec!["questions[0].prompt"],
        ),
        (
            with(&|q| q["answerIndex"] = json!("0")),
            vec!["questions[0].answerIndex"],
        ),
        (
            valid((0..101).map(|_| question("a", 1)).collect()),
            vec!["questions"],
        ),
    ];
    for (body, fields) in cases {
        let r = create(body.clone()).await;
        r.problem(400, "validation_failed");
        assert_eq!(r.fields(), fields, "{body}");
    }
    let auth = format!("Bearer {}", admin.access_token);
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    t.send(
        "POST",
        "/v1/assessments",
        &headers,
        Some(b"{\"title\":".to_vec()),
    )
    .await
    .problem(400, "validation_failed");
    t.send(
        "POST",
        "/v1/assessments",
        &headers,
        Some(vec![b' '; 300 * 1024]),
    )
    .await
    .problem(413, "payload_too_large");
    t.send(
        "POST",
        "/v1/assessments",
        &[("authorization", auth.as_str())],
        Some(b"{}".to_vec()),
    )
    .await
    .problem(415, "unsupported_media_type");
    // Ids: not ours → 400; ours but unknown → 404.
    t.call(
        "POST",
        "/v1/assessments/nope/publish",
        None,
        Some(&admin.access_token),
    )
    .await
    .problem(400, "validation_failed");
    let unknown = shared::new_id();
    t.call(
        "POST",
        &format!("/v1/assessments/{unknown}/publish"),
        None,
        Some(&admin.access_token),
    )
    .await
    .problem(404, "not_found");
    t.call(
        "GET",
        &format!("/v1/assessments/{unknown}"),
        None,
        Some(&admin.access_token),
    )
    .await
    .problem(404, "not_found");
    t.call(
        "GET",
        "/v1/assessments/01%20x",
        None,
        Some(&admin.access_token),
    )
    .await
    .problem(400, "validation_failed");
}

#[tokio::test]
async fn the_catalogue_pages_newest_first_with_signed_cursors() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let s = t.sign_up(&email("pager"), "Pager").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let a = published(&t, &admin, vec![question("fractions", 1)], 60).await;
        ids.push(str_of(&a["id"]).to_owned());
    }
    let get = |path: String| {
        let token = s.access_token.clone();
        let t = &t;
        async move { t.call("GET", &path, None, Some(&token)).await }
    };
    let first = get("/v1/assessments?limit=2".into()).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let page: Vec<&str> = first.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| str_of(&i["id"]))
        .collect();
    assert_eq!(page, [ids[2].as_str(), ids[1].as_str()]);
    let cursor = str_of(&first.body["nextCursor"]).to_owned();
    let second = get(format!("/v1/assessments?limit=2&cursor={cursor}")).await;
    assert_eq!(
        second.body["items"][0]["id"],
        ids[0].as_str(),
        "{}",
        second.text
    );
    assert_eq!(second.body["nextCursor"], Value::Null);

    let mut tampered = cursor.clone();
    tampered.insert(3, 'x');
    get(format!("/v1/assessments?cursor={tampered}"))
        .await
        .problem(400, "validation_failed");
    for limit in ["0", "101", "ten"] {
        let r = get(format!("/v1/assessments?limit={limit}")).await;
        r.problem(400, "validation_failed");
        assert_eq!(r.fields(), ["limit"]);
    }
}
