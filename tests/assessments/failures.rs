//! The two lessons made executable: the outbox holds when submit dies after its commit, and
//! a broken learning domain stops neither sign-in nor assessments, and loses nothing.

use aws_sdk_sqs::types::QueueAttributeName;
use e2e::{PASSWORD, TestCloud};
use serde_json::json;

use crate::support::{
    LEARNING_FUNCTIONS, catalogue, diagnostic_questions, eventually, plan_for, published,
    queue_depth, queue_url, start_attempt, str_of, student, submit, take,
};

#[tokio::test]
async fn a_submit_killed_after_its_commit_still_yields_a_plan() {
    let (t, admin) = TestCloud::start_with_admin().await;
    catalogue(&t, &admin).await;
    let a = published(&t, &admin, diagnostic_questions(), 600).await;
    let s = student(&t, "crashed").await;
    let attempt = start_attempt(&t, &s, str_of(&a["id"])).await;
    let attempt_id = str_of(&attempt["attemptId"]).to_owned();

    // The process aborts after the transaction committed and before it answered.
    t.cloud
        .inject_fault("AssessmentsSubmitAttemptFunction", "after_commit", 1);
    submit(&t, &s, &attempt_id)
        .await
        .problem(502, "bad_gateway");

    // The grade and its event were committed together: the plan appears...
    let plan = plan_for(&t, &s, &attempt_id).await;
    assert_eq!(plan["items"].as_array().map(Vec::len), Some(3), "{plan}");
    // ...and the client's retry gets the grade that was stored (nothing answered: 0 of 6).
    let retried = submit(&t, &s, &attempt_id).await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(
        (
            retried.body["score"].clone(),
            retried.body["maxScore"].clone()
        ),
        (json!(0), json!(6))
    );
}

#[tokio::test]
async fn with_learning_broken_sign_in_and_assessments_work_and_no_plan_is_lost() {
    let (t, admin) = TestCloud::start_with_admin().await;
    catalogue(&t, &admin).await;
    let a = published(&t, &admin, diagnostic_questions(), 600).await;
    // Failed receives come back after 1 s instead of 30, so the test sees the retry soon
    // after learning is back (10 receives before the dead-letter queue still leave ~10 s).
    t.sqs()
        .await
        .set_queue_attributes()
        .queue_url(queue_url(&t, "LearningQueue"))
        .attributes(QueueAttributeName::VisibilityTimeout, "1")
        .send()
        .await
        .unwrap_or_else(|e| panic!("set_queue_attributes: {e}"));
    for f in LEARNING_FUNCTIONS {
        t.cloud.set_broken(f, true);
    }

    let mut students = Vec::new();
    for n in 0..3 {
        let s = student(&t, &format!("resilient{n}")).await;
        let signed_in = t.sign_in(&s.email, PASSWORD).await;
        assert_eq!(signed_in.status, 200, "{}", signed_in.text);
        let list = t
            .call("GET", "/v1/assessments", None, Some(&s.access_token))
            .await;
        assert_eq!(list.status, 200, "{}", list.text);
        let (attempt_id, grade) = take(&t, &s, str_of(&a["id"]), |_, n| n == 0).await;
        assert_eq!(grade["score"], 3);
        let read = t
            .call(
                "GET",
                &format!("/v1/attempts/{attempt_id}"),
                None,
                Some(&s.access_token),
            )
            .await;
        assert_eq!(read.body["status"], "submitted");
        students.push((s, attempt_id));
    }
    // Learning itself is down...
    t.call(
        "GET",
        "/v1/learning/plan",
        None,
        Some(&students[0].0.access_token),
    )
    .await
    .problem(502, "bad_gateway");
    // ...and every attempt_graded waits in its queue.
    eventually("three attempt_graded in LearningQueue", || async {
        (queue_depth(&t, "LearningQueue").await == 3).then_some(())
    })
    .await;

    for f in LEARNING_FUNCTIONS {
        t.cloud.set_broken(f, false);
    }
    for (s, attempt_id) in &students {
        let plan = plan_for(&t, s, attempt_id).await;
        assert_eq!(plan["items"].as_array().map(Vec::len), Some(3), "{plan}");
    }
    assert_eq!(queue_depth(&t, "LearningDeadLetterQueue").await, 0);
    eventually("LearningQueue to drain", || async {
        (queue_depth(&t, "LearningQueue").await == 0).then_some(())
    })
    .await;
}
