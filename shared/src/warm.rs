//! Opening a client's connection during init, so that the first request after a cold start
//! does not pay for it.
//!
//! The AWS SDK is lazy: its HTTP connector (and the trust store behind TLS) is built, and
//! the TCP and TLS handshakes are done, on the first request a client sends. In a Lambda
//! that is the first invocation's request, on the client's clock; measured third-party at
//! ~0.75 s for the TLS handshake at 128 MB. One cheap request during init moves all of it
//! into the init phase, and the connection stays in the client's pool for the handler.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::SdkError;

/// Longer than a handshake ever takes, well inside Lambda's 10 s init limit. A warm-up
/// that has not finished by then is dropped; the first request connects by itself.
const BUDGET: Duration = Duration::from_secs(2);

/// Sends `request` (one cheap call of the client to warm) and waits for any answer.
///
/// Best effort: an error answer from the service (denied, unknown operation) still leaves
/// the connection open in the pool, so it counts as warmed; a failure to connect is logged
/// and init goes on. Returns whether a connection was made.
pub async fn connection<T, E, R>(
    service: &'static str,
    request: impl Future<Output = Result<T, SdkError<E, R>>>,
) -> bool
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let started = Instant::now();
    let outcome = tokio::time::timeout(BUDGET, request).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    let connected = match &outcome {
        Ok(Ok(_)) => true,
        Ok(Err(SdkError::ServiceError(_) | SdkError::ResponseError(_))) => true,
        Ok(Err(_)) | Err(_) => false,
    };
    if connected {
        tracing::debug!(service, elapsed_ms, "connection warmed during init");
    } else {
        let why = match outcome {
            Err(_) => "no answer within the warm-up budget".to_owned(),
            Ok(Err(e)) => aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string(),
            Ok(Ok(_)) => String::new(),
        };
        tracing::warn!(
            service,
            elapsed_ms,
            why,
            "could not warm the connection during init"
        );
    }
    connected
}
