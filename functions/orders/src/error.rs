use shared::ApiError;
use shared::sqs_batch::MessageError;
use shared::store::StoreError;

use crate::model::OrderStatus;
use crate::saga::IllegalTransition;

/// Everything an orders use case can refuse, and how each reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Also for another customer's order: its existence is not the caller's business.
    #[error("no such order for this caller")]
    OrderNotFound,
    #[error("only the customer may cancel an order")]
    NotTheCustomer,
    #[error("a {} order cannot be cancelled", .0.as_str())]
    NotCancellable(OrderStatus),
    /// Another change of the order won every race with this one (see [`crate::advance`]).
    #[error("order {0} kept changing")]
    Contention(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Error {
    /// Whether trying again later could succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Contention(_) => true,
            Error::Store(e) => e.is_retryable(),
            Error::OrderNotFound | Error::NotTheCustomer | Error::NotCancellable(_) => false,
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::OrderNotFound => ApiError::not_found("The order does not exist."),
            Error::NotTheCustomer => ApiError::forbidden("Only the customer may cancel an order."),
            Error::NotCancellable(status) => ApiError::conflict(
                "order_not_cancellable",
                format!(
                    "The order is {}; only a confirmed order can be cancelled.",
                    status.as_str()
                ),
            ),
            Error::Contention(_) => ApiError::internal(e),
            Error::Store(e) => e.into(),
        }
    }
}

/// Why the orchestrator failed a reply (see [`crate::orchestrator`]). Each fails that
/// message only; a retryable one may get through on a later delivery, the others wait in
/// the dead-letter queue for a person.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    /// The message is not an envelope.
    #[error(transparent)]
    Unreadable(#[from] MessageError),
    #[error("{kind} {id} has unexpected data: {why}")]
    UnexpectedData {
        kind: &'static str,
        id: String,
        why: serde_json::Error,
    },
    #[error("{kind} {id} names no valid order")]
    NoValidOrder { kind: &'static str, id: String },
    #[error("{kind} {id} names an unknown order {order_id}")]
    UnknownOrder {
        kind: &'static str,
        id: String,
        order_id: String,
    },
    /// The stored order cannot make the next command.
    #[error("order {order_id}: {why}")]
    Inconsistent {
        order_id: String,
        why: IllegalTransition,
    },
    /// A deleted customer's order whose saga still runs: erased once it settles.
    #[error("order {order_id} is still running; its customer is forgotten once it settles")]
    StillRunning { order_id: String },
    #[error(transparent)]
    Order(#[from] Error),
}

impl From<StoreError> for ReplyError {
    fn from(e: StoreError) -> Self {
        ReplyError::Order(e.into())
    }
}

/// Only a store that is unavailable and an order that kept changing are worth retrying.
impl From<ReplyError> for MessageError {
    fn from(e: ReplyError) -> Self {
        let retryable = match &e {
            ReplyError::Unreadable(m) => m.retryable,
            ReplyError::Order(e) => e.is_retryable(),
            ReplyError::StillRunning { .. } => true,
            ReplyError::UnexpectedData { .. }
            | ReplyError::NoValidOrder { .. }
            | ReplyError::UnknownOrder { .. }
            | ReplyError::Inconsistent { .. } => false,
        };
        MessageError::new(e, retryable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unavailable_store_and_contention_are_retried() {
        let retried = |e: ReplyError| MessageError::from(e).retryable;
        assert!(retried(StoreError::Unavailable("throttled".into()).into()));
        assert!(retried(Error::Contention("o1".into()).into()));
        assert!(!retried(StoreError::malformed("step").into()));
        assert!(!retried(MessageError::permanent("no body").into()));
        assert!(!retried(ReplyError::Inconsistent {
            order_id: "o1".into(),
            why: IllegalTransition::Inconsistent("no total"),
        }));
        assert!(!retried(ReplyError::NoValidOrder {
            kind: "stock_reserved",
            id: "m1".into(),
        }));
    }

    #[test]
    fn the_client_sees_the_same_problems() {
        let api = ApiError::from(Error::NotCancellable(OrderStatus::Pending));
        assert_eq!(api.status, 409);
        assert_eq!(ApiError::from(Error::OrderNotFound).status, 404);
        assert_eq!(ApiError::from(Error::NotTheCustomer).status, 403);
        assert_eq!(ApiError::from(Error::Contention("o1".into())).status, 500);
        assert_eq!(
            ApiError::from(Error::Store(StoreError::malformed("x"))).status,
            500
        );
    }
}
