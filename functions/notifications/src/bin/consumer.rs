//! The notifications queue's consumer: inbox and external channel, exactly once per event.
use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let consumer = Arc::new(notifications::consume::Consumer::from_env().await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let consumer = consumer.clone();
        shared::invocation::handle(event, |event| async move {
            Ok::<_, lambda_runtime::Error>(
                notifications::consume::handle_batch(consumer, event.payload).await,
            )
        })
    }))
    .await
}
