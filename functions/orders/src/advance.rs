//! The one way an order changes, for the orchestrator and the cancel endpoint alike: decide
//! with [`saga::next`], then write the new order (on the condition that its step and
//! version are still those the decision was made on) with the command and the notification
//! the decision sends, in one transaction. A write that loses a race to another change
//! reads the order again and decides again: usually the input no longer fits, and is
//! refused like any duplicate.

use shared::clock::rfc3339;
use shared::events::Envelope;
use shared::saga::MessageType;
use shared::store::StoreError;

use crate::model::Order;
use crate::saga::{self, IllegalTransition, Input, Outgoing, Transition};
use crate::store::{Replaced, Sends};
use crate::{App, Error};

/// How many lost races one input may meet before it gives up (the message is retried).
const RACE_RETRIES: u32 = 5;

#[derive(Debug)]
pub enum Advanced {
    /// The order moved; `order` is as written.
    Applied {
        order: Order,
        /// Boxed: a transition is several times the size of the other variant.
        transition: Box<Transition>,
    },
    /// The input does not fit the order, which is left as it is (`order`, as last read).
    Refused {
        order: Order,
        why: IllegalTransition,
    },
}

/// Moves `order` (as just read) by `input`.
pub async fn advance(app: &App, mut order: Order, input: &Input) -> Result<Advanced, Error> {
    let mut races = 0;
    loop {
        let transition = match saga::next(&order, input) {
            Ok(t) => t,
            Err(why) => return Ok(Advanced::Refused { order, why }),
        };
        let now = app.clock.now();
        let after = saga::apply(&order, &transition, &rfc3339(now));
        let sends = sends(app, &after, &transition)?;
        match app.store.replace(&order, &after, &sends, now).await? {
            Replaced::Written => {
                return Ok(Advanced::Applied {
                    order: after,
                    transition: Box::new(transition),
                });
            }
            Replaced::Stale(_) if races >= RACE_RETRIES => {
                return Err(Error::Contention(order.id));
            }
            Replaced::Stale(current) => {
                tracing::info!(orderId = %order.id, version = order.version, "the order changed meanwhile; deciding again");
                races += 1;
                order = *current;
            }
        }
    }
}

/// What a transition sends: its command and its notification.
fn sends(app: &App, order: &Order, t: &Transition) -> Result<Sends, StoreError> {
    Ok(Sends {
        command: t
            .command
            .as_ref()
            .map(|out| command(app, order, out))
            .transpose()?,
        notification: t
            .notification
            .as_ref()
            .map(|n| Envelope::new(n.event, &order.user_id, n.data.clone(), app.clock.as_ref())),
    })
}

/// The envelope of `out` for `order` (its `userId` is the customer), and its queue.
pub(crate) fn command(
    app: &App,
    order: &Order,
    out: &Outgoing,
) -> Result<(Envelope<MessageType>, &'static str), StoreError> {
    let data = out.command.data().map_err(StoreError::corrupt)?;
    let command = Envelope::new(out.command.kind(), &order.user_id, data, app.clock.as_ref());
    Ok((command, out.queue))
}
