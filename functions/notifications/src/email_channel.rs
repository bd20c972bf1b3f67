//! The email channel (issue 13): SES v2 `SendEmail` with the raw MIME message of
//! [`crate::email`], from the sender the template configures (`EMAIL_SENDER`). Locally
//! the SDK reaches moto through `AWS_ENDPOINT_URL_SESV2`, which the local cloud sets.
//!
//! The outcome is the external channel's [`SendOutcome`]: a refusal that a retry would
//! meet again (an unknown or unverified sender, a bad request, a paused account) is
//! `Rejected`; throttling, a 5xx, a timeout or no connection is `Unavailable` and the
//! queue retries.

use aws_sdk_sesv2::error::SdkError;
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use shared::config::{self, ConfigError};
use time::OffsetDateTime;

use crate::email::{Email, mime};
use crate::kakao::SendOutcome;
use crate::model::Locale;
use crate::templates::Rendered;

pub const SENDER_ENV: &str = "EMAIL_SENDER";

/// An SES v2 client and the sender's address, built once per cold start.
#[derive(Clone)]
pub struct EmailChannel {
    client: aws_sdk_sesv2::Client,
    sender: String,
}

impl EmailChannel {
    pub fn new(config: &aws_config::SdkConfig, sender: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_sesv2::Client::new(config),
            sender: sender.into(),
        }
    }

    /// The channel of `EMAIL_SENDER`; an address without `@` is a configuration error.
    pub fn from_env(config: &aws_config::SdkConfig) -> Result<Self, ConfigError> {
        let sender = config::required(SENDER_ENV)?;
        if !sender.contains('@') {
            return Err(config::invalid(SENDER_ENV, "not an email address"));
        }
        Ok(Self::new(config, sender))
    }

    pub fn sender(&self) -> &str {
        &self.sender
    }

    /// Sends one rendered notification to `to` in `locale`.
    pub async fn send(
        &self,
        to: &str,
        locale: Locale,
        rendered: &Rendered,
        now: OffsetDateTime,
    ) -> SendOutcome {
        let boundary = format!("=_{}", shared::new_id());
        let raw = mime(&Email {
            from: &self.sender,
            to,
            locale,
            rendered,
            date: now,
            boundary: &boundary,
        });
        let raw = match RawMessage::builder().data(Blob::new(raw)).build() {
            Ok(raw) => raw,
            Err(e) => return SendOutcome::Rejected { status: 400 }.logged(&e),
        };
        let result = self
            .client
            .send_email()
            .from_email_address(&self.sender)
            .destination(Destination::builder().to_addresses(to).build())
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .await;
        match result {
            Ok(_) => SendOutcome::Accepted { status: 200 },
            Err(e) => outcome_of(&e),
        }
    }
}

trait Logged {
    fn logged(self, e: &dyn std::fmt::Display) -> Self;
}

impl Logged for SendOutcome {
    fn logged(self, e: &dyn std::fmt::Display) -> Self {
        tracing::warn!(error = %e, "SES: {self:?}");
        self
    }
}

/// What an SES error means for the message.
fn outcome_of(
    e: &SdkError<SendEmailError, aws_sdk_sesv2::config::http::HttpResponse>,
) -> SendOutcome {
    match e {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let err = service.err();
            let refused = matches!(
                err,
                SendEmailError::MessageRejected(_)
                    | SendEmailError::MailFromDomainNotVerifiedException(_)
                    | SendEmailError::AccountSuspendedException(_)
                    | SendEmailError::SendingPausedException(_)
                    | SendEmailError::BadRequestException(_)
                    | SendEmailError::NotFoundException(_)
            ) || (400..500).contains(&status)
                && !matches!(status, 408 | 429)
                && !matches!(
                    err,
                    SendEmailError::TooManyRequestsException(_)
                        | SendEmailError::LimitExceededException(_)
                );
            if refused {
                SendOutcome::Rejected { status }
                    .logged(&aws_sdk_sesv2::error::DisplayErrorContext(e))
            } else {
                SendOutcome::Unavailable {
                    reason: format!(
                        "SES {status}: {}",
                        aws_sdk_sesv2::error::DisplayErrorContext(e)
                    ),
                }
            }
        }
        other => SendOutcome::Unavailable {
            reason: format!("SES: {}", aws_sdk_sesv2::error::DisplayErrorContext(other)),
        },
    }
}
