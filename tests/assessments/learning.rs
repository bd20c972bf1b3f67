//! Learning's own endpoints: modules (admin authoring, listing by skill), sessions (bad
//! input, another student's session, submitting twice), an empty plan and progress.

use e2e::TestCloud;
use serde_json::{Value, json};

use crate::support::{module, str_of, student};

fn exercises(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"prompt": format!("p{i}"), "choices": ["a", "b", "c"], "answerIndex": 2}))
        .collect()
}

#[tokio::test]
async fn modules_are_authored_by_admins_and_listed_by_skill_without_answers() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let s = student(&t, "browser").await;
    let created = t
        .call("POST", "/v1/learning/modules", Some(json!({"title": " Fractions I ", "skill": "fractions", "level": 2, "exercises": exercises(3)})), Some(&admin.access_token))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["title"], "Fractions I");
    assert_eq!(created.body["exercises"][0]["answerIndex"], 2);
    let f1 = module(&t, &admin, "fractions", 1).await;
    let g = module(&t, &admin, "geometry", 3).await;

    let list = |q: &str| {
        let path = format!("/v1/learning/modules{q}");
        let t = &t;
        let token = s.access_token.clone();
        async move { t.call("GET", &path, None, Some(&token)).await }
    };
    let fractions = list("?skill=fractions").await;
    assert_eq!(fractions.status, 200, "{}", fractions.text);
    let ids: Vec<&str> = fractions.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| str_of(&m["id"]))
        .collect();
    // By level within a skill.
    assert_eq!(ids, [f1.as_str(), str_of(&created.body["id"])]);
    assert_eq!(
        fractions.body["items"][1],
        json!({"id": created.body["id"], "title": "Fractions I", "skill": "fractions", "level": 2, "exerciseCount": 3, "premium": false, "programId": null})
    );
    assert!(!fractions.text.contains("answerIndex"));

    let all = list("?limit=2").await;
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(2));
    let cursor = str_of(&all.body["nextCursor"]).to_owned();
    let rest = list(&format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(rest.body["items"][0]["id"], g.as_str(), "{}", rest.text);
    assert_eq!(rest.body["nextCursor"], Value::Null);
    // A cursor of the whole list is not one of a skill's list.
    list(&format!("?skill=fractions&cursor={cursor}"))
        .await
        .problem(400, "validation_failed");
    let r = list("?skill=Not%20A%20Skill").await;
    r.problem(400, "validation_failed");
    assert_eq!(r.fields(), ["skill"]);
    assert_eq!(list("?skill=algebra").await.body["items"], json!([]));
}

#[tokio::test]
async fn module_authoring_refuses_bad_input() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let create = |body: Value| {
        t.call(
            "POST",
            "/v1/learning/modules",
            Some(body),
            Some(&admin.access_token),
        )
    };
    let base = |f: &dyn Fn(&mut Value)| {
        let mut b =
            json!({"title": "T", "skill": "fractions", "level": 1, "exercises": exercises(1)});
        f(&mut b);
        b
    };
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["title", "skill", "level", "exercises"]),
        (base(&|b| b["level"] = json!(0)), vec!["level"]),
        (base(&|b| b["level"] = json!(6)), vec!["level"]),
        (base(&|b| b["level"] = json!("one")), vec!["level"]),
        (base(&|b| b["skill"] = json!("a#b")), vec!["skill"]),
        (base(&|b| b["exercises"] = json!([])), vec!["exercises"]),
        (
            base(&|b| b["exercises"][0]["answerIndex"] = json!(3)),
            vec!["exercises[0].answerIndex"],
        ),
        (
            base(&|b| b["exercises"][0]["choices"] = json!(["one"])),
            vec!["exercises[0].choices", "exercises[0].answerIndex"],
        ),
        (
            base(&|b| b["exercises"] = json!(exercises(51))),
            vec!["exercises"],
        ),
    ];
    for (body, fields) in cases {
        let r = create(body.clone()).await;
        r.problem(400, "validation_failed");
        assert_eq!(r.fields(), fields, "{body}");
    }
}

