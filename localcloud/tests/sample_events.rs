//! Every function of the project's template, invoked twice in a row with its sample event
//! `events/<LogicalId>.json` as checked in, its placeholders filled the way `localcloud
//! invoke` (`make invoke FN=...`) fills them: no invocation error, no 5xx, no 401 or 403
//! where the event carries a token placeholder, no 409 on the second sign-up, and no failed
//! batch item for the consumers and relays. One cloud for all, with a state directory like
//! `make invoke`'s `.localcloud` (keys in keys.json, tables on disk).
//!
//! Needs the function binaries in target/debug (`make build`, as `make test` does first).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use localcloud::placeholders::Filler;
use localcloud::{Cloud, CloudOptions};
use serde_json::Value;

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// What the sample event of these functions must answer, both times; `None`: any status
/// below 500 (a 404 for a sample id that does not exist, say), within the rules above.
fn expected_status(function: &str) -> Option<u64> {
    match function {
        "UsersSignUpFunction" => Some(201),
        "UsersSignInFunction" | "UsersRefreshFunction" | "UsersGetMeFunction" => Some(200),
        "UsersSignOutFunction" => Some(204),
        _ => None,
    }
}

/// The seeds first, as `make dev` runs them, so that the others meet the demo catalogue.
fn invocation_order(mut functions: Vec<String>) -> Vec<String> {
    functions.sort_by_key(|f| (!f.contains("Seed"), f.clone()));
    functions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_event_works_as_checked_in_twice_in_a_row() {
    let root = project_root();
    let state_dir = std::env::temp_dir().join(format!("lc-samples-{}", ulid::Ulid::new()));
    let mut options = CloudOptions::for_tests(&root);
    options.state_dir = Some(state_dir.clone());
    // Like `localcloud invoke`: no pollers, each function only when invoked.
    options.event_sources = false;
    // Like `make dev` / `make invoke`, which export ADMIN_EMAIL and ADMIN_PASSWORD.
    options
        .parameter_overrides
        .insert("AdminEmail".into(), "admin@studyloop.local".into());
    options
        .parameter_overrides
        .insert("AdminPassword".into(), "studyloop-admin-pw".into());
    let cloud = Cloud::start(options)
        .await
        .unwrap_or_else(|e| panic!("local cloud: {e:#}"));

    let functions = invocation_order(cloud.function_names());
    let events_dir = root.join("events");
    let sample_count = std::fs::read_dir(&events_dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("json".as_ref()))
        .count();
    assert_eq!(
        functions.len(),
        sample_count,
        "one sample event per function"
    );

    let mut filler = Filler::new(&cloud);
    let mut outcomes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    for function in &functions {
        let path = events_dir.join(format!("{function}.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            !text.contains("REPLACE_WITH"),
            "{}: a placeholder to edit by hand",
            path.display()
        );
        let sample: Value = serde_json::from_str(&text).unwrap();
        let needs_token = text.contains("{{accessToken}}") || text.contains("{{adminAccessToken}}");
        for round in 1..=2 {
            let event = match filler.fill(sample.clone()).await {
                Ok(event) => event,
                Err(e) => {
                    failures.push(format!("{function} #{round}: filling: {e:#}"));
                    continue;
                }
            };
            assert!(
                !event.to_string().contains("{{"),
                "{function}: placeholders left in {event}"
            );
            let answer = match cloud.invoke(function, event).await {
                Ok(answer) => answer,
                Err(e) => {
                    failures.push(format!("{function} #{round}: invocation error: {e}"));
                    outcomes
                        .entry(function.clone())
                        .or_default()
                        .push("error".into());
                    continue;
                }
            };
            let outcome = match answer.get("statusCode").and_then(Value::as_u64) {
                Some(status) => {
                    let problem = if status >= 500 {
                        Some("a server error")
                    } else if needs_token && (status == 401 || status == 403) {
                        Some("refused its token")
                    } else if status == 409 && function == "UsersSignUpFunction" {
                        Some("a conflict on sign-up")
                    } else if expected_status(function).is_some_and(|want| want != status) {
                        Some("not the expected status")
                    } else {
                        None
                    };
                    if let Some(problem) = problem {
                        failures.push(format!(
                            "{function} #{round}: {status}, {problem}: {}",
                            answer["body"]
                        ));
                    }
                    status.to_string()
                }
                None => {
                    let failed = answer
                        .get("batchItemFailures")
                        .and_then(Value::as_array)
                        .is_some_and(|f| !f.is_empty());
                    if failed {
                        failures.push(format!("{function} #{round}: failed items: {answer}"));
                    }
                    "ok".to_string()
                }
            };
            outcomes.entry(function.clone()).or_default().push(outcome);
        }
    }
    for (function, outcome) in &outcomes {
        eprintln!("{function:<45} {}", outcome.join(" "));
    }
    if !failures.is_empty() {
        let logs = cloud.logs();
        let tail = &logs[logs.len().saturating_sub(80)..];
        eprintln!("--- last function log lines ---\n{}", tail.join("\n"));
    }
    cloud.shutdown().await;
    let _ = std::fs::remove_dir_all(&state_dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
