use shared::sqs_batch::MessageError;
use shared::store::StoreError;

/// Why the payment step failed a message. Each fails that message only; SQS delivers it
/// again after the visibility timeout and, after five receives, parks it in the payments
/// dead-letter queue (an alarm fires).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Unavailable through every in-process try; a later delivery tries again.
    #[error("the payment provider is unavailable: {0}")]
    ProviderUnavailable(String),
    /// A refund for an order whose payment was never captured: the orchestrator never asks
    /// for one, so a person has to look.
    #[error("order {order_id} has no captured payment to refund ({state})")]
    NothingToRefund {
        order_id: String,
        state: &'static str,
    },
    /// The provider refused to refund a captured payment: a person has to look.
    #[error("the provider refused to refund order {order_id}: {code}")]
    RefundRefused { order_id: String, code: String },
    /// The order's payment kept changing under this delivery (other deliveries at once).
    #[error("order {0}: the payment kept changing")]
    Contention(String),
}

impl Error {
    /// Whether a later delivery could get past it: an unavailable store or provider, or a
    /// payment that kept changing. The others wait in the dead-letter queue for a person.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Store(e) => e.is_retryable(),
            Error::ProviderUnavailable(_) | Error::Contention(_) => true,
            Error::NothingToRefund { .. } | Error::RefundRefused { .. } => false,
        }
    }
}

impl From<Error> for MessageError {
    fn from(e: Error) -> Self {
        let retryable = e.is_retryable();
        MessageError::new(e, retryable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_later_delivery_may_get_past_is_retried() {
        let retried = |e: Error| MessageError::from(e).retryable;
        assert!(retried(StoreError::Unavailable("throttled".into()).into()));
        assert!(retried(Error::ProviderUnavailable("503".into())));
        assert!(retried(Error::Contention("o1".into())));
        assert!(!retried(StoreError::malformed("state").into()));
        assert!(!retried(Error::RefundRefused {
            order_id: "o1".into(),
            code: "expired".into(),
        }));
        assert!(!retried(Error::NothingToRefund {
            order_id: "o1".into(),
            state: "declined",
        }));
    }
}
