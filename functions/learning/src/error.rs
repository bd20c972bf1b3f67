use shared::store::StoreError;
use shared::{ApiError, FieldError};

/// Everything a learning use case can refuse, and how each reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no such module")]
    ModuleNotFound,
    /// Unknown, or another student's: the answer is the same, so ids reveal nothing.
    #[error("no such session")]
    SessionNotFound,
    /// A premium module, and the caller is not enrolled in its program.
    #[error("the module's program needs an enrollment")]
    EnrollmentRequired,
    #[error("no plan yet")]
    NoPlan,
    /// The answers do not fit the session's exercises (their number, or a choice).
    #[error("the answers do not fit the session's exercises")]
    InvalidAnswers(Vec<FieldError>),
    /// Every round of a submit lost a race with another write to the session or the plan.
    #[error("the session kept changing while it was being submitted")]
    SessionKeptChanging,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::ModuleNotFound => ApiError::not_found("No such module."),
            Error::SessionNotFound => ApiError::not_found("No such session."),
            Error::EnrollmentRequired => ApiError::new(
                http::StatusCode::FORBIDDEN,
                "enrollment_required",
                "Enrollment required",
                "This module is premium: buy its program to train it.",
            ),
            Error::NoPlan => ApiError::not_found(
                "No training plan yet: one is built after you submit an assessment.",
            ),
            Error::InvalidAnswers(errors) => ApiError::validation(errors),
            Error::SessionKeptChanging => ApiError::internal(e),
            Error::Store(e) => e.into(),
        }
    }
}
