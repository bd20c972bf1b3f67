//! DynamoDB transactions under contention. When two `TransactWriteItems` touch the same item
//! at once, DynamoDB cancels one with the reason `TransactionConflict`, and neither it nor
//! the SDK retries that: [`Tx::write`] does, a few times with a growing, jittered pause. A
//! cancellation for any failed condition is returned at once as [`Cancelled`], which names
//! the items whose condition failed: every item of a [`Tx`] has a name, so adding an item
//! never shifts what a reader of the cancellation looks at (reasons come back by position).

use std::hash::BuildHasher;
use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;

use crate::store::StoreError;

/// A transaction: named items, written all or none.
#[derive(Debug, Clone, Default)]
pub struct Tx {
    names: Vec<&'static str>,
    items: Vec<TransactWriteItem>,
}

/// Why a transaction did not happen.
#[derive(Debug, thiserror::Error)]
pub enum TxError {
    /// DynamoDB cancelled it: a condition failed, or it kept colliding with others.
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A cancelled transaction, read by the names its items were given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("transaction cancelled (conditions failed: {failed:?})")]
pub struct Cancelled {
    failed: Vec<&'static str>,
}

impl Cancelled {
    /// Whether the condition of the item (or any of the items) named `name` failed.
    pub fn failed(&self, name: &str) -> bool {
        self.failed.contains(&name)
    }

    /// The names of the items whose condition failed; empty when the transaction only lost
    /// races with others until the retries ran out (reading again tells what happened).
    pub fn failed_names(&self) -> &[&'static str] {
        &self.failed
    }
}

/// A transaction the caller did not expect to be refused is a storage failure.
impl From<TxError> for StoreError {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Store(e) => e,
            TxError::Cancelled(c) => StoreError::Unavailable(c.to_string()),
        }
    }
}

impl Tx {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `item` under `name` (several items may share a name: a cancellation then
    /// reports the name if any of them failed).
    pub fn push(&mut self, name: &'static str, item: TransactWriteItem) -> &mut Self {
        self.names.push(name);
        self.items.push(item);
        self
    }

    /// Adds each of `items` under `name`.
    pub fn extend(
        &mut self,
        name: &'static str,
        items: impl IntoIterator<Item = TransactWriteItem>,
    ) -> &mut Self {
        for item in items {
            self.push(name, item);
        }
        self
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Writes it, retrying while it only lost a race with another transaction.
    pub async fn write(self, client: &aws_sdk_dynamodb::Client) -> Result<(), TxError> {
        let Self { names, items } = self;
        write(client, items)
            .await
            .map_err(|e| Self::read_cancellation(&names, e))
    }

    /// Writes it once, as it is.
    pub async fn write_once(self, client: &aws_sdk_dynamodb::Client) -> Result<(), TxError> {
        let Self { names, items } = self;
        write_once(client, items)
            .await
            .map_err(|e| Self::read_cancellation(&names, e))
    }

    fn read_cancellation(names: &[&'static str], e: SdkError<TransactWriteItemsError>) -> TxError {
        let reasons: Vec<Option<String>> = match e.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(tc)) => tc
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().map(str::to_owned))
                .collect(),
            _ => return TxError::Store(e.into()),
        };
        cancelled(names, &reasons).map_or_else(|| TxError::Store(e.into()), TxError::Cancelled)
    }
}

/// A cancellation's reasons (one per item, in order) as a [`Cancelled`], or `None` when the
/// cause is not ours to read (throttling, validation): a storage failure.
fn cancelled(names: &[&'static str], reasons: &[Option<String>]) -> Option<Cancelled> {
    let mut failed: Vec<&'static str> = Vec::new();
    for (i, code) in reasons.iter().enumerate() {
        match code.as_deref() {
            None | Some("None") | Some("TransactionConflict") => {}
            Some("ConditionalCheckFailed") => {
                let name = names.get(i).copied().unwrap_or("unnamed");
                if !failed.contains(&name) {
                    failed.push(name);
                }
            }
            Some(_) => return None,
        }
    }
    Some(Cancelled { failed })
}

/// Retries after the first attempt; with [`delay`] about 1.5 s at most in all.
pub const CONFLICT_RETRIES: u32 = 8;

/// Runs a transaction once, as it is.
async fn write_once(
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
async fn write(
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
    fn a_cancellation_is_read_by_name() {
        let names = ["order", "outbox", "outbox", "record"];
        let code = |c: &str| Some(c.to_owned());
        let reasons = [
            code("None"),
            code("None"),
            code("None"),
            code("ConditionalCheckFailed"),
        ];
        let c = cancelled(&names, &reasons).expect("cancelled");
        assert!(c.failed("record"));
        assert!(!c.failed("order"));
        assert_eq!(c.failed_names(), ["record"]);
        // Two items under one name: the name is reported once.
        let reasons = [
            None,
            code("ConditionalCheckFailed"),
            code("ConditionalCheckFailed"),
            None,
        ];
        assert_eq!(
            cancelled(&names, &reasons)
                .expect("cancelled")
                .failed_names(),
            ["outbox"]
        );
        // Only conflicts: cancelled, no condition failed.
        let reasons = [code("TransactionConflict"), None, None, None];
        assert!(
            cancelled(&names, &reasons)
                .expect("cancelled")
                .failed_names()
                .is_empty()
        );
        // Throttling is not a refusal to read: a storage failure.
        let reasons = [code("ThrottlingError"), None, None, None];
        assert_eq!(cancelled(&names, &reasons), None);
    }

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
