use shared::ApiError;

use crate::model::OrderStatus;

/// Everything an orders use case can refuse, and how each reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Also for another customer's order: its existence is not the caller's business.
    #[error("no such order for this caller")]
    OrderNotFound,
    #[error("only the customer may cancel an order")]
    NotTheCustomer,
    #[error("a {} order cannot be cancelled", .0.as_str())]
    NotCancellable(OrderStatus),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::OrderNotFound => ApiError::not_found("The order does not exist."),
            Error::NotTheCustomer => ApiError::forbidden("Only the customer may cancel an order."),
            Error::NotCancellable(status) => ApiError::conflict(
                "order_not_cancellable",
                format!(
                    "The order is {}; only a confirmed order can be cancelled.",
                    status.as_str()
                ),
            ),
            Error::Api(api) => api,
        }
    }
}

impl<E, R> From<aws_sdk_dynamodb::error::SdkError<E, R>> for Error
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    fn from(e: aws_sdk_dynamodb::error::SdkError<E, R>) -> Self {
        Error::Api(e.into())
    }
}
