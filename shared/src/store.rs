//! The storage error: what a store (a domain's `store.rs`, and the DynamoDB, outbox and
//! idempotency helpers here) returns when it cannot do its job. It knows nothing of HTTP or
//! SQS: the HTTP edge turns it into a 500 problem (`From<StoreError> for ApiError`), a
//! consumer into a message to retry (`From<StoreError> for MessageError`).

use crate::problem::ApiError;
use crate::sqs_batch::MessageError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// DynamoDB (or SQS) did not do what was asked: throttled, unreachable, timed out, or
    /// refused the request. Trying again later may work.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// A stored item is not what this code wrote (a missing or mistyped attribute), or a
    /// value could not be encoded for storage: a bug or a bad migration, not a passing
    /// failure.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A stored item without a valid attribute `name`.
    pub fn malformed(name: &str) -> Self {
        Self::Corrupt(format!("stored item has no valid attribute {name}"))
    }

    /// A value that could not be encoded or decoded (a builder's missing field, JSON).
    pub fn corrupt(cause: impl std::fmt::Display) -> Self {
        Self::Corrupt(cause.to_string())
    }

    /// Whether trying again could succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// A stored record that serde could not encode or decode: a missing or mistyped attribute.
impl From<serde_dynamo::Error> for StoreError {
    fn from(e: serde_dynamo::Error) -> Self {
        Self::Corrupt(format!("stored item is not a valid record: {e}"))
    }
}

/// The attributes of `record` (a `#[derive(Serialize)]` struct), to be put under its key.
pub fn to_item<T: serde::Serialize>(record: &T) -> Result<crate::dynamo::Item, StoreError> {
    Ok(serde_dynamo::to_item(record)?)
}

/// The record `T` that `item` holds; attributes `T` does not name (the key) are ignored. An
/// item that is not a valid `T` is [`StoreError::Corrupt`].
pub fn from_item<T: serde::de::DeserializeOwned>(
    item: crate::dynamo::Item,
) -> Result<T, StoreError> {
    Ok(serde_dynamo::from_item(item)?)
}

/// Any DynamoDB or SQS call that failed (both SDKs share the error type).
impl<E, R> From<aws_sdk_dynamodb::error::SdkError<E, R>> for StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    fn from(e: aws_sdk_dynamodb::error::SdkError<E, R>) -> Self {
        Self::Unavailable(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
    }
}

/// A storage failure is ours, not the client's: a 500 whose body hides the cause (logged).
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::internal(e)
    }
}

/// A consumer's storage failure: the message is retried through its queue.
impl From<StoreError> for MessageError {
    fn from(e: StoreError) -> Self {
        let retryable = e.is_retryable();
        Self::new(e, retryable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unavailable_store_is_worth_retrying() {
        assert!(StoreError::Unavailable("throttled".into()).is_retryable());
        assert!(!StoreError::malformed("status").is_retryable());
        assert!(MessageError::from(StoreError::Unavailable("x".into())).retryable);
        assert!(!MessageError::from(StoreError::corrupt("y")).retryable);
    }

    #[test]
    fn a_record_missing_or_mistyping_an_attribute_is_corrupt() {
        use crate::dynamo::{Item, n, s};
        #[derive(Debug, serde::Deserialize)]
        struct Record {
            count: i64,
        }
        let missing = from_item::<Record>(Item::new());
        assert!(
            matches!(missing, Err(StoreError::Corrupt(_))),
            "{missing:?}"
        );
        let mistyped = from_item::<Record>(Item::from([("count".to_owned(), s("1"))]));
        assert!(
            matches!(mistyped, Err(StoreError::Corrupt(_))),
            "{mistyped:?}"
        );
        let valid = from_item::<Record>(Item::from([("count".to_owned(), n(1))]));
        assert!(matches!(valid, Ok(Record { count: 1 })), "{valid:?}");
    }

    #[test]
    fn the_client_sees_a_500_without_the_cause() {
        let api = ApiError::from(StoreError::malformed("secretAttribute"));
        assert_eq!(api.status, 500);
        assert!(!api.body("r").detail.contains("secretAttribute"));
    }
}
