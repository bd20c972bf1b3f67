//! The order saga, declared as data, and the one pure function that moves an order along it.
//!
//! [`ORDER_SAGA`] lists the steps in order, each with its action and its compensation
//! (FTGO's saga definitions, as a value instead of a builder):
//!
//! | # | action                        | done / refused                     | compensation                     |
//! |---|-------------------------------|------------------------------------|----------------------------------|
//! | 0 | `reserve_stock` → inventory   | `stock_reserved` / `stock_rejected`| `release_stock` → `stock_released`|
//! | 1 | `capture_payment` → payments  | `payment_captured` / `payment_declined` | `refund_payment` → `payment_refunded` |
//! | 2 | confirm (the orchestrator's own) | —                               | —                                |
//!
//! [`next`] derives everything from that list: a step done moves to the next step (past
//! the last one the order is confirmed); a step refused turns the saga back, running the
//! compensations of the steps before it from the latest down, and the order ends
//! `cancelled`, or `rejected` when nothing had to be undone; a customer's cancellation of
//! a confirmed order runs every compensation from the last step down. The order's `step`
//! alone says where the saga is, because every forward step and every compensation has a
//! name of its own; any reply that step does not wait for (a duplicate, one out of order,
//! one after the order settled) is an [`IllegalTransition`] and changes nothing.

use serde_json::{Value, json};
use shared::events::{EventType, queues};
use shared::money::Money;
use shared::saga::{self as msg, MessageType};

use crate::model::{Order, OrderStatus, Reason, Step};

/// A command to a participant and the replies that answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invocation {
    /// The order's step while it waits for the answer.
    pub step: Step,
    /// The participant's queue (the outbox's logical name).
    pub queue: &'static str,
    pub command: MessageType,
    /// The reply that says it was done.
    pub done: MessageType,
    /// The reply that says it was refused, nothing done. Compensations are never refused:
    /// their participants retry until they are done.
    pub refused: Option<MessageType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Invoke(Invocation),
    /// The orchestrator's own last step: the order is confirmed and the customer told.
    Confirm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SagaStep {
    pub action: Action,
    /// What undoes the action once it was done; `None` when nothing has to be.
    pub compensation: Option<Invocation>,
}

/// The order saga.
pub const ORDER_SAGA: &[SagaStep] = &[
    SagaStep {
        action: Action::Invoke(Invocation {
            step: Step::ReserveStock,
            queue: queues::INVENTORY,
            command: MessageType::ReserveStock,
            done: MessageType::StockReserved,
            refused: Some(MessageType::StockRejected),
        }),
        compensation: Some(Invocation {
            step: Step::ReleaseStock,
            queue: queues::INVENTORY,
            command: MessageType::ReleaseStock,
            done: MessageType::StockReleased,
            refused: None,
        }),
    },
    SagaStep {
        action: Action::Invoke(Invocation {
            step: Step::CapturePayment,
            queue: queues::PAYMENTS,
            command: MessageType::CapturePayment,
            done: MessageType::PaymentCaptured,
            refused: Some(MessageType::PaymentDeclined),
        }),
        compensation: Some(Invocation {
            step: Step::RefundPayment,
            queue: queues::PAYMENTS,
            command: MessageType::RefundPayment,
            done: MessageType::PaymentRefunded,
            refused: None,
        }),
    },
    SagaStep {
        action: Action::Confirm,
        compensation: None,
    },
];

/// What can move an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Reply(Reply),
    /// `POST /v1/orders/{id}/cancel` by its customer.
    CustomerCancel,
}

/// A participant's reply, with its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    StockReserved(msg::StockReserved),
    StockRejected(msg::StockRejected),
    StockReleased(msg::OrderRef),
    PaymentCaptured(msg::PaymentCaptured),
    PaymentDeclined(msg::PaymentDeclined),
    PaymentRefunded(msg::PaymentRefunded),
}

impl Reply {
    /// The reply a message carries; `Ok(None)` when its type is a command, not a reply.
    pub fn from_message(kind: MessageType, data: Value) -> Result<Option<Self>, serde_json::Error> {
        use serde_json::from_value as parse;
        Ok(Some(match kind {
            MessageType::StockReserved => Reply::StockReserved(parse(data)?),
            MessageType::StockRejected => Reply::StockRejected(parse(data)?),
            MessageType::StockReleased => Reply::StockReleased(parse(data)?),
            MessageType::PaymentCaptured => Reply::PaymentCaptured(parse(data)?),
            MessageType::PaymentDeclined => Reply::PaymentDeclined(parse(data)?),
            MessageType::PaymentRefunded => Reply::PaymentRefunded(parse(data)?),
            MessageType::ReserveStock
            | MessageType::ReleaseStock
            | MessageType::CapturePayment
            | MessageType::RefundPayment
            | MessageType::ForgetCustomer => return Ok(None),
        }))
    }

