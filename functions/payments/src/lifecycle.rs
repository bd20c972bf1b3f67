//! The payment step's decisions, as plain functions of an order's payment state: what a
//! `capture_payment` or `refund_payment` does next. The handler around them reads the
//! state, asks, calls the provider and writes under a condition on the state it read.

use crate::model::PaymentState;
use crate::provider::ChargeOutcome;

/// What `capture_payment` does for an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// No payment yet: record it as `capturing`, then charge.
    Start,
    /// `capturing`: a charge may have happened (a crash, a concurrent delivery); charge
    /// again with the same idempotency key and settle.
    Charge,
    /// Settled before (captured or declined, maybe refunded since): its reply is already in
    /// the outbox. Nothing to do.
    AlreadySettled(PaymentState),
}

pub fn capture(state: Option<PaymentState>) -> Capture {
    match state {
        None => Capture::Start,
        Some(PaymentState::Capturing) => Capture::Charge,
        Some(settled) => Capture::AlreadySettled(settled),
    }
}

/// The state a charge's outcome settles a `capturing` payment in.
pub fn settled_by(outcome: &ChargeOutcome) -> PaymentState {
    match outcome {
        ChargeOutcome::Captured { .. } => PaymentState::Captured,
        ChargeOutcome::Declined { .. } => PaymentState::Declined,
    }
}

/// What `refund_payment` does for an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refund {
    /// `captured`: mark it `refunding`, then refund.
    Start,
    /// `refunding`: a refund may have happened; refund again with the same key and settle.
    Refund,
    /// Refunded before: its reply is already in the outbox.
    AlreadyRefunded,
    /// Nothing captured to give back (no payment, still capturing, declined). The
    /// orchestrator only asks to refund a captured payment, so this is a fault for a person
    /// to look at: the message fails and ends in the dead-letter queue.
    NothingToRefund(Option<PaymentState>),
}

pub fn refund(state: Option<PaymentState>) -> Refund {
    match state {
        Some(PaymentState::Captured) => Refund::Start,
        Some(PaymentState::Refunding) => Refund::Refund,
        Some(PaymentState::Refunded) => Refund::AlreadyRefunded,
        other @ (None | Some(PaymentState::Capturing | PaymentState::Declined)) => {
            Refund::NothingToRefund(other)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentState::*;

    #[test]
    fn a_capture_charges_only_an_unsettled_payment() {
        assert_eq!(capture(None), Capture::Start);
        assert_eq!(capture(Some(Capturing)), Capture::Charge);
        for settled in [Captured, Declined, Refunding, Refunded] {
            assert_eq!(capture(Some(settled)), Capture::AlreadySettled(settled));
        }
    }

    #[test]
    fn a_charge_settles_in_captured_or_declined() {
        let captured = ChargeOutcome::Captured {
            charge_id: "ch_1".into(),
        };
        let declined = ChargeOutcome::Declined {
            decline_code: "card_declined".into(),
        };
        for outcome in [captured, declined] {
            assert!(Capturing.can_become(settled_by(&outcome)), "{outcome:?}");
        }
    }

    #[test]
    fn only_a_captured_payment_is_refunded() {
        assert_eq!(refund(Some(Captured)), Refund::Start);
        assert_eq!(refund(Some(Refunding)), Refund::Refund);
        assert_eq!(refund(Some(Refunded)), Refund::AlreadyRefunded);
        for nothing in [None, Some(Capturing), Some(Declined)] {
            assert_eq!(refund(nothing), Refund::NothingToRefund(nothing));
        }
    }

    #[test]
    fn every_decision_follows_the_state_machine() {
        // Whatever a decision writes next is a transition the machine allows.
        for state in PaymentState::ALL {
            if capture(Some(state)) == Capture::Charge {
                assert!(state.can_become(Captured) && state.can_become(Declined));
            }
            match refund(Some(state)) {
                Refund::Start => assert!(state.can_become(Refunding)),
                Refund::Refund => assert!(state.can_become(Refunded)),
                Refund::AlreadyRefunded | Refund::NothingToRefund(_) => {}
            }
        }
    }
}
