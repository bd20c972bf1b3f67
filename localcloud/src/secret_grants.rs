//! `localcloud check`'s rule on secrets (issue 16): a function's environment holds no secret,
//! only the names of the SSM parameters it reads (`*_PARAMETER`), and its role may read
//! exactly those parameters: `ssm:GetParameter` on each, and `kms:Decrypt` through SSM
//! (`kms:ViaService`) for each (`kms:EncryptionContext:PARAMETER_ARN`), nothing more.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::check::{Project, mentions};
use crate::ssm::NAME_SUFFIX;
use crate::template::{FUNCTION, Template};

/// Words in a variable's name that say it holds a secret.
const SECRET_WORDS: [&str; 6] = [
    "SECRET",
    "PASSWORD",
    "PRIVATE",
    "SIGNING_KEY",
    "API_KEY",
    "TOKEN",
];
const ENCRYPTION_CONTEXT: &str = "kms:EncryptionContext:PARAMETER_ARN";

pub fn secrets_stay_out_of_environments(template: &Template, _: &Project) -> Vec<String> {
    let no_echo: Vec<&str> = template
        .parameters
        .iter()
        .filter(|(_, decl)| decl["NoEcho"].as_bool() == Some(true))
        .map(|(name, _)| name.as_str())
        .collect();
    let mut problems = Vec::new();
    for (id, function) in template.of_kind(FUNCTION) {
        let vars = function.properties["Environment"]["Variables"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut reads = BTreeSet::new();
        for (var, value) in &vars {
            for parameter in no_echo.iter().filter(|p| mentions(value, p)) {
                problems.push(format!(
                    "{id}: {var} holds the NoEcho parameter {parameter}: put the secret in SSM \
                     and give the function its name (docs/operations.md, Secrets)"
                ));
            }
            if var.ends_with(NAME_SUFFIX) {
                match sub_text(value) {
                    Some(name) => {
                        reads.insert(name.to_string());
                    }
                    None => problems.push(format!(
                        "{id}: {var} must be a parameter's name (a string or a Sub)"
                    )),
                }
            } else if looks_secret(var, value) {
                problems.push(format!(
                    "{id}: {var} looks like a secret in the environment: keep it in SSM and \
                     pass its name as {var}{NAME_SUFFIX}"
                ));
            }
        }
        let statements = statements_of(template, &function.properties);
        problems.extend(grant_problems(id, &reads, &statements));
    }
    problems
}

/// A secret by its name, or a literal that looks like a key: 32 or more characters of
/// base64 or hex and nothing else.
fn looks_secret(var: &str, value: &Value) -> bool {
    let named = !var.ends_with("_ID") && SECRET_WORDS.iter().any(|w| var.contains(w));
    let keylike = value.as_str().is_some_and(|s| {
        s.len() >= 32
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=_-".contains(c))
            && s.chars().any(|c| c.is_ascii_digit())
    });
    named || keylike
}

/// The text of a string or of a `Fn::Sub` (either form).
fn sub_text(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(map) => match map.get("Fn::Sub")? {
            Value::String(s) => Some(s),
            Value::Array(parts) => parts.first()?.as_str(),
            _ => None,
        },
        _ => None,
    }
}

/// The parameter an ARN (`arn:...:parameter/<name>`) names, as the environment writes it.
fn parameter_of(arn: &Value) -> Option<String> {
    let text = sub_text(arn)?;
    text.split_once(":parameter")
        .map(|(_, name)| name.to_string())
}

/// Every statement of a function's policies: SAM's `Policies` (inline statements) and, for a
/// function with an explicit `Role: !GetAtt X.Arn`, X's inline policies.
fn statements_of(template: &Template, properties: &Value) -> Vec<Value> {
    let mut documents: Vec<&Value> = properties["Policies"]
        .as_array()
        .map(|policies| policies.iter().collect())
        .unwrap_or_default();
    let role = properties["Role"]["Fn::GetAtt"]
        .as_array()
        .and_then(|parts| parts.first())
        .and_then(Value::as_str)
        .or_else(|| {
            properties["Role"]["Fn::GetAtt"]
                .as_str()
                .and_then(|s| s.split('.').next())
        });
    if let Some(policies) = role
        .and_then(|r| template.resources.get(r))
        .and_then(|r| r.properties["Policies"].as_array())
    {
        documents.extend(policies.iter().map(|p| &p["PolicyDocument"]));
    }
    documents
        .into_iter()
        .filter_map(|d| d["Statement"].as_array())
        .flatten()
        .cloned()
        .collect()
}

