//! The event envelope every domain sends and receives: `{id, type, occurredAt, userId,
//! data}`. `id` is the consumers' deduplication key.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::{Clock, rfc3339};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Welcome,
    AttemptGraded,
    PlanReady,
    PlanCompleted,
    CommentAdded,
    OrderConfirmed,
    OrderCancelled,
    OrderRejected,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Welcome => "welcome",
            EventType::AttemptGraded => "attempt_graded",
            EventType::PlanReady => "plan_ready",
            EventType::PlanCompleted => "plan_completed",
            EventType::CommentAdded => "comment_added",
            EventType::OrderConfirmed => "order_confirmed",
            EventType::OrderCancelled => "order_cancelled",
            EventType::OrderRejected => "order_rejected",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub occurred_at: String,
    pub user_id: String,
    pub data: Value,
}

impl Envelope {
    pub fn new(event_type: EventType, user_id: &str, data: Value, clock: &dyn Clock) -> Self {
        Self {
            id: crate::new_id(),
            event_type,
            occurred_at: rfc3339(clock.now()),
            user_id: user_id.to_owned(),
            data,
        }
    }
}

/// The queues events go to, by the logical name the outbox stores. The relay maps a name
/// to a URL through its `OUTBOX_QUEUE_<NAME>` environment variable.
pub mod queues {
    pub const NOTIFICATIONS: &str = "notifications";
    pub const LEARNING: &str = "learning";
}
