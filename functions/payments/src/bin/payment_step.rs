//! Consumes the payments queue: the order saga's capture_payment and refund_payment.
use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use payments::step;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let app = Arc::new(payments::App::from_env().await?);
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        shared::invocation::handle(event, move |event| async move {
            let faults = step::lambda_faults(event.context);
            Ok::<_, std::convert::Infallible>(step::handle_batch(app, faults, event.payload).await)
        })
    }))
    .await
}
