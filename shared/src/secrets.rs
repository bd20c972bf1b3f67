//! Secrets from SSM Parameter Store. A function's environment names a SecureString parameter
//! (`CURSOR_SECRET_PARAMETER=/studyloop/dev/cursor-secret`), never holds its value: anyone
//! with `lambda:GetFunctionConfiguration` reads a function's environment, while a parameter
//! is read only by the roles granted `ssm:GetParameter` on it and `kms:Decrypt` through SSM
//! (template.yaml; docs/operations.md "Secrets").
//!
//! A function reads its secrets once per cold start, during init and alongside its
//! DynamoDB connection ([`crate::app::Context::with_cursors_from_env`]), and keeps what it
//! builds from them (the cursor codec, the token signer, a provider's client) for the life of
//! the process: one GetParameter per secret per instance. Reading at init rather than at first
//! use means a missing parameter or a missing grant fails the init with the parameter's name
//! ([`ConfigError::Secret`]), not a request with a 500. In the local cloud `AWS_ENDPOINT_URL_SSM`
//! points the client at moto, which holds the same parameters: one code path.

use aws_sdk_ssm::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::config::{self, ConfigError};

/// A secret's value. Neither `Debug` nor `Display` shows it: it reaches a log only if
/// someone writes `expose()` into one.
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Reads SecureString parameters, decrypted. One per cold start, built from the function's
/// [`crate::dynamo::sdk_config`] (so it shares its HTTPS client).
#[derive(Clone, Debug)]
pub struct Secrets {
    client: aws_sdk_ssm::Client,
}

impl Secrets {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        Self {
            client: aws_sdk_ssm::Client::new(config),
        }
    }

    /// The value of the parameter named by the environment variable `name_env`.
    pub async fn read(&self, name_env: &'static str) -> Result<Secret, ConfigError> {
        let parameter = config::required(name_env)?;
        let failed = |reason: String| ConfigError::Secret {
            name: name_env,
            parameter: parameter.clone(),
            reason,
        };
        let out = self
            .client
            .get_parameter()
            .name(&parameter)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| failed(why(&e)))?;
        out.parameter
            .and_then(|p| p.value)
            .filter(|v| !v.trim().is_empty())
            .map(Secret)
            .ok_or_else(|| failed("it has no value".into()))
    }
}

/// Why GetParameter failed, in words that never hold a value: the error code and SSM's
/// message (`ParameterNotFound`, `AccessDeniedException: ... is not authorized to perform
/// kms:Decrypt ...`), or the transport's error chain.
fn why<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
) -> String {
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(e).to_string(),
    }
}