    pub fn kind(&self) -> MessageType {
        match self {
            Reply::StockReserved(_) => MessageType::StockReserved,
            Reply::StockRejected(_) => MessageType::StockRejected,
            Reply::StockReleased(_) => MessageType::StockReleased,
            Reply::PaymentCaptured(_) => MessageType::PaymentCaptured,
            Reply::PaymentDeclined(_) => MessageType::PaymentDeclined,
            Reply::PaymentRefunded(_) => MessageType::PaymentRefunded,
        }
    }

    pub fn order_id(&self) -> &str {
        match self {
            Reply::StockReserved(r) => &r.order_id,
            Reply::StockRejected(r) => &r.order_id,
            Reply::StockReleased(r) => &r.order_id,
            Reply::PaymentCaptured(r) => &r.order_id,
            Reply::PaymentDeclined(r) => &r.order_id,
            Reply::PaymentRefunded(r) => &r.order_id,
        }
    }

    /// The order's reason when this reply refuses a step.
    fn refusal(&self) -> Option<Reason> {
        match self {
            Reply::StockRejected(r) => Some(match r.reason {
                msg::StockRejection::OutOfStock => Reason::OutOfStock,
                msg::StockRejection::ProductNotFound => Reason::ProductNotFound,
            }),
            Reply::PaymentDeclined(_) => Some(Reason::PaymentDeclined),
            _ => None,
        }
    }

    /// What the order keeps of this reply.
    fn learned(&self) -> Learned {
        match self {
            Reply::StockReserved(r) => Learned {
                total: Some(r.total.clone()),
                product_name: Some(r.product_name.clone()),
                program_id: r.program_id.clone(),
                payment_id: None,
            },
            Reply::StockRejected(r) => Learned {
                product_name: r.product_name.clone(),
                ..Learned::default()
            },
            Reply::PaymentCaptured(r) => Learned {
                payment_id: Some(r.payment_id.clone()),
                ..Learned::default()
            },
            _ => Learned::default(),
        }
    }
}

/// Facts a reply taught the order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Learned {
    pub total: Option<Money>,
    pub program_id: Option<String>,
    pub product_name: Option<String>,
    pub payment_id: Option<String>,
}

/// A command to a participant, with its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    ReserveStock(msg::ReserveStock),
    ReleaseStock(msg::OrderRef),
    CapturePayment(msg::CapturePayment),
    RefundPayment(msg::OrderRef),
}

impl Command {
    pub fn kind(&self) -> MessageType {
        match self {
            Command::ReserveStock(_) => MessageType::ReserveStock,
            Command::ReleaseStock(_) => MessageType::ReleaseStock,
            Command::CapturePayment(_) => MessageType::CapturePayment,
            Command::RefundPayment(_) => MessageType::RefundPayment,
        }
    }

    /// The envelope's `data`.
    pub fn data(&self) -> Result<Value, serde_json::Error> {
        match self {
            Command::ReserveStock(c) => serde_json::to_value(c),
            Command::ReleaseStock(c) | Command::RefundPayment(c) => serde_json::to_value(c),
            Command::CapturePayment(c) => serde_json::to_value(c),
        }
    }
}

/// A command and the queue it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub queue: &'static str,
    pub command: Command,
}

/// An event for the customer (through the notifications queue).
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub event: EventType,
    pub data: Value,
}

/// What an input does to an order: its new status, step and reason, what it learned, and
/// what to send, all written in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub status: OrderStatus,
    pub step: Step,
    pub reason: Option<Reason>,
    pub learned: Learned,
    pub command: Option<Outgoing>,
    pub notification: Option<Notification>,
}

/// Why an input does not move the order. Every case leaves it as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IllegalTransition {
    /// The reply answers a step the saga is already past: a redelivery, a reply sent
    /// twice, or the answer to a step this order went past without taking.
    #[error("{} was handled already; the order is at {}", got.as_str(), step.as_str())]
    Duplicate { got: MessageType, step: Step },
    /// The reply answers a step the saga has not reached, or one it will never take.
    #[error("{} does not answer step {}", got.as_str(), step.as_str())]
    OutOfOrder { got: MessageType, step: Step },
    #[error("{} came after the order settled as {}", got.as_str(), status.as_str())]
    Settled {
        got: MessageType,
        status: OrderStatus,
    },
    #[error("a {} order cannot be cancelled", status.as_str())]
    NotCancellable { status: OrderStatus },
    #[error("the order is being cancelled already")]
    AlreadyCancelling,
    /// The stored order lacks what the next command needs: a bug, not a message to ignore.
    #[error("the stored order is inconsistent: {0}")]
    Inconsistent(&'static str),
}

