//! The event envelope every domain sends and receives: `{id, type, occurredAt, userId,
//! correlationId, data}`. `id` is the consumers' deduplication key; `correlationId` names the
//! flow the event belongs to ([`crate::flow`]): the request that started it.

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
    /// The flow's correlation id. Envelopes from before it existed have none (`""`):
    /// [`Envelope::correlation`] then answers the envelope's own id.
    #[serde(default)]
    pub correlation_id: String,
    pub data: Value,
}

impl<T: MessageKind> Envelope<T> {
    /// An event of the current flow ([`crate::flow::correlation_id`]).
    pub fn new(event_type: T, user_id: &str, data: Value, clock: &dyn Clock) -> Self {
        Self {
            id: crate::new_id(),
            event_type,
            occurred_at: rfc3339(clock.now()),
            user_id: user_id.to_owned(),
            correlation_id: crate::flow::correlation_id(),
            data,
        }
    }

    /// The flow this envelope belongs to: its `correlationId`, or its own id if it has none.
    pub fn correlation(&self) -> &str {
        if self.correlation_id.is_empty() {
            &self.id
        } else {
            &self.correlation_id
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
        let mut reply = Self::new(reply_type, &command.user_id, data, clock);
        reply.correlation_id = command.correlation().to_owned();
        Ok(reply)
    }
}

/// The flow an envelope's JSON `body` belongs to (its `correlationId`, else its `id`),
/// without reading the rest of it; `None` if it is not an envelope.
pub fn correlation_of(body: &str) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        id: Option<String>,
        correlation_id: Option<String>,
    }
    let head: Head = serde_json::from_str(body).ok()?;
    head.correlation_id
        .filter(|c| !c.is_empty())
        .or(head.id)
        .filter(|c| !c.is_empty())
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clock::FixedClock;
    use crate::flow::Flow;

    fn clock() -> FixedClock {
        FixedClock::at(time::macros::datetime!(2026-12-03 12:00 UTC))
    }

    #[tokio::test]
    async fn an_envelope_carries_the_flow_it_was_made_in() {
        let env = Flow::new("req-7", None)
            .scope(async { Envelope::new(EventType::Welcome, "u1", json!({}), &clock()) })
            .await;
        assert_eq!(env.correlation_id, "req-7");
        let text = serde_json::to_value(&env).unwrap_or_default();
        assert_eq!(text["correlationId"], "req-7");
        assert_eq!(correlation_of(&text.to_string()).as_deref(), Some("req-7"));
    }

    #[test]
    fn an_envelope_without_a_correlation_id_still_decodes_and_stands_for_itself() {
        let body = r#"{"id":"e1","type":"welcome","occurredAt":"2026-12-03T12:00:00Z","userId":"u1","data":{}}"#;
        let env: Envelope = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(env.correlation_id, "");
        assert_eq!(env.correlation(), "e1");
        assert_eq!(correlation_of(body).as_deref(), Some("e1"));
        assert_eq!(correlation_of("not json"), None);
        assert_eq!(correlation_of("{}"), None);
    }

    #[tokio::test]
    async fn a_reply_keeps_the_commands_flow_wherever_it_is_made() {
        let command = Flow::new("order-req", None)
            .scope(async {
                Envelope::new(
                    crate::saga::MessageType::ReserveStock,
                    "u1",
                    json!({}),
                    &clock(),
                )
            })
            .await;
        // Made outside any flow, the reply still belongs to the command's.
        let reply: Envelope<crate::saga::MessageType> = Envelope::reply_to(
            &command,
            crate::saga::MessageType::StockReserved,
            &json!({"orderId": "o1"}),
            &clock(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reply.correlation_id, "order-req");
        assert_eq!(reply.user_id, "u1");
        assert_ne!(reply.id, command.id);

        // A command from before correlation ids: the reply joins the command's own id.
        let mut old = command.clone();
        old.correlation_id.clear();
        let reply: Envelope<crate::saga::MessageType> = Envelope::reply_to(
            &old,
            crate::saga::MessageType::StockReserved,
            &json!({}),
            &clock(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reply.correlation_id, command.id);
    }
}
