use shared::ApiError;
use shared::store::StoreError;

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
    Store(#[from] StoreError),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::PostNotFound => ApiError::not_found("The post does not exist."),
            Error::NotTheAuthor => ApiError::forbidden("Only the author may edit this post."),
            Error::NotTheAuthorOrAdmin => {
                ApiError::forbidden("Only the author or an admin may delete this post.")
            }
            Error::Store(e) => e.into(),
        }
    }
}
