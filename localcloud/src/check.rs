//! `localcloud check`: the project's own template lint, beyond what `sam validate` knows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::template::{ALARM, FUNCTION, HTTP_API, IMPLICIT_HTTP_API, LOG_GROUP, QUEUE, Template};

/// What the lint needs from the repository besides the template.
#[derive(Debug, Default, Clone)]
pub struct Project {
    /// `[[bin]]` name -> the Cargo.toml declaring it.
    pub binaries: BTreeMap<String, String>,
    /// `[[bin]]` name -> (its domain: the `functions/<domain>` folder, its `path`).
    pub bin_sources: BTreeMap<String, (String, String)>,
    /// `[[bin]]` names without `test = false`: each would be built a second time as an empty
    /// test harness by `cargo test` and clippy (a function's tests live in its library).
    pub bins_with_test_harness: BTreeSet<String>,
    /// `events/<name>.json` stem -> `Err(reason)` when it is not valid JSON.
    pub sample_events: BTreeMap<String, Result<(), String>>,
    /// `docs/openapi.json`: `None` when absent, `Err(reason)` when it is not JSON.
    pub document: Option<Result<Value, String>>,
}

/// Where the generated OpenAPI document lives, under the repository root.
pub const DOCUMENT: &str = "docs/openapi.json";

impl Project {
    /// Reads `functions/*/Cargo.toml` and `events/*.json` under `root`.
    pub fn scan(root: &Path) -> Result<Self> {
        let mut project = Project::default();
        let functions = root.join("functions");
        if functions.is_dir() {
            for entry in std::fs::read_dir(&functions)
                .with_context(|| format!("listing {}", functions.display()))?
            {
                let manifest = entry?.path().join("Cargo.toml");
                if !manifest.is_file() {
                    continue;
                }
                let text = std::fs::read_to_string(&manifest)
                    .with_context(|| format!("reading {}", manifest.display()))?;
                let doc: toml::Table = toml::from_str(&text)
                    .with_context(|| format!("parsing {}", manifest.display()))?;
                let bins = doc
                    .get("bin")
                    .and_then(toml::Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let domain = entry_name(&manifest);
                for bin in bins {
                    if let Some(name) = bin.get("name").and_then(toml::Value::as_str) {
                        project
                            .binaries
                            .insert(name.to_string(), manifest.display().to_string());
                        let path = bin.get("path").and_then(toml::Value::as_str).unwrap_or("");
                        if bin.get("test").and_then(toml::Value::as_bool) != Some(false) {
                            project.bins_with_test_harness.insert(name.to_string());
                        }
                        project
                            .bin_sources
                            .insert(name.to_string(), (domain.clone(), path.to_string()));
                    }
                }
            }
        }
        let events = root.join("events");
        if events.is_dir() {
            for entry in std::fs::read_dir(&events)
                .with_context(|| format!("listing {}", events.display()))?
            {
                let path = entry?.path();
                if path.extension().and_then(|e| e.to_str()) != Some("json") {
                    continue;
                }
                let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                let parsed = std::fs::read_to_string(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|text| {
                        serde_json::from_str::<Value>(&text)
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    });
                project.sample_events.insert(stem.to_string(), parsed);
            }
        }
        let document = root.join(DOCUMENT);
        if document.is_file() {
            project.document = Some(
                std::fs::read_to_string(&document)
                    .map_err(|e| e.to_string())
                    .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string())),
            );
        }
        Ok(project)
    }
}

/// The folder name of `functions/<domain>/Cargo.toml`.
fn entry_name(manifest: &Path) -> String {
    manifest
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string()
}

