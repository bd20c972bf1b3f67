//! The payment provider adapter: what the payment step asks of a provider, and the two
//! providers that answer it, [`SandboxProvider`] (development and tests) and
//! [`HttpProvider`] (a card processor's HTTPS API).
//!
//! Every call carries an idempotency key made from the order (`charge-<orderId>`,
//! `refund-<orderId>`): a provider answers a repeated key with the first call's result and
//! never charges or refunds twice. That is what makes a crash after the provider call, and
//! before our write, safe to retry.

use std::future::Future;
use std::sync::Arc;

use shared::clock::Clock;
use shared::config::{self, ConfigError};
use shared::money::Money;
use shared::secrets::Secrets;

/// The environment variable naming the HTTP provider's API key parameter (SSM).
pub const API_KEY_PARAMETER: &str = "PAYMENT_PROVIDER_API_KEY_PARAMETER";

pub use crate::http_provider::HttpProvider;
pub use crate::sandbox::SandboxProvider;

/// A charge to make. The token is the provider's one-time token from the client, never card
/// data; it is still never logged.
#[derive(Clone, Copy)]
pub struct ChargeRequest<'a> {
    pub idempotency_key: &'a str,
    pub order_id: &'a str,
    pub amount: &'a Money,
    pub token: &'a str,
}

impl std::fmt::Debug for ChargeRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChargeRequest")
            .field("idempotency_key", &self.idempotency_key)
            .field("order_id", &self.order_id)
            .field("amount", &self.amount)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// A refund of (all of) a charge.
#[derive(Debug, Clone, Copy)]
pub struct RefundRequest<'a> {
    pub idempotency_key: &'a str,
    pub order_id: &'a str,
    pub charge_id: &'a str,
    pub amount: &'a Money,
}

/// What the provider made of a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Captured {
        charge_id: String,
    },
    /// Refused for good (the card, the token): asking again would be refused again.
    Declined {
        decline_code: String,
    },
}

/// What the provider made of a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    Refunded {
        refund_id: String,
    },
    /// Refused for good; a person has to look (the step leaves the message to the DLQ).
    Refused {
        code: String,
    },
}

/// Not now: a 5xx, a 429, a timeout, a broken connection. The same call may succeed later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(pub String);

/// A payment provider. Both calls are idempotent per key.
pub trait PaymentProvider: Send + Sync {
    fn charge(
        &self,
        request: ChargeRequest<'_>,
    ) -> impl Future<Output = Result<ChargeOutcome, Unavailable>> + Send;

    fn refund(
        &self,
        request: RefundRequest<'_>,
    ) -> impl Future<Output = Result<RefundOutcome, Unavailable>> + Send;
}

/// The provider this deployment uses, chosen by `PAYMENT_PROVIDER` at cold start.
#[derive(Debug, Clone)]
pub enum Provider {
    Sandbox(SandboxProvider),
    // Boxed: the HTTP client is far larger than the sandbox.
    Http(Box<HttpProvider>),
}

impl Provider {
    /// `PAYMENT_PROVIDER` = `sandbox` (the default) or `http` (with
    /// `PAYMENT_PROVIDER_BASE_URL`, and the key from the SecureString parameter
    /// `PAYMENT_PROVIDER_API_KEY_PARAMETER` names: read for `http` only). The sandbox writes
    /// its records to the payments table through `client`.
    pub async fn from_env(
        client: aws_sdk_dynamodb::Client,
        table: &str,
        clock: Arc<dyn Clock>,
        secrets: &Secrets,
    ) -> Result<Self, ConfigError> {
        let kind = config::optional("PAYMENT_PROVIDER").unwrap_or_else(|| "sandbox".to_owned());
        match kind.as_str() {
            "sandbox" => {
                // The sandbox takes tok_ok from anyone: in production it would give
                // everything away, so a production stack refuses to start with it.
                if config::optional("STAGE").as_deref() == Some("prod") {
                    return Err(config::invalid(
                        "PAYMENT_PROVIDER",
                        "the sandbox is not allowed in production (Stage prod)",
                    ));
                }
                Ok(Provider::Sandbox(SandboxProvider::new(
                    client, table, clock,
                )))
            }
            "http" => Ok(Provider::Http(Box::new(HttpProvider::new(
                &config::required("PAYMENT_PROVIDER_BASE_URL")?,
                secrets.read(API_KEY_PARAMETER).await?.expose(),
            )?))),
            _ => Err(config::invalid(
                "PAYMENT_PROVIDER",
                "must be sandbox or http",
            )),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Provider::Sandbox(_) => "sandbox",
            Provider::Http(_) => "http",
        }
    }
}

impl PaymentProvider for Provider {
    async fn charge(&self, request: ChargeRequest<'_>) -> Result<ChargeOutcome, Unavailable> {
        match self {
            Provider::Sandbox(p) => p.charge(request).await,
            Provider::Http(p) => p.charge(request).await,
        }
    }

    async fn refund(&self, request: RefundRequest<'_>) -> Result<RefundOutcome, Unavailable> {
        match self {
            Provider::Sandbox(p) => p.refund(request).await,
            Provider::Http(p) => p.refund(request).await,
        }
    }
}

/// A provider's code (a decline reason), kept to what is safe to store and pass on: the
/// saga's messages carry it, so a provider can't put anything else in them.
pub fn safe_code(code: &str) -> Option<String> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    ok.then(|| code.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_reaches_a_log_line() {
        let amount = Money::new(19000, "KRW").unwrap_or_else(|e| panic!("{e}"));
        let request = ChargeRequest {
            idempotency_key: "charge-o1",
            order_id: "o1",
            amount: &amount,
            token: "tok_secret",
        };
        let line = format!("{request:?}");
        assert!(!line.contains("tok_secret"), "{line}");
        assert!(line.contains("charge-o1"), "{line}");
    }

    #[test]
    fn only_plain_codes_are_passed_on() {
        assert_eq!(safe_code("card_declined").as_deref(), Some("card_declined"));
        assert_eq!(
            safe_code("INSUFFICIENT-FUNDS").as_deref(),
            Some("insufficient-funds")
        );
        assert_eq!(safe_code(""), None);
        assert_eq!(safe_code("<script>"), None);
        assert_eq!(safe_code("a b"), None);
        assert_eq!(safe_code(&"x".repeat(65)), None);
    }
}
