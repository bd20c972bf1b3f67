//! Consumes learning's queue: builds a plan for every `attempt_graded`.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::app::consume::<learning::Store, _, _>(|app, batch| async move {
        learning::plan_builder::handle_batch(&app, batch).await
    })
    .await
}
