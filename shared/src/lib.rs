//! What every studyloop function shares, one way to do each thing: HTTP glue and request
//! parsing ([`http`]), problem+json errors ([`problem`]), access tokens ([`auth`]), list
//! cursors ([`cursor`]), idempotent creation ([`idempotency`]), events, the outbox and its
//! relay ([`events`], [`outbox`]), the SQS batch helper ([`sqs_batch`]), DynamoDB helpers
//! ([`dynamo`]), telemetry ([`telemetry`]), configuration ([`config`]), time ([`clock`]) and
//! the local cloud's fault-injection points ([`fault`]).

pub mod auth;
pub mod clock;
pub mod config;
pub mod cursor;
pub mod dynamo;
pub mod events;
pub mod fault;
pub mod http;
pub mod idempotency;
pub mod outbox;
pub mod paging;
pub mod problem;
pub mod sqs_batch;
pub mod telemetry;
pub mod text;
pub mod transaction;

pub use problem::{ApiError, FieldError};

/// A new opaque id (ULID: sortable by creation time).
pub fn new_id() -> String {
    ulid::Ulid::new().to_string()
}

/// Whether `s` has the shape of an id we issue, so a bad path id is a 400 before any lookup.
pub fn is_id(s: &str) -> bool {
    ulid::Ulid::from_string(s).is_ok() && s.len() == 26
}
