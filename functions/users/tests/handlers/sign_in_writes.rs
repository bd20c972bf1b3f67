//! What a sign-in's writes cost: DynamoDB bills a write its condition refuses (1 unit), and
//! the emulator's consumed capacity does not show it, so these tests count the refusals.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use shared::app::TableStore;
use users::Store;
use users::model::Email;
use users::store::Reservation;

/// Counts the answers that refuse a request (HTTP 400: a failed condition, here).
#[derive(Debug, Clone, Default)]
struct Refusals(Arc<AtomicUsize>);

impl Intercept for Refusals {
    fn name(&self) -> &'static str {
        "Refusals"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context.response().status().as_u16() == 400 {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_first_attempt_is_reserved_without_a_refused_write() {
    let db = testkit::Db::start("UsersTable").await;
    let refusals = Refusals::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        db.client
            .config()
            .to_builder()
            .interceptor(refusals.clone())
            .build(),
    );
    let store = Store::new(client, db.table.clone());
    let email = Email::try_from("first@example.com".to_owned()).unwrap_or_else(|e| panic!("{e:?}"));
    let now = 1_800_000_000;
    let reserve = || store.reserve_sign_in(&email, "198.51.100.7", now, 5, 900);

    assert_eq!(reserve().await.ok(), Some(Reservation::Granted));
    assert_eq!(
        refusals.0.load(Ordering::SeqCst),
        0,
        "a fresh window: one write"
    );
    // A second attempt in the live window: the new window is refused, the count taken.
    assert_eq!(reserve().await.ok(), Some(Reservation::Granted));
    assert_eq!(refusals.0.load(Ordering::SeqCst), 1);
    let counted = store
        .sign_in_attempts(&email, "198.51.100.7")
        .await
        .ok()
        .flatten()
        .map(|f| f.count);
    assert_eq!(counted, Some(2));
    // After a success clears them, the next sign-in again writes once.
    store
        .clear_sign_in_attempts(&email, "198.51.100.7")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(reserve().await.ok(), Some(Reservation::Granted));
    assert_eq!(refusals.0.load(Ordering::SeqCst), 1);
}
