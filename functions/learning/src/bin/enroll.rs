//! Consumes learning's enrollments queue: `order_confirmed` enrolls, `order_cancelled`
//! revokes.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::app::consume::<learning::Store, _, _>(|app, batch| async move {
        learning::enrollments::handle_batch(&app, batch).await
    })
    .await
}
