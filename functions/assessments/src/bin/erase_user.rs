//! Consumes assessments' queue: `user_deleted` erases the person's attempts.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::app::consume::<assessments::Store, _, _>(|app, batch| async move {
        assessments::erasure::handle_batch(&app, batch).await
    })
    .await
}
