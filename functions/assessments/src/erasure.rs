//! The consumer of assessments' queue: `user_deleted` ([`shared::erasure`]) erases the
//! person's attempts (everything assessments keeps of a student lives under their key).
//! Erasing is idempotent: a redelivered event finds nothing left and succeeds; a store that
//! fails is retried through the queue, so an assessments that is down erases when it comes
//! back (the dead-letter queue and its alarm catch what never succeeds).

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use shared::sqs_batch::MessageError;

use crate::App;

const CONCURRENCY: usize = 4;

pub async fn handle_batch(app: &Arc<App>, event: SqsEvent) -> SqsBatchResponse {
    shared::sqs_batch::process(event, CONCURRENCY, |message| erase(app.clone(), message)).await
}

async fn erase(app: Arc<App>, message: SqsMessage) -> Result<(), MessageError> {
    let body = message.body.as_deref().unwrap_or_default();
    let user_id = shared::erasure::deleted_user(body)
        .filter(|id| shared::is_id(id))
        .ok_or_else(|| {
            MessageError::permanent(format!(
                "message {} is not a user_deleted envelope naming a user, the only message assessments' queue carries",
                message.message_id.as_deref().unwrap_or_default()
            ))
        })?;
    let erased = app.store.erase_user(&user_id).await?;
    tracing::info!(userId = %user_id, erased, "the deleted user's attempts are erased");
    Ok(())
}
