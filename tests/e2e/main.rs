//! End-to-end tests: the local cloud runs template.yaml with the real function binaries;
//! each test drives it over HTTP like a client would.

mod account_deletion;
mod account_email;
mod auth;
mod contract;
mod correlation;
mod outbox;
mod passwords;
mod platform;
mod profile;
mod secrets;