impl IllegalTransition {
    /// A short name for logs and metrics.
    pub fn why(&self) -> &'static str {
        match self {
            IllegalTransition::Duplicate { .. } => "duplicate",
            IllegalTransition::OutOfOrder { .. } => "out_of_order",
            IllegalTransition::Settled { .. } => "settled",
            IllegalTransition::NotCancellable { .. } => "not_cancellable",
            IllegalTransition::AlreadyCancelling => "already_cancelling",
            IllegalTransition::Inconsistent(_) => "inconsistent",
        }
    }
}

/// Where the saga of an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Waiting for the answer to step `i`'s action.
    Forward(usize),
    /// Waiting for the answer to step `i`'s compensation.
    Compensating(usize),
    /// Nothing runs (`step` done).
    Settled,
}

impl Position {
    /// The saga's order of positions: forward steps, then confirmed, then compensations
    /// from the last step down, then the end of a failed or cancelled order. Every
    /// transition moves to a higher rank.
    fn rank(self, status: OrderStatus) -> usize {
        let len = ORDER_SAGA.len();
        match self {
            Position::Forward(i) => i,
            Position::Settled if status == OrderStatus::Confirmed => len,
            Position::Compensating(i) => 2 * len - i,
            Position::Settled => 2 * len + 1,
        }
    }
}

fn position(step: Step) -> Option<Position> {
    if step == Step::Done {
        return Some(Position::Settled);
    }
    ORDER_SAGA
        .iter()
        .enumerate()
        .find_map(|(i, s)| match s.action {
            Action::Invoke(inv) if inv.step == step => Some(Position::Forward(i)),
            _ if s.compensation.is_some_and(|c| c.step == step) => Some(Position::Compensating(i)),
            _ => None,
        })
}

/// Where in the saga a reply of this kind is waited for.
fn awaited_at(kind: MessageType) -> Option<Position> {
    ORDER_SAGA
        .iter()
        .enumerate()
        .find_map(|(i, s)| match s.action {
            Action::Invoke(inv) if inv.done == kind || inv.refused == Some(kind) => {
                Some(Position::Forward(i))
            }
            _ if s.compensation.is_some_and(|c| c.done == kind) => Some(Position::Compensating(i)),
            _ => None,
        })
}

/// A new order at the saga's first step, and the command that starts it.
pub fn start(mut order: Order) -> Result<(Order, Outgoing), IllegalTransition> {
    let t = forward(&order, 0, Learned::default())?;
    let command = t.command.ok_or(IllegalTransition::Inconsistent(
        "the saga starts with no command",
    ))?;
    order.status = t.status;
    order.step = t.step;
    order.reason = None;
    Ok((order, command))
}

/// The saga's state machine: what `input` does to `order`, or why it does nothing.
pub fn next(order: &Order, input: &Input) -> Result<Transition, IllegalTransition> {
    let at = position(order.step).ok_or(IllegalTransition::Inconsistent(
        "its step is not in the saga",
    ))?;
    let reply = match input {
        Input::CustomerCancel => {
            return match (at, order.status) {
                (Position::Settled, OrderStatus::Confirmed) => back(
                    order,
                    ORDER_SAGA.len(),
                    Reason::CancelledByCustomer,
                    true,
                    Learned::default(),
                ),
                (_, OrderStatus::Confirmed) => Err(IllegalTransition::AlreadyCancelling),
                (_, status) => Err(IllegalTransition::NotCancellable { status }),
            };
        }
        Input::Reply(reply) => reply,
    };
    let got = reply.kind();
    let unexpected = || match awaited_at(got) {
        Some(then) if then.rank(order.status) < at.rank(order.status) => {
            IllegalTransition::Duplicate {
                got,
                step: order.step,
            }
        }
        _ => IllegalTransition::OutOfOrder {
            got,
            step: order.step,
        },
    };
    match at {
        Position::Settled => Err(IllegalTransition::Settled {
            got,
            status: order.status,
        }),
        Position::Forward(i) => {
            let Some(Action::Invoke(inv)) = ORDER_SAGA.get(i).map(|s| s.action) else {
                return Err(IllegalTransition::Inconsistent("its step is not an action"));
            };
            if got == inv.done {
                forward(order, i + 1, reply.learned())
            } else if inv.refused == Some(got) {
                let reason = reply.refusal().ok_or(IllegalTransition::Inconsistent(
                    "a refusal without a reason",
                ))?;
                back(order, i, reason, false, reply.learned())
            } else {
                Err(unexpected())
            }
        }
        Position::Compensating(i) => {
            let compensation = ORDER_SAGA.get(i).and_then(|s| s.compensation);
            if compensation.is_some_and(|c| c.done == got) {
                let reason = order.reason.ok_or(IllegalTransition::Inconsistent(
                    "compensating without a reason",
                ))?;
                back(order, i, reason, true, reply.learned())
            } else {
                Err(unexpected())
            }
        }
    }
}

