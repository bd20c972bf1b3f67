//! Attempts: autosave, the time limit, grading, idempotent and concurrent submits, the
//! owner-only rule, and "my attempts".

use std::time::Duration;

use e2e::{NOTIFICATIONS_CONSUMER, TestCloud};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::support::{
    answer, diagnostic_questions, draft, events_until, published, question, start_attempt, str_of,
    student, submit, take,
};

#[tokio::test]
async fn a_student_takes_an_assessment_and_is_scored_per_skill() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let s = student(&t, "taker").await;
    let a = published(
        &t,
        &admin,
        vec![
            question("fractions", 2),
            question("fractions", 3),
            question("geometry", 5),
        ],
        600,
    )
    .await;
    let attempt = start_attempt(&t, &s, str_of(&a["id"])).await;
    assert!(!attempt.to_string().contains("answerIndex"), "{attempt}");
    let attempt_id = str_of(&attempt["attemptId"]).to_owned();
    let started = OffsetDateTime::parse(str_of(&attempt["startedAt"]), &Rfc3339)
        .unwrap_or_else(|e| panic!("{e}"));
    let expires = OffsetDateTime::parse(str_of(&attempt["expiresAt"]), &Rfc3339)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(expires - started, time::Duration::seconds(600));
    assert_eq!(attempt["status"], "in_progress");
    let q: Vec<String> = attempt["questions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|q| str_of(&q["id"]).to_owned())
        .collect();

    // Autosave: a later save replaces the earlier choice.
    for (question, choice) in [(&q[0], 1), (&q[0], 0), (&q[1], 2), (&q[2], 0)] {
        let r = answer(&t, &s, &attempt_id, question, choice).await;
        assert_eq!(r.status, 204, "{}", r.text);
    }
    let read = t
        .call(
            "GET",
            &format!("/v1/attempts/{attempt_id}"),
            None,
            Some(&s.access_token),
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(
        read.body["answers"],
        json!({q[0].clone(): 0, q[1].clone(): 2, q[2].clone(): 0})
    );
    assert!(!read.text.contains("answerIndex"));

    let r = submit(&t, &s, &attempt_id).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"score": 7, "maxScore": 10, "skills": [
            {"skill": "fractions", "score": 2, "maxScore": 5, "ratio": 0.4},
            {"skill": "geometry", "score": 5, "maxScore": 5, "ratio": 1.0},
        ]})
    );
    let read = t
        .call(
            "GET",
            &format!("/v1/attempts/{attempt_id}"),
            None,
            Some(&s.access_token),
        )
        .await;
    assert_eq!(read.body["status"], "submitted");
    assert_eq!(read.body["result"], r.body);
    let mine = t
        .call("GET", "/v1/users/me/attempts", None, Some(&s.access_token))
        .await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    let item = &mine.body["items"][0];
    assert_eq!(item["attemptId"], attempt_id.as_str());
    assert_eq!(item["assessmentId"], a["id"]);
    assert_eq!(
        (
            item["status"].clone(),
            item["score"].clone(),
            item["maxScore"].clone()
        ),
        (json!("submitted"), json!(7), json!(10))
    );
    assert!(item["submittedAt"].is_string() && item["startedAt"].is_string());
    assert_eq!(mine.body["nextCursor"], Value::Null);
}

