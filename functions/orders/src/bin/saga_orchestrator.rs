//! Consumes the orders queue: the saga's replies from inventory and payments.
use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let app = Arc::new(orders::App::from_env().await?);
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        shared::invocation::handle(event, move |event| async move {
            Ok::<_, std::convert::Infallible>(
                orders::orchestrator::handle_batch(app, event.payload, Some(event.context)).await,
            )
        })
    }))
    .await
}
