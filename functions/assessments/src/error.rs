use shared::ApiError;

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
    #[error(transparent)]
    Api(#[from] ApiError),
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
