//! What every studyloop function shares, one way to do each thing: the application context
//! a function builds once per cold start ([`app`]), the storage error ([`store`]), HTTP glue and request
//! parsing ([`http`]), problem+json errors ([`problem`]), access tokens ([`auth`]), list
//! cursors ([`cursor`]), idempotent creation ([`idempotency`]), events, the outbox and its
//! relay ([`events`], [`outbox`]), an account's erasure everywhere ([`erasure`]), the order saga's messages ([`saga`]), money ([`money`]), the SQS batch helper ([`sqs_batch`]), DynamoDB helpers
//! ([`dynamo`]), telemetry ([`telemetry`]), the flow a request starts and every hop follows
//! ([`flow`]), one invocation and what it consumed ([`invocation`], [`metering`]), configuration ([`config`]) and secrets ([`secrets`]), time ([`clock`]) and
//! the local cloud's fault-injection points ([`fault`]). Clients open their connections during
//! init ([`warm`], through [`dynamo::connect`] and the outbox relay).

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod cursor;
pub mod dynamo;
pub mod erasure;
pub mod events;
pub mod fault;
pub mod flow;
pub mod http;
#[cfg(feature = "https")]
pub mod https;
pub mod idempotency;
pub mod invocation;
pub mod metering;
pub mod money;
pub mod openapi;
pub mod outbox;
pub mod paging;
pub mod problem;
pub mod saga;
pub mod secrets;
pub mod sqs_batch;
pub mod store;
pub mod strict;
pub mod telemetry;
pub mod text;
pub mod transaction;
pub mod warm;

pub use problem::{ApiError, FieldError};
pub use store::StoreError;

/// A new opaque id (ULID: sortable by creation time).
pub fn new_id() -> String {
    ulid::Ulid::new().to_string()
}

/// Whether `s` has the shape of an id we issue, so a bad path id is a 400 before any lookup.
pub fn is_id(s: &str) -> bool {
    // 26 Crockford base-32 characters encode 130 bits; a ULID has 128, so the first
    // character is at most '7'.
    s.len() == 26 && s.as_bytes()[0] <= b'7' && ulid::Ulid::from_string(s).is_ok()
}

/// `s` as the id it spells, in the one spelling we store (uppercase), or `None` if it is not
/// an id. Crockford base 32 is case-insensitive, so `01jdema…` and `01JDEMA…` are one id.
pub fn canonical_id(s: &str) -> Option<String> {
    is_id(s).then(|| s.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_ulids_and_nothing_else() {
        assert!(super::is_id(&super::new_id()));
        assert!(super::is_id("01JDEMA0000000000000000001"));
        for bad in [
            "",
            "01JDEMA000000000000000000",
            "ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
            "8ZZZZZZZZZZZZZZZZZZZZZZZZZ",
            "01JDEMA000000000000000000!",
            "../../etc/passwd",
        ] {
            assert!(!super::is_id(bad), "{bad}");
        }
    }

    #[test]
    fn a_lowercase_id_is_the_same_id() {
        let id = super::new_id();
        assert_eq!(
            super::canonical_id(&id.to_ascii_lowercase()).as_deref(),
            Some(id.as_str())
        );
        assert_eq!(super::canonical_id("not-an-id"), None);
    }
}