fn as_list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn grant_problems(id: &str, reads: &BTreeSet<String>, statements: &[Value]) -> Vec<String> {
    let mut problems = Vec::new();
    let (mut gets, mut decrypts) = (BTreeSet::new(), BTreeSet::new());
    for statement in statements {
        let actions: Vec<&str> = as_list(&statement["Action"])
            .into_iter()
            .filter_map(Value::as_str)
            .collect();
        if actions.iter().any(|a| a.starts_with("ssm:")) {
            if actions.iter().any(|a| *a != "ssm:GetParameter") {
                problems.push(format!(
                    "{id}: grants {actions:?}: a function reads its secrets with ssm:GetParameter only"
                ));
            }
            for resource in as_list(&statement["Resource"]) {
                match parameter_of(resource) {
                    Some(name) => {
                        gets.insert(name);
                    }
                    None => problems.push(format!(
                        "{id}: an ssm grant names no parameter ARN ({resource})"
                    )),
                }
            }
        }
        if actions.iter().any(|a| a.starts_with("kms:")) {
            let condition = &statement["Condition"]["StringEquals"];
            if condition["kms:ViaService"].is_null() {
                problems.push(format!(
                    "{id}: its kms grant lacks the kms:ViaService condition (SSM only)"
                ));
            }
            let names: Vec<Option<String>> = as_list(&condition[ENCRYPTION_CONTEXT])
                .into_iter()
                .map(parameter_of)
                .collect();
            if names.is_empty() || names.iter().any(Option::is_none) {
                problems.push(format!(
                    "{id}: its kms grant lacks the {ENCRYPTION_CONTEXT} condition naming its parameters"
                ));
            }
            decrypts.extend(names.into_iter().flatten());
        }
    }
    for name in gets.difference(reads) {
        problems.push(format!(
            "{id}: may read the parameter {name}, which no *{NAME_SUFFIX} variable of it names"
        ));
    }
    for name in reads.difference(&gets) {
        problems.push(format!(
            "{id}: reads the parameter {name} without ssm:GetParameter on it"
        ));
    }
    for name in decrypts.symmetric_difference(&gets) {
        problems.push(format!(
            "{id}: its kms:Decrypt and ssm:GetParameter grants differ on {name}"
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
Parameters:
  Stage: { Type: String, Default: dev }
  SecretsPrefix: { Type: String, Default: /studyloop }
  JwksJson: { Type: String }
Resources:
  ListFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE: !Ref Table
          JWT_SIGNING_KEY_ID: k1
          CURSOR_SECRET_PARAMETER: !Sub ${SecretsPrefix}/${Stage}/cursor-secret
      Policies:
        - Statement:
            - { Effect: Allow, Action: [ssm:GetParameter], Resource: !Sub "arn:aws:ssm:r:1:parameter${SecretsPrefix}/${Stage}/cursor-secret" }
            - { Effect: Allow, Action: [kms:Decrypt], Resource: "*", Condition: { StringEquals: { "kms:ViaService": ssm.r.amazonaws.com, "kms:EncryptionContext:PARAMETER_ARN": !Sub "arn:aws:ssm:r:1:parameter${SecretsPrefix}/${Stage}/cursor-secret" } } }
  PlainFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment: { Variables: { JWKS: !Ref JwksJson } }
"#;

    fn problems(text: &str) -> Vec<String> {
        secrets_stay_out_of_environments(&Template::parse(text).unwrap(), &Project::default())
    }

    fn after(from: &str, to: &str) -> Vec<String> {
        assert!(GOOD.contains(from), "{from}");
        problems(&GOOD.replacen(from, to, 1))
    }

    #[test]
    fn names_and_exact_grants_pass() {
        assert_eq!(problems(GOOD), Vec::<String>::new());
    }

    #[test]
    fn a_no_echo_parameter_in_an_environment_fails() {
        let p = after(
            "  JwksJson: { Type: String }",
            "  JwksJson: { Type: String, NoEcho: true }",
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("PlainFunction: JWKS holds the NoEcho parameter JwksJson"),
            "{p:?}"
        );
    }

    #[test]
    fn a_value_that_looks_like_a_secret_fails() {
        let p = after("JWT_SIGNING_KEY_ID: k1", "CURSOR_SECRET: x");
        assert!(
            p.iter()
                .any(|p| p.contains("CURSOR_SECRET looks like a secret")),
            "{p:?}"
        );
        let p = after(
            "JWT_SIGNING_KEY_ID: k1",
            "SOMETHING: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        );
        assert!(
            p.iter()
                .any(|p| p.contains("SOMETHING looks like a secret")),
            "{p:?}"
        );
    }

    #[test]
    fn a_grant_on_a_parameter_the_function_does_not_read_fails() {
        let p = after(
            "parameter${SecretsPrefix}/${Stage}/cursor-secret\" }",
            "parameter${SecretsPrefix}/${Stage}/jwt-signing-key\" }",
        );
        assert!(
            p.iter()
                .any(|p| p
                    .contains("may read the parameter ${SecretsPrefix}/${Stage}/jwt-signing-key")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|p| p
                .contains("reads the parameter ${SecretsPrefix}/${Stage}/cursor-secret without")),
            "{p:?}"
        );
    }

    #[test]
    fn a_decrypt_without_its_conditions_fails() {
        let p = after("\"kms:ViaService\": ssm.r.amazonaws.com, ", "");
        assert!(p.iter().any(|p| p.contains("kms:ViaService")), "{p:?}");
    }

    #[test]
    fn a_wider_ssm_action_fails() {
        let p = after(
            "[ssm:GetParameter]",
            "[ssm:GetParameter, ssm:GetParametersByPath]",
        );
        assert!(
            p.iter().any(|p| p.contains("ssm:GetParameter only")),
            "{p:?}"
        );
    }
}
