//! The payments domain's types: an order's payment and the states it moves through.

use shared::money::Money;

/// Where an order's payment stands. It only ever moves forward:
///
/// ```text
/// capturing ──► captured ──► refunding ──► refunded
///     └───────► declined
/// ```
///
/// `capturing` and `refunding` are written before the provider is called, so a crash
/// between the call and the final write leaves a record that says a call may have happened;
/// the next delivery calls again with the same idempotency key, which the provider answers
/// without charging or refunding twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentState {
    Capturing,
    Captured,
    Declined,
    Refunding,
    Refunded,
}

impl PaymentState {
    pub const ALL: [PaymentState; 5] = [
        PaymentState::Capturing,
        PaymentState::Captured,
        PaymentState::Declined,
        PaymentState::Refunding,
        PaymentState::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Capturing => "capturing",
            PaymentState::Captured => "captured",
            PaymentState::Declined => "declined",
            PaymentState::Refunding => "refunding",
            PaymentState::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// Whether the state machine allows `self → next`; every write of a state is
    /// conditional on the one this allows it from.
    pub fn can_become(self, next: PaymentState) -> bool {
        use PaymentState::*;
        matches!(
            (self, next),
            (Capturing, Captured)
                | (Capturing, Declined)
                | (Captured, Refunding)
                | (Refunding, Refunded)
        )
    }
}

/// One order's payment, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub order_id: String,
    /// The customer, as in the saga's envelopes.
    pub user_id: String,
    pub state: PaymentState,
    /// What is charged and, later, refunded: the first capture command's amount.
    pub amount: Money,
    /// The provider's id of the charge, once captured.
    pub charge_id: Option<String>,
    /// The provider's reason, once declined.
    pub decline_code: Option<String>,
    /// The provider's id of the refund, once refunded.
    pub refund_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_back_what_they_write() {
        for state in PaymentState::ALL {
            assert_eq!(PaymentState::parse(state.as_str()), Some(state));
        }
        assert_eq!(PaymentState::parse("CAPTURED"), None);
        assert_eq!(PaymentState::parse(""), None);
    }

    #[test]
    fn a_payment_only_moves_forward() {
        use PaymentState::*;
        let allowed = [
            (Capturing, Captured),
            (Capturing, Declined),
            (Captured, Refunding),
            (Refunding, Refunded),
        ];
        for from in PaymentState::ALL {
            for to in PaymentState::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
    }
}
