//! Configuration comes from the environment the template gives each function; secrets come
//! from SSM Parameter Store, the environment holding only their names ([`crate::secrets`]).

/// Its `Debug` is its message: a function's `main` that returns one ends the init with
/// `Error: <message>` on stderr, which Lambda logs, so the line reads as a sentence.
#[derive(thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    /// The SSM parameter that `name` names could not be read ([`crate::secrets`]).
    #[error("the secret {parameter} (named by {name}) could not be read: {reason}")]
    Secret {
        name: &'static str,
        parameter: String,
        reason: String,
    },
}

impl std::fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

pub fn required(name: &'static str) -> Result<String, ConfigError> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(ConfigError::Missing(name)),
    }
}

pub fn optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

pub fn invalid(name: &'static str, reason: impl std::fmt::Display) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.to_string(),
    }
}