#[tokio::test]
async fn sessions_refuse_bad_input_and_other_students() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let s = student(&t, "learner").await;
    let other = student(&t, "peeker").await;
    let m = module(&t, &admin, "fractions", 1).await;
    let start = |body: Value, token: String| {
        let t = &t;
        async move {
            t.call("POST", "/v1/learning/sessions", Some(body), Some(&token))
                .await
        }
    };
    for body in [
        json!({}),
        json!({"moduleId": 5}),
        json!({"moduleId": "nope"}),
    ] {
        let r = start(body.clone(), s.access_token.clone()).await;
        r.problem(400, "validation_failed");
        assert_eq!(r.fields(), ["moduleId"], "{body}");
    }
    start(
        json!({"moduleId": shared::new_id()}),
        s.access_token.clone(),
    )
    .await
    .problem(404, "not_found");

    let started = start(json!({"moduleId": m}), s.access_token.clone()).await;
    assert_eq!(started.status, 201, "{}", started.text);
    let id = str_of(&started.body["sessionId"]).to_owned();
    let path = format!("/v1/learning/sessions/{id}/submit");
    let submit = |body: Value, token: String| {
        let t = &t;
        let path = path.clone();
        async move { t.call("POST", &path, Some(body), Some(&token)).await }
    };
    for (body, fields) in [
        (json!({}), vec!["answers"]),
        (json!({"answers": "0,0"}), vec!["answers"]),
        (json!({"answers": [0, -1]}), vec!["answers[1]"]),
        (json!({"answers": [0, 0]}), vec!["answers"]),
        (json!({"answers": [0, 0, 0, 0, 0, 0]}), vec!["answers"]),
        // The body is read against the document first (no choice index above 5), and only a
        // body that fits it is held against the session's own exercises.
        (json!({"answers": [0, 2, 0, 7, 0]}), vec!["answers[3]"]),
        (
            json!({"answers": [0, 2, 0, 1, 3]}),
            vec!["answers[1]", "answers[4]"],
        ),
    ] {
        let r = submit(body.clone(), s.access_token.clone()).await;
        r.problem(400, "validation_failed");
        assert_eq!(r.fields(), fields, "{body}");
    }
    // Someone else's session does not exist for them.
    submit(
        json!({"answers": [0, 0, 0, 0, 0]}),
        other.access_token.clone(),
    )
    .await
    .problem(404, "not_found");
    t.call(
        "POST",
        &format!("/v1/learning/sessions/{}/submit", shared::new_id()),
        Some(json!({"answers": [0]})),
        Some(&s.access_token),
    )
    .await
    .problem(404, "not_found");
    t.call(
        "POST",
        "/v1/learning/sessions/nope/submit",
        Some(json!({"answers": [0]})),
        Some(&s.access_token),
    )
    .await
    .problem(400, "validation_failed");

    let first = submit(json!({"answers": [0, 0, 0, 0, 1]}), s.access_token.clone()).await;
    assert_eq!(
        first.body,
        json!({"correct": 4, "total": 5, "mastered": true}),
        "{}",
        first.text
    );
    let second = submit(json!({"answers": [1, 1, 1, 1, 1]}), s.access_token.clone()).await;
    assert_eq!(
        second.body, first.body,
        "submitting twice returns the first result"
    );

    // Training without a plan is fine; the plan itself is a 404 until an assessment builds one.
    t.call("GET", "/v1/learning/plan", None, Some(&s.access_token))
        .await
        .problem(404, "not_found");
    let progress = t
        .call("GET", "/v1/learning/progress", None, Some(&s.access_token))
        .await;
    assert_eq!(
        progress.body,
        json!({"skills": [{"skill": "fractions", "mastery": 1, "sessions": 1}], "streakDays": 1})
    );
    let theirs = t
        .call(
            "GET",
            "/v1/learning/progress",
            None,
            Some(&other.access_token),
        )
        .await;
    assert_eq!(theirs.body, json!({"skills": [], "streakDays": 0}));
}
