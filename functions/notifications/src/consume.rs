//! The consumer of the notifications queue: each event becomes one inbox item and, if the
//! user opted in and the channel is configured, one message through the external channel;
//! account email ([`Route`]) goes through SES v2 to `data.email`, one-time codes by email
//! alone. Every external send (Kakao, email) has its own delivery record per event.
//!
//! SQS delivers at least once, and producers may publish an event twice (the outbox relay
//! retries); the user sees it once:
//! - the inbox item is a conditional put keyed by the event id ([`Store::add_to_inbox`]);
//! - the external send is guarded by a delivery record keyed by the event id: claimed
//!   (`sending`) before the call, settled (`sent` / `failed`) after it. A settled record is
//!   never sent again; a live claim of another invocation makes this copy wait for a retry;
//!   a claim older than [`CLAIM_LEASE`] belongs to an invocation that died and is taken over.
//!
//! A provider 5xx or timeout fails the message (SQS retries it, then moves it to the DLQ
//! after `maxReceiveCount`); a 4xx is recorded as `failed` and the message succeeds. Each
//! message is its own task in [`shared::sqs_batch::process`], so one failure never fails
//! the rest of the batch.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use shared::app::TableStore;
use shared::clock::{Clock, SystemClock, rfc3339};
use shared::config::ConfigError;
use shared::events::{Envelope, EventType};
use shared::sqs_batch::MessageError;
use shared::store::StoreError;
use shared::telemetry::{Metric, emit};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::email_channel::EmailChannel;
use crate::kakao::{KakaoChannel, KakaoMessage, SendOutcome};
use crate::model::Notification;
use crate::store::{Added, Channel, Claim, DeliveryStatus, Store};
use crate::templates::{self, Rendered};

/// Messages of one batch handled at once (the batch size of the event source).
pub const CONCURRENCY: usize = 10;
/// Longer than the consumer's whole run (its 10 s timeout): a claim this old was left by
/// an invocation that died between claiming and recording the outcome.
pub const CLAIM_LEASE: Duration = Duration::from_secs(30);
/// Longest user id accepted from a message (ours are 26-character ULIDs).
const MAX_USER_ID_LEN: usize = 64;

/// What the consumer needs, built once per cold start.
pub struct Consumer {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// `None`: the external channel is not configured, only the inbox is used.
    pub kakao: Option<KakaoChannel>,
    /// `None`: `EMAIL_SENDER` is not set, no email is sent.
    pub email: Option<EmailChannel>,
}

impl Consumer {
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = shared::dynamo::sdk_config().await;
        let kakao = KakaoChannel::from_env(&shared::secrets::Secrets::new(&config)).await?;
        if kakao.is_none() {
            tracing::info!("KAKAO_API_BASE_URL is empty: the external channel is off");
        }
        let email = match shared::config::optional(crate::email_channel::SENDER_ENV) {
            Some(_) => Some(EmailChannel::from_env(&config)?),
            None => {
                tracing::info!("EMAIL_SENDER is empty: no email is sent");
                None
            }
        };
        Ok(Self {
            store: Store::from_env(&config).await?,
            clock: Arc::new(SystemClock),
            kakao,
            email,
        })
    }
}

/// Why one message failed; it comes back through the queue.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// Not an event we can ever handle: after the retries it waits in the DLQ for a person.
    #[error("malformed event: {0}")]
    Malformed(String),
    #[error("storage: {0}")]
    Storage(#[from] StoreError),
    #[error("the provider is unavailable: {0}")]
    ProviderUnavailable(String),
    #[error("another invocation is sending this event now")]
    SendInProgress,
}

/// A malformed event (or stored data this code cannot read) fails for good; an unavailable
/// store or provider, or a send in progress elsewhere, may pass on a later try.
impl From<NotifyError> for MessageError {
    fn from(e: NotifyError) -> Self {
        let retryable = match &e {
            NotifyError::Malformed(_) => false,
            NotifyError::Storage(store) => store.is_retryable(),
            NotifyError::ProviderUnavailable(_) | NotifyError::SendInProgress => true,
        };
        MessageError::new(e, retryable)
    }
}

/// The Lambda handler: every message of the batch, failures reported one by one.
pub async fn handle_batch(consumer: Arc<Consumer>, event: SqsEvent) -> SqsBatchResponse {
    shared::sqs_batch::process(event, CONCURRENCY, move |message: SqsMessage| {
        let consumer = consumer.clone();
        async move { consumer.notify(&message).await }
    })
    .await
}

