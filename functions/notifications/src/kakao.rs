//! The external channel: a KakaoTalk notification-talk (알림톡) style provider over HTTPS.
//!
//! The provider API this adapter speaks (the shape of the Korean notification-talk APIs):
//!
//! ```text
//! POST {KAKAO_API_BASE_URL}/v1/alimtalk/messages
//! Authorization: KakaoAK {the key, from the SSM parameter KAKAO_API_KEY_PARAMETER names}
//! Idempotency-Key: {event id}
//! Content-Type: application/json
//!
//! {"messageId": "...", "templateCode": "welcome", "recipientNo": "01012345678",
//!  "title": "...", "content": "..."}
//! ```
//!
//! 2xx: accepted. 4xx: refused for good (an unknown number, an unapproved template), except
//! 408 and 429, which say "not now". 5xx, a timeout or a broken connection: not now.
//! The event id travels as the idempotency key, so the provider can drop a second copy if
//! we ever send one (a crash after the provider accepted and before we recorded it).

use std::time::Duration;

use http::{Request, StatusCode, Uri};
use serde::Serialize;
use shared::config::{self, ConfigError};
use shared::https;
use shared::secrets::Secrets;

/// The whole request, connection included. The consumer's Lambda timeout is 10 s and a
/// batch's messages are sent concurrently, so a hanging provider costs a batch at most this.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const MESSAGES_PATH: &str = "/v1/alimtalk/messages";
/// The environment variable naming the API key's SSM parameter.
pub const API_KEY_PARAMETER: &str = "KAKAO_API_KEY_PARAMETER";

/// One message for the provider.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KakaoMessage<'a> {
    pub message_id: &'a str,
    pub template_code: &'a str,
    pub recipient_no: &'a str,
    pub title: &'a str,
    pub content: &'a str,
}

/// What the provider made of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Accepted {
        status: u16,
    },
    /// Refused for good: retrying would be refused again.
    Rejected {
        status: u16,
    },
    /// Not now (5xx, 408, 429, timeout, connection): the queue retries the message.
    Unavailable {
        reason: String,
    },
}

/// How a provider's status code is treated.
pub fn classify(status: StatusCode) -> SendOutcome {
    let code = status.as_u16();
    if status.is_success() {
        SendOutcome::Accepted { status: code }
    } else if status.is_client_error()
        && status != StatusCode::REQUEST_TIMEOUT
        && status != StatusCode::TOO_MANY_REQUESTS
    {
        SendOutcome::Rejected { status: code }
    } else {
        SendOutcome::Unavailable {
            reason: format!("the provider answered {code}"),
        }
    }
}

/// The configured provider, with one HTTP client per cold start (its connection pool and
/// TLS sessions are reused across invocations).
#[derive(Clone)]
pub struct KakaoChannel {
    client: https::Client,
    endpoint: Uri,
    authorization: String,
}

impl std::fmt::Debug for KakaoChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("KakaoChannel")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl KakaoChannel {
    /// From `KAKAO_API_BASE_URL` and the SecureString parameter `KAKAO_API_KEY_PARAMETER`
    /// names; `None` (the channel is off, and no parameter is read) when the base URL is empty.
    pub async fn from_env(secrets: &Secrets) -> Result<Option<Self>, ConfigError> {
        let Some(base_url) = config::optional("KAKAO_API_BASE_URL") else {
            return Ok(None);
        };
        let api_key = secrets.read(API_KEY_PARAMETER).await?;
        Self::new(&base_url, api_key.expose()).map(Some)
    }

    /// `base_url` must be https; plain http is accepted only on loopback (a local stand-in).
    pub fn new(base_url: &str, api_key: &str) -> Result<Self, ConfigError> {
        let endpoint = https::endpoint("KAKAO_API_BASE_URL", base_url, MESSAGES_PATH)?;
        if api_key.chars().any(|c| c.is_control()) {
            return Err(config::invalid(
                API_KEY_PARAMETER,
                "its value holds control characters",
            ));
        }
        let client = https::client("KAKAO_API_BASE_URL", CONNECT_TIMEOUT)?;
        Ok(Self {
            client,
            endpoint,
            authorization: format!("KakaoAK {api_key}"),
        })
    }

    pub async fn send(&self, message: &KakaoMessage<'_>) -> SendOutcome {
        match tokio::time::timeout(REQUEST_TIMEOUT, self.exchange(message)).await {
            Ok(Ok(status)) => classify(status),
            Ok(Err(reason)) => SendOutcome::Unavailable { reason },
            Err(_) => SendOutcome::Unavailable {
                reason: format!("the provider did not answer within {REQUEST_TIMEOUT:?}"),
            },
        }
    }

    async fn exchange(&self, message: &KakaoMessage<'_>) -> Result<StatusCode, String> {
        let request = Request::post(self.endpoint.clone())
            .header(http::header::AUTHORIZATION, &self.authorization)
            .header("idempotency-key", message.message_id);
        // The (small) answer is read to the end so the connection can go back to the pool.
        let (status, _answer) =
            https::post_json(&self.client, request, message, usize::MAX).await?;
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_classified() {
        let is = |code: u16| classify(StatusCode::from_u16(code).unwrap_or_default());
        assert_eq!(is(200), SendOutcome::Accepted { status: 200 });
        assert_eq!(is(202), SendOutcome::Accepted { status: 202 });
        assert_eq!(is(400), SendOutcome::Rejected { status: 400 });
        assert_eq!(is(404), SendOutcome::Rejected { status: 404 });
        for transient in [408, 429, 500, 502, 503] {
            assert!(
                matches!(is(transient), SendOutcome::Unavailable { .. }),
                "{transient}"
            );
        }
    }

    #[test]
    fn the_base_url_must_be_https_except_on_loopback() {
        assert!(KakaoChannel::new("https://kakao.example.com/", "k").is_ok());
        assert!(KakaoChannel::new("http://127.0.0.1:8080", "k").is_ok());
        assert!(KakaoChannel::new("http://kakao.example.com", "k").is_err());
        assert!(KakaoChannel::new("ftp://kakao.example.com", "k").is_err());
        assert!(KakaoChannel::new("not a url", "k").is_err());
        assert!(KakaoChannel::new("https://kakao.example.com", "bad\nkey").is_err());
    }
}
