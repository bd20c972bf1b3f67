//! The consumer of community's queue: `user_deleted` ([`shared::erasure`]) erases what the
//! person wrote. Their posts go as `DELETE /v1/community/posts/{id}` takes them (with the
//! comments and likes others left on them); their comments and likes on other posts go
//! uncounted, so every count stays equal to what is left. Each step is idempotent, so a
//! redelivered event (or one retried after a failure part-way) finishes what is left.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use shared::clock::rfc3339;
use shared::sqs_batch::MessageError;

use crate::App;
use crate::store::Authored;

const CONCURRENCY: usize = 4;

pub async fn handle_batch(app: &Arc<App>, event: SqsEvent) -> SqsBatchResponse {
    shared::sqs_batch::process(event, CONCURRENCY, |message| erase(app.clone(), message)).await
}

async fn erase(app: Arc<App>, message: SqsMessage) -> Result<(), MessageError> {
    let body = message.body.as_deref().unwrap_or_default();
    let Some(user_id) = shared::erasure::deleted_user(body) else {
        return Err(MessageError::permanent(format!(
            "message {} is not a user_deleted envelope, the only message community's queue carries",
            message.message_id.as_deref().unwrap_or_default()
        )));
    };
    let erased = erase_user(&app, &user_id).await?;
    tracing::info!(userId = %user_id, erased, "the deleted user's posts, comments and likes are erased");
    Ok(())
}

/// Erases every post, comment and like by `user_id`; how many of them there were.
pub async fn erase_user(app: &App, user_id: &str) -> Result<usize, shared::StoreError> {
    let authored = app.store.authored_by(user_id).await?;
    // Comments and likes on other posts first: a post of the user's own takes its children
    // with it.
    for item in &authored {
        match item {
            Authored::Comment {
                post_id,
                comment_id,
            } => app.store.erase_comment(post_id, comment_id).await?,
            Authored::Like { post_id } => app.store.erase_like(post_id, user_id).await?,
            Authored::Post { .. } => {}
        }
    }
    let now = rfc3339(app.clock.now());
    for item in &authored {
        if let Authored::Post { post_id } = item {
            app.store.mark_deleted(post_id, &now).await?;
            app.store.sweep_deleted(post_id).await?;
        }
    }
    Ok(authored.len())
}
