//! `user_deleted` on the orders queue ([`shared::erasure`]): the customer's settled orders
//! forget them, keeping product, quantity, amounts and dates for the accounting retention
//! the law requires; inventory and payments are told to forget them too
//! (`forget_customer`, one per order). An order whose saga still runs is retried through
//! the queue until it settles. Idempotent: an order forgotten already only loses a list
//! entry a crash may have left.

use shared::erasure::ERASED_CUSTOMER;
use shared::events::Envelope;
use shared::saga::{MessageType, OrderRef};

use crate::App;
use crate::error::ReplyError;
use crate::model::Step;

/// Forgets `user_id` on each of their orders; how many orders they had.
pub async fn forget_customer(app: &App, user_id: &str) -> Result<usize, ReplyError> {
    let orders = app.store.customer_orders(user_id).await?;
    for (order_id, key) in &orders {
        let Some(order) = app.store.order(order_id).await? else {
            app.store.delete_entry(user_id, order_id).await?;
            continue;
        };
        if order.user_id != user_id {
            // Forgotten already; the entry is what a crash left.
            app.store.delete_entry(user_id, order_id).await?;
            continue;
        }
        if order.step != Step::Done {
            return Err(ReplyError::StillRunning {
                order_id: order_id.clone(),
            });
        }
        let data = serde_json::to_value(OrderRef {
            order_id: order_id.clone(),
        })
        .map_err(shared::StoreError::corrupt)?;
        // Addressed to nobody: the message names the order, never the person.
        let forget = Envelope::new(
            MessageType::ForgetCustomer,
            ERASED_CUSTOMER,
            data,
            app.clock.as_ref(),
        );
        let now = app.clock.now();
        if !app
            .store
            .forget_customer(user_id, order_id, key.as_deref(), &forget, now)
            .await?
        {
            // Changed between the read and the write: the next delivery looks again.
            return Err(ReplyError::StillRunning {
                order_id: order_id.clone(),
            });
        }
    }
    tracing::info!(userId = %user_id, orders = orders.len(), "the deleted customer's orders are anonymised");
    Ok(orders.len())
}