/// The order after `t`, one version later.
pub fn apply(order: &Order, t: &Transition, now: &str) -> Order {
    let mut after = learn(order, &t.learned);
    after.status = t.status;
    after.step = t.step;
    after.reason = t.reason;
    after.version = order.version + 1;
    after.updated_at = now.to_owned();
    if matches!(
        t.command,
        Some(Outgoing {
            command: Command::CapturePayment(_),
            ..
        })
    ) {
        // The command now carries the token to payments; the order needs it no more.
        after.payment_token = None;
    }
    after
}

fn learn(order: &Order, learned: &Learned) -> Order {
    let mut after = order.clone();
    if let Some(total) = &learned.total {
        after.total = Some(total.clone());
    }
    if let Some(name) = &learned.product_name {
        after.product_name = Some(name.clone());
    }
    if let Some(id) = &learned.program_id {
        after.program_id = Some(id.clone());
    }
    if let Some(id) = &learned.payment_id {
        after.payment_id = Some(id.clone());
    }
    after
}

/// On to step `from` (its action is sent), or confirmed past the last action.
fn forward(order: &Order, from: usize, learned: Learned) -> Result<Transition, IllegalTransition> {
    let informed = learn(order, &learned);
    match ORDER_SAGA.get(from).map(|s| s.action) {
        Some(Action::Invoke(inv)) => Ok(Transition {
            status: OrderStatus::Pending,
            step: inv.step,
            reason: None,
            command: Some(Outgoing {
                queue: inv.queue,
                command: command(inv.command, &informed)?,
            }),
            notification: None,
            learned,
        }),
        Some(Action::Confirm) | None => Ok(Transition {
            status: OrderStatus::Confirmed,
            step: Step::Done,
            reason: None,
            command: None,
            notification: Some(notification(EventType::OrderConfirmed, &informed, None)),
            learned,
        }),
    }
}

/// Back from step `below`: the compensation of the latest step before it that has one, or,
/// when none is left, the end: `cancelled` if anything was done (`undone`), else `rejected`.
fn back(
    order: &Order,
    below: usize,
    reason: Reason,
    undone: bool,
    learned: Learned,
) -> Result<Transition, IllegalTransition> {
    let informed = learn(order, &learned);
    let compensation = ORDER_SAGA
        .iter()
        .take(below)
        .rev()
        .find_map(|s| s.compensation);
    if let Some(c) = compensation {
        return Ok(Transition {
            status: order.status,
            step: c.step,
            reason: Some(reason),
            command: Some(Outgoing {
                queue: c.queue,
                command: command(c.command, &informed)?,
            }),
            notification: None,
            learned,
        });
    }
    let (status, event) = if undone {
        (OrderStatus::Cancelled, EventType::OrderCancelled)
    } else {
        (OrderStatus::Rejected, EventType::OrderRejected)
    };
    Ok(Transition {
        status,
        step: Step::Done,
        reason: Some(reason),
        command: None,
        notification: Some(notification(event, &informed, Some(reason))),
        learned,
    })
}

fn command(kind: MessageType, order: &Order) -> Result<Command, IllegalTransition> {
    let order_ref = || msg::OrderRef {
        order_id: order.id.clone(),
    };
    Ok(match kind {
        MessageType::ReserveStock => Command::ReserveStock(msg::ReserveStock {
            order_id: order.id.clone(),
            product_id: order.product_id.clone(),
            quantity: order.quantity,
        }),
        MessageType::CapturePayment => {
            Command::CapturePayment(msg::CapturePayment {
                order_id: order.id.clone(),
                amount: order
                    .total
                    .clone()
                    .ok_or(IllegalTransition::Inconsistent("no total to charge"))?,
                payment_token: order.payment_token.clone().ok_or(
                    IllegalTransition::Inconsistent("no payment token to charge"),
                )?,
            })
        }
        MessageType::ReleaseStock => Command::ReleaseStock(order_ref()),
        MessageType::RefundPayment => Command::RefundPayment(order_ref()),
        _ => {
            return Err(IllegalTransition::Inconsistent(
                "the saga names a reply as a command",
            ));
        }
    })
}

/// `{orderId, productName, total ("19,000 KRW"), reason, programId}`, nulls where unknown.
fn notification(event: EventType, order: &Order, reason: Option<Reason>) -> Notification {
    Notification {
        event,
        data: json!({
            "orderId": order.id,
            "productName": order.product_name,
            "total": order.total.as_ref().map(Money::to_string),
            "reason": reason.map(Reason::as_str),
            "programId": order.program_id,
        }),
    }
}