/// `community-create-post` -> `CommunityCreatePost`.
pub fn pascal_case(binary: &str) -> String {
    binary
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// One name per function, by one rule: binary `<domain>-<action>` (lowercase words joined by
/// hyphens) declared in `functions/<domain>/Cargo.toml` from `src/bin/<action>.rs` (snake
/// case), logical id `PascalCase(binary)` + `Function`, so a log line's function leads to
/// its file (the sample event, `events/<LogicalId>.json`, is checked by `sample_events`).
fn one_name_per_function(template: &Template, project: &Project) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, f) in template.of_kind(FUNCTION) {
        let Some(bin) = binary_of(f) else { continue };
        let Some((domain, path)) = project.bin_sources.get(bin) else {
            continue;
        };
        let words_ok = !bin.is_empty()
            && bin.split('-').all(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        let action = bin
            .strip_prefix(domain.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .filter(|a| !a.is_empty());
        let Some(action) = action.filter(|_| words_ok) else {
            problems.push(format!(
                "{id}: binary {bin} must be named {domain}-<action> (lowercase words joined by hyphens)"
            ));
            continue;
        };
        let file = format!("src/bin/{}.rs", action.replace('-', "_"));
        if path != &file {
            problems.push(format!(
                "{id}: binary {bin} must be built from functions/{domain}/{file}, not {path}"
            ));
        }
        let expected = format!("{}Function", pascal_case(bin));
        if id != expected {
            problems.push(format!(
                "{id}: a function building {bin} must have the logical id {expected}"
            ));
        }
    }
    problems
}

/// Every problem found, one sentence each; empty when the template passes.
pub fn check(template: &Template, project: &Project) -> Vec<String> {
    let rules: [fn(&Template, &Project) -> Vec<String>; 12] = [
        build_metadata,
        binaries_used_once,
        one_name_per_function,
        sample_events,
        runtime_and_handler,
        log_groups,
        response_types,
        sqs_sources_have_redrive,
        dead_letter_queues_have_alarms,
        http_routes,
        documented_routes,
        crate::ownership::tables_owned_by_their_domain,
    ];
    rules
        .iter()
        .flat_map(|rule| rule(template, project))
        .collect()
}

/// Loads the template and the project under `root`, then checks them.
pub fn check_files(template_path: &Path, root: &Path) -> Result<Vec<String>> {
    let template = Template::load(template_path)?;
    let project = Project::scan(root)?;
    let mut problems = check(&template, &project);
    problems.extend(crate::secret_grants::secrets_stay_out_of_environments(
        &template, &project,
    ));
    problems.extend(crate::coverage::handler_tests(&template, root)?);
    Ok(problems)
}

/// The logical id a `Ref` or `Fn::GetAtt` points at.
fn referenced_id(v: &Value) -> Option<&str> {
    if let Some(id) = v.get("Ref").and_then(Value::as_str) {
        return Some(id);
    }
    match v.get("Fn::GetAtt")? {
        Value::Array(parts) => parts.first()?.as_str(),
        Value::String(s) => s.split('.').next(),
        _ => None,
    }
}

/// Whether `id` is referenced anywhere in `v` (Ref, GetAtt or `${id...}` in a Sub, in its
/// string or its `[string, variables]` form).
pub(crate) fn mentions(v: &Value, id: &str) -> bool {
    if referenced_id(v) == Some(id) {
        return true;
    }
    match v {
        Value::Object(map) => {
            let sub = match map.get("Fn::Sub") {
                Some(Value::String(text)) => Some(text.as_str()),
                Some(Value::Array(parts)) => parts.first().and_then(Value::as_str),
                _ => None,
            };
            if sub.is_some_and(|text| {
                text.contains(&format!("${{{id}}}")) || text.contains(&format!("${{{id}."))
            }) {
                return true;
            }
            map.values().any(|x| mentions(x, id))
        }
        Value::Array(items) => items.iter().any(|x| mentions(x, id)),
        _ => false,
    }
}

fn binary_of(resource: &crate::template::Resource) -> Option<&str> {
    resource
        .metadata
        .pointer("/BuildProperties/Binary")
        .and_then(Value::as_str)
}

/// `(function, event name, event properties)` for every event of one type.
fn events_of_type<'a>(
    template: &'a Template,
    kind: &'a str,
) -> impl Iterator<Item = (&'a str, &'a str, &'a Value)> {
    template
        .function_events()
        .filter(move |e| e.kind == kind)
        .map(|e| (e.function, e.name, e.properties))
}

