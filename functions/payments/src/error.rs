use shared::ApiError;

/// Why the payment step failed a message. Each fails that message only; SQS delivers it
/// again after the visibility timeout and, after five receives, parks it in the payments
/// dead-letter queue (an alarm fires).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("storage: {0}")]
    Storage(String),
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

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Storage(e.internal.clone().unwrap_or_else(|| e.to_string()))
    }
}
