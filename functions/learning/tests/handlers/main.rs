//! Handler tests: every learning endpoint in process, from its sample event, against the
//! DynamoDB emulator with the template's table. A plan comes from the plan builder (the
//! queue consumer) run in process on an `attempt_graded` message, as it does in the cloud.

use aws_lambda_events::event::sqs::SqsEvent;
use http::StatusCode;
use lambda_http::{Body, Response};
use learning::App;
use serde_json::{Value, json};
use shared::auth::Role;
use shared::dynamo::Item;
use shared::events::{Envelope, EventType};
use testkit::{With, assert_problem, body_json, call, problem_fields};

type Harness = testkit::Harness<App>;

const KIM: &str = "01JDEMV0000000000000000001";
const LEE: &str = "01JDEMV0000000000000000002";
const ADMIN: &str = "01JDEMV00000000000000000AD";
/// A well-formed id nothing has.
const UNKNOWN: &str = "01JDEMZ0000000000000000009";
/// Bodies no endpoint reads as its JSON object.
const MALFORMED: [&str; 6] = ["{", "not json", "[1, 2]", "\"a string\"", "", "null"];

/// The sample event of `function`, changed as `with` says, through its real handler.
async fn send(h: &Harness, function: &str, with: With<'_>) -> Response<Body> {
    use learning::{enrollments, modules, progress, sessions};
    let req = testkit::event(function, with);
    match function {
        "LearningCreateModuleFunction" => call!(h, modules::handle_create, req),
        "LearningListModulesFunction" => call!(h, modules::handle_list, req),
        "LearningGetPlanFunction" => call!(h, progress::handle_plan, req),
        "LearningStartSessionFunction" => call!(h, sessions::handle_start, req),
        "LearningSubmitSessionFunction" => call!(h, sessions::handle_submit, req),
        "LearningGetProgressFunction" => call!(h, progress::handle_progress, req),
        "LearningListEnrollmentsFunction" => call!(h, enrollments::handle_list, req),
        other => panic!("no handler for {other}"),
    }
}

/// Learning's HTTP functions: those with a sample API Gateway event in `events/`.
fn http_functions() -> Vec<String> {
    let dir = testkit::root().join("events");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|file| file.strip_suffix(".json").map(str::to_owned))
        .filter(|name| name.starts_with("Learning"))
        .filter(|name| testkit::sample(name).get("routeKey").is_some())
        .collect();
    names.sort();
    names
}

async fn harness() -> Harness {
    Harness::start("LearningTable").await
}

fn student(h: &Harness, user: &str) -> String {
    h.keys.token(user, Role::Student)
}

fn admin(h: &Harness) -> String {
    h.keys.token(ADMIN, Role::Admin)
}

/// The sample as it is, sent with `token`.
fn by(token: &str) -> With<'_> {
    With {
        token: Some(token),
        ..With::default()
    }
}

/// The sample with `body`, sent with `token`.
fn sending(token: &str, body: Value) -> With<'_> {
    With {
        body: Some(body),
        ..by(token)
    }
}

/// Each body of `cases` sent with `with`'s token (and id) is a 400 naming its fields.
async fn assert_fields_refused<'a>(
    h: &Harness,
    function: &str,
    with: impl Fn() -> With<'a>,
    cases: &[(Value, &[&str])],
) {
    for (body, expected) in cases {
        let r = send(
            h,
            function,
            With {
                body: Some(body.clone()),
                ..with()
            },
        )
        .await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(problem_fields(&r), *expected, "{body}");
    }
}

/// Each of [`MALFORMED`] sent with `with`'s token (and id) is a 400.
async fn assert_malformed_refused<'a>(h: &Harness, function: &str, with: impl Fn() -> With<'a>) {
    for raw in MALFORMED {
        let r = send(
            h,
            function,
            With {
                raw_body: Some(raw),
                ..with()
            },
        )
        .await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
    }
}

/// `with` is refused with `problem` whatever the body: the sample's and a malformed one.
async fn assert_refused_before_the_body<'a>(
    h: &Harness,
    function: &str,
    with: impl Fn() -> With<'a>,
    (status, code): (StatusCode, &str),
) {
    assert_problem(&send(h, function, with()).await, status, code);
    let broken = With {
        raw_body: Some("{"),
        ..with()
    };
    assert_problem(&send(h, function, broken).await, status, code);
}

