//! Handler tests: every assessments endpoint in process, from its sample event, against the
//! DynamoDB emulator with the template's table.

use std::collections::{BTreeMap, HashMap};

use assessments::App;
use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{Value, json};
use shared::auth::Role;
use shared::dynamo::Item;
use testkit::{NOW, With, assert_problem, body_json, call, problem_fields};

type Harness = testkit::Harness<App>;

const KIM: &str = "01JDEMV0000000000000000001";
const LEE: &str = "01JDEMV0000000000000000002";
const ADMIN: &str = "01JDEMV00000000000000000AD";
/// A well-formed id nothing has.
const UNKNOWN: &str = "01JDEMZ0000000000000000009";
/// Bodies no endpoint reads as its JSON object.
const MALFORMED: [&str; 6] = ["{", "not json", "[1, 2]", "\"a string\"", "", "null"];

/// A request through the real handler of `function`.
async fn dispatch(h: &Harness, function: &str, req: Request) -> Response<Body> {
    use assessments::{attempts, authoring, submit};
    match function {
        "AssessmentsCreateAssessmentFunction" => call!(h, authoring::handle_create, req),
        "AssessmentsPublishAssessmentFunction" => call!(h, authoring::handle_publish, req),
        "AssessmentsListAssessmentsFunction" => call!(h, authoring::handle_list, req),
        "AssessmentsGetAssessmentFunction" => call!(h, authoring::handle_get, req),
        "AssessmentsStartAttemptFunction" => call!(h, attempts::handle_start, req),
        "AssessmentsSaveAnswerFunction" => call!(h, attempts::handle_save_answer, req),
        "AssessmentsSubmitAttemptFunction" => call!(h, submit::handle, req),
        "AssessmentsGetAttemptFunction" => call!(h, attempts::handle_get, req),
        "AssessmentsListMyAttemptsFunction" => call!(h, attempts::handle_list_mine, req),
        other => panic!("no handler for {other}"),
    }
}

/// The sample event of `function`, changed as `with` says; without `with.token`, with no
/// Authorization header at all (the samples carry one).
fn request(function: &str, with: With<'_>) -> Request {
    let anonymous = with.token.is_none();
    let mut req = testkit::event(function, with);
    if anonymous {
        req.headers_mut().remove("authorization");
    }
    req
}

/// The sample event of `function`, changed as `with` says, through its real handler.
async fn send(h: &Harness, function: &str, with: With<'_>) -> Response<Body> {
    dispatch(h, function, request(function, with)).await
}

/// The sample of an attempt's route, changed as `with` says, at `attempt` (and `question`).
async fn send_to_attempt(
    h: &Harness,
    function: &str,
    with: With<'_>,
    attempt: &str,
    question: Option<&str>,
) -> Response<Body> {
    let mut params = HashMap::from([("attemptId".to_owned(), attempt.to_owned())]);
    if let Some(q) = question {
        params.insert("questionId".to_owned(), q.to_owned());
    }
    let req = request(function, with).with_path_parameters(params);
    dispatch(h, function, req).await
}

async fn harness() -> Harness {
    Harness::start("AssessmentsTable").await
}

/// A token of `user`: [`ADMIN`] is the admin, anyone else a student.
fn bearer(h: &Harness, user: &str) -> String {
    let role = if user == ADMIN {
        Role::Admin
    } else {
        Role::Student
    };
    h.keys.token(user, role)
}

/// The sample as it is, sent with `token`.
fn by(token: &str) -> With<'_> {
    With {
        token: Some(token),
        ..With::default()
    }
}

/// The sample at `id`, sent with `token`.
fn at<'a>(token: &'a str, id: &'a str) -> With<'a> {
    With {
        id: Some(id),
        ..by(token)
    }
}

/// Every item of the table by its key: what a refused request must leave as it was.
async fn table(h: &Harness) -> BTreeMap<String, Item> {
    let key = |i: &Item, k: &str| i.get(k).and_then(|v| v.as_s().ok()).cloned();
    let items = h.db.scan("attribute_exists(pk)", &[]).await;
    items
        .into_iter()
        .map(|i| (format!("{:?} {:?}", key(&i, "pk"), key(&i, "sk")), i))
        .collect()
}

#[track_caller]
fn assert_not_found(r: &Response<Body>) {
    assert_problem(r, StatusCode::NOT_FOUND, "not_found");
}

#[track_caller]
fn assert_invalid(r: &Response<Body>) {
    assert_problem(r, StatusCode::BAD_REQUEST, "validation_failed");
}

