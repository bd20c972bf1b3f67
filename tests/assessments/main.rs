//! End-to-end tests of the assessments and learning domains through the local cloud: the
//! real function binaries, driven over HTTP like a client, and the queue between them.

mod attempts;
mod authoring;
mod failures;
mod flow;
mod learning;
mod seed;
mod support;