#[tokio::test]
async fn answers_and_attempts_refuse_bad_input_and_closed_attempts() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let s = student(&t, "careless").await;
    let a = published(&t, &admin, vec![question("fractions", 1)], 600).await;
    let attempt = start_attempt(&t, &s, str_of(&a["id"])).await;
    let attempt_id = str_of(&attempt["attemptId"]).to_owned();
    let qid = str_of(&attempt["questions"][0]["id"]).to_owned();
    let path = format!("/v1/attempts/{attempt_id}/answers/{qid}");
    let put = |body: Value| t.call("PUT", &path, Some(body), Some(&s.access_token));
    for (body, field) in [
        (json!({}), "choiceIndex"),
        (json!({"choiceIndex": "0"}), "choiceIndex"),
        (json!({"choiceIndex": -1}), "choiceIndex"),
        (json!({"choiceIndex": 3}), "choiceIndex"),
        (json!({"choiceIndex": 1.5}), "choiceIndex"),
    ] {
        let r = put(body.clone()).await;
        r.problem(400, "validation_failed");
        assert_eq!(r.fields(), [field], "{body}");
    }
    let unknown = shared::new_id();
    answer(&t, &s, &attempt_id, &unknown, 0)
        .await
        .problem(404, "not_found");
    answer(&t, &s, &unknown, &qid, 0)
        .await
        .problem(404, "not_found");
    answer(&t, &s, "not-an-id", &qid, 0)
        .await
        .problem(400, "validation_failed");
    answer(&t, &s, &attempt_id, "not-an-id", 0)
        .await
        .problem(400, "validation_failed");
    submit(&t, &s, &unknown).await.problem(404, "not_found");
    submit(&t, &s, "not-an-id")
        .await
        .problem(400, "validation_failed");
    t.call(
        "GET",
        &format!("/v1/attempts/{unknown}"),
        None,
        Some(&s.access_token),
    )
    .await
    .problem(404, "not_found");

    // Only published assessments can be attempted.
    let d = draft(&t, &admin, vec![question("fractions", 1)], 60).await;
    t.call(
        "POST",
        &format!("/v1/assessments/{}/attempts", str_of(&d["id"])),
        None,
        Some(&s.access_token),
    )
    .await
    .problem(404, "not_found");
    t.call(
        "POST",
        &format!("/v1/assessments/{unknown}/attempts"),
        None,
        Some(&s.access_token),
    )
    .await
    .problem(404, "not_found");

    assert_eq!(submit(&t, &s, &attempt_id).await.status, 200);
    put(json!({"choiceIndex": 0}))
        .await
        .problem(409, "attempt_submitted");
}

#[tokio::test]
async fn another_students_attempt_is_not_found() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let owner = student(&t, "owner").await;
    let other = student(&t, "other").await;
    let a = published(&t, &admin, vec![question("fractions", 1)], 600).await;
    let attempt = start_attempt(&t, &owner, str_of(&a["id"])).await;
    let attempt_id = str_of(&attempt["attemptId"]).to_owned();
    let qid = str_of(&attempt["questions"][0]["id"]).to_owned();

    t.call(
        "GET",
        &format!("/v1/attempts/{attempt_id}"),
        None,
        Some(&other.access_token),
    )
    .await
    .problem(404, "not_found");
    answer(&t, &other, &attempt_id, &qid, 0)
        .await
        .problem(404, "not_found");
    submit(&t, &other, &attempt_id)
        .await
        .problem(404, "not_found");
    // Not even an admin reads a student's attempt.
    t.call(
        "GET",
        &format!("/v1/attempts/{attempt_id}"),
        None,
        Some(&admin.access_token),
    )
    .await
    .problem(404, "not_found");
    let theirs = t
        .call(
            "GET",
            "/v1/users/me/attempts",
            None,
            Some(&other.access_token),
        )
        .await;
    assert_eq!(theirs.body["items"], json!([]), "{}", theirs.text);
    // The owner's attempt is untouched.
    let mine = t
        .call(
            "GET",
            &format!("/v1/attempts/{attempt_id}"),
            None,
            Some(&owner.access_token),
        )
        .await;
    assert_eq!(mine.body["status"], "in_progress");
    assert_eq!(mine.body["answers"], json!({}));
}

#[tokio::test]
async fn after_the_time_limit_answers_are_refused_and_submit_grades_what_was_saved() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let s = student(&t, "slow").await;
    let a = published(
        &t,
        &admin,
        vec![question("fractions", 3), question("geometry", 4)],
        2,
    )
    .await;
    let attempt = start_attempt(&t, &s, str_of(&a["id"])).await;
    let attempt_id = str_of(&attempt["attemptId"]).to_owned();
    let q0 = str_of(&attempt["questions"][0]["id"]).to_owned();
    let q1 = str_of(&attempt["questions"][1]["id"]).to_owned();
    let saved = answer(&t, &s, &attempt_id, &q0, 0).await;
    assert_eq!(saved.status, 204, "{}", saved.text);

    // Let the two seconds pass (the server's clock is the machine's).
    let expires = OffsetDateTime::parse(str_of(&attempt["expiresAt"]), &Rfc3339)
        .unwrap_or_else(|e| panic!("{e}"));
    let left = expires - OffsetDateTime::now_utc() + time::Duration::milliseconds(50);
    tokio::time::sleep(Duration::try_from(left).unwrap_or_default()).await;

    answer(&t, &s, &attempt_id, &q1, 0)
        .await
        .problem(409, "attempt_expired");
    answer(&t, &s, &attempt_id, &q0, 1)
        .await
        .problem(409, "attempt_expired");
    let read = t
        .call(
            "GET",
            &format!("/v1/attempts/{attempt_id}"),
            None,
            Some(&s.access_token),
        )
        .await;
    assert_eq!(read.body["status"], "expired", "{}", read.text);
    let mine = t
        .call("GET", "/v1/users/me/attempts", None, Some(&s.access_token))
        .await;
    assert_eq!(mine.body["items"][0]["status"], "expired");

    let graded = submit(&t, &s, &attempt_id).await;
    assert_eq!(graded.status, 200, "{}", graded.text);
    assert_eq!(
        (
            graded.body["score"].clone(),
            graded.body["maxScore"].clone()
        ),
        (json!(3), json!(7))
    );
    answer(&t, &s, &attempt_id, &q1, 0)
        .await
        .problem(409, "attempt_submitted");
}

