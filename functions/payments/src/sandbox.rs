//! The sandbox provider, for development and tests: it behaves like a payment company's
//! test mode, driven by the token, and keeps its ledger in the payments table so tests can
//! count what was charged and refunded.
//!
//! | token          | charge                                                           |
//! |----------------|------------------------------------------------------------------|
//! | `tok_ok`       | captured                                                         |
//! | `tok_declined` | declined, `card_declined`                                        |
//! | `tok_error`    | unavailable on the first call for its idempotency key, then captured |
//! | anything else  | declined, `invalid_token`                                        |
//!
//! Every successful charge and refund is recorded once per idempotency key as
//! `pk = SANDBOX#<key>`, `sk = SANDBOX` with `kind` (`charge` | `refund`), `orderId`,
//! `amount`, `currency`, `createdAt` and the provider's `id`; a repeated key returns the
//! recorded result instead of charging again, as a real provider does. `tok_error`'s first
//! failure is remembered at `sk = TRANSIENT`. Refunds always succeed (the sandbox does not
//! look the charge up).

use std::sync::Arc;

use shared::clock::{Clock, rfc3339};
use shared::dynamo::{get_str, is_condition_failed, key, n, s};
use shared::store::StoreError;

use crate::provider::{
    ChargeOutcome, ChargeRequest, PaymentProvider, RefundOutcome, RefundRequest, Unavailable,
};

pub const KEY_PREFIX: &str = "SANDBOX#";
/// The sort key of a recorded charge or refund (tests count these).
pub const RECORD_SK: &str = "SANDBOX";
const TRANSIENT_SK: &str = "TRANSIENT";

pub const TOKEN_OK: &str = "tok_ok";
pub const TOKEN_DECLINED: &str = "tok_declined";
pub const TOKEN_ERROR: &str = "tok_error";

/// What the sandbox does with a charge's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenBehaviour {
    Succeed,
    /// Unavailable once per idempotency key, then succeed.
    FailFirst,
    Decline(&'static str),
}

pub fn behaviour(token: &str) -> TokenBehaviour {
    match token {
        TOKEN_OK => TokenBehaviour::Succeed,
        TOKEN_ERROR => TokenBehaviour::FailFirst,
        TOKEN_DECLINED => TokenBehaviour::Decline("card_declined"),
        _ => TokenBehaviour::Decline("invalid_token"),
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Charge,
    Refund,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Charge => "charge",
            Kind::Refund => "refund",
        }
    }

    /// The prefix of the ids the sandbox hands out, as card processors do (`ch_`, `re_`).
    fn id_prefix(self) -> &'static str {
        match self {
            Kind::Charge => "ch_sandbox_",
            Kind::Refund => "re_sandbox_",
        }
    }
}

#[derive(Clone)]
pub struct SandboxProvider {
    client: aws_sdk_dynamodb::Client,
    table: String,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SandboxProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxProvider")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

fn unavailable(e: impl Into<StoreError>) -> Unavailable {
    Unavailable(format!("sandbox storage: {}", e.into()))
}

impl SandboxProvider {
    pub fn new(client: aws_sdk_dynamodb::Client, table: &str, clock: Arc<dyn Clock>) -> Self {
        Self {
            client,
            table: table.to_owned(),
            clock,
        }
    }

    /// The id recorded for `idempotency_key`, if that call succeeded before.
    async fn recorded(&self, idempotency_key: &str) -> Result<Option<String>, Unavailable> {
        let item = shared::dynamo::get_item(
            &self.client,
            &self.table,
            key(format!("{KEY_PREFIX}{idempotency_key}"), RECORD_SK),
        )
        .await
        .map_err(unavailable)?;
        item.map(|item| get_str(&item, "id").map(str::to_owned))
            .transpose()
            .map_err(unavailable)
    }

    /// Records a successful call once per key and returns its id: the first caller's, when
    /// two race.
    async fn record(
        &self,
        kind: Kind,
        idempotency_key: &str,
        order_id: &str,
        amount: &shared::money::Money,
    ) -> Result<String, Unavailable> {
        let id = format!("{}{}", kind.id_prefix(), shared::new_id());
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("{KEY_PREFIX}{idempotency_key}")))
            .item("sk", s(RECORD_SK))
            .item("kind", s(kind.as_str()))
            .item("id", s(&id))
            .item("orderId", s(order_id))
            .item("amount", n(amount.amount))
            .item("currency", s(&amount.currency))
            .item("createdAt", s(rfc3339(self.clock.now())))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match written {
            Ok(_) => Ok(id),
            Err(e) if is_condition_failed(&e) => self
                .recorded(idempotency_key)
                .await?
                .ok_or_else(|| Unavailable("sandbox: the recorded call vanished".to_owned())),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Whether this is the first call for `idempotency_key` to ask (remembered for good).
    async fn first_call(&self, idempotency_key: &str) -> Result<bool, Unavailable> {
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("{KEY_PREFIX}{idempotency_key}")))
            .item("sk", s(TRANSIENT_SK))
            .item("createdAt", s(rfc3339(self.clock.now())))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match written {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }
}

impl PaymentProvider for SandboxProvider {
    async fn charge(&self, request: ChargeRequest<'_>) -> Result<ChargeOutcome, Unavailable> {
        if let Some(charge_id) = self.recorded(request.idempotency_key).await? {
            return Ok(ChargeOutcome::Captured { charge_id });
        }
        match behaviour(request.token) {
            TokenBehaviour::Decline(code) => {
                return Ok(ChargeOutcome::Declined {
                    decline_code: code.to_owned(),
                });
            }
            TokenBehaviour::FailFirst if self.first_call(request.idempotency_key).await? => {
                return Err(Unavailable(
                    "sandbox: tok_error fails the first call for its key".to_owned(),
                ));
            }
            TokenBehaviour::FailFirst | TokenBehaviour::Succeed => {}
        }
        let charge_id = self
            .record(
                Kind::Charge,
                request.idempotency_key,
                request.order_id,
                request.amount,
            )
            .await?;
        Ok(ChargeOutcome::Captured { charge_id })
    }

    async fn refund(&self, request: RefundRequest<'_>) -> Result<RefundOutcome, Unavailable> {
        if let Some(refund_id) = self.recorded(request.idempotency_key).await? {
            return Ok(RefundOutcome::Refunded { refund_id });
        }
        let refund_id = self
            .record(
                Kind::Refund,
                request.idempotency_key,
                request.order_id,
                request.amount,
            )
            .await?;
        Ok(RefundOutcome::Refunded { refund_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_behave_like_a_providers_test_mode() {
        assert_eq!(behaviour("tok_ok"), TokenBehaviour::Succeed);
        assert_eq!(behaviour("tok_error"), TokenBehaviour::FailFirst);
        assert_eq!(
            behaviour("tok_declined"),
            TokenBehaviour::Decline("card_declined")
        );
        for other in ["", "tok_OK", "tok_visa", "4242424242424242"] {
            assert_eq!(
                behaviour(other),
                TokenBehaviour::Decline("invalid_token"),
                "{other}"
            );
        }
    }
}
