use shared::ApiError;

/// Everything an inventory endpoint can refuse, and how each reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the product does not exist")]
    ProductNotFound,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::ProductNotFound => ApiError::not_found("The product does not exist."),
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