fn build_metadata(template: &Template, project: &Project) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, f) in template.of_kind(FUNCTION) {
        if f.metadata["BuildMethod"].as_str() != Some("rust-cargolambda") {
            problems.push(format!(
                "{id}: Metadata.BuildMethod must be rust-cargolambda"
            ));
        }
        match binary_of(f) {
            None => problems.push(format!("{id}: Metadata.BuildProperties.Binary is missing")),
            Some(bin) if !project.binaries.contains_key(bin) => problems.push(format!(
                "{id}: binary {bin} is not a [[bin]] of any functions/*/Cargo.toml"
            )),
            Some(bin) if project.bins_with_test_harness.contains(bin) => problems.push(format!(
                "{id}: binary {bin} must set test = false (its tests belong in the library)"
            )),
            Some(_) => {}
        }
    }
    problems
}

fn binaries_used_once(template: &Template, project: &Project) -> Vec<String> {
    let mut users: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, f) in template.of_kind(FUNCTION) {
        if let Some(bin) = binary_of(f) {
            users.entry(bin).or_default().push(id);
        }
    }
    let mut problems = Vec::new();
    for (bin, manifest) in &project.binaries {
        match users.get(bin.as_str()).map(Vec::as_slice) {
            None | Some([]) => problems.push(format!(
                "binary {bin} ({manifest}) is not used by any function in the template"
            )),
            Some([_]) => {}
            Some(many) => problems.push(format!(
                "binary {bin} is used by several functions: {}",
                many.join(", ")
            )),
        }
    }
    problems
}

fn sample_events(template: &Template, project: &Project) -> Vec<String> {
    let functions: BTreeSet<&str> = template.of_kind(FUNCTION).map(|(id, _)| id).collect();
    let mut problems = Vec::new();
    for id in &functions {
        match project.sample_events.get(*id) {
            None => problems.push(format!("{id}: no sample event events/{id}.json")),
            Some(Err(e)) => problems.push(format!("events/{id}.json is not valid JSON: {e}")),
            Some(Ok(())) => {}
        }
    }
    for name in project.sample_events.keys() {
        if !functions.contains(name.as_str()) {
            problems.push(format!(
                "events/{name}.json belongs to no function in the template"
            ));
        }
    }
    problems
}

fn runtime_and_handler(template: &Template, _: &Project) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, f) in template.of_kind(FUNCTION) {
        if f.properties["Runtime"].as_str() != Some("provided.al2023") {
            problems.push(format!("{id}: Runtime must be provided.al2023"));
        }
        if f.properties["Handler"].as_str() != Some("bootstrap") {
            problems.push(format!("{id}: Handler must be bootstrap"));
        }
    }
    problems
}

fn log_groups(template: &Template, _: &Project) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, f) in template.of_kind(FUNCTION) {
        let group = f.properties["LoggingConfig"]["LogGroup"].get("Ref");
        let target = group
            .and_then(Value::as_str)
            .and_then(|g| template.resources.get(g).map(|r| (g, r)));
        match target {
            Some((_, r))
                if r.kind == LOG_GROUP && r.properties.get("RetentionInDays").is_some() => {}
            Some((g, r)) if r.kind == LOG_GROUP => {
                problems.push(format!("{id}: log group {g} has no RetentionInDays"));
            }
            _ => problems.push(format!(
                "{id}: LoggingConfig.LogGroup must be a Ref to an AWS::Logs::LogGroup"
            )),
        }
    }
    problems
}

fn response_types(template: &Template, _: &Project) -> Vec<String> {
    let mut problems = Vec::new();
    for event in template.function_events() {
        let types = event.properties["FunctionResponseTypes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        for t in types {
            if t != "ReportBatchItemFailures" {
                problems.push(format!(
                    "{}.{}: FunctionResponseTypes may only contain ReportBatchItemFailures, not {t}",
                    event.function, event.name
                ));
            }
        }
    }
    problems
}

fn sqs_sources_have_redrive(template: &Template, _: &Project) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, name, props) in events_of_type(template, "SQS") {
        let queue = referenced_id(&props["Queue"]);
        match queue.and_then(|q| template.resources.get(q)) {
            Some(q) if q.kind == QUEUE && q.properties.get("RedrivePolicy").is_some() => {}
            Some(q) if q.kind == QUEUE => problems.push(format!(
                "{id}.{name}: queue {} has no RedrivePolicy",
                queue.unwrap_or_default()
            )),
            _ => problems.push(format!(
                "{id}.{name}: Queue must be a GetAtt of an AWS::SQS::Queue in the template"
            )),
        }
    }
    problems
}

