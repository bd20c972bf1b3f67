use http::StatusCode;
use shared::ApiError;
use shared::store::StoreError;

use crate::passwords::HashError;

/// Everything a users use case can refuse, and how each reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("an account with this email exists")]
    EmailTaken,
    #[error("unknown email or wrong password")]
    InvalidCredentials,
    #[error("too many failed sign-ins")]
    TooManyAttempts { retry_after_seconds: u64 },
    #[error("the refresh token is not valid")]
    InvalidRefreshToken,
    #[error("a used refresh token was presented; its session is revoked")]
    RefreshTokenReused,
    #[error("the account does not exist")]
    UserNotFound,
    /// A one-time code that is wrong, expired or spent, or none for the email: one answer.
    #[error("the code is wrong, expired or spent")]
    InvalidCode,
    /// Tokens could not be issued (no signing key, no randomness): ours, not the client's.
    #[error("tokens cannot be issued: {0}")]
    Tokens(String),
    #[error(transparent)]
    Password(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::EmailTaken => ApiError::new(
                StatusCode::CONFLICT,
                "email_taken",
                "Email taken",
                "An account with this email already exists.",
            ),
            Error::InvalidCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Invalid credentials",
                "The email or the password is wrong.",
            ),
            Error::TooManyAttempts {
                retry_after_seconds,
            } => ApiError::rate_limited(retry_after_seconds),
            Error::InvalidRefreshToken => {
                ApiError::unauthorized("The refresh token is not valid; sign in again.")
            }
            Error::RefreshTokenReused => ApiError::unauthorized(
                "The refresh token was already used; the session has been revoked.",
            ),
            Error::UserNotFound => ApiError::not_found("The account does not exist."),
            Error::InvalidCode => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_code",
                "Invalid code",
                "The code is wrong, has expired or was tried too often; ask for a new one.",
            ),
            // The cause is logged as it was, without this error's own words.
            Error::Tokens(cause) => ApiError::internal(cause),
            Error::Password(HashError(cause)) => ApiError::internal(cause),
            Error::Store(e) => e.into(),
        }
    }
}
