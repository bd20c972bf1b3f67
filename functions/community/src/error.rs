use shared::ApiError;

/// Everything a community use case can refuse, and how each reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the post does not exist or was deleted")]
    PostNotFound,
    #[error("only the author may edit a post")]
    NotTheAuthor,
    #[error("only the author or an admin may delete a post")]
    NotTheAuthorOrAdmin,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::PostNotFound => ApiError::not_found("The post does not exist."),
            Error::NotTheAuthor => ApiError::forbidden("Only the author may edit this post."),
            Error::NotTheAuthorOrAdmin => {
                ApiError::forbidden("Only the author or an admin may delete this post.")
            }
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
