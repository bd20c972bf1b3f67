//! The flow between the two domains: submit → attempt_graded (outbox → learning's queue and
//! the notifications queue) → the plan builder → plan_ready; sessions → mastery →
//! plan_completed; progress.

use std::time::Instant;

use e2e::{NOTIFICATIONS_CONSUMER, TestCloud};
use serde_json::{Value, json};

use crate::support::{
    catalogue, diagnostic_questions, events_until, plan_for, published, str_of, student, take,
};

/// Right on every fraction, one of two equations, no geometry: ratios 1.0, 0.5, 0.0.
fn mixed(skill: &str, n: usize) -> bool {
    skill == "fractions" || (skill == "equations" && n == 0)
}

async fn cloud_reading_notifications() -> (TestCloud, e2e::Session) {
    TestCloud::start_with_admin_and(|o| {
        o.disabled_event_sources
            .insert(NOTIFICATIONS_CONSUMER.into());
    })
    .await
}

#[tokio::test]
async fn a_submit_builds_a_plan_of_the_weak_skills_and_both_events_reach_notifications() {
    let (t, admin) = cloud_reading_notifications().await;
    let modules = catalogue(&t, &admin).await;
    let a = published(&t, &admin, diagnostic_questions(), 600).await;
    let s = student(&t, "planner").await;

    let (attempt_id, grade) = take(&t, &s, str_of(&a["id"]), mixed).await;
    let submitted = Instant::now();
    let plan = plan_for(&t, &s, &attempt_id).await;
    eprintln!(
        "submit → plan ready (GET /v1/learning/plan answers it): {} ms",
        submitted.elapsed().as_millis()
    );
    assert_eq!(grade["score"], 3);

    // Exactly the skills under 0.8, weakest first, each at the level its ratio asks for:
    // geometry 0.0 → level 1, equations 0.5 → level 3. Fractions (1.0) needs no training.
    let module = |skill: &str, level: u8| modules[&(skill.to_owned(), level)].as_str();
    assert_eq!(plan["status"], "active");
    assert_eq!(
        plan["items"],
        json!([
            {"moduleId": module("geometry", 1), "skill": "geometry", "level": 1, "ratio": 0.0, "status": "todo"},
            {"moduleId": module("equations", 3), "skill": "equations", "level": 3, "ratio": 0.5, "status": "todo"},
        ])
    );
    assert!(str_of(&plan["id"]).len() == 26);

    let events = events_until(&t, "NotificationsQueue", |e| e["type"] == "plan_ready").await;
    let graded: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "attempt_graded")
        .collect();
    assert_eq!(graded.len(), 1, "{events:?}");
    assert_eq!(graded[0]["userId"], s.user_id.as_str());
    assert_eq!(graded[0]["data"]["attemptId"], attempt_id.as_str());
    // What the notification names: the assessment as the attempt started.
    assert!(a["title"].as_str().is_some_and(|t| !t.is_empty()), "{a}");
    assert_eq!(graded[0]["data"]["assessmentTitle"], a["title"]);
    let ready = events
        .iter()
        .find(|e| e["type"] == "plan_ready")
        .cloned()
        .unwrap_or_default();
    assert_eq!(ready["userId"], s.user_id.as_str());
    assert_eq!(ready["data"]["planId"], plan["id"]);
    assert_eq!(ready["data"]["attemptId"], attempt_id.as_str());
    assert_eq!(ready["data"]["items"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_redelivered_attempt_graded_never_builds_a_second_plan() {
    let (t, admin) = cloud_reading_notifications().await;
    catalogue(&t, &admin).await;
    let a = published(&t, &admin, diagnostic_questions(), 600).await;
    let s = student(&t, "twice").await;
    let (attempt_id, _) = take(&t, &s, str_of(&a["id"]), mixed).await;
    let plan = plan_for(&t, &s, &attempt_id).await;
    // The copy of attempt_graded that went to notifications is the same envelope learning got.
    let events = events_until(&t, "NotificationsQueue", |e| e["type"] == "plan_ready").await;
    let graded = events
        .iter()
        .find(|e| e["type"] == "attempt_graded")
        .cloned()
        .unwrap_or_default();

    // Deliver it to the plan builder again, twice in one batch and once more on its own.
    let record = |n: u32| json!({"messageId": format!("redelivery-{n}"), "body": graded.to_string(), "eventSource": "aws:sqs"});
    for batch in [
        json!({"Records": [record(1), record(2)]}),
        json!({"Records": [record(3)]}),
    ] {
        let out = t.cloud.invoke("LearningPlanBuilderFunction", batch).await;
        let out = out.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(out["batchItemFailures"], json!([]), "{out}");
    }
    let again = t
        .call("GET", "/v1/learning/plan", None, Some(&s.access_token))
        .await;
    assert_eq!(again.body, plan);

    // A later plan is the fence: once its plan_ready is on the queue, a second plan_ready
    // for the first attempt would be there too.
    let fence = student(&t, "fence").await;
    let (fence_attempt, _) = take(&t, &fence, str_of(&a["id"]), mixed).await;
    let later = events_until(&t, "NotificationsQueue", |e| {
        e["type"] == "plan_ready" && e["data"]["attemptId"] == fence_attempt.as_str()
    })
    .await;
    assert!(
        !later
            .iter()
            .any(|e| e["type"] == "plan_ready" && e["userId"] == s.user_id.as_str()),
        "a second plan_ready: {later:?}"
    );
}

#[tokio::test]
async fn mastered_sessions_complete_the_plan_and_progress_counts_them() {
    let (t, admin) = cloud_reading_notifications().await;
    let modules = catalogue(&t, &admin).await;
    let a = published(&t, &admin, diagnostic_questions(), 600).await;
    let s = student(&t, "trainer").await;
    let (attempt_id, _) = take(&t, &s, str_of(&a["id"]), mixed).await;
    let plan = plan_for(&t, &s, &attempt_id).await;
    let geometry = modules[&("geometry".to_owned(), 1)].clone();
    let equations = modules[&("equations".to_owned(), 3)].clone();

    let train = |module_id: String, right: usize| {
        let t = &t;
        let token = s.access_token.clone();
        async move {
            let started = t
                .call(
                    "POST",
                    "/v1/learning/sessions",
                    Some(json!({"moduleId": module_id})),
                    Some(&token),
                )
                .await;
            assert_eq!(started.status, 201, "{}", started.text);
            assert!(!started.text.contains("answerIndex"), "{}", started.text);
            let exercises = started.body["exercises"]
                .as_array()
                .map(Vec::len)
                .unwrap_or(0);
            assert_eq!(exercises, 5);
            // Choice 0 is right in every exercise of these modules.
            let answers: Vec<u32> = (0..exercises)
                .map(|i| if i < right { 0 } else { 1 })
                .collect();
            let id = str_of(&started.body["sessionId"]).to_owned();
            let r = t
                .call(
                    "POST",
                    &format!("/v1/learning/sessions/{id}/submit"),
                    Some(json!({"answers": answers})),
                    Some(&token),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.body
        }
    };
    let plan_now = || async {
        t.call("GET", "/v1/learning/plan", None, Some(&s.access_token))
            .await
            .body
    };

    // 3 of 5 is not mastery (0.6 < 0.8): the plan does not move.
    assert_eq!(
        train(geometry.clone(), 3).await,
        json!({"correct": 3, "total": 5, "mastered": false})
    );
    assert_eq!(plan_now().await, plan);
    // 4 of 5 is.
    assert_eq!(
        train(geometry.clone(), 4).await,
        json!({"correct": 4, "total": 5, "mastered": true})
    );
    let half = plan_now().await;
    assert_eq!(half["items"][0]["status"], "done");
    assert_eq!(half["items"][1]["status"], "todo");
    assert_eq!(half["status"], "active");
    // Mastering a lower level of equations than the plan asks for is not enough.
    let easy = modules[&("equations".to_owned(), 1)].clone();
    assert!(train(easy, 5).await["mastered"] == true);
    assert_eq!(plan_now().await["items"][1]["status"], "todo");
    assert!(train(equations, 5).await["mastered"] == true);
    let done = plan_now().await;
    assert_eq!(done["status"], "completed");
    assert!(done["completedAt"].is_string());
    assert!(
        done["items"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|i| i["status"] == "done")
    );

    let progress = t
        .call("GET", "/v1/learning/progress", None, Some(&s.access_token))
        .await;
    assert_eq!(progress.status, 200, "{}", progress.text);
    assert_eq!(
        progress.body,
        json!({"skills": [
            {"skill": "equations", "mastery": 3, "sessions": 2},
            {"skill": "geometry", "mastery": 1, "sessions": 2},
        ], "streakDays": 1})
    );
    let events = events_until(&t, "NotificationsQueue", |e| e["type"] == "plan_completed").await;
    let completed = events
        .iter()
        .filter(|e| e["type"] == "plan_completed")
        .collect::<Vec<_>>();
    assert_eq!(completed.len(), 1, "{events:?}");
    assert_eq!(completed[0]["userId"], s.user_id.as_str());
    assert_eq!(completed[0]["data"]["planId"], plan["id"]);
}

#[tokio::test]
async fn the_graded_notification_names_the_assessment_and_the_score() {
    let (t, admin) = TestCloud::start_with_admin().await;
    let a = published(&t, &admin, diagnostic_questions(), 600).await;
    let s = student(&t, "graded").await;
    let (_, grade) = take(&t, &s, str_of(&a["id"]), mixed).await;

    let expected = format!(
        "{}에서 {}점 만점에 {}점을 받았어요.",
        str_of(&a["title"]),
        grade["maxScore"],
        grade["score"]
    );
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let inbox = t
            .call("GET", "/v1/notifications", None, Some(&s.access_token))
            .await;
        assert_eq!(inbox.status, 200, "{}", inbox.text);
        let items = inbox.body["items"].as_array().cloned().unwrap_or_default();
        if let Some(item) = items.iter().find(|i| i["type"] == "attempt_graded") {
            assert_eq!(item["body"], expected.as_str(), "{item}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no attempt_graded: {}",
            inbox.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