impl Consumer {
    pub async fn notify(&self, message: &SqsMessage) -> Result<(), NotifyError> {
        if let Some(user_id) = message
            .body
            .as_deref()
            .and_then(shared::erasure::deleted_user)
        {
            return self.erase(&user_id).await;
        }
        let mut envelope: Envelope =
            shared::sqs_batch::envelope(message).map_err(|e| NotifyError::Malformed(e.why))?;
        check(&envelope)?;
        // Ids are case-insensitive: keyed in their one spelling, an item is found by
        // `POST /v1/notifications/{id}/read` (which reads the id that way) and a duplicate
        // in another case is still a duplicate.
        envelope.id = envelope.id.to_ascii_uppercase();
        let preferences = self
            .store
            .preferences(&envelope.user_id)
            .await?
            .unwrap_or_default();
        let rendered = templates::render(envelope.event_type, preferences.locale, &envelope.data);
        let missing = templates::missing(envelope.event_type, &envelope.data);
        if !missing.is_empty() {
            // Sent anyway, with the placeholders' fallback words: a vaguer notification beats
            // none. In normal operation every producer sends what its texts name.
            tracing::warn!(eventId = %envelope.id, eventType = envelope.event_type.as_str(), ?missing, "the event lacks values its notification names; fallback text used");
            shared::telemetry::count("NotificationFallback");
        }
        let route = Route::of(envelope.event_type);
        if route.email {
            self.email(&envelope, preferences.locale, &rendered, route.inbox)
                .await?;
        }
        if !route.inbox {
            return Ok(());
        }
        let notification = Notification {
            id: envelope.id.clone(),
            kind: envelope.event_type.as_str().to_owned(),
            title: rendered.title.clone(),
            body: rendered.body.clone(),
            created_at: self.created_at(&envelope),
            read_at: None,
        };
        let added = self
            .store
            .add_to_inbox(&envelope.user_id, &notification, actor(&envelope))
            .await?;
        tracing::info!(
            eventId = %envelope.id,
            userId = %envelope.user_id,
            eventType = envelope.event_type.as_str(),
            duplicate = added == Added::AlreadyThere,
            "notification in the inbox"
        );
        if let (Some(channel), Some(phone)) = (&self.kakao, preferences.kakao_phone()) {
            let message = KakaoMessage {
                message_id: &envelope.id,
                template_code: envelope.event_type.as_str(),
                recipient_no: phone.as_str(),
                title: &rendered.title,
                content: &rendered.body,
            };
            self.deliver(Channel::Kakao, &envelope, || channel.send(&message))
                .await?;
        }
        Ok(())
    }

    /// The email of an event, to the address in its `data.email` (notifications keeps no
    /// addresses). Without one, an email-only event cannot be delivered at all (malformed);
    /// an event that also goes to the inbox goes there without the email.
    async fn email(
        &self,
        envelope: &Envelope,
        locale: crate::model::Locale,
        rendered: &Rendered,
        also_inbox: bool,
    ) -> Result<(), NotifyError> {
        let Some(channel) = &self.email else {
            tracing::warn!(eventId = %envelope.id, "EMAIL_SENDER is not set: the email is not sent");
            return Ok(());
        };
        let to = envelope.data["email"]
            .as_str()
            .map(str::trim)
            .filter(|to| to.contains('@') && to.len() <= 254 && !to.contains(['\r', '\n', ',']));
        let Some(to) = to else {
            if also_inbox {
                tracing::warn!(eventId = %envelope.id, "the event has no `email`: no email sent");
                return Ok(());
            }
            return Err(NotifyError::Malformed(
                "`data.email` is not an address".into(),
            ));
        };
        let now = self.clock.now();
        self.deliver(Channel::Email, envelope, || {
            channel.send(to, locale, rendered, now)
        })
        .await
    }

    /// The event's time, which orders the inbox; the arrival time if the producer's is unreadable.
    fn created_at(&self, envelope: &Envelope) -> String {
        OffsetDateTime::parse(&envelope.occurred_at, &Rfc3339)
            .map(rfc3339)
            .unwrap_or_else(|_| rfc3339(self.clock.now()))
    }

    /// One send through `channel`, at most once per event: claimed before `send`, settled after.
    async fn deliver<F, Fut>(
        &self,
        channel: Channel,
        envelope: &Envelope,
        send: F,
    ) -> Result<(), NotifyError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = SendOutcome>,
    {
        let token = shared::new_id();
        let now_ms = shared::app::epoch_ms(self.clock.now());
        let lease_ms = i64::try_from(CLAIM_LEASE.as_millis()).unwrap_or(i64::MAX);
        match self
            .store
            .claim_delivery(
                &envelope.id,
                channel,
                &token,
                now_ms,
                now_ms.saturating_sub(lease_ms),
            )
            .await?
        {
            Claim::Claimed => {}
            Claim::Settled(status) => {
                tracing::info!(eventId = %envelope.id, status = status.as_str(), "external send already settled; not sending again");
                return Ok(());
            }
            Claim::Busy => return Err(NotifyError::SendInProgress),
        }

        let outcome = send().await;
        let (status, detail, metric) = match &outcome {
            SendOutcome::Accepted { status } => (
                DeliveryStatus::Sent,
                format!("accepted ({status})"),
                metric_name(channel, "Sent"),
            ),
            SendOutcome::Rejected { status } => (
                DeliveryStatus::Failed,
                format!("refused ({status})"),
                metric_name(channel, "Rejected"),
            ),
            SendOutcome::Unavailable { reason } => (
                DeliveryStatus::Retrying,
                reason.clone(),
                metric_name(channel, "Unavailable"),
            ),
        };
        emit(
            &[Metric {
                name: metric,
                unit: "Count",
                value: 1.0,
            }],
            &[],
        );
        let settled_at = rfc3339(self.clock.now());
        let ours = self
            .store
            .settle_delivery(&envelope.id, channel, &token, status, &detail, &settled_at)
            .await?;
        if !ours {
            tracing::warn!(eventId = %envelope.id, "the delivery claim was taken over before the outcome was recorded");
        }
        match outcome {
            SendOutcome::Accepted { .. } => {
                tracing::info!(eventId = %envelope.id, detail, "sent through the external channel");
                Ok(())
            }
            SendOutcome::Rejected { .. } => {
                tracing::warn!(eventId = %envelope.id, detail, "the provider refused the message; not retried");
                Ok(())
            }
            SendOutcome::Unavailable { reason } => Err(NotifyError::ProviderUnavailable(reason)),
        }
    }
}