/// Where an order event goes: to notifications, and, when it confirms or cancels an order
/// for a program, to learning's enrollments as well (it enrolls or revokes the customer).
pub fn event_queues(event: &shared::events::Envelope) -> &'static [&'static str] {
    let enrolls = matches!(
        event.event_type,
        EventType::OrderConfirmed | EventType::OrderCancelled
    ) && event.data["programId"].is_string();
    if enrolls {
        &[queues::NOTIFICATIONS, queues::ENROLLMENTS]
    } else {
        &[queues::NOTIFICATIONS]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    const ORDER: &str = "01JDQ2Y8Z9K3M4N5P6R7S8T9VW";
    const PROGRAM: &str = "01JDEMR0000000000000000001";

    fn krw(amount: i64) -> Money {
        Money::new(amount, "KRW").unwrap_or_else(|e| panic!("{e}"))
    }

    fn placed() -> Order {
        let order = Order::placed(
            ORDER.into(),
            "01JDQ2W0X1Y2Z3A4B5C6D7E8F9".into(),
            "01JDEMA0000000000000000001".into(),
            2,
            "tok_ok".into(),
            "2026-11-24T12:00:00Z".into(),
        );
        start(order).unwrap_or_else(|e| panic!("{e}")).0
    }

    fn reserved() -> Input {
        Input::Reply(Reply::StockReserved(msg::StockReserved {
            order_id: ORDER.into(),
            product_name: "Premium".into(),
            unit_price: krw(9_500),
            total: krw(19_000),
            program_id: Some(PROGRAM.into()),
        }))
    }

    fn rejected(reason: msg::StockRejection) -> Input {
        Input::Reply(Reply::StockRejected(msg::StockRejected {
            order_id: ORDER.into(),
            reason,
            product_name: (reason == msg::StockRejection::OutOfStock).then(|| "Premium".into()),
        }))
    }

    fn released() -> Input {
        Input::Reply(Reply::StockReleased(msg::OrderRef {
            order_id: ORDER.into(),
        }))
    }

    fn captured() -> Input {
        Input::Reply(Reply::PaymentCaptured(msg::PaymentCaptured {
            order_id: ORDER.into(),
            payment_id: "pay_1".into(),
            amount: krw(19_000),
        }))
    }

    fn declined() -> Input {
        Input::Reply(Reply::PaymentDeclined(msg::PaymentDeclined {
            order_id: ORDER.into(),
            decline_code: "card_declined".into(),
        }))
    }

    fn refunded() -> Input {
        Input::Reply(Reply::PaymentRefunded(msg::PaymentRefunded {
            order_id: ORDER.into(),
            refund_id: "ref_1".into(),
            amount: krw(19_000),
        }))
    }

    /// Every input there is.
    fn inputs() -> Vec<Input> {
        vec![
            reserved(),
            rejected(msg::StockRejection::OutOfStock),
            rejected(msg::StockRejection::ProductNotFound),
            released(),
            captured(),
            declined(),
            refunded(),
            Input::CustomerCancel,
        ]
    }

    fn step(order: &Order, input: Input) -> (Order, Transition) {
        let t = next(order, &input).unwrap_or_else(|e| panic!("{input:?} at {order:?}: {e}"));
        (apply(order, &t, "2026-11-24T12:01:00Z"), t)
    }

    fn through(inputs: Vec<Input>) -> Order {
        inputs
            .into_iter()
            .fold(placed(), |order, input| step(&order, input).0)
    }

    /// A confirmed order's inputs through its customer's cancel and the refund.
    fn refunded_after_cancel() -> Vec<Input> {
        vec![reserved(), captured(), Input::CustomerCancel, refunded()]
    }

    /// The same through the stock's release: the cancel is done.
    fn cancel_done() -> Vec<Input> {
        let mut inputs = refunded_after_cancel();
        inputs.push(released());
        inputs
    }

    /// The stock's release ends a cancel: the order is cancelled, for `reason`.
    fn released_into_cancelled(order: &Order, reason: Reason) -> (Order, Transition) {
        let (order, t) = step(order, released());
        assert_eq!(
            (order.status, order.step, order.reason),
            (OrderStatus::Cancelled, Step::Done, Some(reason))
        );
        (order, t)
    }

    fn sent(t: &Transition) -> Option<(&'static str, MessageType)> {
        t.command.as_ref().map(|o| (o.queue, o.command.kind()))
    }

    #[test]
    fn every_step_and_reply_appears_once_in_the_saga() {
        let mut steps = Vec::new();
        let mut replies = Vec::new();
        for s in ORDER_SAGA {
            let invocations = match s.action {
                Action::Invoke(inv) => vec![Some(inv), s.compensation],
                Action::Confirm => vec![s.compensation],
            };
            for inv in invocations.into_iter().flatten() {
                steps.push(inv.step);
                replies.push(inv.done);
                replies.extend(inv.refused);
                assert!([queues::INVENTORY, queues::PAYMENTS].contains(&inv.queue));
            }
        }
        let mut all: Vec<Step> = Step::ALL
            .iter()
            .copied()
            .filter(|s| *s != Step::Done)
            .collect();
        all.sort_by_key(|s| s.as_str());
        steps.sort_by_key(|s| s.as_str());
        assert_eq!(steps, all);
        assert_eq!(replies.len(), 6);
        assert_eq!(replies.iter().collect::<HashSet<_>>().len(), 6);
        assert!(
            matches!(ORDER_SAGA.last(), Some(s) if s.action == Action::Confirm && s.compensation.is_none())
        );
    }

    #[test]
    fn a_new_order_waits_for_stock_and_asks_inventory_for_it() {
        let mut draft = placed();
        draft.step = Step::Done;
        let (order, out) = start(draft).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (order.status, order.step),
            (OrderStatus::Pending, Step::ReserveStock)
        );
        assert_eq!(out.queue, queues::INVENTORY);
        assert_eq!(
            out.command,
            Command::ReserveStock(msg::ReserveStock {
                order_id: ORDER.into(),
                product_id: "01JDEMA0000000000000000001".into(),
                quantity: 2,
            })
        );
    }

    #[test]
    fn stock_reserved_moves_on_to_capturing_the_total_and_drops_the_token() {
        let (order, t) = step(&placed(), reserved());
        assert_eq!(
            (order.status, order.step),
            (OrderStatus::Pending, Step::CapturePayment)
        );
        assert_eq!(order.total, Some(krw(19_000)));
        assert_eq!(order.product_name.as_deref(), Some("Premium"));
        assert_eq!(order.version, 1);
        assert!(t.notification.is_none());
        let Some(Outgoing {
            queue,
            command: Command::CapturePayment(capture),
        }) = &t.command
        else {
            panic!("no capture: {t:?}");
        };
        assert_eq!(*queue, queues::PAYMENTS);
        assert_eq!(
            (capture.amount.amount, capture.payment_token.as_str()),
            (19_000, "tok_ok")
        );
        assert_eq!(order.payment_token, None);
    }

    #[test]
    fn stock_rejected_rejects_the_order_with_nothing_to_undo() {
        for (rejection, reason, name) in [
            (
                msg::StockRejection::OutOfStock,
                Reason::OutOfStock,
                json!("Premium"),
            ),
            (
                msg::StockRejection::ProductNotFound,
                Reason::ProductNotFound,
                Value::Null,
            ),
        ] {
            let (order, t) = step(&placed(), rejected(rejection));
            assert_eq!(
                (order.status, order.step, order.reason),
                (OrderStatus::Rejected, Step::Done, Some(reason))
            );
            assert_eq!(t.command, None);
            assert_eq!(
                t.notification,
                Some(Notification {
                    event: EventType::OrderRejected,
                    data: json!({"orderId": ORDER, "productName": name, "total": null, "reason": reason.as_str(), "programId": null}),
                })
            );
        }
    }

    #[test]
    fn payment_captured_confirms_the_order_and_tells_the_customer() {
        let (order, t) = step(&through(vec![reserved()]), captured());
        assert_eq!(
            (order.status, order.step, order.reason),
            (OrderStatus::Confirmed, Step::Done, None)
        );
        assert_eq!(order.payment_id.as_deref(), Some("pay_1"));
        assert_eq!(t.command, None);
        assert_eq!(
            t.notification,
            Some(Notification {
                event: EventType::OrderConfirmed,
                data: json!({"orderId": ORDER, "productName": "Premium", "total": "19,000 KRW", "reason": null, "programId": PROGRAM}),
            })
        );
    }

    #[test]
    fn confirmed_and_cancelled_orders_for_a_program_also_go_to_enrollments() {
        let event = |kind, data| {
            shared::events::Envelope::new(kind, "u", data, &shared::clock::SystemClock)
        };
        let program = json!({"orderId": ORDER, "programId": PROGRAM});
        let none = json!({"orderId": ORDER, "programId": null});
        for kind in [EventType::OrderConfirmed, EventType::OrderCancelled] {
            assert_eq!(
                event_queues(&event(kind, program.clone())),
                [queues::NOTIFICATIONS, queues::ENROLLMENTS]
            );
            assert_eq!(
                event_queues(&event(kind, none.clone())),
                [queues::NOTIFICATIONS]
            );
        }
        assert_eq!(
            event_queues(&event(EventType::OrderRejected, program)),
            [queues::NOTIFICATIONS]
        );
    }

    #[test]
    fn payment_declined_releases_the_stock_then_cancels() {
        let (order, t) = step(&through(vec![reserved()]), declined());
        assert_eq!(
            (order.status, order.step, order.reason),
            (
                OrderStatus::Pending,
                Step::ReleaseStock,
                Some(Reason::PaymentDeclined)
            )
        );
        assert_eq!(
            sent(&t),
            Some((queues::INVENTORY, MessageType::ReleaseStock))
        );
        assert!(t.notification.is_none());

        let (_, t) = released_into_cancelled(&order, Reason::PaymentDeclined);
        assert_eq!(t.command, None);
        assert_eq!(
            t.notification,
            Some(Notification {
                event: EventType::OrderCancelled,
                data: json!({"orderId": ORDER, "productName": "Premium", "total": "19,000 KRW", "reason": "payment_declined", "programId": PROGRAM}),
            })
        );
    }

    #[test]
    fn a_customer_cancel_of_a_confirmed_order_refunds_then_releases_then_cancels() {
        let confirmed = through(vec![reserved(), captured()]);
        let (order, t) = step(&confirmed, Input::CustomerCancel);
        assert_eq!(
            (order.status, order.step, order.reason),
            (
                OrderStatus::Confirmed,
                Step::RefundPayment,
                Some(Reason::CancelledByCustomer)
            )
        );
        assert_eq!(
            sent(&t),
            Some((queues::PAYMENTS, MessageType::RefundPayment))
        );

        let (order, t) = step(&order, refunded());
        assert_eq!(
            (order.status, order.step),
            (OrderStatus::Confirmed, Step::ReleaseStock)
        );
        assert_eq!(
            sent(&t),
            Some((queues::INVENTORY, MessageType::ReleaseStock))
        );

        let (order, t) = released_into_cancelled(&order, Reason::CancelledByCustomer);
        assert_eq!(order.version, 5);
        assert_eq!(
            t.notification.map(|n| (n.event, n.data["reason"].clone())),
            Some((EventType::OrderCancelled, json!("cancelled_by_customer")))
        );
    }

    #[test]
    fn duplicate_replies_are_refused() {
        let cases = [
            (vec![reserved()], reserved()),
            (vec![reserved()], rejected(msg::StockRejection::OutOfStock)),
            (vec![reserved(), declined()], reserved()),
            (vec![reserved(), declined()], declined()),
            (
                vec![reserved(), captured(), Input::CustomerCancel],
                captured(),
            ),
            (refunded_after_cancel(), refunded()),
        ];
        for (before, again) in cases {
            let order = through(before);
            assert!(
                matches!(
                    next(&order, &again),
                    Err(IllegalTransition::Duplicate { .. })
                ),
                "{again:?} at {order:?}"
            );
        }
    }

    #[test]
    fn out_of_order_replies_are_refused() {
        let cases = [
            (vec![], captured()),
            (vec![], declined()),
            (vec![], released()),
            (vec![], refunded()),
            (vec![reserved()], released()),
            (vec![reserved()], refunded()),
            (
                vec![reserved(), captured(), Input::CustomerCancel],
                released(),
            ),
        ];
        for (before, early) in cases {
            let order = through(before);
            assert!(
                matches!(
                    next(&order, &early),
                    Err(IllegalTransition::OutOfOrder { .. })
                ),
                "{early:?} at {order:?}"
            );
        }
    }

    #[test]
    fn every_reply_after_the_order_settled_is_refused() {
        let settled = [
            through(vec![rejected(msg::StockRejection::OutOfStock)]),
            through(vec![reserved(), captured()]),
            through(vec![reserved(), declined(), released()]),
            through(cancel_done()),
        ];
        for order in settled {
            for input in inputs().into_iter().filter(|i| *i != Input::CustomerCancel) {
                assert!(
                    matches!(next(&order, &input), Err(IllegalTransition::Settled { status, .. }) if status == order.status),
                    "{input:?} at {order:?}"
                );
            }
        }
    }

    #[test]
    fn only_a_confirmed_order_can_be_cancelled() {
        let refused = [
            (through(vec![]), OrderStatus::Pending),
            (through(vec![reserved()]), OrderStatus::Pending),
            (through(vec![reserved(), declined()]), OrderStatus::Pending),
            (
                through(vec![reserved(), declined(), released()]),
                OrderStatus::Cancelled,
            ),
            (
                through(vec![rejected(msg::StockRejection::OutOfStock)]),
                OrderStatus::Rejected,
            ),
            (through(cancel_done()), OrderStatus::Cancelled),
        ];
        for (order, status) in refused {
            assert_eq!(
                next(&order, &Input::CustomerCancel),
                Err(IllegalTransition::NotCancellable { status }),
                "{order:?}"
            );
        }
        for cancelling in [
            through(vec![reserved(), captured(), Input::CustomerCancel]),
            through(refunded_after_cancel()),
        ] {
            assert_eq!(
                next(&cancelling, &Input::CustomerCancel),
                Err(IllegalTransition::AlreadyCancelling)
            );
        }
    }

    /// The whole table: in every state the saga can reach, exactly these inputs move it.
    #[test]
    fn every_reachable_state_accepts_exactly_what_it_waits_for() {
        use MessageType::*;
        let expected: [(Vec<Input>, &[Option<MessageType>]); 8] = [
            (vec![], &[Some(StockReserved), Some(StockRejected)]),
            (
                vec![reserved()],
                &[Some(PaymentCaptured), Some(PaymentDeclined)],
            ),
            (vec![reserved(), declined()], &[Some(StockReleased)]),
            (vec![reserved(), declined(), released()], &[]),
            (vec![rejected(msg::StockRejection::OutOfStock)], &[]),
            (vec![reserved(), captured()], &[None]),
            (
                vec![reserved(), captured(), Input::CustomerCancel],
                &[Some(PaymentRefunded)],
            ),
            (refunded_after_cancel(), &[Some(StockReleased)]),
        ];
        for (path, accepted) in expected {
            let order = through(path);
            for input in inputs() {
                let kind = match &input {
                    Input::Reply(r) => Some(r.kind()),
                    Input::CustomerCancel => None,
                };
                assert_eq!(
                    next(&order, &input).is_ok(),
                    accepted.contains(&kind),
                    "{input:?} at {order:?}"
                );
            }
        }
    }

    #[test]
    fn a_capture_without_a_token_is_an_inconsistency_not_a_charge() {
        let mut order = placed();
        order.payment_token = None;
        assert!(matches!(
            next(&order, &reserved()),
            Err(IllegalTransition::Inconsistent(_))
        ));
    }

    #[test]
    fn replies_parse_from_their_messages_and_commands_are_not_replies() {
        let data = json!({"orderId": ORDER, "paymentId": "pay_1", "amount": {"amount": 19000, "currency": "KRW"}});
        let reply = Reply::from_message(MessageType::PaymentCaptured, data)
            .ok()
            .flatten();
        assert_eq!(reply.map(Input::Reply), Some(captured()));
        assert!(matches!(
            Reply::from_message(MessageType::ReserveStock, json!({})),
            Ok(None)
        ));
        assert!(Reply::from_message(MessageType::StockReleased, json!({"order": 1})).is_err());
    }

    fn rank(order: &Order) -> usize {
        position(order.step)
            .map(|p| p.rank(order.status))
            .unwrap_or(usize::MAX)
    }

    proptest! {
        /// Whatever arrives in whatever order, an order only ever moves forward through the
        /// saga, each command is sent at most once, and a settled order stays settled.
        #[test]
        fn no_sequence_of_inputs_moves_an_order_backwards(picks in prop::collection::vec(0..8usize, 0..30)) {
            let all = inputs();
            let mut order = placed();
            let mut commands = vec![MessageType::ReserveStock];
            let mut notifications = Vec::new();
            for pick in picks {
                let input = &all[pick];
                match next(&order, input) {
                    Ok(t) => {
                        let after = apply(&order, &t, "later");
                        prop_assert!(rank(&after) > rank(&order), "{input:?}: {order:?} -> {after:?}");
                        prop_assert_eq!(after.version, order.version + 1);
                        prop_assert!(
                            !(order.status.is_settled() && after.status == OrderStatus::Pending),
                            "back to pending: {:?}", after
                        );
                        prop_assert!(
                            !matches!(order.status, OrderStatus::Cancelled | OrderStatus::Rejected),
                            "a final order moved: {:?}", order
                        );
                        prop_assert_eq!(after.step == Step::Done, t.command.is_none());
                        if after.status == OrderStatus::Confirmed {
                            prop_assert!(after.total.is_some() && after.payment_id.is_some());
                        }
                        commands.extend(t.command.map(|c| c.command.kind()));
                        notifications.extend(t.notification.map(|n| n.event));
                        order = after;
                    }
                    Err(e) => prop_assert!(!matches!(e, IllegalTransition::Inconsistent(_)), "{e}"),
                }
            }
            let distinct: HashSet<_> = commands.iter().collect();
            prop_assert_eq!(distinct.len(), commands.len(), "a command sent twice: {:?}", commands);
            prop_assert!(notifications.len() <= 2, "{:?}", notifications);
        }
    }
}