/// Every item of the table, in key order: what a refused request must leave as it was.
async fn table(h: &Harness) -> Vec<Item> {
    let mut items = h.db.scan("attribute_exists(pk)", &[]).await;
    let key = |i: &Item| {
        ["pk", "sk"].map(|k| {
            i.get(k)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        })
    };
    items.sort_by_key(key);
    items
}

/// A module of `skill` at `level` with `n` exercises of two choices, the right one first.
fn module_body(skill: &str, level: u8, n: usize) -> Value {
    let exercises: Vec<Value> = (0..n)
        .map(
            |i| json!({"prompt": format!("q{i}"), "choices": ["right", "wrong"], "answerIndex": 0}),
        )
        .collect();
    json!({"title": format!("{skill} {level}"), "skill": skill, "level": level, "exercises": exercises})
}

/// A module created by the admin; its id.
async fn module(h: &Harness, skill: &str, level: u8, n: usize) -> String {
    let token = admin(h);
    let r = send(
        h,
        "LearningCreateModuleFunction",
        sending(&token, module_body(skill, level, n)),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    body_json(&r)["id"].as_str().unwrap_or_default().to_owned()
}

/// A session of `module_id` started by `user`; its id.
async fn session(h: &Harness, user: &str, module_id: &str) -> String {
    let token = student(h, user);
    let r = send(
        h,
        "LearningStartSessionFunction",
        sending(&token, json!({"moduleId": module_id})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    body_json(&r)["sessionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Kim's open session on a new level-1 fractions module of `n` exercises; its id.
async fn kims_open_session(h: &Harness, n: usize) -> String {
    let id = module(h, "fractions", 1, n).await;
    session(h, KIM, &id).await
}

async fn submit_answers(h: &Harness, user: &str, id: &str, answers: Value) -> Response<Body> {
    let token = student(h, user);
    let with = With {
        id: Some(id),
        ..sending(&token, json!({ "answers": answers }))
    };
    send(h, "LearningSubmitSessionFunction", with).await
}

/// `user`'s progress.
async fn progress(h: &Harness, user: &str) -> Value {
    let token = student(h, user);
    let r = send(h, "LearningGetProgressFunction", by(&token)).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    body_json(&r)
}

/// `user`'s plan, 200 or not.
async fn plan(h: &Harness, user: &str) -> Response<Body> {
    let token = student(h, user);
    send(h, "LearningGetPlanFunction", by(&token)).await
}

/// The ids of a page's items.
fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["id"].as_str().map(str::to_owned))
        .collect()
}

/// The plan builder's sample message, as `user`'s graded attempt with `skills`.
async fn build_plan(h: &Harness, user: &str, skills: Value) {
    let mut event: SqsEvent = testkit::sample_as("LearningPlanBuilderFunction");
    let graded = Envelope::new(
        EventType::AttemptGraded,
        user,
        json!({"attemptId": shared::new_id(), "score": 0, "maxScore": 1, "skills": skills}),
        h.clock.as_ref(),
    );
    event.records[0].body = Some(serde_json::to_string(&graded).unwrap_or_default());
    let response = learning::plan_builder::handle_batch(&h.app, event).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "the plan was not built"
    );
}

const PROGRAM: &str = "01JDEMR0000000000000000001";
const ORDER: &str = "01JDEMQ0000000000000000001";

/// A premium module of `PROGRAM` created by the admin; its id.
async fn premium_module(h: &Harness, skill: &str, level: u8) -> String {
    let token = admin(h);
    let mut body = module_body(skill, level, 1);
    body["premium"] = json!(true);
    body["programId"] = json!(PROGRAM);
    let r = send(h, "LearningCreateModuleFunction", sending(&token, body)).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    let created = body_json(&r);
    assert_eq!(created["premium"], true);
    assert_eq!(created["programId"], PROGRAM);
    created["id"].as_str().unwrap_or_default().to_owned()
}

/// The enroll function's sample message, as `user`'s order `order_id` of `PROGRAM` with
/// the event `kind`; the ids of the messages that failed.
async fn deliver(h: &Harness, user: &str, kind: EventType, data: Value) -> Vec<String> {
    let mut event: SqsEvent = testkit::sample_as("LearningEnrollFunction");
    let order_event = Envelope::new(kind, user, data, h.clock.as_ref());
    event.records[0].body = Some(serde_json::to_string(&order_event).unwrap_or_default());
    let response = learning::enrollments::handle_batch(&h.app, event).await;
    response
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect()
}

fn order_data(order_id: &str) -> Value {
    json!({"orderId": order_id, "productName": "Premium math", "total": "19,000 KRW",
           "reason": null, "programId": PROGRAM})
}

async fn enrollments(h: &Harness, user: &str) -> Value {
    let token = student(h, user);
    let r = send(h, "LearningListEnrollmentsFunction", by(&token)).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    body_json(&r)
}

async fn start(h: &Harness, user: &str, module_id: &str) -> Response<Body> {
    let token = student(h, user);
    send(
        h,
        "LearningStartSessionFunction",
        sending(&token, json!({"moduleId": module_id})),
    )
    .await
}

#[tokio::test]
async fn every_endpoint_wants_a_signed_in_caller_and_stores_nothing_without_one() {
    let h = harness().await;
    let functions = http_functions();
    assert_eq!(functions.len(), 7, "{functions:?}");
    for function in &functions {
        // The sample events carry a placeholder, not a token.
        let unauthorized = (StatusCode::UNAUTHORIZED, "unauthorized");
        assert_refused_before_the_body(&h, function, With::default, unauthorized).await;
        assert_refused_before_the_body(&h, function, || by("not-a-token"), unauthorized).await;
    }
    assert_eq!(table(&h).await, Vec::<Item>::new());
}

// ------------------------------------------------------------------ modules

#[tokio::test]
async fn an_admin_creates_the_sample_module_and_it_is_stored() {
    let h = harness().await;
    let token = admin(&h);
    let r = send(&h, "LearningCreateModuleFunction", by(&token)).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    let created = body_json(&r);
    assert_eq!(created["title"], "Fractions · level 1");
    assert_eq!(created["skill"], "fractions");
    assert_eq!(created["level"], 1);
    assert_eq!(
        created["exercises"],
        json!([{"prompt": "What is 1/2 + 1/2?", "choices": ["1", "2/4"], "answerIndex": 0}])
    );
    assert_eq!(created["createdAt"], "2026-11-24T12:00:00Z");
    let id = created["id"].as_str().unwrap_or_default();
    assert!(shared::is_id(id), "{created}");
    let stored =
        h.db.scan("pk = :pk", &[(":pk", &format!("MODULE#{id}"))])
            .await;
    assert_eq!(stored.len(), 1, "the module is stored");

    // And it is in the catalogue a student lists.
    let kim = student(&h, KIM);
    let page = body_json(&send(&h, "LearningListModulesFunction", by(&kim)).await);
    assert_eq!(ids(&page), [id]);
    assert_eq!(page["items"][0]["exerciseCount"], 1);
}

#[tokio::test]
async fn only_an_admin_creates_a_module_and_a_refusal_stores_nothing() {
    let h = harness().await;
    let kim = student(&h, KIM);
    let forbidden = (StatusCode::FORBIDDEN, "forbidden");
    assert_refused_before_the_body(&h, "LearningCreateModuleFunction", || by(&kim), forbidden)
        .await;
    assert_eq!(table(&h).await, Vec::<Item>::new());
}

#[tokio::test]
async fn a_malformed_or_invalid_module_is_a_400_and_stores_nothing() {
    let h = harness().await;
    let token = admin(&h);
    assert_malformed_refused(&h, "LearningCreateModuleFunction", || by(&token)).await;
    let one = json!([{"prompt": "p", "choices": ["a", "b"], "answerIndex": 0}]);
    let cases: [(Value, &[&str]); 5] = [
        (
            json!({"skill": "fractions", "level": 1, "exercises": []}),
            &["title", "exercises"],
        ),
        (
            json!({"title": 3, "skill": "fractions", "level": "1", "exercises": one}),
            &["title", "level"],
        ),
        (
            json!({"title": "t", "skill": "a#b", "level": 9, "exercises": one}),
            &["skill", "level"],
        ),
        (
            json!({"title": "t", "skill": "fractions", "level": 1,
                   "exercises": [{"prompt": "p", "choices": ["a", "b"], "answerIndex": 2}]}),
            &["exercises[0].answerIndex"],
        ),
        (
            json!({"title": "t", "skill": "fractions", "level": 1, "exercises": "many"}),
            &["exercises"],
        ),
    ];
    assert_fields_refused(&h, "LearningCreateModuleFunction", || by(&token), &cases).await;
    assert_eq!(table(&h).await, Vec::<Item>::new());
}

#[tokio::test]
async fn modules_are_listed_by_skill_then_level_and_filtered_by_skill() {
    let h = harness().await;
    let f2 = module(&h, "fractions", 2, 1).await;
    let g1 = module(&h, "geometry", 1, 1).await;
    let f1 = module(&h, "fractions", 1, 3).await;
    let kim = student(&h, KIM);
    let list = |query: Value| {
        let with = With {
            query: Some(query),
            ..by(&kim)
        };
        send(&h, "LearningListModulesFunction", with)
    };

    // The sample asks for fractions only.
    let r = send(&h, "LearningListModulesFunction", by(&kim)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = body_json(&r);
    assert_eq!(ids(&page), [f1.clone(), f2.clone()]);
    assert_eq!(page["items"][0]["exerciseCount"], 3);
    assert!(page["items"][0].get("exercises").is_none(), "{page}");
    assert_eq!(page["nextCursor"], Value::Null);

    let all = body_json(&list(json!({})).await);
    assert_eq!(ids(&all), [f1.clone(), f2.clone(), g1]);

    // Pages of one, joined by the cursor.
    let first = body_json(&list(json!({"skill": "fractions", "limit": "1"})).await);
    assert_eq!(ids(&first), [f1]);
    let cursor = first["nextCursor"].as_str().unwrap_or_default();
    let next = json!({"skill": "fractions", "limit": "1", "cursor": cursor});
    assert_eq!(ids(&body_json(&list(next).await)), [f2]);
    // A cursor is bound to its skill.
    let r = list(json!({"skill": "geometry", "cursor": cursor})).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
}

#[tokio::test]
async fn listing_modules_refuses_a_bad_skill_limit_or_cursor() {
    let h = harness().await;
    let cases = [
        (json!({"skill": "a#b"}), "skill"),
        (json!({"limit": "0"}), "limit"),
        (json!({"cursor": "x"}), "cursor"),
    ];
    assert_queries_refused(&h, "LearningListModulesFunction", &cases).await;
}

/// Each query of `cases`, sent by Kim to the list `function`, is a 400 naming its field.
async fn assert_queries_refused(h: &Harness, function: &str, cases: &[(Value, &str)]) {
    let kim = student(h, KIM);
    for (q, field) in cases {
        let with = With {
            query: Some(q.clone()),
            ..by(&kim)
        };
        let r = send(h, function, with).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
        assert_eq!(problem_fields(&r), [*field], "{q}");
    }
}

// ------------------------------------------------------------------ plan

#[tokio::test]
async fn the_plan_is_a_404_until_the_builder_makes_it_and_is_the_owners_alone() {
    let h = harness().await;
    assert_problem(&plan(&h, KIM).await, StatusCode::NOT_FOUND, "not_found");

    let fractions = module(&h, "fractions", 2, 1).await;
    let graded = json!([{"skill": "fractions", "ratio": 0.5}, {"skill": "geometry", "ratio": 0.9}]);
    build_plan(&h, KIM, graded).await;
    let r = plan(&h, KIM).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    let plan_shown = body_json(&r);
    assert_eq!(plan_shown["status"], "active");
    assert_eq!(plan_shown["completedAt"], Value::Null);
    // Geometry is not weak: one item, fractions, with the module at its level.
    assert_eq!(
        plan_shown["items"],
        json!([{"moduleId": fractions, "skill": "fractions", "level": 2, "ratio": 0.5, "status": "todo"}])
    );

    assert_problem(&plan(&h, LEE).await, StatusCode::NOT_FOUND, "not_found");
}

// ------------------------------------------------------------------ sessions

#[tokio::test]
async fn a_session_starts_with_the_modules_exercises_without_answers() {
    let h = harness().await;
    let id = module(&h, "fractions", 3, 2).await;
    let kim = student(&h, KIM);
    let lowercase = json!({"moduleId": id.to_ascii_lowercase()});
    let r = send(&h, "LearningStartSessionFunction", sending(&kim, lowercase)).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    let started = body_json(&r);
    assert_eq!(started["moduleId"], id.as_str());
    assert_eq!(started["title"], "fractions 3");
    assert_eq!(started["skill"], "fractions");
    assert_eq!(started["level"], 3);
    assert_eq!(
        started["exercises"],
        json!([{"prompt": "q0", "choices": ["right", "wrong"]},
               {"prompt": "q1", "choices": ["right", "wrong"]}])
    );
    assert_eq!(started["startedAt"], "2026-11-24T12:00:00Z");
    let session_id = started["sessionId"].as_str().unwrap_or_default();
    let key = [
        (":pk", format!("USER#{KIM}")),
        (":sk", format!("SESSION#{session_id}")),
    ];
    let key = key.each_ref().map(|(k, v)| (*k, v.as_str()));
    let stored = h.db.scan("pk = :pk AND sk = :sk", &key).await;
    assert_eq!(stored.len(), 1, "the session is stored under its owner");
}

#[tokio::test]
async fn starting_a_session_refuses_bad_bodies_and_unknown_modules() {
    let h = harness().await;
    module(&h, "fractions", 1, 1).await;
    let before = table(&h).await;
    let kim = student(&h, KIM);
    assert_malformed_refused(&h, "LearningStartSessionFunction", || by(&kim)).await;
    let cases: [(Value, &[&str]); 3] = [
        (json!({}), &["moduleId"]),
        (json!({"moduleId": 7}), &["moduleId"]),
        (json!({"moduleId": "nope"}), &["moduleId"]),
    ];
    assert_fields_refused(&h, "LearningStartSessionFunction", || by(&kim), &cases).await;
    // The sample names a module that does not exist here.
    let r = send(&h, "LearningStartSessionFunction", by(&kim)).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    let r = send(
        &h,
        "LearningStartSessionFunction",
        sending(&kim, json!({"moduleId": UNKNOWN})),
    )
    .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(table(&h).await, before, "a refused start stores nothing");
}

#[tokio::test]
async fn a_submit_is_scored_counted_once_and_returns_the_first_result_again() {
    let h = harness().await;
    let id = module(&h, "fractions", 2, 5).await;
    let sid = session(&h, KIM, &id).await;
    // Three of five right: not mastered.
    let r = submit_answers(&h, KIM, &sid, json!([0, 0, 0, 1, 1])).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    let first = json!({"correct": 3, "total": 5, "mastered": false});
    assert_eq!(body_json(&r), first);
    let after_first = table(&h).await;
    let r = submit_answers(&h, KIM, &sid, json!([0, 0, 0, 0, 0])).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body_json(&r), first);
    assert_eq!(
        table(&h).await,
        after_first,
        "a second submit changes nothing"
    );
    assert_eq!(
        progress(&h, KIM).await,
        json!({"skills": [{"skill": "fractions", "mastery": 0, "sessions": 1}], "streakDays": 1})
    );
}

#[tokio::test]
async fn a_mastered_session_completes_the_plan_items_of_its_skill() {
    let h = harness().await;
    let id = module(&h, "fractions", 5, 5).await;
    build_plan(&h, KIM, json!([{"skill": "fractions", "ratio": 0.2}])).await;
    assert_eq!(body_json(&plan(&h, KIM).await)["status"], "active");

    let sid = session(&h, KIM, &id).await;
    let r = submit_answers(&h, KIM, &sid, json!([0, 0, 0, 0, 1])).await;
    let mastered = json!({"correct": 4, "total": 5, "mastered": true});
    assert_eq!(body_json(&r), mastered);
    let completed_plan = body_json(&plan(&h, KIM).await);
    assert_eq!(completed_plan["status"], "completed", "{completed_plan}");
    assert_eq!(completed_plan["completedAt"], "2026-11-24T12:00:00Z");
    assert_eq!(completed_plan["items"][0]["status"], "done");
    let completed: Vec<Value> =
        h.db.outbox_bodies()
            .await
            .into_iter()
            .filter(|e| e["type"] == "plan_completed")
            .collect();
    assert_eq!(completed.len(), 1, "plan_completed is queued once");
    assert_eq!(completed[0]["userId"], KIM);
    assert_eq!(completed[0]["data"]["planId"], completed_plan["id"]);
    assert_eq!(progress(&h, KIM).await["skills"][0]["mastery"], 5);
}

#[tokio::test]
async fn another_students_session_is_a_404_and_stays_open() {
    let h = harness().await;
    let sid = kims_open_session(&h, 2).await;
    let before = table(&h).await;
    let r = submit_answers(&h, LEE, &sid, json!([0, 0])).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    let r = submit_answers(&h, KIM, UNKNOWN, json!([0, 0])).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(table(&h).await, before);
    assert_eq!(
        progress(&h, LEE).await,
        json!({"skills": [], "streakDays": 0})
    );
    // Kim's own submit is the first one.
    let result = body_json(&submit_answers(&h, KIM, &sid, json!([0, 1])).await);
    assert_eq!(result, json!({"correct": 1, "total": 2, "mastered": false}));
}

#[tokio::test]
async fn answers_that_do_not_fit_are_a_400_and_leave_the_session_open() {
    let h = harness().await;
    let sid = kims_open_session(&h, 2).await;
    let before = table(&h).await;
    let kim = student(&h, KIM);
    let own = || With {
        id: Some(&sid),
        ..by(&kim)
    };
    assert_malformed_refused(&h, "LearningSubmitSessionFunction", own).await;
    let cases: [(Value, &[&str]); 7] = [
        (json!({}), &["answers"]),
        (json!({"answers": "0,1"}), &["answers"]),
        (json!({"answers": []}), &["answers"]),
        (json!({"answers": ["a", 0]}), &["answers[0]"]),
        // Read, then checked against the session: its number of exercises, its choices.
        (json!({"answers": [0]}), &["answers"]),
        (json!({"answers": [0, 0, 0]}), &["answers"]),
        (json!({"answers": [0, 2]}), &["answers[1]"]),
    ];
    assert_fields_refused(&h, "LearningSubmitSessionFunction", own, &cases).await;
    let r = submit_answers(&h, KIM, "not-an-id", json!([0, 0])).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(problem_fields(&r), ["id"]);
    assert_eq!(table(&h).await, before, "nothing refused was stored");
    let result = body_json(&submit_answers(&h, KIM, &sid, json!([0, 0])).await);
    assert_eq!(result, json!({"correct": 2, "total": 2, "mastered": true}));
}

// ------------------------------------------------------------------ progress

#[tokio::test]
async fn progress_starts_empty_and_counts_each_skills_sessions_for_the_caller_alone() {
    let h = harness().await;
    let empty = json!({"skills": [], "streakDays": 0});
    assert_eq!(progress(&h, KIM).await, empty);

    let f = module(&h, "fractions", 2, 1).await;
    let g = module(&h, "geometry", 1, 1).await;
    for (m, answer) in [(&f, 0), (&f, 1), (&g, 0)] {
        let sid = session(&h, KIM, m).await;
        let r = submit_answers(&h, KIM, &sid, json!([answer])).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    assert_eq!(
        progress(&h, KIM).await,
        json!({"skills": [
            {"skill": "fractions", "mastery": 2, "sessions": 2},
            {"skill": "geometry", "mastery": 1, "sessions": 1},
        ], "streakDays": 1})
    );
    assert_eq!(progress(&h, LEE).await, empty);
}

// ------------------------------------------------------------------ enrollments

#[tokio::test]
async fn a_premium_module_is_listed_as_such_and_needs_a_program_id() {
    let h = harness().await;
    let id = premium_module(&h, "fractions", 4).await;
    let free = module(&h, "fractions", 1, 1).await;
    let kim = student(&h, KIM);
    let r = send(&h, "LearningListModulesFunction", by(&kim)).await;
    let listed = body_json(&r);
    let shown = |id: &str| {
        listed["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["id"] == id)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(shown(&id)["premium"], true);
    assert_eq!(shown(&id)["programId"], PROGRAM);
    assert_eq!(shown(&free)["premium"], false);
    assert_eq!(shown(&free)["programId"], Value::Null);

    let before = table(&h).await;
    let token = admin(&h);
    let with_fields = |premium: Value, program: Value| {
        let mut body = module_body("fractions", 2, 1);
        body["premium"] = premium;
        body["programId"] = program;
        body
    };
    let cases: [(Value, &[&str]); 4] = [
        (with_fields(json!(true), json!(null)), &["programId"]),
        (with_fields(json!(true), json!("nope")), &["programId"]),
        (with_fields(json!(1), json!(PROGRAM)), &["premium"]),
        (with_fields(json!(false), json!(7)), &["programId"]),
    ];
    assert_fields_refused(&h, "LearningCreateModuleFunction", || by(&token), &cases).await;
    assert_eq!(table(&h).await, before, "a refused module stores nothing");
}

#[tokio::test]
async fn an_order_confirmed_twice_enrolls_once_opens_the_module_and_a_cancel_closes_it() {
    let h = harness().await;
    let id = premium_module(&h, "fractions", 4).await;
    let before = table(&h).await;
    let r = start(&h, KIM, &id).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "enrollment_required");
    assert_eq!(table(&h).await, before, "a refused start stores nothing");
    assert_eq!(enrollments(&h, KIM).await["items"], json!([]));

    // The same order_confirmed delivered twice: one enrollment, one `enrolled`.
    for _ in 0..2 {
        let failed = deliver(&h, KIM, EventType::OrderConfirmed, order_data(ORDER)).await;
        assert!(failed.is_empty(), "{failed:?}");
    }
    let mine = enrollments(&h, KIM).await;
    assert_eq!(
        mine["items"],
        json!([{"programId": PROGRAM, "programName": "Premium math", "orderId": ORDER,
                "enrolledAt": "2026-11-24T12:00:00Z"}])
    );
    let enrolled: Vec<Value> =
        h.db.outbox_bodies()
            .await
            .into_iter()
            .filter(|e| e["type"] == "enrolled")
            .collect();
    assert_eq!(enrolled.len(), 1, "enrolled is queued once");
    assert_eq!(enrolled[0]["userId"], KIM);
    assert_eq!(
        enrolled[0]["data"],
        json!({"programId": PROGRAM, "programName": "Premium math", "orderId": ORDER})
    );
    let r = start(&h, KIM, &id).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));

    // Another student is not enrolled.
    assert_problem(
        &start(&h, LEE, &id).await,
        StatusCode::FORBIDDEN,
        "enrollment_required",
    );
    assert_eq!(enrollments(&h, LEE).await["items"], json!([]));

    // Another order's cancellation leaves Kim's enrollment; this order's revokes it, twice.
    let other = "01JDEMQ0000000000000000002";
    let failed = deliver(&h, KIM, EventType::OrderCancelled, order_data(other)).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        enrollments(&h, KIM).await["items"].as_array().map(Vec::len),
        Some(1)
    );
    for _ in 0..2 {
        let failed = deliver(&h, KIM, EventType::OrderCancelled, order_data(ORDER)).await;
        assert!(failed.is_empty(), "{failed:?}");
    }
    assert_eq!(enrollments(&h, KIM).await["items"], json!([]));
    assert_problem(
        &start(&h, KIM, &id).await,
        StatusCode::FORBIDDEN,
        "enrollment_required",
    );

    // Its confirmation delivered again after the cancellation enrolls nobody.
    let failed = deliver(&h, KIM, EventType::OrderConfirmed, order_data(ORDER)).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(enrollments(&h, KIM).await["items"], json!([]));
    // A cancellation that overtook its confirmation (the other order) blocks it as well.
    let failed = deliver(&h, KIM, EventType::OrderConfirmed, order_data(other)).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(enrollments(&h, KIM).await["items"], json!([]));
}

#[tokio::test]
async fn order_events_without_a_program_or_with_bad_data_enroll_nobody() {
    let h = harness().await;
    let before = table(&h).await;
    let no_program =
        json!({"orderId": ORDER, "productName": "Book", "total": null, "reason": null});
    assert!(
        deliver(&h, KIM, EventType::OrderConfirmed, no_program)
            .await
            .is_empty()
    );
    let rejected = deliver(&h, KIM, EventType::OrderRejected, order_data(ORDER)).await;
    assert!(
        rejected.is_empty(),
        "an event enrollments does not act on is acknowledged"
    );
    assert_eq!(table(&h).await, before);
    // Malformed data fails for good (the dead-letter queue keeps it).
    for data in [
        json!({"programId": PROGRAM}),
        json!({"orderId": "nope", "programId": PROGRAM}),
        json!({"orderId": ORDER, "programId": "nope"}),
    ] {
        let failed = deliver(&h, KIM, EventType::OrderConfirmed, data.clone()).await;
        assert_eq!(failed.len(), 1, "{data}");
    }
    assert_eq!(table(&h).await, before);
}

#[tokio::test]
async fn the_plan_builder_suggests_a_premium_module_only_to_the_enrolled() {
    let h = harness().await;
    let free = module(&h, "fractions", 1, 1).await;
    let premium = premium_module(&h, "fractions", 3).await;
    let graded = json!([{"skill": "fractions", "ratio": 0.5}]);
    build_plan(&h, LEE, graded.clone()).await;
    assert_eq!(
        body_json(&plan(&h, LEE).await)["items"][0]["moduleId"],
        free
    );

    assert!(
        deliver(&h, KIM, EventType::OrderConfirmed, order_data(ORDER))
            .await
            .is_empty()
    );
    build_plan(&h, KIM, graded).await;
    assert_eq!(
        body_json(&plan(&h, KIM).await)["items"][0]["moduleId"],
        premium
    );
}

#[tokio::test]
async fn enrollments_are_the_callers_and_listing_refuses_a_bad_limit_or_cursor() {
    let h = harness().await;
    assert!(
        deliver(&h, KIM, EventType::OrderConfirmed, order_data(ORDER))
            .await
            .is_empty()
    );
    assert_eq!(
        enrollments(&h, KIM).await["items"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(enrollments(&h, LEE).await["items"], json!([]));
    let cases = [
        (json!({"limit": "0"}), "limit"),
        (json!({"cursor": "x"}), "cursor"),
    ];
    assert_queries_refused(&h, "LearningListEnrollmentsFunction", &cases).await;
}

/// `user_deleted` for `user` through the plan builder (it shares learning's queue); the ids
/// of the messages that failed.
async fn delete_user(h: &Harness, user: &str) -> Vec<String> {
    let mut event: SqsEvent = testkit::sample_as("LearningPlanBuilderFunction");
    let deleted = Envelope::new(
        shared::erasure::AccountEvent::UserDeleted,
        user,
        json!({}),
        h.clock.as_ref(),
    );
    event.records[0].body = Some(serde_json::to_string(&deleted).unwrap_or_default());
    learning::plan_builder::handle_batch(&h.app, event)
        .await
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect()
}

/// Every item of the table under `user`'s key.
async fn items_of(h: &Harness, user: &str) -> Vec<Item> {
    h.db.scan("pk = :pk", &[(":pk", &format!("USER#{user}"))])
        .await
}

#[tokio::test]
async fn user_deleted_erases_everything_under_the_students_key_and_again_changes_nothing() {
    let h = harness().await;
    module(&h, "fractions", 1, 2).await;
    build_plan(
        &h,
        KIM,
        json!([{"skill": "fractions", "score": 0, "maxScore": 2, "ratio": 0.0}]),
    )
    .await;
    let open = kims_open_session(&h, 2).await;
    let done = kims_open_session(&h, 2).await;
    let r = submit_answers(&h, KIM, &done, json!([0, 0])).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    assert!(
        deliver(&h, KIM, EventType::OrderConfirmed, order_data(ORDER))
            .await
            .is_empty()
    );
    assert!(
        deliver(
            &h,
            KIM,
            EventType::OrderCancelled,
            order_data("01JDEMQ0000000000000000002")
        )
        .await
        .is_empty()
    );
    // Lee's data, and the catalogue, stay.
    build_plan(
        &h,
        LEE,
        json!([{"skill": "fractions", "score": 0, "maxScore": 2, "ratio": 0.0}]),
    )
    .await;
    let lees = items_of(&h, LEE).await.len();
    let kims: Vec<String> = items_of(&h, KIM)
        .await
        .iter()
        .filter_map(|i| i.get("sk").and_then(|v| v.as_s().ok()).cloned())
        .collect();
    for prefix in [
        "PLAN#",
        "SESSION#",
        "PROGRESS#",
        "DAYS",
        "ENROLLMENT#",
        "REVOKED#",
    ] {
        assert!(
            kims.iter().any(|sk| sk.starts_with(prefix)),
            "no {prefix} in {kims:?}"
        );
    }
    assert_ne!(open, done);

    assert_eq!(delete_user(&h, KIM).await, Vec::<String>::new());
    assert_eq!(items_of(&h, KIM).await, Vec::<Item>::new());
    assert_eq!(plan(&h, KIM).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(progress(&h, KIM).await["skills"], json!([]));
    assert_eq!(items_of(&h, LEE).await.len(), lees);
    // A redelivery succeeds and changes nothing.
    let before = h.db.scan("attribute_exists(pk)", &[]).await.len();
    assert_eq!(delete_user(&h, KIM).await, Vec::<String>::new());
    assert_eq!(h.db.scan("attribute_exists(pk)", &[]).await.len(), before);
}

#[tokio::test]
async fn a_user_deleted_without_a_valid_user_id_fails_for_good() {
    let h = harness().await;
    let failed = delete_user(&h, "../etc").await;
    assert_eq!(failed.len(), 1);
}
