use shared::ApiError;
use shared::store::StoreError;

/// Everything an assessments use case can refuse, and how each reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no such assessment")]
    AssessmentNotFound,
    #[error("the assessment is already published")]
    AlreadyPublished,
    /// Unknown, or another student's: the answer is the same, so ids reveal nothing.
    #[error("no such attempt")]
    AttemptNotFound,
    #[error("no such question in this attempt")]
    QuestionNotFound,
    #[error("the attempt is submitted")]
    AttemptSubmitted,
    #[error("the attempt's time is up")]
    AttemptExpired,
    #[error("the choice is out of range")]
    ChoiceOutOfRange { choices: usize },
    /// Every round of a submit lost a race with another write to the attempt.
    #[error("the attempt kept changing while it was being submitted")]
    AttemptKeptChanging,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::AssessmentNotFound => ApiError::not_found("No such assessment."),
            Error::AlreadyPublished => {
                ApiError::conflict("already_published", "The assessment is already published.")
            }
            Error::AttemptNotFound => ApiError::not_found("No such attempt."),
            Error::QuestionNotFound => ApiError::not_found("No such question in this attempt."),
            Error::AttemptSubmitted => ApiError::conflict(
                "attempt_submitted",
                "The attempt is submitted; answers can no longer change.",
            ),
            Error::AttemptExpired => ApiError::conflict(
                "attempt_expired",
                "The attempt's time is up; submit it to grade the saved answers.",
            ),
            Error::ChoiceOutOfRange { choices } => ApiError::field(
                "choiceIndex",
                format!("must be from 0 to {}", choices.saturating_sub(1)),
            ),
            Error::AttemptKeptChanging => ApiError::internal(e),
            Error::Store(e) => e.into(),
        }
    }
}
