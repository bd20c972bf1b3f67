//! The event envelope every domain sends and receives: `{id, type, occurredAt, userId,
//! data}`. `id` is the consumers' deduplication key.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::{Clock, rfc3339};
use crate::store::StoreError;

/// What can stand in an envelope's `type`: the notification events below, or the saga's
/// commands and replies ([`crate::saga::MessageType`]).
pub trait MessageKind: Copy + Serialize + DeserializeOwned {
    fn as_str(self) -> &'static str;
}

/// The events users are told about (the notifications queue renders every one of them).
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
    PasswordChanged,
    Enrolled,
    EmailVerification,
    PasswordReset,
}

impl MessageKind for EventType {
    fn as_str(self) -> &'static str {
        EventType::as_str(self)
    }
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
            EventType::PasswordChanged => "password_changed",
            EventType::Enrolled => "enrolled",
            EventType::EmailVerification => "email_verification",
            EventType::PasswordReset => "password_reset",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: MessageKind"))]
pub struct Envelope<T: MessageKind = EventType> {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: T,
    pub occurred_at: String,
    pub user_id: String,
    pub data: Value,
}

impl<T: MessageKind> Envelope<T> {
    pub fn new(event_type: T, user_id: &str, data: Value, clock: &dyn Clock) -> Self {
        Self {
            id: crate::new_id(),
            event_type,
            occurred_at: rfc3339(clock.now()),
            user_id: user_id.to_owned(),
            data,
        }
    }

    /// The reply to `command`, addressed to the command's user, with `data` encoded for
    /// the outbox: a reply that cannot be encoded is a bug, like any value a store cannot
    /// encode ([`StoreError::Corrupt`]).
    pub fn reply_to<C: MessageKind>(
        command: &Envelope<C>,
        reply_type: T,
        data: &impl Serialize,
        clock: &dyn Clock,
    ) -> Result<Self, StoreError> {
        let data = serde_json::to_value(data).map_err(StoreError::corrupt)?;
        Ok(Self::new(reply_type, &command.user_id, data, clock))
    }
}

/// The queues events go to, by the logical name the outbox stores. The relay maps a name
/// to a URL through its `OUTBOX_QUEUE_<NAME>` environment variable.
pub mod queues {
    pub const NOTIFICATIONS: &str = "notifications";
    pub const LEARNING: &str = "learning";
    /// Learning's enrollments: `order_confirmed` and `order_cancelled` of an order for a
    /// program.
    pub const ENROLLMENTS: &str = "enrollments";
    /// Saga commands to the inventory and payments step handlers, and their replies to the
    /// orders orchestrator.
    pub const INVENTORY: &str = "inventory";
    pub const PAYMENTS: &str = "payments";
    pub const ORDERS: &str = "orders";
    /// The assessments and community domains' own queues: `user_deleted`
    /// ([`crate::erasure`]).
    pub const ASSESSMENTS: &str = "assessments";
    pub const COMMUNITY: &str = "community";
}
