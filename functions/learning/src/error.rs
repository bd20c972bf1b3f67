use shared::ApiError;

/// Everything a learning use case can refuse, and how each reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no such module")]
    ModuleNotFound,
    /// Unknown, or another student's: the answer is the same, so ids reveal nothing.
    #[error("no such session")]
    SessionNotFound,
    #[error("no plan yet")]
    NoPlan,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::ModuleNotFound => ApiError::not_found("No such module."),
            Error::SessionNotFound => ApiError::not_found("No such session."),
            Error::NoPlan => ApiError::not_found(
                "No training plan yet: one is built after you submit an assessment.",
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