impl Consumer {
    /// `user_deleted` (it shares the notifications queue): the user's inbox, unread counter and
    /// preferences (the phone) go, and so do the items in other inboxes that name them (their
    /// comments); nothing is rendered or sent. A redelivery finds nothing
    /// left and succeeds; a store that fails is retried through the queue.
    async fn erase(&self, user_id: &str) -> Result<(), NotifyError> {
        check_user_id(user_id)?;
        let items = self.store.erase_user(user_id).await?;
        let about = self.store.erase_actor(user_id).await?;
        tracing::info!(userId = %user_id, items, about, "the deleted user's notifications, and others' about them, erased");
        Ok(())
    }
}

/// `KakaoSent`, `EmailRejected`, ...: the metrics the Kakao channel always had, and the
/// email channel's alike.
fn metric_name(channel: Channel, outcome: &str) -> &'static str {
    match (channel, outcome) {
        (Channel::Kakao, "Sent") => "KakaoSent",
        (Channel::Kakao, "Rejected") => "KakaoRejected",
        (Channel::Kakao, _) => "KakaoUnavailable",
        (Channel::Email, "Sent") => "EmailSent",
        (Channel::Email, "Rejected") => "EmailRejected",
        (Channel::Email, _) => "EmailUnavailable",
    }
}

/// Where an event goes: account email (one-time codes) to the email alone, never to the
/// inbox or Kakao (docs/contract.md); a password change to all three; the rest to the
/// inbox and Kakao.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Route {
    inbox: bool,
    email: bool,
}

impl Route {
    fn of(event: EventType) -> Self {
        match event {
            EventType::EmailVerification | EventType::PasswordReset => Route {
                inbox: false,
                email: true,
            },
            EventType::PasswordChanged => Route {
                inbox: true,
                email: true,
            },
            _ => Route {
                inbox: true,
                email: false,
            },
        }
    }
}

/// The envelope fields the inbox depends on: the id names the inbox item and travels as
/// the provider's idempotency key, so it must be one of our ids.
fn check(envelope: &Envelope) -> Result<(), NotifyError> {
    if !shared::is_id(&envelope.id) {
        return Err(NotifyError::Malformed("`id` is not an event id".into()));
    }
    check_user_id(&envelope.user_id)
}

/// The user whose action the event tells of, when the inbox item will name them (a comment
/// names its commenter): their erasure finds the item by it.
fn actor(envelope: &Envelope) -> Option<&str> {
    match envelope.event_type {
        EventType::CommentAdded => envelope.data["commenterId"]
            .as_str()
            .filter(|id| check_user_id(id).is_ok()),
        _ => None,
    }
}

/// A user id as ours are spelled (ULIDs; at most [`MAX_USER_ID_LEN`] of `[A-Za-z0-9_-]`): it
/// is put in a key.
fn check_user_id(user: &str) -> Result<(), NotifyError> {
    if user.is_empty()
        || user.len() > MAX_USER_ID_LEN
        || !user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(NotifyError::Malformed("`userId` is not a user id".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(id: &str, user: &str) -> Envelope {
        Envelope {
            id: id.to_owned(),
            event_type: EventType::Welcome,
            occurred_at: "2026-11-24T12:00:00Z".to_owned(),
            user_id: user.to_owned(),
            correlation_id: String::new(),
            data: json!({}),
        }
    }

    #[test]
    fn only_our_ids_are_accepted() {
        let id = shared::new_id();
        assert!(check(&envelope(&id, "01JDUSER000000000000000000")).is_ok());
        assert!(check(&envelope("dup-1", "u1")).is_err());
        assert!(check(&envelope(&id, "")).is_err());
        assert!(check(&envelope(&id, "USER#x")).is_err());
        assert!(check(&envelope(&id, &"u".repeat(65))).is_err());
    }

    #[test]
    fn only_passing_failures_are_retried() {
        let retryable = |e: NotifyError| MessageError::from(e).retryable;
        assert!(!retryable(NotifyError::Malformed("no id".into())));
        assert!(!retryable(NotifyError::Storage(StoreError::malformed(
            "status"
        ))));
        assert!(retryable(NotifyError::Storage(StoreError::Unavailable(
            "throttled".into()
        ))));
        assert!(retryable(NotifyError::ProviderUnavailable("503".into())));
        assert!(retryable(NotifyError::SendInProgress));
    }
}
