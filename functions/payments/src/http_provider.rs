//! A card processor's HTTPS API, in the shape Stripe and Toss Payments share:
//!
//! ```text
//! POST {PAYMENT_PROVIDER_BASE_URL}/v1/charges
//! Authorization: Bearer {the key, from the SSM parameter PAYMENT_PROVIDER_API_KEY_PARAMETER names}
//! Idempotency-Key: charge-<orderId>
//! Content-Type: application/json
//!
//! {"amount": 19000, "currency": "KRW", "source": "<token>", "orderId": "..."}
//!
//! POST {PAYMENT_PROVIDER_BASE_URL}/v1/refunds
//! Idempotency-Key: refund-<orderId>
//!
//! {"charge": "<charge id>", "amount": 19000, "currency": "KRW", "orderId": "..."}
//! ```
//!
//! 2xx with `{"id": "..."}`: done. Another 4xx: refused for good (402 is the usual decline),
//! with the reason in `{"error": {"decline_code" | "code": "..."}}`, except 408, 409 (a
//! request with the same key is still being processed) and 429, which say "not now", like a
//! 5xx, a timeout or a broken connection. A repeated idempotency key gets the first
//! answer, so retrying a call that may have gone through is safe.

use std::time::Duration;

use http::{Request, StatusCode, Uri};
use serde_json::{Value, json};
use shared::config::{self, ConfigError};
use shared::https;

use crate::provider::{
    ChargeOutcome, ChargeRequest, PaymentProvider, RefundOutcome, RefundRequest, Unavailable,
    safe_code,
};

/// One call, connection included. The step has a 5 s timeout and tries a call up to three
/// times, so each try must stay well under a third of it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_millis(1200);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(800);
/// The provider's answers are small; anything longer is not one.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
const CHARGES_PATH: &str = "/v1/charges";
const REFUNDS_PATH: &str = "/v1/refunds";

/// How a provider's status code is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Done,
    /// Refused for good: the same call would be refused again.
    Refused,
    /// Not now: the same call may succeed later.
    Unavailable,
}

pub fn classify(status: StatusCode) -> Class {
    let not_now = [
        StatusCode::REQUEST_TIMEOUT,
        StatusCode::CONFLICT,
        StatusCode::TOO_MANY_REQUESTS,
    ];
    if status.is_success() {
        Class::Done
    } else if status.is_client_error() && !not_now.contains(&status) {
        Class::Refused
    } else {
        Class::Unavailable
    }
}

/// The refusal's reason from the answer's `error`, or one made from the status.
pub fn refusal_code(status: StatusCode, answer: &Value) -> String {
    let error = &answer["error"];
    [&error["decline_code"], &error["code"]]
        .into_iter()
        .filter_map(Value::as_str)
        .find_map(safe_code)
        .unwrap_or_else(|| match status {
            StatusCode::PAYMENT_REQUIRED => "card_declined".to_owned(),
            other => format!("http_{}", other.as_u16()),
        })
}

/// The configured provider, with one HTTP client per cold start (its connection pool and
/// TLS sessions are reused across invocations).
#[derive(Clone)]
pub struct HttpProvider {
    client: https::Client,
    charges: Uri,
    refunds: Uri,
    authorization: String,
}

impl std::fmt::Debug for HttpProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("HttpProvider")
            .field("charges", &self.charges)
            .field("refunds", &self.refunds)
            .finish_non_exhaustive()
    }
}

impl HttpProvider {
    /// `base_url` must be https; plain http is accepted only on loopback (a local stand-in).
    pub fn new(base_url: &str, api_key: &str) -> Result<Self, ConfigError> {
        let endpoint = |path| https::endpoint("PAYMENT_PROVIDER_BASE_URL", base_url, path);
        let (charges, refunds) = (endpoint(CHARGES_PATH)?, endpoint(REFUNDS_PATH)?);
        if api_key.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(config::invalid(
                crate::provider::API_KEY_PARAMETER,
                "its value holds whitespace or control characters",
            ));
        }
        let client = https::client("PAYMENT_PROVIDER_BASE_URL", CONNECT_TIMEOUT)?;
        Ok(Self {
            client,
            charges,
            refunds,
            authorization: format!("Bearer {api_key}"),
        })
    }

    /// One call within [`REQUEST_TIMEOUT`]: its class and its (JSON, or null) answer.
    async fn call(
        &self,
        endpoint: &Uri,
        idempotency_key: &str,
        body: &Value,
    ) -> Result<(StatusCode, Value), Unavailable> {
        match tokio::time::timeout(
            REQUEST_TIMEOUT,
            self.exchange(endpoint, idempotency_key, body),
        )
        .await
        {
            Ok(result) => result.map_err(Unavailable),
            Err(_) => Err(Unavailable(format!(
                "the provider did not answer within {REQUEST_TIMEOUT:?}"
            ))),
        }
    }

    async fn exchange(
        &self,
        endpoint: &Uri,
        idempotency_key: &str,
        body: &Value,
    ) -> Result<(StatusCode, Value), String> {
        let request = Request::post(endpoint.clone())
            .header(http::header::AUTHORIZATION, &self.authorization)
            .header(http::header::ACCEPT, "application/json")
            .header("idempotency-key", idempotency_key);
        let (status, answer) =
            https::post_json(&self.client, request, body, MAX_ANSWER_BYTES).await?;
        let answer =
            answer.map_err(|e| format!("reading the provider's answer ({status}): {e}"))?;
        Ok((
            status,
            serde_json::from_slice(&answer).unwrap_or(Value::Null),
        ))
    }
}

