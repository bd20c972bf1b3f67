//! Consumes inventory's queue: the order saga's reserve_stock and release_stock.
use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let app = Arc::new(inventory::App::from_env().await?);
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        shared::invocation::handle(event, move |event| async move {
            Ok::<_, std::convert::Infallible>(
                inventory::stock_step::handle_batch(app, Some(&event.context), event.payload).await,
            )
        })
    }))
    .await
}
