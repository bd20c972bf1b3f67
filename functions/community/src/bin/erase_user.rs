//! Consumes community's queue: `user_deleted` erases the person's posts, comments and likes.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::app::consume::<community::Store, _, _>(|app, batch| async move {
        community::erasure::handle_batch(&app, batch).await
    })
    .await
}