#[tokio::test]
async fn concurrent_and_repeated_submits_return_one_result_and_one_event() {
    let (t, admin) = TestCloud::start_with_admin_and(|o| {
        o.disabled_event_sources
            .insert(NOTIFICATIONS_CONSUMER.into());
    })
    .await;
    let s = student(&t, "eager").await;
    let a = published(&t, &admin, diagnostic_questions(), 600).await;
    let attempt = start_attempt(&t, &s, str_of(&a["id"])).await;
    let attempt_id = str_of(&attempt["attemptId"]).to_owned();
    for q in attempt["questions"]
        .as_array()
        .into_iter()
        .flatten()
        .take(3)
    {
        assert_eq!(
            answer(&t, &s, &attempt_id, str_of(&q["id"]), 0)
                .await
                .status,
            204
        );
    }
    let replies = futures::future::join_all((0..4).map(|_| submit(&t, &s, &attempt_id))).await;
    for r in &replies {
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body, replies[0].body);
    }
    assert_eq!(replies[0].body["score"], 3);
    let again = submit(&t, &s, &attempt_id).await;
    assert_eq!(again.body, replies[0].body);

    // A later attempt is the fence: the relay keeps the table's order, so once its event is
    // on the queue, any second attempt_graded of the first attempt would be there too.
    let (fence, _) = take(&t, &s, str_of(&a["id"]), |_, _| true).await;
    let events = events_until(&t, "NotificationsQueue", |e| {
        e["data"]["attemptId"] == fence.as_str()
    })
    .await;
    let graded: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "attempt_graded" && e["data"]["attemptId"] == attempt_id.as_str())
        .collect();
    assert_eq!(graded.len(), 1, "{events:?}");
    let e = graded[0];
    assert_eq!(e["userId"], s.user_id.as_str());
    assert_eq!(e["data"]["score"], 3);
    assert_eq!(e["data"]["skills"], replies[0].body["skills"]);
}

#[tokio::test]
async fn my_attempts_page_newest_first_with_cursors_bound_to_their_owner() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let s = student(&t, "busy").await;
    let other = student(&t, "idle").await;
    let a = published(&t, &admin, vec![question("fractions", 1)], 600).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(str_of(&start_attempt(&t, &s, str_of(&a["id"])).await["attemptId"]).to_owned());
    }
    let first = t
        .call(
            "GET",
            "/v1/users/me/attempts?limit=2",
            None,
            Some(&s.access_token),
        )
        .await;
    let page: Vec<&str> = first.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| str_of(&i["attemptId"]))
        .collect();
    assert_eq!(page, [ids[2].as_str(), ids[1].as_str()], "{}", first.text);
    assert!(first.body["items"][0]["score"].is_null());
    let cursor = str_of(&first.body["nextCursor"]).to_owned();
    let second = t
        .call(
            "GET",
            &format!("/v1/users/me/attempts?limit=2&cursor={cursor}"),
            None,
            Some(&s.access_token),
        )
        .await;
    assert_eq!(
        second.body["items"][0]["attemptId"],
        ids[0].as_str(),
        "{}",
        second.text
    );
    assert_eq!(second.body["nextCursor"], Value::Null);
    // Someone else's cursor, a forged one, a bad limit: 400.
    t.call(
        "GET",
        &format!("/v1/users/me/attempts?cursor={cursor}"),
        None,
        Some(&other.access_token),
    )
    .await
    .problem(400, "validation_failed");
    t.call(
        "GET",
        "/v1/users/me/attempts?cursor=eyJwayI6WyJTIiwieCJdfQ.AAAA",
        None,
        Some(&s.access_token),
    )
    .await
    .problem(400, "validation_failed");
    t.call(
        "GET",
        "/v1/users/me/attempts?limit=0",
        None,
        Some(&s.access_token),
    )
    .await
    .problem(400, "validation_failed");
}