/// The id of what a 2xx answer says was done. Without one the call is treated as not
/// done yet: asking again with the same key is safe and should bring the id.
fn done_id(status: StatusCode, answer: &Value) -> Result<String, Unavailable> {
    answer["id"]
        .as_str()
        .filter(|id| !id.is_empty() && id.len() <= 255)
        .map(str::to_owned)
        .ok_or_else(|| Unavailable(format!("the provider answered {status} without an id")))
}

fn not_now(status: StatusCode) -> Unavailable {
    Unavailable(format!("the provider answered {}", status.as_u16()))
}

impl PaymentProvider for HttpProvider {
    async fn charge(&self, request: ChargeRequest<'_>) -> Result<ChargeOutcome, Unavailable> {
        let body = json!({
            "amount": request.amount.amount,
            "currency": request.amount.currency,
            "source": request.token,
            "orderId": request.order_id,
        });
        let (status, answer) = self
            .call(&self.charges, request.idempotency_key, &body)
            .await?;
        match classify(status) {
            Class::Done => Ok(ChargeOutcome::Captured {
                charge_id: done_id(status, &answer)?,
            }),
            Class::Refused => Ok(ChargeOutcome::Declined {
                decline_code: refusal_code(status, &answer),
            }),
            Class::Unavailable => Err(not_now(status)),
        }
    }

    async fn refund(&self, request: RefundRequest<'_>) -> Result<RefundOutcome, Unavailable> {
        let body = json!({
            "charge": request.charge_id,
            "amount": request.amount.amount,
            "currency": request.amount.currency,
            "orderId": request.order_id,
        });
        let (status, answer) = self
            .call(&self.refunds, request.idempotency_key, &body)
            .await?;
        match classify(status) {
            Class::Done => Ok(RefundOutcome::Refunded {
                refund_id: done_id(status, &answer)?,
            }),
            Class::Refused => Ok(RefundOutcome::Refused {
                code: refusal_code(status, &answer),
            }),
            Class::Unavailable => Err(not_now(status)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> StatusCode {
        StatusCode::from_u16(code).unwrap_or_default()
    }

    #[test]
    fn status_codes_are_classified() {
        for done in [200, 201] {
            assert_eq!(classify(status(done)), Class::Done, "{done}");
        }
        for refused in [400, 401, 402, 403, 404, 422] {
            assert_eq!(classify(status(refused)), Class::Refused, "{refused}");
        }
        for not_now in [408, 409, 429, 500, 502, 503, 504] {
            assert_eq!(classify(status(not_now)), Class::Unavailable, "{not_now}");
        }
    }

    #[test]
    fn the_refusal_code_comes_from_the_answer_when_it_is_plain() {
        let decline =
            json!({"error": {"code": "card_error", "decline_code": "insufficient_funds"}});
        assert_eq!(refusal_code(status(402), &decline), "insufficient_funds");
        let coded = json!({"error": {"code": "INVALID_CARD"}});
        assert_eq!(refusal_code(status(400), &coded), "invalid_card");
        assert_eq!(refusal_code(status(402), &Value::Null), "card_declined");
        assert_eq!(refusal_code(status(403), &Value::Null), "http_403");
        let odd = json!({"error": {"code": "<b>no</b>"}});
        assert_eq!(refusal_code(status(400), &odd), "http_400");
    }

    #[test]
    fn a_done_answer_must_name_what_was_done() {
        assert_eq!(
            done_id(status(200), &json!({"id": "ch_1"})),
            Ok("ch_1".to_owned())
        );
        assert!(done_id(status(200), &json!({"id": ""})).is_err());
        assert!(done_id(status(200), &Value::Null).is_err());
    }

    #[test]
    fn the_base_url_must_be_https_except_on_loopback() {
        assert!(HttpProvider::new("https://api.pay.example.com/", "sk_test").is_ok());
        assert!(HttpProvider::new("http://127.0.0.1:8080", "sk_test").is_ok());
        assert!(HttpProvider::new("http://api.pay.example.com", "sk_test").is_err());
        assert!(HttpProvider::new("not a url", "sk_test").is_err());
        assert!(HttpProvider::new("https://api.pay.example.com", "sk\ntest").is_err());
    }

    #[test]
    fn the_key_never_reaches_a_log_line() {
        let provider = HttpProvider::new("https://api.pay.example.com", "sk_live_secret")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{provider:?}").contains("sk_live_secret"));
    }
}