/// Queues that hold what failed: redrive targets and stream OnFailure destinations.
fn dead_letter_queues(template: &Template) -> BTreeSet<&str> {
    let redrive = template
        .of_kind(QUEUE)
        .filter_map(|(_, q)| referenced_id(&q.properties["RedrivePolicy"]["deadLetterTargetArn"]));
    let on_failure = events_of_type(template, "DynamoDB")
        .chain(events_of_type(template, "Kinesis"))
        .filter_map(|(_, _, p)| referenced_id(&p["DestinationConfig"]["OnFailure"]["Destination"]));
    redrive.chain(on_failure).collect()
}

fn dead_letter_queues_have_alarms(template: &Template, _: &Project) -> Vec<String> {
    dead_letter_queues(template)
        .into_iter()
        .filter(|dlq| {
            !template
                .of_kind(ALARM)
                .any(|(_, a)| mentions(&a.properties["Dimensions"], dlq))
        })
        .map(|dlq| format!("dead-letter queue {dlq} has no AWS::CloudWatch::Alarm on it"))
        .collect()
}

/// Every `HttpApi` event names its Method and Path, routes on the one API (SAM's implicit
/// `ServerlessHttpApi` when it has no `ApiId`, else the HttpApi its `ApiId` refers to), and
/// claims its route alone.
fn http_routes(template: &Template, _: &Project) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut apis: BTreeMap<&str, &str> = BTreeMap::new();
    for (id, name, props) in events_of_type(template, "HttpApi") {
        for field in ["Method", "Path"] {
            if props.get(field).is_none() {
                problems.push(format!("{id}.{name}: HttpApi event has no {field}"));
            }
        }
        match props.get("ApiId") {
            None => {
                apis.entry(IMPLICIT_HTTP_API).or_insert(id);
            }
            Some(api_id) => match referenced_id(api_id) {
                Some(api) if template.resources.get(api).is_some_and(|r| r.kind == HTTP_API) => {
                    apis.entry(api).or_insert(id);
                }
                _ => problems.push(format!(
                    "{id}.{name}: ApiId must be a Ref to an AWS::Serverless::HttpApi of the template"
                )),
            },
        }
        let (Some(method), Some(path)) = (props["Method"].as_str(), props["Path"].as_str()) else {
            continue;
        };
        let key = format!("{} {path}", method.to_ascii_uppercase());
        match seen.get(&key) {
            Some(other) if *other != id => {
                problems.push(format!("route {key} is claimed by both {other} and {id}"));
            }
            _ => {
                seen.insert(key, id);
            }
        }
    }
    if apis.len() > 1 {
        let named: Vec<String> = apis
            .iter()
            .map(|(api, first)| format!("{api} (from {first})"))
            .collect();
        problems.push(format!(
            "HttpApi events route on {} APIs, {}: the stack has one HTTP API",
            apis.len(),
            named.join(", ")
        ));
    }
    problems
}

/// `/v1/posts/{id}` -> `/v1/posts/{}`: the route's shape, whatever its parameters are called.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// The names in a path's `{braces}`, in order.
fn path_params(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split('}').next())
        .map(|name| name.trim_end_matches('+'))
        .collect()
}

