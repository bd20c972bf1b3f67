//! The SAM template as data: YAML (with CloudFormation's short-form tags) to JSON,
//! `Globals.Function` and `Globals.HttpApi` applied (the implicit API made a resource, as SAM
//! makes it), and the intrinsic functions resolved against local values.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value};

/// Region every local ARN and endpoint claims to be in.
pub const REGION: &str = "us-east-1";
/// moto's default account: ARNs we compute must match the ones moto hands out.
pub const ACCOUNT_ID: &str = "123456789012";
pub const STACK_NAME: &str = "studyloop-local";
pub const URL_SUFFIX: &str = "amazonaws.com";

pub const FUNCTION: &str = "AWS::Serverless::Function";
pub const TABLE: &str = "AWS::DynamoDB::Table";
pub const QUEUE: &str = "AWS::SQS::Queue";
pub const LOG_GROUP: &str = "AWS::Logs::LogGroup";
pub const HTTP_API: &str = "AWS::Serverless::HttpApi";
/// The logical id SAM gives the HTTP API that `HttpApi` events without an `ApiId` join.
pub const IMPLICIT_HTTP_API: &str = "ServerlessHttpApi";
pub const ALARM: &str = "AWS::CloudWatch::Alarm";

#[derive(Debug, Clone)]
pub struct Resource {
    pub kind: String,
    pub properties: Value,
    pub metadata: Value,
    /// The resource's `Condition`: it exists only when that condition holds.
    pub condition: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Template {
    /// Parameter declarations (Type, Default, ...), by name.
    pub parameters: BTreeMap<String, Value>,
    /// Condition definitions, unevaluated.
    pub conditions: BTreeMap<String, Value>,
    pub resources: BTreeMap<String, Resource>,
}

impl Template {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the template {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("parsing the template {}", path.display()))
    }

    /// Parses a template and applies `Globals.Function` to every serverless function and
    /// `Globals.HttpApi` to every HTTP API, the implicit one included: as in SAM, an `HttpApi`
    /// event without an `ApiId` makes the API `ServerlessHttpApi` and routes on it.
    pub fn parse(text: &str) -> Result<Self> {
        let yaml: serde_yaml::Value = serde_yaml::from_str(text).context("invalid YAML")?;
        let doc = yaml_to_json(yaml)?;
        let section = |name: &str| -> Map<String, Value> {
            doc.get(name)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let globals = |kind: &str| {
            doc.pointer(&format!("/Globals/{kind}"))
                .cloned()
                .unwrap_or(Value::Object(Map::new()))
        };
        let (function_globals, http_api_globals) = (globals("Function"), globals("HttpApi"));
        let mut resources = BTreeMap::new();
        for (id, body) in section("Resources") {
            let kind = body
                .get("Type")
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("resource {id} has no Type"))?
                .to_string();
            let mut properties = body
                .get("Properties")
                .cloned()
                .unwrap_or(Value::Object(Map::new()));
            if kind == FUNCTION {
                properties = merge_globals(&function_globals, properties);
            } else if kind == HTTP_API {
                properties = merge_globals(&http_api_globals, properties);
            }
            let resource = Resource {
                kind,
                properties,
                metadata: body.get("Metadata").cloned().unwrap_or(Value::Null),
                condition: body
                    .get("Condition")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            };
            resources.insert(id, resource);
        }
        let mut template = Template {
            parameters: section("Parameters").into_iter().collect(),
            conditions: section("Conditions").into_iter().collect(),
            resources,
        };
        let implicit = template
            .function_events()
            .any(|e| e.kind == "HttpApi" && e.properties.get("ApiId").is_none());
        if implicit {
            template
                .resources
                .entry(IMPLICIT_HTTP_API.to_string())
                .or_insert(Resource {
                    kind: HTTP_API.to_string(),
                    properties: http_api_globals,
                    metadata: Value::Null,
                    condition: None,
                });
        }
        Ok(template)
    }

    /// Resources of one type, in logical-id order.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a str, &'a Resource)> {
        self.resources
            .iter()
            .filter(move |(_, r)| r.kind == kind)
            .map(|(id, r)| (id.as_str(), r))
    }
}

/// One entry of a function's `Events`.
#[derive(Debug, Clone, Copy)]
pub struct FunctionEvent<'a> {
    pub function: &'a str,
    pub resource: &'a Resource,
    pub name: &'a str,
    /// `HttpApi`, `SQS`, `DynamoDB`, ...
    pub kind: &'a str,
    /// Unresolved.
    pub properties: &'a Value,
}