#[track_caller]
fn assert_unauthorized(r: &Response<Body>) {
    assert_problem(r, StatusCode::UNAUTHORIZED, "unauthorized");
}

/// An assessment of `n` questions of two choices, the first right, one point each.
fn assessment_body(title: &str, n: usize) -> Value {
    let questions: Vec<Value> = (0..n)
        .map(|i| {
            json!({"prompt": format!("q{i}"), "choices": ["right", "wrong"], "answerIndex": 0,
                   "skill": if i % 2 == 0 { "fractions" } else { "decimals" }, "points": 1})
        })
        .collect();
    json!({"title": title, "timeLimitSeconds": 600, "questions": questions})
}

/// A draft created by the admin from `body`: the response.
async fn draft(h: &Harness, body: Value) -> Value {
    let token = bearer(h, ADMIN);
    let r = send(
        h,
        "AssessmentsCreateAssessmentFunction",
        With {
            body: Some(body),
            ..by(&token)
        },
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    body_json(&r)
}

fn id_of(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap_or_default().to_owned()
}

/// A published assessment of `n` questions: its draft (with the question ids).
async fn published(h: &Harness, title: &str, n: usize) -> Value {
    let d = draft(h, assessment_body(title, n)).await;
    let token = bearer(h, ADMIN);
    let r = send(
        h,
        "AssessmentsPublishAssessmentFunction",
        at(&token, &id_of(&d, "id")),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    d
}

/// An attempt `user` started at `assessment_id`: the response.
async fn start(h: &Harness, user: &str, assessment_id: &str) -> Value {
    let token = bearer(h, user);
    let r = send(
        h,
        "AssessmentsStartAttemptFunction",
        at(&token, assessment_id),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    body_json(&r)
}

/// `user` saves `body` for `question` of `attempt`.
async fn save(
    h: &Harness,
    user: &str,
    attempt: &str,
    question: &str,
    body: Value,
) -> Response<Body> {
    let token = bearer(h, user);
    send_to_attempt(
        h,
        "AssessmentsSaveAnswerFunction",
        With {
            body: Some(body),
            ..by(&token)
        },
        attempt,
        Some(question),
    )
    .await
}

/// `user` calls `function` (submit or read) at `attempt`.
async fn on_attempt(h: &Harness, function: &str, user: &str, attempt: &str) -> Response<Body> {
    let token = bearer(h, user);
    send_to_attempt(h, function, by(&token), attempt, None).await
}

async fn submit(h: &Harness, user: &str, attempt: &str) -> Response<Body> {
    on_attempt(h, "AssessmentsSubmitAttemptFunction", user, attempt).await
}

async fn get_attempt(h: &Harness, user: &str, attempt: &str) -> Response<Body> {
    on_attempt(h, "AssessmentsGetAttemptFunction", user, attempt).await
}

async fn stored_attempt(h: &Harness, user: &str, attempt: &str) -> assessments::model::Attempt {
    h.app
        .store
        .attempt(user, attempt)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no attempt {attempt} of {user}"))
}

fn ids(page: &Value, field: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| id_of(i, field))
        .collect()
}

#[tokio::test]
async fn the_sample_assessment_is_drafted_with_fresh_ids_and_stored_as_returned() {
    let h = harness().await;
    let token = bearer(&h, ADMIN);
    let r = send(&h, "AssessmentsCreateAssessmentFunction", by(&token)).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body_json(&r));
    let body = body_json(&r);
    assert_eq!(body["title"], "Diagnostic");
    assert_eq!(body["description"], "A short placement test.");
    assert_eq!(body["timeLimitSeconds"], 900);
    assert_eq!(body["status"], "draft");
    assert_eq!(body["createdAt"], shared::clock::rfc3339(NOW));
    assert_eq!(body["publishedAt"], Value::Null);
    let question = &body["questions"][0];
    assert_eq!(question["choices"], json!(["3/4", "2/6"]));
    assert_eq!(question["answerIndex"], 0);
    assert_eq!(question["skill"], "fractions");
    assert!(shared::canonical_id(question["id"].as_str().unwrap_or_default()).is_some());
    let id = id_of(&body, "id");
    assert!(shared::canonical_id(&id).is_some(), "{id}");

    let stored = h
        .app
        .store
        .assessment(&id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("not stored"));
    assert_eq!(serde_json::to_value(&stored).unwrap_or_default(), body);

    // Another draft of the same body gets other ids.
    let again = body_json(&send(&h, "AssessmentsCreateAssessmentFunction", by(&token)).await);
    assert_ne!(again["id"], body["id"]);
    assert_ne!(again["questions"][0]["id"], question["id"]);
}

#[tokio::test]
async fn drafting_is_for_admins_with_a_valid_body() {
    let h = harness().await;
    let kim = bearer(&h, KIM);
    let function = "AssessmentsCreateAssessmentFunction";
    // The role is checked before the body is read.
    for raw in [None, Some("{")] {
        let r = send(
            &h,
            function,
            With {
                raw_body: raw,
                ..by(&kim)
            },
        )
        .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    }
    let r = send(&h, function, With::default()).await;
    assert_unauthorized(&r);
    // The sample's own token is not one this deployment signed.
    let r = dispatch(&h, function, testkit::event(function, With::default())).await;
    assert_unauthorized(&r);

    let token = bearer(&h, ADMIN);
    for raw in MALFORMED {
        let r = send(
            &h,
            function,
            With {
                raw_body: Some(raw),
                ..by(&token)
            },
        )
        .await;
        assert_invalid(&r);
    }
    let r = send(
        &h,
        function,
        With {
            content_type: Some("text/plain"),
            ..by(&token)
        },
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        body_json(&r)
    );

    let good = assessment_body("T", 1);
    let with = |path: &str, value: Value| {
        let mut b = good.clone();
        let mut target = &mut b;
        let parts: Vec<&str> = path.split('.').collect();
        for p in &parts[..parts.len() - 1] {
            target = match p.parse::<usize>() {
                Ok(i) => &mut target[i],
                Err(_) => &mut target[*p],
            };
        }
        let last = parts[parts.len() - 1];
        if value == json!("<absent>") {
            if let Some(o) = target.as_object_mut() {
                o.remove(last);
            }
        } else {
            target[last] = value;
        }
        b
    };
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["title", "timeLimitSeconds", "questions"]),
        (with("title", json!(7)), vec!["title"]),
        (with("title", json!(" ")), vec!["title"]),
        (with("description", json!(["x"])), vec!["description"]),
        (
            with("timeLimitSeconds", json!("60")),
            vec!["timeLimitSeconds"],
        ),
        (with("timeLimitSeconds", json!(0)), vec!["timeLimitSeconds"]),
        (
            with("timeLimitSeconds", json!(86_401)),
            vec!["timeLimitSeconds"],
        ),
        (
            with("timeLimitSeconds", json!(-1)),
            vec!["timeLimitSeconds"],
        ),
        (with("questions", json!([])), vec!["questions"]),
        (with("questions", json!({})), vec!["questions"]),
        (
            with("questions.0.answerIndex", json!(2)),
            vec!["questions[0].answerIndex"],
        ),
        (
            with("questions.0.points", json!(0)),
            vec!["questions[0].points"],
        ),
        (
            with("questions.0.choices", json!(["only"])),
            vec!["questions[0].choices"],
        ),
        (
            with("questions.0.skill", json!("<absent>")),
            vec!["questions[0]"],
        ),
        (
            with("questions.0.points", json!("1")),
            vec!["questions[0].points"],
        ),
    ];
    for (body, expected) in cases {
        let r = send(
            &h,
            function,
            With {
                body: Some(body.clone()),
                ..by(&token)
            },
        )
        .await;
        assert_invalid(&r);
        assert_eq!(problem_fields(&r), expected, "{body}");
    }
    assert!(table(&h).await.is_empty(), "a refused draft was stored");
}

