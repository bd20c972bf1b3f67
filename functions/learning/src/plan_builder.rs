//! The consumer of learning's queue: on `attempt_graded`, build the student's plan and queue
//! `plan_ready`, in one transaction. Redelivery is expected (at-least-once queues, a relay
//! retried after it sent): the plan's key is made from the event, so a second delivery
//! finds the plan there, writes nothing and is acknowledged. A premium module is suggested
//! only to a student enrolled in its program when the plan is built. On `user_deleted` it
//! erases everything learning keeps of the student instead ([`shared::erasure`]).

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use serde::Deserialize;
use serde_json::json;
use shared::clock::rfc3339;
use shared::erasure::deleted_user;
use shared::events::{Envelope, EventType};
use shared::sqs_batch::MessageError;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::App;
use crate::model::{Plan, PlanStatus, Skill};
use crate::planning::{SkillResult, WEAK_BELOW, build_plan};
use crate::store::PlanCreated;

/// Messages of one batch built at once; each is a few small DynamoDB calls.
const CONCURRENCY: usize = 4;

/// What learning keeps of `attempt_graded`: its own copy, never a read of assessments.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttemptGraded {
    attempt_id: String,
    skills: Vec<GradedSkill>,
}

#[derive(Debug, Deserialize)]
struct GradedSkill {
    skill: Skill,
    ratio: f64,
}

pub async fn handle_batch(app: &Arc<App>, event: SqsEvent) -> SqsBatchResponse {
    shared::sqs_batch::process(event, CONCURRENCY, |message| build(app.clone(), message)).await
}

/// Builds the plan of one `attempt_graded`. A malformed message fails for good (it waits in
/// the dead-letter queue); a store that fails is retried through the queue.
async fn build(app: Arc<App>, message: SqsMessage) -> Result<(), MessageError> {
    if let Some(user_id) = message.body.as_deref().and_then(deleted_user) {
        return erase(&app, &user_id).await;
    }
    let envelope: Envelope = shared::sqs_batch::envelope(&message)?;
    if envelope.event_type != EventType::AttemptGraded {
        tracing::warn!(eventId = %envelope.id, eventType = envelope.event_type.as_str(), "not an event for the plan builder; dropped");
        return Ok(());
    }
    let graded: AttemptGraded = serde_json::from_value(envelope.data.clone()).map_err(|e| {
        MessageError::permanent(format!(
            "attempt_graded {} has unexpected data: {e}",
            envelope.id
        ))
    })?;
    if !shared::is_id(&graded.attempt_id) || !shared::is_id(&envelope.user_id) {
        return Err(MessageError::permanent(format!(
            "attempt_graded {} names no valid attempt or user",
            envelope.id
        )));
    }
    let graded_at = OffsetDateTime::parse(&envelope.occurred_at, &Rfc3339).map_err(|e| {
        MessageError::permanent(format!(
            "attempt_graded {} has a bad occurredAt: {e}",
            envelope.id
        ))
    })?;
    let graded_at_ms = shared::app::epoch_ms(graded_at);

    let results: Vec<SkillResult> = graded
        .skills
        .into_iter()
        .map(|s| SkillResult {
            skill: s.skill.into(),
            ratio: s.ratio,
        })
        .collect();
    // A premium module only for a student enrolled in its program.
    let programs = app.store.enrolled_programs(&envelope.user_id).await?;
    let mut catalogue = Vec::new();
    for r in results.iter().filter(|r| r.ratio < WEAK_BELOW) {
        let modules = app.store.modules_of(&r.skill).await?;
        catalogue.extend(modules.into_iter().filter(|m| m.open_to(&programs)));
    }
    let items = build_plan(&results, &catalogue);
    let now = app.clock.now();
    // Nothing to train: the plan is complete from the start (and no plan_completed follows).
    let status = if items.is_empty() {
        PlanStatus::Completed
    } else {
        PlanStatus::Active
    };
    let plan = Plan {
        id: shared::new_id(),
        attempt_id: graded.attempt_id,
        status,
        completed_at: (status == PlanStatus::Completed).then(|| rfc3339(now)),
        items,
        created_at: rfc3339(now),
        version: 0,
    };
    let ready = Envelope::new(
        EventType::PlanReady,
        &envelope.user_id,
        json!({
            "planId": plan.id,
            "attemptId": plan.attempt_id,
            "items": plan.items.iter().map(|i| json!({"moduleId": i.module_id, "skill": i.skill, "level": i.level})).collect::<Vec<_>>(),
        }),
        app.clock.as_ref(),
    );
    match app
        .store
        .create_plan(&envelope.user_id, graded_at_ms, &plan, &ready, now)
        .await?
    {
        PlanCreated::Built => {
            tracing::info!(eventId = %envelope.id, planId = %plan.id, items = plan.items.len(), "plan built");
        }
        PlanCreated::AlreadyBuilt => {
            tracing::info!(eventId = %envelope.id, attemptId = %plan.attempt_id, "plan already built; redelivery acknowledged");
        }
    }
    Ok(())
}

/// `user_deleted` (it shares this queue with `attempt_graded`): everything learning keeps of
/// the student goes. A redelivery finds nothing left and succeeds; a store that fails is
/// retried through the queue, so a learning that is down erases when it comes back.
async fn erase(app: &App, user_id: &str) -> Result<(), MessageError> {
    if !shared::is_id(user_id) {
        return Err(MessageError::permanent("user_deleted names no valid user"));
    }
    let items = app.store.erase_user(user_id).await?;
    tracing::info!(userId = %user_id, items, "the deleted user's learning data erased");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempt_graded_data_parses_and_refuses_bad_skills() {
        let ok: Result<AttemptGraded, _> = serde_json::from_value(json!({
            "attemptId": "01J", "score": 1, "maxScore": 2,
            "skills": [{"skill": "fractions", "score": 1, "maxScore": 2, "ratio": 0.5}]
        }));
        assert!(ok.is_ok_and(|g| g.skills.len() == 1));
        let bad: Result<AttemptGraded, _> = serde_json::from_value(json!({
            "attemptId": "01J", "skills": [{"skill": "a#b", "ratio": 0.5}]
        }));
        assert!(bad.is_err());
    }
}
