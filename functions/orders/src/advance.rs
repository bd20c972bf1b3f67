//! The one way an order changes, for the orchestrator and the cancel endpoint alike: decide
//! with [`saga::next`], then write the new order (on the condition that its step and
//! version are still those the decision was made on) with the command and the notification
//! the decision sends, in one transaction. A write that loses a race to another change
//! reads the order again and decides again: usually the input no longer fits, and is
//! refused like any duplicate.

use aws_sdk_dynamodb::types::TransactWriteItem;
use shared::ApiError;
use shared::clock::rfc3339;
use shared::dynamo::failed_conditions;
use shared::events::{Envelope, queues};
use time::OffsetDateTime;

use crate::App;
use crate::model::Order;
use crate::saga::{self, IllegalTransition, Input, Outgoing, Transition};

/// How many lost races one input may meet before it gives up (the message is retried).
const RACE_RETRIES: u32 = 5;

#[derive(Debug)]
pub enum Advanced {
    /// The order moved; `order` is as written.
    Applied {
        order: Order,
        transition: Transition,
    },
    /// The input does not fit the order, which is left as it is (`order`, as last read).
    Refused {
        order: Order,
        why: IllegalTransition,
    },
}

/// Moves `order` (as just read) by `input`.
pub async fn advance(app: &App, mut order: Order, input: &Input) -> Result<Advanced, ApiError> {
    let mut races = 0;
    loop {
        let transition = match saga::next(&order, input) {
            Ok(t) => t,
            Err(why) => return Ok(Advanced::Refused { order, why }),
        };
        let now = app.clock.now();
        let after = saga::apply(&order, &transition, &rfc3339(now));
        let mut items = vec![app.store.replace(&order, &after)?];
        items.extend(sends(app, &after, &transition, now)?);
        match app.store.transact(items).await {
            Ok(()) => {
                return Ok(Advanced::Applied {
                    order: after,
                    transition,
                });
            }
            Err(e)
                if races < RACE_RETRIES
                    && failed_conditions(&e).is_some_and(|f| f.first() == Some(&true)) =>
            {
                tracing::info!(orderId = %order.id, version = order.version, "the order changed meanwhile; deciding again");
                races += 1;
                order = app
                    .store
                    .order(&order.id)
                    .await?
                    .ok_or_else(|| ApiError::internal("the order vanished"))?;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The outbox items of a transition: its command and its notification.
fn sends(
    app: &App,
    order: &Order,
    t: &Transition,
    now: OffsetDateTime,
) -> Result<Vec<TransactWriteItem>, ApiError> {
    let mut items = match &t.command {
        Some(out) => command_items(app, order, out, now)?,
        None => Vec::new(),
    };
    if let Some(n) = &t.notification {
        let event = Envelope::new(n.event, &order.user_id, n.data.clone(), app.clock.as_ref());
        items.extend(shared::outbox::items(
            app.store.table(),
            &event,
            &[queues::NOTIFICATIONS],
            now,
        )?);
    }
    Ok(items)
}

/// The outbox item that sends `out` for `order` (the envelope's `userId` is the customer).
pub(crate) fn command_items(
    app: &App,
    order: &Order,
    out: &Outgoing,
    now: OffsetDateTime,
) -> Result<Vec<TransactWriteItem>, ApiError> {
    let data = out.command.data().map_err(ApiError::internal)?;
    let command = Envelope::new(out.command.kind(), &order.user_id, data, app.clock.as_ref());
    shared::outbox::items(app.store.table(), &command, &[out.queue], now)
}
