//! Fault-injection points for the local cloud's crash tests.
//!
//! The local cloud marks an invocation with a client context `{"custom":
//! {"studyloop-fault": "<point>"}}` and sets `STUDYLOOP_FAULT_INJECTION=1` in the function's
//! environment. Reaching that point, the process aborts, exactly like a Lambda instance that
//! dies mid-request. In AWS neither is ever set (API Gateway sends no client context), and
//! more: the points exist only with the `fault-injection` feature, which the tests enable
//! (tests/ and testkit/ depend on shared with it) and a function's own build (`sam build`,
//! one package at a time) does not, so a deployed binary holds no crash hook at all.

pub const CLIENT_CONTEXT_KEY: &str = "studyloop-fault";

#[cfg(feature = "fault-injection")]
fn enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var("STUDYLOOP_FAULT_INJECTION").as_deref() == Ok("1"))
}

/// Abort the process here if this invocation asks for a fault at `point` (a test build).
#[cfg(feature = "fault-injection")]
pub fn point(ctx: Option<&lambda_runtime::Context>, point: &str) {
    if !enabled() {
        return;
    }
    let asked = ctx
        .and_then(|c| c.client_context.as_ref())
        .and_then(|cc| cc.custom.get(CLIENT_CONTEXT_KEY));
    if asked.map(String::as_str) == Some(point) {
        tracing::warn!(point, "fault injected: aborting the process");
        std::process::abort();
    }
}

/// Nothing: this build has no fault-injection points.
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn point(_ctx: Option<&lambda_runtime::Context>, _point: &str) {}