impl Template {
    /// Every event of every serverless function, in logical-id order.
    pub fn function_events(&self) -> impl Iterator<Item = FunctionEvent<'_>> {
        self.of_kind(FUNCTION).flat_map(|(function, resource)| {
            resource.properties["Events"]
                .as_object()
                .into_iter()
                .flatten()
                .map(move |(name, event)| FunctionEvent {
                    function,
                    resource,
                    name,
                    kind: event["Type"].as_str().unwrap_or_default(),
                    properties: &event["Properties"],
                })
        })
    }
}

/// SAM's rule for globals: maps merge recursively, anything else set on the function wins.
fn merge_globals(global: &Value, local: Value) -> Value {
    match (global, local) {
        (Value::Object(g), Value::Object(mut l)) => {
            for (key, gv) in g {
                let merged = match l.remove(key) {
                    Some(lv) => merge_globals(gv, lv),
                    None => gv.clone(),
                };
                l.insert(key.clone(), merged);
            }
            Value::Object(l)
        }
        (_, local) => local,
    }
}

/// YAML to JSON, turning short-form tags into CloudFormation's long form.
fn yaml_to_json(yaml: serde_yaml::Value) -> Result<Value> {
    use serde_yaml::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).context("number out of range")?,
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(yaml_to_json).collect::<Result<_>>()?)
        }
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    other => bail!("unsupported mapping key {other:?}"),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = yaml_to_json(tagged.value)?;
            let (key, value) = match name {
                "Ref" | "Condition" => (name.to_string(), inner),
                "GetAtt" => (
                    "Fn::GetAtt".to_string(),
                    match inner {
                        Value::String(s) => {
                            let (res, attr) = s
                                .split_once('.')
                                .ok_or_else(|| anyhow!("!GetAtt {s} lacks an attribute"))?;
                            Value::Array(vec![res.into(), attr.into()])
                        }
                        other => other,
                    },
                ),
                other => (format!("Fn::{other}"), inner),
            };
            Value::Object(Map::from_iter([(key, value)]))
        }
    })
}

/// `AdminPassword` -> `ADMIN_PASSWORD`, `URLSuffix` -> `URL_SUFFIX`.
pub fn upper_snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next_is_lower)
            {
                out.push('_');
            }
        }
        out.extend(c.to_uppercase());
    }
    out
}

