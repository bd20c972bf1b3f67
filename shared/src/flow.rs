//! The flow a piece of work belongs to: the request that started it, followed across every
//! hop. Its correlation id is the `x-request-id` of the HTTP request that started the flow (or
//! the Lambda request id of a seed or scheduled invocation); every envelope built inside the
//! flow carries it ([`crate::events::Envelope::new`]), every relay and consumer handles a
//! message inside the flow the message names, and their spans carry it, so one id finds every
//! log line of every hop. Beside it travels the X-Ray trace header the hop was given, which the
//! outbox hands on to SQS (`AWSTraceHeader`) so that one trace spans the flow on AWS.
//!
//! A task-local: [`Flow::scope`] sets it for a future (a spawned task starts outside any flow,
//! so [`crate::sqs_batch::process`] scopes each message's task itself). Whoever scopes a flow
//! inside an invocation also counts it there ([`crate::invocation::Invocation::handles`]), so
//! the invocation's EMF line names it.

use std::future::Future;

tokio::task_local! {
    static CURRENT: Flow;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub correlation_id: String,
    /// The X-Ray trace header (`Root=...;Parent=...;Sampled=...`) of this hop, when the
    /// platform gave one.
    pub trace_header: Option<String>,
}

impl Flow {
    /// A header without the shape of an X-Ray trace header is dropped: it can come from a
    /// client (`x-amzn-trace-id`), and SQS refuses a malformed `AWSTraceHeader`, which would
    /// hold the relay's stream on that item until it expired.
    pub fn new(correlation_id: impl Into<String>, trace_header: Option<String>) -> Self {
        Self {
            correlation_id: correlation_id.into(),
            trace_header: trace_header.filter(|h| is_trace_header(h)),
        }
    }

    /// `work` in this flow. A plain function, not an `async fn`: the future it returns holds
    /// `work` once (an `async fn` would keep room for it twice, and handlers' futures are large).
    pub fn scope<F: Future>(self, work: F) -> impl Future<Output = F::Output> {
        CURRENT.scope(self, work)
    }
}

/// Whether `header` has the shape of an X-Ray trace header: `Root=1-<8 hex>-<24 hex>`, then
/// `;Key=Value` fields, printable ASCII, short.
fn is_trace_header(header: &str) -> bool {
    let Some(root) = header.strip_prefix("Root=1-") else {
        return false;
    };
    let id = root.split(';').next().unwrap_or_default();
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    header.len() <= 256
        && header.bytes().all(|b| b.is_ascii_graphic())
        && id
            .split_once('-')
            .is_some_and(|(time, random)| hex(time, 8) && hex(random, 24))
}

/// The current flow's correlation id; outside any flow (a unit test, a tool), a new id: the
/// work starts a flow of its own.
pub fn correlation_id() -> String {
    CURRENT
        .try_with(|f| f.correlation_id.clone())
        .unwrap_or_else(|_| crate::new_id())
}

/// The current flow's X-Ray trace header, if it has one.
pub fn trace_header() -> Option<String> {
    CURRENT.try_with(|f| f.trace_header.clone()).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn inside_a_flow_its_id_outside_a_new_one_each_time() {
        let outside = (correlation_id(), correlation_id());
        assert_ne!(outside.0, outside.1);
        assert!(crate::is_id(&outside.0));
        assert_eq!(trace_header(), None);

        let flow = Flow::new("req-1", Some(TRACE.into()));
        let inside = flow
            .scope(async { (correlation_id(), correlation_id(), trace_header()) })
            .await;
        assert_eq!(inside.0, "req-1");
        assert_eq!(inside.1, "req-1");
        assert_eq!(inside.2.as_deref(), Some(TRACE));
    }

    const TRACE: &str =
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

    #[test]
    fn only_a_well_formed_trace_header_is_kept() {
        assert_eq!(
            Flow::new("x", Some(TRACE.into())).trace_header.as_deref(),
            Some(TRACE)
        );
        let root_only = "Root=1-5759e988-bd862e3fe1be46a994272793";
        assert!(
            Flow::new("x", Some(root_only.into()))
                .trace_header
                .is_some()
        );
        for bad in [
            "",
            "Root=1-abc;Sampled=1",
            "Parent=53995c3f42cd8ad8;Sampled=1",
            "Root=1-5759e988-bd862e3fe1be46a99427279z",
            "Root=1-5759e988-bd862e3fe1be46a994272793; Sampled=1",
            &format!("{TRACE};Lineage={}", "a".repeat(300)),
        ] {
            assert_eq!(Flow::new("x", Some(bad.into())).trace_header, None, "{bad}");
        }
    }
}
