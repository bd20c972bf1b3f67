//! What the assessments and learning tests share: authoring fixtures through the admin API,
//! taking an assessment, and bounded waits on the asynchronous side (queue, plan builder).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use e2e::{Session, TestCloud};
use serde_json::{Value, json};

/// How long a test waits for something asynchronous before it fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub const SKILLS: [&str; 3] = ["fractions", "equations", "geometry"];

/// Every learning function: the fault-isolation test breaks them all.
pub const LEARNING_FUNCTIONS: [&str; 9] = [
    "LearningCreateModuleFunction",
    "LearningListModulesFunction",
    "LearningPlanBuilderFunction",
    "LearningGetPlanFunction",
    "LearningStartSessionFunction",
    "LearningSubmitSessionFunction",
    "LearningGetProgressFunction",
    "LearningOutboxRelayFunction",
    "LearningSeedCatalogueFunction",
];

/// A question whose right answer is choice 0.
pub fn question(skill: &str, points: u32) -> Value {
    json!({
        "prompt": format!("A question on {skill}"),
        "choices": ["right", "wrong", "also wrong"],
        "answerIndex": 0,
        "skill": skill,
        "points": points,
    })
}

/// Two one-point questions per skill of [`SKILLS`].
pub fn diagnostic_questions() -> Vec<Value> {
    SKILLS
        .iter()
        .flat_map(|s| [question(s, 1), question(s, 1)])
        .collect()
}

/// A draft, as its admin author sees it (answers included).
pub async fn draft(
    t: &TestCloud,
    admin: &Session,
    questions: Vec<Value>,
    time_limit: u32,
) -> Value {
    let r = t
        .call(
            "POST",
            "/v1/assessments",
            Some(json!({
                "title": "Diagnostic",
                "description": "Where do you stand?",
                "timeLimitSeconds": time_limit,
                "questions": questions,
            })),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

pub async fn publish(t: &TestCloud, admin: &Session, id: &str) -> Value {
    let r = t
        .call(
            "POST",
            &format!("/v1/assessments/{id}/publish"),
            None,
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// A published assessment (the admin view: answers included).
pub async fn published(
    t: &TestCloud,
    admin: &Session,
    questions: Vec<Value>,
    time_limit: u32,
) -> Value {
    let a = draft(t, admin, questions, time_limit).await;
    publish(t, admin, str_of(&a["id"])).await;
    a
}

pub fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// A module of five exercises whose right answer is choice 0.
pub async fn module(t: &TestCloud, admin: &Session, skill: &str, level: u8) -> String {
    let exercises: Vec<Value> = (0..5)
        .map(|i| json!({"prompt": format!("{skill} {level}.{i}"), "choices": ["right", "wrong"], "answerIndex": 0}))
        .collect();
    let r = t
        .call(
            "POST",
            "/v1/learning/modules",
            Some(json!({"title": format!("{skill} at level {level}"), "skill": skill, "level": level, "exercises": exercises})),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    str_of(&r.body["id"]).to_owned()
}

/// A module for every skill of [`SKILLS`] at every level: (skill, level) → module id.
pub async fn catalogue(t: &TestCloud, admin: &Session) -> BTreeMap<(String, u8), String> {
    let mut ids = BTreeMap::new();
    for skill in SKILLS {
        let made = futures::future::join_all((1..=5).map(|l| module(t, admin, skill, l))).await;
        for (l, id) in (1..=5).zip(made) {
            ids.insert((skill.to_owned(), l), id);
        }
    }
    ids
}

pub async fn start_attempt(t: &TestCloud, s: &Session, assessment_id: &str) -> Value {
    let r = t
        .call(
            "POST",
            &format!("/v1/assessments/{assessment_id}/attempts"),
            None,
            Some(&s.access_token),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

pub async fn answer(
    t: &TestCloud,
    s: &Session,
    attempt_id: &str,
    question_id: &str,
    choice: u32,
) -> e2e::Reply {
    t.call(
        "PUT",
        &format!("/v1/attempts/{attempt_id}/answers/{question_id}"),
        Some(json!({"choiceIndex": choice})),
        Some(&s.access_token),
    )
    .await
}

pub async fn submit(t: &TestCloud, s: &Session, attempt_id: &str) -> e2e::Reply {
    t.call(
        "POST",
        &format!("/v1/attempts/{attempt_id}/submit"),
        None,
        Some(&s.access_token),
    )
    .await
}

/// Starts an attempt, answers every question (right where `right(skill, n)` says so, `n`
/// counting the skill's questions from 0) and submits. Returns (attempt id, grade).
pub async fn take(
    t: &TestCloud,
    s: &Session,
    assessment_id: &str,
    right: impl Fn(&str, usize) -> bool,
) -> (String, Value) {
    let attempt = start_attempt(t, s, assessment_id).await;
    let attempt_id = str_of(&attempt["attemptId"]).to_owned();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for q in attempt["questions"].as_array().into_iter().flatten() {
        let skill = str_of(&q["skill"]).to_owned();
        let n = seen.entry(skill.clone()).or_default();
        let choice = if right(&skill, *n) { 0 } else { 1 };
        *n += 1;
        let r = answer(t, s, &attempt_id, str_of(&q["id"]), choice).await;
        assert_eq!(r.status, 204, "{}", r.text);
    }
    let r = submit(t, s, &attempt_id).await;
    assert_eq!(r.status, 200, "{}", r.text);
    (attempt_id, r.body)
}

/// Waits until `check` holds, polling; panics with `what` after [`PATIENCE`].
pub async fn eventually<F, Fut, T>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The student's plan, once the plan builder has made it from `attempt_id`.
pub async fn plan_for(t: &TestCloud, s: &Session, attempt_id: &str) -> Value {
    eventually("the plan", || async {
        let r = t
            .call("GET", "/v1/learning/plan", None, Some(&s.access_token))
            .await;
        (r.status == 200 && r.body["attemptId"] == attempt_id).then_some(r.body)
    })
    .await
}

pub fn queue_url(t: &TestCloud, queue: &str) -> String {
    t.cloud
        .queue_url(queue)
        .unwrap_or_else(|| panic!("no queue {queue}"))
}

/// Messages in `queue`, visible or in flight.
pub async fn queue_depth(t: &TestCloud, queue: &str) -> u64 {
    let out = t
        .sqs()
        .await
        .get_queue_attributes()
        .queue_url(queue_url(t, queue))
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get_queue_attributes: {e}"));
    out.attributes()
        .map(|a| a.values().filter_map(|v| v.parse::<u64>().ok()).sum())
        .unwrap_or_default()
}

/// Events read from a queue until one satisfies `last` (the fence that proves everything
/// sent before it has arrived), all of them returned.
pub async fn events_until(t: &TestCloud, queue: &str, last: impl Fn(&Value) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + PATIENCE;
    let mut events = Vec::new();
    while !events.iter().any(&last) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting on {queue}; got {events:?}"
        );
        events.extend(t.receive_events(queue, 1, Duration::from_secs(1)).await);
    }
    events
}

/// A student: signs up; their token is in the returned session.
pub async fn student(t: &TestCloud, tag: &str) -> Session {
    t.sign_up(&e2e::email(tag), tag).await
}
