use shared::ApiError;
use shared::store::StoreError;

/// Everything a notifications endpoint can refuse, and how each reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Absent, or another user's: the answer is the same, so ids of others reveal nothing.
    #[error("no such notification")]
    NotificationNotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::NotificationNotFound => ApiError::not_found("There is no such notification."),
            Error::Store(e) => e.into(),
        }
    }
}
