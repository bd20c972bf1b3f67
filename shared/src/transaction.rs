//! DynamoDB transactions under contention. When two `TransactWriteItems` touch the same item
//! at once, DynamoDB cancels one with the reason `TransactionConflict`, and neither it nor
//! the SDK retries that: [`write`] does, a few times with a growing, jittered pause. A
//! cancellation for any failed condition is returned at once, for the caller to read with
//! [`crate::dynamo::failed_conditions`].

use std::hash::BuildHasher;
use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;

/// Retries after the first attempt; with [`delay`] about 1.5 s at most in all.
pub const CONFLICT_RETRIES: u32 = 8;

/// Runs a transaction once, as it is.
pub async fn write_once(
    client: &aws_sdk_dynamodb::Client,
    items: Vec<TransactWriteItem>,
) -> Result<(), SdkError<TransactWriteItemsError>> {
    client
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await?;
    Ok(())
}

/// Runs a transaction, retrying it while it only lost a race with another one.
pub async fn write(
    client: &aws_sdk_dynamodb::Client,
    items: Vec<TransactWriteItem>,
) -> Result<(), SdkError<TransactWriteItemsError>> {
    let mut attempt = 0;
    loop {
        match write_once(client, items.clone()).await {
            Ok(_) => return Ok(()),
            Err(e) if attempt < CONFLICT_RETRIES && is_conflict(&e) => {
                back_off(attempt).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Whether a transaction was cancelled only because another one touched the same item (no
/// condition failed: retrying could succeed).
pub fn is_conflict<R>(e: &SdkError<TransactWriteItemsError, R>) -> bool {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(tc)) => {
            let codes: Vec<Option<&str>> =
                tc.cancellation_reasons().iter().map(|r| r.code()).collect();
            codes.contains(&Some("TransactionConflict"))
                && !codes.contains(&Some("ConditionalCheckFailed"))
        }
        _ => false,
    }
}

/// Waits [`delay`]`(attempt)`: also the pause before retrying what a batch call left
/// unprocessed.
pub async fn back_off(attempt: u32) {
    tokio::time::sleep(delay(attempt, random())).await;
}

/// Half of 10, 20, 40 ... 320 ms plus up to that half again, chosen by `random`, so callers
/// that collided spread out instead of colliding again.
pub fn delay(attempt: u32, random: u64) -> Duration {
    let ceiling_ms = 10u64 << attempt.min(5);
    Duration::from_millis(ceiling_ms / 2 + random % (ceiling_ms / 2 + 1))
}

/// Enough randomness for jitter, without a dependency: std seeds every `RandomState` anew.
fn random() -> u64 {
    std::hash::RandomState::new().hash_one(0u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_grows_then_stays_bounded() {
        assert_eq!(delay(0, 0), Duration::from_millis(5));
        assert_eq!(delay(0, u64::MAX), Duration::from_millis(5 + u64::MAX % 6));
        for attempt in 0..20 {
            for r in [0, 1, 7, 1_000_003, u64::MAX] {
                let d = delay(attempt, r);
                let ceiling = 10u64 << attempt.min(5);
                assert!(d >= Duration::from_millis(ceiling / 2), "{attempt} {r}");
                assert!(d <= Duration::from_millis(ceiling), "{attempt} {r}");
            }
        }
    }
}