/// Chooses each parameter's value: explicit override > environment variable (the name in
/// UPPER_SNAKE_CASE) > generated local secret > Default. A parameter with none is an error.
pub fn parameter_values(
    template: &Template,
    overrides: &BTreeMap<String, String>,
    env: impl Fn(&str) -> Option<String>,
    generated: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let mut values = BTreeMap::new();
    let mut missing = Vec::new();
    for (name, decl) in &template.parameters {
        let default = decl.get("Default").map(|d| match d {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(scalar_to_string)
                .collect::<Vec<_>>()
                .join(","),
            other => scalar_to_string(other),
        });
        let value = overrides
            .get(name)
            .cloned()
            .or_else(|| env(&upper_snake_case(name)))
            .or_else(|| generated.get(name).cloned())
            .or(default);
        match value {
            Some(v) => {
                values.insert(name.clone(), v);
            }
            None => missing.push(name.clone()),
        }
    }
    if !missing.is_empty() {
        bail!(
            "no value for template parameter(s) {}: pass --parameter-overrides NAME=VALUE or set {}",
            missing.join(", "),
            missing
                .iter()
                .map(|m| upper_snake_case(m))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(values)
}

/// The text of a scalar as CloudFormation would substitute it.
pub fn scalar_to_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// What `Ref` and `Fn::GetAtt` of one resource give locally.
#[derive(Debug, Clone, Default)]
pub struct ResourceValues {
    pub reference: String,
    pub attributes: BTreeMap<String, String>,
}

/// Resolves intrinsic functions against parameter values, conditions and local resources.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    parameters: BTreeMap<String, String>,
    list_parameters: BTreeSet<String>,
    conditions: BTreeMap<String, Value>,
    pub resources: BTreeMap<String, ResourceValues>,
}

const MAX_CONDITION_DEPTH: usize = 32;

impl Resolver {
    pub fn new(template: &Template, parameters: BTreeMap<String, String>) -> Self {
        let list_parameters = template
            .parameters
            .iter()
            .filter(|(_, decl)| {
                decl.get("Type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t == "CommaDelimitedList" || t.starts_with("List<"))
            })
            .map(|(name, _)| name.clone())
            .collect();
        Resolver {
            parameters,
            list_parameters,
            conditions: template.conditions.clone(),
            resources: BTreeMap::new(),
        }
    }

    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters.get(name).map(String::as_str)
    }

    /// Whether a resource exists (its `Condition` holds, or it has none).
    pub fn exists(&self, resource: &Resource) -> Result<bool> {
        match &resource.condition {
            Some(name) => self.condition(name, 0),
            None => Ok(true),
        }
    }

    /// Resolves every intrinsic in `value`; `None` when it is `AWS::NoValue`.
    pub fn resolve(&self, value: &Value) -> Result<Option<Value>> {
        match value {
            Value::Object(map) => {
                if let Some((key, arg)) = map.iter().next()
                    && map.len() == 1
                    && (key == "Ref" || key.starts_with("Fn::"))
                {
                    return self.intrinsic(key, arg);
                }
                self.resolve_map(map).map(Some)
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(v) = self.resolve(item)? {
                        out.push(v);
                    }
                }
                Ok(Some(Value::Array(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    /// `(logical id, local name, resolved Properties)` of the named resources of one kind.
    pub fn named_resources(
        &self,
        template: &Template,
        kind: &str,
        names: &BTreeMap<String, String>,
    ) -> Result<Vec<(String, String, Value)>> {
        let mut out = Vec::new();
        for (id, resource) in template.of_kind(kind) {
            let Some(name) = names.get(id) else { continue };
            let props = self
                .resolve_or_null(&resource.properties)
                .with_context(|| format!("resolving {id}"))?;
            out.push((id.to_string(), name.clone(), props));
        }
        Ok(out)
    }

    /// `(logical id, resource, resolved Properties)` of every resource of one kind that
    /// exists (its Condition holds).
    pub fn existing_of_kind<'a>(
        &self,
        template: &'a Template,
        kind: &'a str,
    ) -> Result<Vec<(&'a str, &'a Resource, Value)>> {
        let mut out = Vec::new();
        for (id, resource) in template.of_kind(kind) {
            if !self.exists(resource)? {
                continue;
            }
            let props = self
                .resolve_or_null(&resource.properties)
                .with_context(|| format!("resolving {id}"))?;
            out.push((id, resource, props));
        }
        Ok(out)
    }

    /// Like `resolve`, for places where `AWS::NoValue` means "absent".
    pub fn resolve_or_null(&self, value: &Value) -> Result<Value> {
        Ok(self.resolve(value)?.unwrap_or(Value::Null))
    }

    fn resolve_map(&self, map: &Map<String, Value>) -> Result<Value> {
        let mut out = Map::new();
        for (k, v) in map {
            if let Some(resolved) = self.resolve(v).with_context(|| format!("in {k}"))? {
                out.insert(k.clone(), resolved);
            }
        }
        Ok(Value::Object(out))
    }

    fn intrinsic(&self, name: &str, arg: &Value) -> Result<Option<Value>> {
        match name {
            "Ref" => {
                let target = arg
                    .as_str()
                    .ok_or_else(|| anyhow!("Ref takes a name, got {arg}"))?;
                self.reference(target)
            }
            "Fn::GetAtt" => {
                let (res, attr) = match arg {
                    Value::Array(parts) if parts.len() == 2 => (
                        self.resolved_string(&parts[0])?,
                        self.resolved_string(&parts[1])?,
                    ),
                    Value::String(s) => s
                        .split_once('.')
                        .map(|(a, b)| (a.to_string(), b.to_string()))
                        .ok_or_else(|| anyhow!("Fn::GetAtt {s} lacks an attribute"))?,
                    other => bail!("Fn::GetAtt takes [Resource, Attribute], got {other}"),
                };
                self.attribute(&res, &attr).map(|s| Some(Value::String(s)))
            }
            "Fn::Sub" => {
                let (template, vars) = match arg {
                    Value::String(s) => (s.as_str(), Map::new()),
                    Value::Array(parts) if parts.len() == 2 => {
                        let text = parts[0]
                            .as_str()
                            .ok_or_else(|| anyhow!("Fn::Sub's first element must be a string"))?;
                        let vars = match self.resolve(&parts[1])? {
                            Some(Value::Object(vars)) => vars,
                            _ => bail!("Fn::Sub's second element must be a map"),
                        };
                        (text, vars)
                    }
                    other => bail!("Fn::Sub takes a string or [string, vars], got {other}"),
                };
                self.substitute(template, &vars)
                    .map(|s| Some(Value::String(s)))
            }
            "Fn::If" => {
                let parts = arg
                    .as_array()
                    .filter(|p| p.len() == 3)
                    .ok_or_else(|| anyhow!("Fn::If takes [condition, then, else]"))?;
                let cond = parts[0]
                    .as_str()
                    .ok_or_else(|| anyhow!("Fn::If's condition must be a name"))?;
                let branch = if self.condition(cond, 0)? {
                    &parts[1]
                } else {
                    &parts[2]
                };
                self.resolve(branch)
            }
            "Fn::Join" => {
                let parts = arg
                    .as_array()
                    .filter(|p| p.len() == 2)
                    .ok_or_else(|| anyhow!("Fn::Join takes [delimiter, list]"))?;
                let delimiter = self.resolved_string(&parts[0])?;
                let items = match self.resolve(&parts[1])? {
                    Some(Value::Array(items)) => items,
                    other => bail!("Fn::Join needs a list, got {other:?}"),
                };
                let texts: Vec<String> = items.iter().map(scalar_to_string).collect();
                Ok(Some(Value::String(texts.join(&delimiter))))
            }
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => {
                let wrapped = Value::Object(Map::from_iter([(name.to_string(), arg.clone())]));
                self.evaluate(&wrapped, 0).map(|b| Some(Value::Bool(b)))
            }
            other => bail!("the intrinsic function {other} is not supported locally"),
        }
    }

    fn resolved_string(&self, v: &Value) -> Result<String> {
        match self.resolve(v)? {
            Some(Value::Array(_)) | Some(Value::Object(_)) | None => {
                bail!("expected a string, got {v}")
            }
            Some(scalar) => Ok(scalar_to_string(&scalar)),
        }
    }

    fn reference(&self, target: &str) -> Result<Option<Value>> {
        let pseudo = match target {
            "AWS::NoValue" => return Ok(None),
            "AWS::Region" => Some(REGION),
            "AWS::AccountId" => Some(ACCOUNT_ID),
            "AWS::StackName" => Some(STACK_NAME),
            "AWS::URLSuffix" => Some(URL_SUFFIX),
            "AWS::Partition" => Some("aws"),
            _ => None,
        };
        if let Some(p) = pseudo {
            return Ok(Some(Value::String(p.to_string())));
        }
        if let Some(value) = self.parameters.get(target) {
            if self.list_parameters.contains(target) {
                let items = value
                    .split(',')
                    .map(|s| Value::String(s.trim().to_string()))
                    .collect();
                return Ok(Some(Value::Array(items)));
            }
            return Ok(Some(Value::String(value.clone())));
        }
        self.resources
            .get(target)
            .map(|r| Some(Value::String(r.reference.clone())))
            .ok_or_else(|| anyhow!("Ref to unknown parameter or resource {target}"))
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Result<String> {
        let values = self
            .resources
            .get(resource)
            .ok_or_else(|| anyhow!("Fn::GetAtt of unknown resource {resource}"))?;
        values
            .attributes
            .get(attribute)
            .cloned()
            .ok_or_else(|| anyhow!("Fn::GetAtt {resource}.{attribute} is not known locally"))
    }

    /// `${Name}`, `${Resource.Attr}` and `${!Literal}` in an `Fn::Sub` string.
    fn substitute(&self, text: &str, vars: &Map<String, Value>) -> Result<String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| anyhow!("unterminated ${{ in Fn::Sub: {text}"))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                out.push_str(&scalar_to_string(v));
            } else if let Some((res, attr)) = name.split_once('.') {
                out.push_str(&self.attribute(res, attr)?);
            } else {
                let value = self
                    .reference(name)?
                    .ok_or_else(|| anyhow!("AWS::NoValue cannot be substituted"))?;
                out.push_str(&match value {
                    Value::Array(items) => items
                        .iter()
                        .map(scalar_to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                    other => scalar_to_string(&other),
                });
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn condition(&self, name: &str, depth: usize) -> Result<bool> {
        let definition = self
            .conditions
            .get(name)
            .ok_or_else(|| anyhow!("unknown condition {name}"))?;
        self.evaluate(definition, depth + 1)
            .with_context(|| format!("in condition {name}"))
    }

    fn evaluate(&self, expr: &Value, depth: usize) -> Result<bool> {
        if depth > MAX_CONDITION_DEPTH {
            bail!("conditions nest too deeply (a cycle?)");
        }
        let map = expr
            .as_object()
            .filter(|m| m.len() == 1)
            .ok_or_else(|| anyhow!("not a condition: {expr}"))?;
        let Some((op, arg)) = map.iter().next() else {
            bail!("empty condition");
        };
        let operands = || {
            arg.as_array()
                .ok_or_else(|| anyhow!("{op} takes a list, got {arg}"))
        };
        match op.as_str() {
            "Condition" => {
                let name = arg
                    .as_str()
                    .ok_or_else(|| anyhow!("Condition takes a name"))?;
                self.condition(name, depth)
            }
            "Fn::Equals" => {
                let items = operands()?;
                if items.len() != 2 {
                    bail!("Fn::Equals takes two values");
                }
                Ok(self.resolve_or_null(&items[0])? == self.resolve_or_null(&items[1])?)
            }
            "Fn::Not" => {
                let items = operands()?;
                let first = items
                    .first()
                    .ok_or_else(|| anyhow!("Fn::Not takes one condition"))?;
                Ok(!self.evaluate(first, depth + 1)?)
            }
            "Fn::And" | "Fn::Or" => {
                let mut results = Vec::new();
                for item in operands()? {
                    results.push(self.evaluate(item, depth + 1)?);
                }
                Ok(if op == "Fn::And" {
                    results.iter().all(|b| *b)
                } else {
                    results.iter().any(|b| *b)
                })
            }
            other => bail!("{other} is not a condition function"),
        }
    }
}

/// Reads a number that may have come from a `Ref` (CloudFormation passes those as text).
pub fn as_u64(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub fn as_i64(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads a boolean that may be written as text.
pub fn as_bool(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SMALL: &str = r#"
Parameters:
  Stage: { Type: String, Default: dev }
  Origins: { Type: CommaDelimitedList, Default: "a,b" }
  Secret: { Type: String }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition NotProd, !Equals [x, x]]
Globals:
  Function:
    Timeout: 10
    Environment:
      Variables:
        STAGE: !Ref Stage
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      Protect: !If [IsProd, true, false]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 3
      Environment:
        Variables:
          TABLE: !Ref Table
          ARN: !GetAtt Table.Arn
          URL: !Sub "https://${Table}.${AWS::Region}/${Table.Arn}/${!Literal}"
          PAIR: !Sub ["${a}-${Stage}", { a: !Ref Table }]
          JOINED: !Join [";", !Ref Origins]
          GONE: !If [Both, !Ref AWS::NoValue, kept]
"#;

    fn resolver(template: &Template) -> Resolver {
        let values = parameter_values(
            template,
            &BTreeMap::new(),
            |_| None,
            &BTreeMap::from([("Secret".to_string(), "s3cret".to_string())]),
        )
        .unwrap();
        let mut resolver = Resolver::new(template, values);
        resolver.resources.insert(
            "Table".into(),
            ResourceValues {
                reference: "t1".into(),
                attributes: BTreeMap::from([("Arn".into(), "arn:t1".into())]),
            },
        );
        resolver
    }

    #[test]
    fn short_form_tags_become_long_form() {
        let t = Template::parse(SMALL).unwrap();
        let env = &t.resources["Fn"].properties["Environment"]["Variables"];
        assert_eq!(env["TABLE"], json!({"Ref": "Table"}));
        assert_eq!(env["ARN"], json!({"Fn::GetAtt": ["Table", "Arn"]}));
        assert_eq!(
            t.conditions["NotProd"],
            json!({"Fn::Not": [{"Condition": "IsProd"}]})
        );
    }

    #[test]
    fn globals_merge_maps_and_the_function_wins() {
        let t = Template::parse(SMALL).unwrap();
        let props = &t.resources["Fn"].properties;
        assert_eq!(props["Timeout"], json!(3));
        assert_eq!(
            props["Environment"]["Variables"]["STAGE"],
            json!({"Ref": "Stage"})
        );
        assert!(props["Environment"]["Variables"].get("TABLE").is_some());
        assert!(t.resources["Table"].properties.get("Timeout").is_none());
    }

    #[test]
    fn http_api_globals_make_the_implicit_api_and_apply_to_explicit_ones() {
        let text = r#"
Globals:
  HttpApi:
    DefaultRouteSettings: { ThrottlingRateLimit: 100 }
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Http: { Type: HttpApi, Properties: { Method: GET, Path: /x } }
"#;
        let t = Template::parse(text).unwrap();
        let api = &t.resources[IMPLICIT_HTTP_API];
        assert_eq!(api.kind, HTTP_API);
        assert_eq!(
            api.properties["DefaultRouteSettings"]["ThrottlingRateLimit"],
            json!(100)
        );
        let explicit = text
            .replace("Method: GET", "ApiId: !Ref Api, Method: GET")
            .replace(
                "Resources:\n",
                "Resources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties: { Description: mine }\n",
            );
        let t = Template::parse(&explicit).unwrap();
        assert!(!t.resources.contains_key(IMPLICIT_HTTP_API));
        let api = &t.resources["Api"].properties;
        assert_eq!(api["Description"], json!("mine"));
        assert_eq!(
            api["DefaultRouteSettings"]["ThrottlingRateLimit"],
            json!(100)
        );
        assert!(
            Template::parse(SMALL)
                .unwrap()
                .of_kind(HTTP_API)
                .next()
                .is_none()
        );
    }

    #[test]
    fn intrinsics_resolve_against_local_values() {
        let t = Template::parse(SMALL).unwrap();
        let r = resolver(&t);
        let env = r
            .resolve(&t.resources["Fn"].properties["Environment"]["Variables"])
            .unwrap()
            .unwrap();
        assert_eq!(
            env,
            json!({
                "STAGE": "dev", "TABLE": "t1", "ARN": "arn:t1",
                "URL": "https://t1.us-east-1/arn:t1/${Literal}",
                "PAIR": "t1-dev", "JOINED": "a;b"
            })
        );
        assert_eq!(
            r.resolve(&t.resources["Table"].properties)
                .unwrap()
                .unwrap(),
            json!({"Protect": false})
        );
    }

    #[test]
    fn parameter_precedence_is_override_env_generated_default() {
        let t = Template::parse(SMALL).unwrap();
        let generated = BTreeMap::from([
            ("Secret".to_string(), "gen".to_string()),
            ("Stage".to_string(), "gen".to_string()),
        ]);
        let env = |name: &str| (name == "STAGE").then(|| "from-env".to_string());
        let v = parameter_values(&t, &BTreeMap::new(), env, &generated).unwrap();
        assert_eq!(v["Stage"], "from-env");
        assert_eq!(v["Secret"], "gen");
        let overrides = BTreeMap::from([("Stage".to_string(), "prod".to_string())]);
        let v = parameter_values(&t, &overrides, env, &generated).unwrap();
        assert_eq!(v["Stage"], "prod");
        assert_eq!(v["Origins"], "a,b");
    }

    #[test]
    fn a_parameter_without_any_value_is_named_in_the_error() {
        let t = Template::parse(SMALL).unwrap();
        let err = parameter_values(&t, &BTreeMap::new(), |_| None, &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("Secret") && err.contains("SECRET"), "{err}");
    }

    #[test]
    fn names_convert_to_upper_snake_case() {
        assert_eq!(upper_snake_case("AdminPassword"), "ADMIN_PASSWORD");
        assert_eq!(upper_snake_case("JwtSigningKeyId"), "JWT_SIGNING_KEY_ID");
        assert_eq!(upper_snake_case("URLSuffix"), "URL_SUFFIX");
        assert_eq!(upper_snake_case("Stage"), "STAGE");
    }

    #[test]
    fn unknown_references_are_errors() {
        let t = Template::parse(SMALL).unwrap();
        let r = resolver(&t);
        assert!(r.resolve(&json!({"Ref": "Nope"})).is_err());
        assert!(
            r.resolve(&json!({"Fn::GetAtt": ["Table", "Nope"]}))
                .is_err()
        );
        assert!(r.resolve(&json!({"Fn::Base64": "x"})).is_err());
    }
}