/// The template's routes and the OpenAPI document's operations are the same set: every
/// route documented exactly once, nothing documented that the gateway does not route, and
/// every path parameter named alike (in the path and in the operation's parameters).
fn documented_routes(template: &Template, project: &Project) -> Vec<String> {
    let mut problems = Vec::new();
    let doc = match &project.document {
        None => return vec![format!("{DOCUMENT} is missing: run `make openapi`")],
        Some(Err(e)) => return vec![format!("{DOCUMENT} is not JSON: {e}")],
        Some(Ok(doc)) => doc,
    };
    let mut routed: BTreeMap<String, (String, &str)> = BTreeMap::new();
    for (id, _, props) in events_of_type(template, "HttpApi") {
        if let (Some(method), Some(path)) = (props["Method"].as_str(), props["Path"].as_str()) {
            let method = method.to_ascii_uppercase();
            routed.insert(
                format!("{method} {}", shape(path)),
                (format!("{method} {path}"), id),
            );
        }
    }
    let mut documented: BTreeMap<String, String> = BTreeMap::new();
    let paths = doc.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        for method in [
            "get", "put", "post", "delete", "patch", "head", "options", "trace",
        ] {
            let Some(op) = item.get(method) else {
                continue;
            };
            let key = format!("{} {path}", method.to_ascii_uppercase());
            let mut declared: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let mut in_path = path_params(path);
            declared.sort_unstable();
            in_path.sort_unstable();
            if declared != in_path {
                problems.push(format!(
                    "{DOCUMENT}: {key} declares path parameters {declared:?}, its path has {in_path:?}"
                ));
            }
            let shaped = format!("{} {}", method.to_ascii_uppercase(), shape(path));
            documented.insert(shaped, key);
        }
    }
    for (shaped, (route, id)) in &routed {
        match documented.get(shaped) {
            None => problems.push(format!(
                "route {route} ({id}) is not in {DOCUMENT}: declare its operation beside the handler"
            )),
            Some(key) if key != route => problems.push(format!(
                "route {route} ({id}) is documented as {key}: the path parameters' names differ"
            )),
            Some(_) => {}
        }
    }
    for (shaped, key) in &documented {
        if !routed.contains_key(shaped) {
            problems.push(format!(
                "{DOCUMENT} documents {key}, which no function in the template routes"
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
Globals:
  Function:
    Runtime: provided.al2023
    Handler: bootstrap
  HttpApi:
    CorsConfiguration: { AllowOrigins: ["*"] }
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
        maxReceiveCount: 5
  Dlq:
    Type: AWS::SQS::Queue
  DlqAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Dimensions:
        - Name: QueueName
          Value: !GetAtt Dlq.QueueName
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 30
  HelloFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
      BuildProperties:
        Binary: hello
    Properties:
      LoggingConfig:
        LogGroup: !Ref Logs
      Events:
        Http:
          Type: HttpApi
          Properties: { Method: GET, Path: /hello }
  ConsumerFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
      BuildProperties:
        Binary: consumer
    Properties:
      LoggingConfig:
        LogGroup: !Ref Logs
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
            FunctionResponseTypes: [ReportBatchItemFailures]
"#;

    fn project() -> Project {
        Project {
            binaries: [
                ("hello", "functions/a/Cargo.toml"),
                ("consumer", "functions/a/Cargo.toml"),
            ]
            .into_iter()
            .map(|(b, m)| (b.to_string(), m.to_string()))
            .collect(),
            sample_events: [("HelloFunction", Ok(())), ("ConsumerFunction", Ok(()))]
                .into_iter()
                .map(|(n, r)| (n.to_string(), r))
                .collect(),
            bin_sources: BTreeMap::new(),
            bins_with_test_harness: BTreeSet::new(),
            document: Some(Ok(serde_json::json!({
                "paths": {"/hello": {"get": {"operationId": "hello"}}}
            }))),
        }
    }

    /// The problems of GOOD after replacing `from` with `to`.
    fn problems_after(from: &str, to: &str, project: &Project) -> Vec<String> {
        assert!(GOOD.contains(from), "{from}");
        check(
            &Template::parse(&GOOD.replacen(from, to, 1)).unwrap(),
            project,
        )
    }

    fn assert_one_problem(problems: Vec<String>, needle: &str) {
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains(needle), "{problems:?}");
    }

    #[test]
    fn a_conforming_template_has_no_problems() {
        assert_eq!(
            check(&Template::parse(GOOD).unwrap(), &project()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn build_method_and_binary_are_required() {
        assert_one_problem(
            problems_after(
                "BuildMethod: rust-cargolambda",
                "BuildMethod: go1.x",
                &project(),
            ),
            "rust-cargolambda",
        );
        let mut p = project();
        p.binaries.remove("hello");
        assert_one_problem(
            check(&Template::parse(GOOD).unwrap(), &p),
            "hello is not a [[bin]]",
        );
        let mut p = project();
        p.bins_with_test_harness.insert("hello".into());
        assert_one_problem(
            check(&Template::parse(GOOD).unwrap(), &p),
            "hello must set test = false",
        );
    }

    #[test]
    fn every_binary_is_used_by_exactly_one_function() {
        let mut p = project();
        p.binaries
            .insert("orphan".into(), "functions/b/Cargo.toml".into());
        assert_one_problem(check(&Template::parse(GOOD).unwrap(), &p), "orphan");
        let shared = problems_after("Binary: consumer", "Binary: hello", &project());
        assert!(
            shared
                .iter()
                .any(|p| p.contains("hello is used by several functions")),
            "{shared:?}"
        );
        assert!(
            shared
                .iter()
                .any(|p| p.contains("consumer") && p.contains("not used")),
            "{shared:?}"
        );
    }

    #[test]
    fn sample_events_match_functions_and_parse() {
        let mut p = project();
        p.sample_events.remove("HelloFunction");
        assert_one_problem(
            check(&Template::parse(GOOD).unwrap(), &p),
            "events/HelloFunction.json",
        );
        let mut p = project();
        p.sample_events.insert("Stale".into(), Ok(()));
        assert_one_problem(
            check(&Template::parse(GOOD).unwrap(), &p),
            "belongs to no function",
        );
        let mut p = project();
        p.sample_events
            .insert("HelloFunction".into(), Err("EOF".into()));
        assert_one_problem(check(&Template::parse(GOOD).unwrap(), &p), "not valid JSON");
    }

    #[test]
    fn runtime_and_handler_come_from_globals_or_the_function() {
        let problems = problems_after(
            "Runtime: provided.al2023",
            "Runtime: nodejs20.x",
            &project(),
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_one_problem(
            problems_after(
                "      LoggingConfig:\n        LogGroup: !Ref Logs\n      Events:\n        Http:",
                "      Handler: main\n      LoggingConfig:\n        LogGroup: !Ref Logs\n      Events:\n        Http:",
                &project(),
            ),
            "Handler",
        );
    }

    #[test]
    fn log_groups_are_refs_with_retention() {
        assert_one_problem(
            problems_after("RetentionInDays: 30", "Other: 1", &project())
                .into_iter()
                .take(1)
                .collect(),
            "RetentionInDays",
        );
        assert_one_problem(
            problems_after("LogGroup: !Ref Logs", "LogGroup: /aws/lambda/x", &project()),
            "LogGroup must be a Ref",
        );
    }

    #[test]
    fn only_report_batch_item_failures_is_allowed() {
        assert_one_problem(
            problems_after("[ReportBatchItemFailures]", "[Whatever]", &project()),
            "Whatever",
        );
    }

    #[test]
    fn sqs_sources_need_a_redrive_policy() {
        assert_one_problem(
            problems_after(
                "Queue: !GetAtt Queue.Arn",
                "Queue: !GetAtt Dlq.Arn",
                &project(),
            ),
            "no RedrivePolicy",
        );
    }

    #[test]
    fn dead_letter_queues_need_an_alarm() {
        assert_one_problem(
            problems_after("Value: !GetAtt Dlq.QueueName", "Value: other", &project()),
            "Dlq has no AWS::CloudWatch::Alarm",
        );
    }

    #[test]
    fn http_events_are_complete_on_one_api_and_routes_unique() {
        for (field, name) in [("Method: GET, ", "Method"), (", Path: /hello", "Path")] {
            assert!(
                problems_after(field, "", &project())
                    .iter()
                    .any(|p| p.contains(&format!("HttpApi event has no {name}"))),
                "{name}"
            );
        }
        assert_one_problem(
            problems_after(
                "{ Method: GET",
                "{ ApiId: !Ref Nothing, Method: GET",
                &project(),
            ),
            "ApiId must be a Ref to an AWS::Serverless::HttpApi",
        );
        assert_one_problem(
            problems_after(
                "{ Method: GET",
                "{ ApiId: !Ref Queue, Method: GET",
                &project(),
            ),
            "ApiId must be a Ref to an AWS::Serverless::HttpApi",
        );
        // An explicit API beside the implicit one: two APIs, which the stack does not have.
        let two_apis = GOOD
            .replace("Resources:\n", "Resources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n")
            .replace(
                "        Queue:\n          Type: SQS",
                "        Other:\n          Type: HttpApi\n          Properties: { ApiId: !Ref Api, Method: GET, Path: /other }\n        Queue:\n          Type: SQS",
            );
        assert!(
            check(&Template::parse(&two_apis).unwrap(), &project())
                .iter()
                .any(|p| p.contains("HttpApi events route on 2 APIs, Api (from ConsumerFunction), ServerlessHttpApi (from HelloFunction)")),
            "{:?}",
            check(&Template::parse(&two_apis).unwrap(), &project())
        );
        let twice = GOOD.replace(
            "        Queue:\n          Type: SQS",
            "        Http:\n          Type: HttpApi\n          Properties: { Method: get, Path: /hello }\n        Queue:\n          Type: SQS",
        );
        assert_one_problem(
            check(&Template::parse(&twice).unwrap(), &project()),
            "GET /hello is claimed by both",
        );
    }

    #[test]
    fn every_route_is_documented_once_and_nothing_else() {
        let mut p = project();
        p.document = Some(Ok(serde_json::json!({"paths": {}})));
        assert_one_problem(
            check(&Template::parse(GOOD).unwrap(), &p),
            "route GET /hello (HelloFunction) is not in docs/openapi.json",
        );
        p.document = Some(Ok(serde_json::json!({"paths": {
            "/hello": {"get": {}},
            "/hello/{id}": {"delete": {"parameters": [{"in": "path", "name": "id"}]}}
        }})));
        assert_one_problem(
            check(&Template::parse(GOOD).unwrap(), &p),
            "documents DELETE /hello/{id}, which no function in the template routes",
        );
        p.document = None;
        assert_one_problem(
            check(&Template::parse(GOOD).unwrap(), &p),
            "docs/openapi.json is missing",
        );
    }

    #[test]
    fn path_parameters_are_named_alike() {
        let template = GOOD.replace("Path: /hello }", "Path: \"/hello/{postId}\" }");
        let mut p = project();
        p.document = Some(Ok(serde_json::json!({"paths": {
            "/hello/{id}": {"get": {"parameters": [{"in": "path", "name": "id"}]}}
        }})));
        assert_one_problem(
            check(&Template::parse(&template).unwrap(), &p),
            "the path parameters' names differ",
        );
        p.document = Some(Ok(serde_json::json!({"paths": {
            "/hello/{postId}": {"get": {"parameters": [{"in": "path", "name": "id"}]}}
        }})));
        assert_one_problem(
            check(&Template::parse(&template).unwrap(), &p),
            "declares path parameters [\"id\"], its path has [\"postId\"]",
        );
    }

    #[test]
    fn every_function_has_one_name_by_rule() {
        let named = |id: &str, bin: &str| {
            GOOD.replacen("HelloFunction:", &format!("{id}:"), 1)
                .replacen("Binary: hello", &format!("Binary: {bin}"), 1)
        };
        let sources = |bin: &str, domain: &str, path: &str| Project {
            bin_sources: [(bin.to_string(), (domain.to_string(), path.to_string()))]
                .into_iter()
                .collect(),
            ..project()
        };
        let problems = |template: &str, p: &Project| {
            one_name_per_function(&Template::parse(template).unwrap(), p)
        };
        let good = sources("greet-say-hello", "greet", "src/bin/say_hello.rs");
        assert_eq!(
            problems(&named("GreetSayHelloFunction", "greet-say-hello"), &good),
            Vec::<String>::new()
        );
        assert_one_problem(
            problems(&named("HelloFunction", "greet-say-hello"), &good),
            "must have the logical id GreetSayHelloFunction",
        );
        assert_one_problem(
            problems(
                &named("GreetSayHelloFunction", "greet-say-hello"),
                &sources("greet-say-hello", "greet", "src/bin/hello.rs"),
            ),
            "must be built from functions/greet/src/bin/say_hello.rs",
        );
        assert_one_problem(
            problems(
                &named("SayHelloFunction", "say-hello"),
                &sources("say-hello", "greet", "src/bin/say_hello.rs"),
            ),
            "must be named greet-<action>",
        );
    }
}
