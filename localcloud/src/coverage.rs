//! Whether every HTTP function is tested: by a handler test of its domain, and by an
//! end-to-end test that sent it a request through the local cloud's HTTP API.
//!
//! The handler-test rule reads the sources: a handler test starts from the function's
//! sample event, `testkit::event("<LogicalId>", ..)`, so a test of the function names its
//! logical id as a string in `<CodeUri>/tests/`. The end-to-end rule reads what the local
//! cloud recorded: with [`ROUTE_LOG_ENV`] set, `tests/support` asks each cloud it starts to
//! append the logical id of every function it routes a request to (once per cloud) to a
//! file in that folder, and `localcloud check --e2e-routes <folder>` compares.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::template::Template;
use anyhow::{Context, Result};

/// The folder the end-to-end tests' clouds record their routed functions in (one file per
/// test process); unset, nothing is recorded.
pub const ROUTE_LOG_ENV: &str = "E2E_ROUTE_LOG_DIR";

/// One HTTP function: its logical id, its route and where its code lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpFunction {
    pub id: String,
    pub route: String,
    pub code_uri: String,
}

/// Every function with an `HttpApi` event, by logical id.
pub fn http_functions(template: &Template) -> BTreeMap<String, HttpFunction> {
    template
        .function_events()
        .filter(|e| e.kind == "HttpApi")
        .map(|e| {
            let text = |key: &str| e.properties[key].as_str().unwrap_or("?").to_string();
            let function = HttpFunction {
                id: e.function.to_string(),
                route: format!("{} {}", text("Method").to_ascii_uppercase(), text("Path")),
                code_uri: e.resource.properties["CodeUri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            };
            (function.id.clone(), function)
        })
        .collect()
}

/// The text of every `.rs` file below `dir` (none when it does not exist).
fn rust_sources(dir: &Path) -> Result<Vec<String>> {
    let mut texts = Vec::new();
    if !dir.is_dir() {
        return Ok(texts);
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            texts.extend(rust_sources(&path)?);
        } else if path.extension().and_then(|e| e.to_str()) == Some("rs") {
            texts.push(
                std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?,
            );
        }
    }
    Ok(texts)
}

/// Every HTTP function whose domain's tests never name its logical id.
pub fn handler_tests(template: &Template, root: &Path) -> Result<Vec<String>> {
    let mut sources: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for f in http_functions(template).values() {
        if !sources.contains_key(&f.code_uri) {
            let texts = rust_sources(&root.join(&f.code_uri).join("tests"))?;
            sources.insert(f.code_uri.clone(), texts);
        }
        let quoted = format!("\"{}\"", f.id);
        if !sources[&f.code_uri]
            .iter()
            .any(|text| text.contains(&quoted))
        {
            problems.push(format!(
                "{} ({}) has no handler test: nothing in {}/tests/ loads its sample event (testkit::event({quoted}, ..))",
                f.id, f.route, f.code_uri
            ));
        }
    }
    Ok(problems)
}

/// Every HTTP function no end-to-end test sent a request to, by the route logs in `dir`.
pub fn e2e_routes(template: &Template, dir: &Path) -> Result<Vec<String>> {
    let mut routed = BTreeSet::new();
    let mut logs = 0;
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
            let path = entry?.path();
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            routed.extend(text.lines().map(str::to_string));
            logs += 1;
        }
    }
    if logs == 0 {
        return Ok(vec![format!(
            "no end-to-end route logs in {}: run the end-to-end tests with {ROUTE_LOG_ENV} set to it first",
            dir.display()
        )]);
    }
    Ok(http_functions(template)
        .values()
        .filter(|f| !routed.contains(&f.id))
        .map(|f| {
            format!(
                "{} ({}): no end-to-end test sent it a request (tests/, through the local cloud's HTTP API)",
                f.id, f.route
            )
        })
        .collect())
}

/// A new file in the folder named by [`ROUTE_LOG_ENV`], if it is set: where one cloud of an
/// end-to-end test records its routed functions.
pub fn route_log_from_env() -> Option<PathBuf> {
    static CLOUDS: AtomicU64 = AtomicU64::new(0);
    let dir = PathBuf::from(std::env::var_os(ROUTE_LOG_ENV)?);
    let n = CLOUDS.fetch_add(1, Ordering::Relaxed);
    Some(dir.join(format!("{}-{n}.log", std::process::id())))
}

/// Appends each function the HTTP API routes a request to, once, to a file.
#[derive(Debug)]
pub struct RouteLog {
    path: PathBuf,
    seen: Mutex<BTreeSet<String>>,
}

impl RouteLog {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            seen: Mutex::new(BTreeSet::new()),
        }
    }

    /// Records `function`, the first time it is routed to. A failure to write is logged,
    /// never the request's problem.
    pub fn record(&self, function: &str) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if !seen.insert(function.to_string()) {
            return;
        }
        let written = self
            .path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
            })
            .and_then(|mut file| writeln!(file, "{function}"));
        if let Err(e) = written {
            tracing::warn!("recording a route in {}: {e}", self.path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Resources:
  ShopGetItemFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/shop
      Events:
        Http: { Type: HttpApi, Properties: { Method: get, Path: "/v1/items/{id}" } }
  ShopAddItemFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/shop
      Events:
        Http: { Type: HttpApi, Properties: { Method: POST, Path: /v1/items } }
  ShopRelayFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/shop
"#;

    fn template() -> Template {
        Template::parse(TEMPLATE).expect("the test template parses")
    }

    /// A new empty folder for one test.
    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("coverage-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        dir
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn only_functions_with_an_http_event_count() {
        let functions = http_functions(&template());
        assert_eq!(
            functions.keys().collect::<Vec<_>>(),
            ["ShopAddItemFunction", "ShopGetItemFunction"]
        );
        assert_eq!(functions["ShopGetItemFunction"].route, "GET /v1/items/{id}");
    }

    #[test]
    fn a_function_whose_id_no_test_names_has_no_handler_test() {
        let root = temp_dir("handlers");
        let problems = handler_tests(&template(), root.as_path()).expect("scan");
        assert_eq!(problems.len(), 2, "{problems:?}");

        write(
            &root.as_path().join("functions/shop/tests/handlers/main.rs"),
            r#"let e = event("ShopGetItemFunction", With::default()); // ShopAddItemFunction"#,
        );
        let problems = handler_tests(&template(), root.as_path()).expect("scan");
        // The add function is named only in a comment, not as a quoted id.
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("ShopAddItemFunction (POST /v1/items) has no handler test"),
            "{problems:?}"
        );
    }

    #[test]
    fn end_to_end_coverage_is_read_from_the_route_logs() {
        let dir = temp_dir("e2e");
        let problems = e2e_routes(&template(), dir.as_path()).expect("read");
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("no end-to-end route logs"),
            "{problems:?}"
        );

        let log = RouteLog::new(dir.as_path().join("sub/1-0.log"));
        log.record("ShopGetItemFunction");
        log.record("ShopGetItemFunction");
        let text = std::fs::read_to_string(dir.as_path().join("sub/1-0.log")).expect("read");
        assert_eq!(text, "ShopGetItemFunction\n", "recorded once");

        let problems = e2e_routes(&template(), &dir.as_path().join("sub")).expect("read");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("ShopAddItemFunction (POST /v1/items): no end-to-end test"),
            "{problems:?}"
        );

        write(&dir.as_path().join("sub/2-0.log"), "ShopAddItemFunction\n");
        assert!(
            e2e_routes(&template(), &dir.as_path().join("sub"))
                .expect("read")
                .is_empty()
        );
    }
}
