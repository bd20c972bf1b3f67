//! SSM Parameter Store in moto: the secrets the functions read at init (shared::secrets).
//!
//! A function's environment names its secrets (`CURSOR_SECRET_PARAMETER=/studyloop/dev/cursor-secret`);
//! before any function starts, the cloud puts a SecureString under each name any function
//! holds, and points every function's SDK at moto for SSM (`AWS_ENDPOINT_URL_SSM`), so the
//! functions read their secrets as they do on AWS. A value comes, like a template
//! parameter's, from `--parameter-overrides` (by the secret's old parameter name,
//! `CursorSecret`), else the environment (`CURSOR_SECRET`), else the keys generated for the
//! cloud ([`crate::LocalSecrets`]); a secret with none of them (a provider's key when the
//! provider is off) is not put, and a function that reads it fails its init, as on AWS.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use aws_sdk_ssm::types::ParameterType;

use crate::dynamo::sdk_error;
use crate::runtime::FunctionSpec;

/// What ends the name of an environment variable that holds a parameter's name.
pub const NAME_SUFFIX: &str = "_PARAMETER";

/// The parameter that `SecretsPrefix` sets the path of, when the template has it.
pub const PREFIX_PARAMETER: &str = "SecretsPrefix";

/// `CURSOR_SECRET` -> `CursorSecret`: the name the secret had as a template parameter.
pub fn parameter_name(secret: &str) -> String {
    crate::check::pascal_case(&secret.to_ascii_lowercase().replace('_', "-"))
}

/// Parameter name -> value for every secret the functions name that has a value.
pub fn secret_values(
    specs: &[FunctionSpec],
    overrides: &BTreeMap<String, String>,
    env: impl Fn(&str) -> Option<String>,
    generated: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for spec in specs {
        for (var, name) in &spec.env {
            let Some(secret) = var.strip_suffix(NAME_SUFFIX) else {
                continue;
            };
            let key = parameter_name(secret);
            let value = overrides
                .get(&key)
                .cloned()
                .or_else(|| env(secret))
                .or_else(|| generated.get(&key).cloned())
                .filter(|v| !v.is_empty());
            if let Some(value) = value {
                values.insert(name.clone(), value);
            }
        }
    }
    values
}

/// Puts every value as a SecureString under its name (overwriting: a restart may change one).
pub async fn put_parameters(
    client: &aws_sdk_ssm::Client,
    values: &BTreeMap<String, String>,
) -> Result<()> {
    for (name, value) in values {
        client
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(ParameterType::SecureString)
            .overwrite(true)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!(sdk_error(&e)))
            .with_context(|| format!("putting the SSM parameter {name} into moto"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_named_as_its_template_parameter_was() {
        assert_eq!(parameter_name("CURSOR_SECRET"), "CursorSecret");
        assert_eq!(parameter_name("JWT_SIGNING_KEY"), "JwtSigningKey");
        assert_eq!(
            parameter_name("PAYMENT_PROVIDER_API_KEY"),
            "PaymentProviderApiKey"
        );
    }
}
