use shared::ApiError;
use shared::store::StoreError;

/// Everything an inventory endpoint can refuse, and how each reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the product does not exist")]
    ProductNotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::ProductNotFound => ApiError::not_found("The product does not exist."),
            Error::Store(e) => e.into(),
        }
    }
}