#[tokio::test]
async fn a_draft_is_published_once_and_then_readable_without_its_answers() {
    let h = harness().await;
    let d = draft(&h, assessment_body("Fractions", 2)).await;
    let id = id_of(&d, "id");
    let token = bearer(&h, ADMIN);
    let kim = bearer(&h, KIM);
    let function = "AssessmentsPublishAssessmentFunction";

    // A draft is the admins' alone.
    let r = send(&h, "AssessmentsGetAssessmentFunction", at(&kim, &id)).await;
    assert_not_found(&r);
    let r = send(&h, "AssessmentsGetAssessmentFunction", at(&token, &id)).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    assert_eq!(body_json(&r)["status"], "draft");

    // Refused: nothing changes.
    let before = table(&h).await;
    assert_problem(
        &send(&h, function, at(&kim, &id)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let anonymous = With {
        id: Some(&id),
        ..With::default()
    };
    assert_unauthorized(&send(&h, function, anonymous).await);
    assert_not_found(&send(&h, function, at(&token, UNKNOWN)).await);
    let r = send(&h, function, at(&token, "not-an-id")).await;
    assert_invalid(&r);
    assert_eq!(problem_fields(&r), ["id"]);
    assert_eq!(table(&h).await, before);

    h.clock.advance(time::Duration::minutes(5));
    let r = send(&h, function, at(&token, &id)).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    let detail = body_json(&r);
    let published_at = shared::clock::rfc3339(NOW + time::Duration::minutes(5));
    assert_eq!(detail["id"], d["id"]);
    assert_eq!(detail["status"], "published");
    assert_eq!(detail["publishedAt"], published_at);
    assert_eq!(detail["questionCount"], 2);
    assert_eq!(detail["maxScore"], 2);
    assert_eq!(detail["questions"][1]["id"], d["questions"][1]["id"]);
    assert!(
        detail["questions"][0].get("answerIndex").is_none(),
        "{detail}"
    );
    let stored = h.app.store.assessment(&id).await.ok().flatten();
    assert_eq!(
        stored.map(|a| (a.status, a.published_at)),
        Some((
            assessments::model::AssessmentStatus::Published,
            Some(published_at)
        ))
    );

    // Once only: the second publish is refused and changes nothing.
    let before = table(&h).await;
    h.clock.advance(time::Duration::minutes(5));
    let r = send(&h, function, at(&token, &id)).await;
    assert_problem(&r, StatusCode::CONFLICT, "already_published");
    assert_eq!(table(&h).await, before);

    // Every student reads it now, without answers.
    let r = send(&h, "AssessmentsGetAssessmentFunction", at(&kim, &id)).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    assert_eq!(body_json(&r), detail);
}

#[tokio::test]
async fn reading_an_assessment_needs_a_token_and_a_known_id() {
    let h = harness().await;
    let function = "AssessmentsGetAssessmentFunction";
    let d = published(&h, "T", 1).await;
    let id = id_of(&d, "id");
    let kim = bearer(&h, KIM);
    let r = send(&h, function, at(&kim, &id)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body_json(&r)["title"], "T");
    let r = send(
        &h,
        function,
        With {
            id: Some(&id),
            ..With::default()
        },
    )
    .await;
    assert_unauthorized(&r);
    assert_not_found(&send(&h, function, at(&kim, UNKNOWN)).await);
    // The sample's id is a well-formed one nothing has here.
    assert_not_found(&send(&h, function, by(&kim)).await);
    let r = send(&h, function, at(&kim, "x")).await;
    assert_invalid(&r);
    assert_eq!(problem_fields(&r), ["id"]);
}

#[tokio::test]
async fn the_catalogue_lists_only_published_assessments_newest_first_in_pages() {
    let h = harness().await;
    let function = "AssessmentsListAssessmentsFunction";
    let kim = bearer(&h, KIM);
    let r = send(&h, function, by(&kim)).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    assert_eq!(body_json(&r), json!({"items": [], "nextCursor": null}));

    let first = published(&h, "first", 1).await;
    h.clock.advance(time::Duration::minutes(1));
    draft(&h, assessment_body("a draft", 1)).await;
    let second = published(&h, "second", 3).await;

    let page = body_json(&send(&h, function, by(&kim)).await);
    assert_eq!(
        ids(&page, "id"),
        [id_of(&second, "id"), id_of(&first, "id")]
    );
    assert_eq!(page["items"][0]["questionCount"], 3);
    assert_eq!(page["items"][0]["skills"], json!(["decimals", "fractions"]));
    assert!(page["items"][0].get("questions").is_none(), "{page}");
    assert_eq!(page["nextCursor"], Value::Null);

    let limited = |cursor: Option<&str>| {
        let mut q = json!({"limit": "1"});
        if let Some(c) = cursor {
            q["cursor"] = json!(c);
        }
        With {
            query: Some(q),
            ..by(&kim)
        }
    };
    let one = body_json(&send(&h, function, limited(None)).await);
    assert_eq!(ids(&one, "id"), [id_of(&second, "id")]);
    let cursor = one["nextCursor"].as_str().unwrap_or_default().to_owned();
    assert!(!cursor.is_empty(), "{one}");
    let two = body_json(&send(&h, function, limited(Some(&cursor))).await);
    assert_eq!(ids(&two, "id"), [id_of(&first, "id")]);

    for query in [
        json!({"cursor": "forged.cursor"}),
        json!({"limit": "0"}),
        json!({"limit": "x"}),
    ] {
        let r = send(
            &h,
            function,
            With {
                query: Some(query.clone()),
                ..by(&kim)
            },
        )
        .await;
        assert_invalid(&r);
    }
    assert_unauthorized(&send(&h, function, With::default()).await);
}

#[tokio::test]
async fn an_attempt_starts_at_a_published_assessment_with_the_clock_running() {
    let h = harness().await;
    let function = "AssessmentsStartAttemptFunction";
    let d = published(&h, "Fractions", 2).await;
    let id = id_of(&d, "id");
    let attempt = start(&h, KIM, &id).await;
    assert_eq!(attempt["assessmentId"], d["id"]);
    assert_eq!(attempt["title"], "Fractions");
    assert_eq!(attempt["status"], "in_progress");
    assert_eq!(attempt["startedAt"], shared::clock::rfc3339(NOW));
    assert_eq!(
        attempt["expiresAt"],
        shared::clock::rfc3339(NOW + time::Duration::seconds(600))
    );
    assert_eq!(attempt["answers"], json!({}));
    assert_eq!(attempt["result"], Value::Null);
    assert_eq!(attempt["questions"][1]["id"], d["questions"][1]["id"]);
    assert!(
        attempt["questions"][0].get("answerIndex").is_none(),
        "{attempt}"
    );
    let stored = stored_attempt(&h, KIM, &id_of(&attempt, "attemptId")).await;
    assert_eq!((stored.user_id.as_str(), stored.submitted), (KIM, false));
    assert_eq!(stored.questions.len(), 2);

    // Refused: nothing is stored.
    let before = table(&h).await;
    let kim = bearer(&h, KIM);
    let draft_id = id_of(&draft(&h, assessment_body("draft", 1)).await, "id");
    let before_draft = table(&h).await;
    assert_ne!(before, before_draft);
    assert_not_found(&send(&h, function, at(&kim, &draft_id)).await);
    assert_not_found(&send(&h, function, at(&kim, UNKNOWN)).await);
    let r = send(&h, function, at(&kim, "nope")).await;
    assert_invalid(&r);
    let anonymous = With {
        id: Some(&id),
        ..With::default()
    };
    assert_unauthorized(&send(&h, function, anonymous).await);
    assert_eq!(table(&h).await, before_draft);
}

#[tokio::test]
async fn answers_are_saved_and_replaced_in_ones_own_open_attempt() {
    let h = harness().await;
    let function = "AssessmentsSaveAnswerFunction";
    let d = published(&h, "T", 2).await;
    let attempt = start(&h, KIM, &id_of(&d, "id")).await;
    let attempt_id = id_of(&attempt, "attemptId");
    let q0 = id_of(&d["questions"][0], "id");
    let q1 = id_of(&d["questions"][1], "id");

    // The sample's body: choice 0.
    let kim = bearer(&h, KIM);
    let r = send_to_attempt(&h, function, by(&kim), &attempt_id, Some(&q0)).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", body_json(&r));
    assert!(r.body().is_empty());
    let r = save(&h, KIM, &attempt_id, &q1, json!({"choiceIndex": 0})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = save(&h, KIM, &attempt_id, &q1, json!({"choiceIndex": 1})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let stored = stored_attempt(&h, KIM, &attempt_id).await;
    assert_eq!(
        stored.answers.into_iter().collect::<Vec<_>>(),
        [(q0.clone(), 0), (q1.clone(), 1)]
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
    let view = body_json(&get_attempt(&h, KIM, &attempt_id).await);
    assert_eq!(view["answers"], json!({q0.clone(): 0, q1.clone(): 1}));

    // Refused bodies, ids and callers: nothing changes.
    let before = table(&h).await;
    for raw in MALFORMED {
        let with = With {
            raw_body: Some(raw),
            ..by(&kim)
        };
        let r = send_to_attempt(&h, function, with, &attempt_id, Some(&q0)).await;
        assert_invalid(&r);
    }
    for body in [
        json!({}),
        json!({"choiceIndex": "1"}),
        json!({"choiceIndex": -1}),
        json!({"choiceIndex": 1.5}),
        json!({"choiceIndex": 2}),
        json!({"choiceIndex": 99}),
    ] {
        let r = save(&h, KIM, &attempt_id, &q0, body.clone()).await;
        assert_invalid(&r);
        assert_eq!(problem_fields(&r), ["choiceIndex"], "{body}");
    }
    assert_not_found(&save(&h, KIM, UNKNOWN, &q0, json!({"choiceIndex": 1})).await);
    assert_not_found(&save(&h, KIM, &attempt_id, UNKNOWN, json!({"choiceIndex": 1})).await);
    let r = save(&h, KIM, &attempt_id, "bad", json!({"choiceIndex": 1})).await;
    assert_invalid(&r);
    assert_eq!(problem_fields(&r), ["questionId"]);
    // Another student's attempt does not exist for Kim.
    assert_not_found(&save(&h, LEE, &attempt_id, &q0, json!({"choiceIndex": 1})).await);
    let with = With {
        body: Some(json!({"choiceIndex": 1})),
        ..With::default()
    };
    let r = send_to_attempt(&h, function, with, &attempt_id, Some(&q0)).await;
    assert_unauthorized(&r);
    assert_eq!(table(&h).await, before);
}

#[tokio::test]
async fn no_answer_is_saved_once_the_attempt_is_submitted_or_its_time_is_up() {
    let h = harness().await;
    let d = published(&h, "T", 1).await;
    let q0 = id_of(&d["questions"][0], "id");
    let submitted = id_of(&start(&h, KIM, &id_of(&d, "id")).await, "attemptId");
    let open = id_of(&start(&h, KIM, &id_of(&d, "id")).await, "attemptId");
    assert_eq!(submit(&h, KIM, &submitted).await.status(), StatusCode::OK);

    let before = table(&h).await;
    let r = save(&h, KIM, &submitted, &q0, json!({"choiceIndex": 0})).await;
    assert_problem(&r, StatusCode::CONFLICT, "attempt_submitted");
    // One second before the deadline an answer is still taken; at it, no more.
    h.clock.advance(time::Duration::seconds(599));
    assert_eq!(
        save(&h, KIM, &open, &q0, json!({"choiceIndex": 1}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let after_save = table(&h).await;
    assert_ne!(after_save, before);
    h.clock.advance(time::Duration::seconds(1));
    let r = save(&h, KIM, &open, &q0, json!({"choiceIndex": 0})).await;
    assert_problem(&r, StatusCode::CONFLICT, "attempt_expired");
    assert_eq!(table(&h).await, after_save);
    assert_eq!(
        body_json(&get_attempt(&h, KIM, &open).await)["status"],
        "expired"
    );
}

#[tokio::test]
async fn a_submit_grades_the_saved_answers_once_and_queues_attempt_graded() {
    let h = harness().await;
    let d = published(&h, "T", 3).await;
    let assessment_id = id_of(&d, "id");
    let attempt_id = id_of(&start(&h, KIM, &assessment_id).await, "attemptId");
    let lees = id_of(&start(&h, LEE, &assessment_id).await, "attemptId");
    let q = |i: usize| id_of(&d["questions"][i], "id");
    save(&h, KIM, &attempt_id, &q(0), json!({"choiceIndex": 0})).await;
    save(&h, KIM, &attempt_id, &q(1), json!({"choiceIndex": 1})).await;
    h.clock.advance(time::Duration::seconds(30));

    // Someone else's, unknown, malformed or anonymous: refused, nothing changes.
    let before = table(&h).await;
    assert_not_found(&submit(&h, LEE, &attempt_id).await);
    assert_not_found(&submit(&h, KIM, &lees).await);
    assert_not_found(&submit(&h, KIM, UNKNOWN).await);
    let r = submit(&h, KIM, "1").await;
    assert_invalid(&r);
    assert_eq!(problem_fields(&r), ["attemptId"]);
    let function = "AssessmentsSubmitAttemptFunction";
    let r = send_to_attempt(&h, function, With::default(), &attempt_id, None).await;
    assert_unauthorized(&r);
    assert_eq!(table(&h).await, before);
    assert!(h.db.outbox().await.is_empty());

    let r = submit(&h, KIM, &attempt_id).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    let grade = body_json(&r);
    assert_eq!(
        (grade["score"].clone(), grade["maxScore"].clone()),
        (json!(1), json!(3))
    );
    assert_eq!(grade["skills"].as_array().map(Vec::len), Some(2), "{grade}");
    let stored = stored_attempt(&h, KIM, &attempt_id).await;
    assert!(stored.submitted);
    assert_eq!(
        stored.submitted_at,
        Some(shared::clock::rfc3339(NOW + time::Duration::seconds(30)))
    );
    assert_eq!(
        serde_json::to_value(&stored.result).unwrap_or_default(),
        grade
    );
    // One event, queued for learning and for notifications.
    let mut queues: Vec<String> =
        h.db.outbox()
            .await
            .iter()
            .filter_map(|i| i.get("queue")?.as_s().ok().cloned())
            .collect();
    queues.sort();
    assert_eq!(
        queues,
        [
            shared::events::queues::LEARNING,
            shared::events::queues::NOTIFICATIONS
        ]
    );
    let events = h.db.outbox_bodies().await;
    assert_eq!(events[0], events[1]);
    assert_eq!(events[0]["type"], "attempt_graded");
    assert_eq!(events[0]["data"]["attemptId"], json!(attempt_id));
    assert_eq!(events[0]["data"]["assessmentId"], json!(assessment_id));
    assert_eq!(events[0]["data"]["score"], 1);

    // Again: the same grade, no second event; Lee's attempt is untouched.
    h.clock.advance(time::Duration::seconds(30));
    let again = submit(&h, KIM, &attempt_id).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(body_json(&again), grade);
    assert_eq!(h.db.outbox().await.len(), 2);
    assert!(!stored_attempt(&h, LEE, &lees).await.submitted);

    let view = body_json(&get_attempt(&h, KIM, &attempt_id).await);
    assert_eq!(view["status"], "submitted");
    assert_eq!(view["result"], grade);
}

#[tokio::test]
async fn a_late_submit_grades_what_was_saved_in_time() {
    let h = harness().await;
    let d = published(&h, "T", 1).await;
    let attempt_id = id_of(&start(&h, KIM, &id_of(&d, "id")).await, "attemptId");
    let q0 = id_of(&d["questions"][0], "id");
    save(&h, KIM, &attempt_id, &q0, json!({"choiceIndex": 0})).await;
    h.clock.advance(time::Duration::hours(2));
    let r = submit(&h, KIM, &attempt_id).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    assert_eq!(body_json(&r)["score"], 1);
}

#[tokio::test]
async fn an_attempt_is_read_by_its_owner_alone() {
    let h = harness().await;
    let function = "AssessmentsGetAttemptFunction";
    let d = published(&h, "T", 1).await;
    let started = start(&h, KIM, &id_of(&d, "id")).await;
    let attempt_id = id_of(&started, "attemptId");
    let r = get_attempt(&h, KIM, &attempt_id).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    assert_eq!(body_json(&r), started);

    assert_not_found(&get_attempt(&h, LEE, &attempt_id).await);
    assert_not_found(&get_attempt(&h, KIM, UNKNOWN).await);
    let kim = bearer(&h, KIM);
    // The sample's attempt id: well formed, unknown here.
    assert_not_found(&send(&h, function, by(&kim)).await);
    let r = get_attempt(&h, KIM, "zz").await;
    assert_invalid(&r);
    assert_eq!(problem_fields(&r), ["attemptId"]);
    let r = send_to_attempt(&h, function, With::default(), &attempt_id, None).await;
    assert_unauthorized(&r);
}

#[tokio::test]
async fn each_student_lists_only_their_own_attempts_newest_first() {
    let h = harness().await;
    let function = "AssessmentsListMyAttemptsFunction";
    let d = published(&h, "T", 1).await;
    let assessment_id = id_of(&d, "id");
    let kim = bearer(&h, KIM);
    let lee = bearer(&h, LEE);
    assert_eq!(
        body_json(&send(&h, function, by(&kim)).await),
        json!({"items": [], "nextCursor": null})
    );
    let first = id_of(&start(&h, KIM, &assessment_id).await, "attemptId");
    h.clock.advance(time::Duration::seconds(10));
    let lees = id_of(&start(&h, LEE, &assessment_id).await, "attemptId");
    h.clock.advance(time::Duration::seconds(10));
    let second = id_of(&start(&h, KIM, &assessment_id).await, "attemptId");
    let q0 = id_of(&d["questions"][0], "id");
    save(&h, KIM, &first, &q0, json!({"choiceIndex": 0})).await;
    assert_eq!(submit(&h, KIM, &first).await.status(), StatusCode::OK);

    let r = send(&h, function, by(&kim)).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_json(&r));
    let page = body_json(&r);
    assert_eq!(ids(&page, "attemptId"), [second.clone(), first.clone()]);
    assert_eq!(page["items"][0]["status"], "in_progress");
    assert_eq!(page["items"][0]["score"], Value::Null);
    assert_eq!(page["items"][1]["status"], "submitted");
    assert_eq!(page["items"][1]["score"], 1);
    assert_eq!(page["items"][1]["maxScore"], 1);
    let page = body_json(&send(&h, function, by(&lee)).await);
    assert_eq!(ids(&page, "attemptId"), [lees]);

    // Pages, with a cursor bound to its owner.
    let limited = |token, cursor: Option<&str>| {
        let mut q = json!({"limit": "1"});
        if let Some(c) = cursor {
            q["cursor"] = json!(c);
        }
        With {
            query: Some(q),
            ..by(token)
        }
    };
    let one = body_json(&send(&h, function, limited(&kim, None)).await);
    assert_eq!(ids(&one, "attemptId"), [second]);
    let cursor = one["nextCursor"].as_str().unwrap_or_default().to_owned();
    let two = body_json(&send(&h, function, limited(&kim, Some(&cursor))).await);
    assert_eq!(ids(&two, "attemptId"), [first]);
    let r = send(&h, function, limited(&lee, Some(&cursor))).await;
    assert_invalid(&r);

    assert_unauthorized(&send(&h, function, With::default()).await);
}

/// `user_deleted` for `user` through the erase function (AssessmentsEraseUserFunction's
/// sample message); the ids of the messages that failed.
async fn delete_user(h: &Harness, user: &str) -> Vec<String> {
    let mut event: aws_lambda_events::event::sqs::SqsEvent =
        testkit::sample_as("AssessmentsEraseUserFunction");
    let deleted = shared::events::Envelope::new(
        shared::erasure::AccountEvent::UserDeleted,
        user,
        json!({}),
        h.clock.as_ref(),
    );
    event.records[0].body = Some(serde_json::to_string(&deleted).unwrap_or_default());
    assessments::erasure::handle_batch(&h.app, event)
        .await
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect()
}

#[tokio::test]
async fn user_deleted_erases_the_students_attempts_and_again_changes_nothing() {
    let h = harness().await;
    let d = published(&h, "T", 2).await;
    let assessment_id = id_of(&d, "id");
    let graded = id_of(&start(&h, KIM, &assessment_id).await, "attemptId");
    assert_eq!(submit(&h, KIM, &graded).await.status(), StatusCode::OK);
    let open = id_of(&start(&h, KIM, &assessment_id).await, "attemptId");
    let lees = id_of(&start(&h, LEE, &assessment_id).await, "attemptId");

    assert_eq!(delete_user(&h, KIM).await, Vec::<String>::new());
    let kims =
        h.db.scan("pk = :pk", &[(":pk", &format!("USER#{KIM}"))])
            .await;
    assert_eq!(kims, Vec::<Item>::new());
    assert_not_found(&get_attempt(&h, KIM, &graded).await);
    assert_not_found(&get_attempt(&h, KIM, &open).await);
    assert_eq!(get_attempt(&h, LEE, &lees).await.status(), StatusCode::OK);
    // The assessment (the admin's) stays; nothing but the outbox names Kim.
    assert_eq!(
        send(
            &h,
            "AssessmentsGetAssessmentFunction",
            at(&bearer(&h, LEE), &assessment_id)
        )
        .await
        .status(),
        StatusCode::OK
    );
    let left =
        h.db.scan("NOT begins_with(pk, :o)", &[(":o", "OUTBOX#")])
            .await;
    assert!(
        left.iter().all(|i| !format!("{i:?}").contains(KIM)),
        "{left:?}"
    );

    // Delivered again: succeeds, changes nothing.
    let before = h.db.scan("attribute_exists(pk)", &[]).await;
    assert_eq!(delete_user(&h, KIM).await, Vec::<String>::new());
    assert_eq!(
        h.db.scan("attribute_exists(pk)", &[]).await.len(),
        before.len()
    );
}

#[tokio::test]
async fn anything_but_a_user_deleted_naming_a_user_fails_for_good() {
    let h = harness().await;
    assert_eq!(delete_user(&h, "not an id").await.len(), 1);
    let mut event: aws_lambda_events::event::sqs::SqsEvent =
        testkit::sample_as("AssessmentsEraseUserFunction");
    event.records[0].body = Some("{\"type\": \"attempt_graded\"}".into());
    let failed = assessments::erasure::handle_batch(&h.app, event).await;
    assert_eq!(failed.batch_item_failures.len(), 1);
}
