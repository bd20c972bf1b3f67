//! The release builds the benchmark measures: every function binary of the template (the
//! project's workspace and release profile), the bare hello-world and the in-process
//! handler runner (the benchmark's workspace, given the same release profile).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// One function of the template.
#[derive(Debug, Clone)]
pub struct Function {
    pub id: String,
    pub binary: String,
}

/// Every function of the template (its `Metadata.BuildProperties.Binary`), by logical id.
pub fn template_functions(template: &Path) -> Result<Vec<Function>> {
    let template = localcloud::template::Template::load(template)?;
    let mut functions = Vec::new();
    for (id, resource) in template.of_kind(localcloud::template::FUNCTION) {
        let binary = resource
            .metadata
            .pointer("/BuildProperties/Binary")
            .and_then(Value::as_str)
            .with_context(|| format!("{id} has no Metadata.BuildProperties.Binary"))?;
        functions.push(Function {
            id: id.to_string(),
            binary: binary.to_string(),
        });
    }
    Ok(functions)
}

/// What one build took.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildRecord {
    pub what: String,
    pub command: String,
    pub seconds: f64,
    pub success: bool,
    pub log: String,
}

fn run_timed(what: &str, mut cmd: Command, log: &Path) -> Result<BuildRecord> {
    let command = format!("{cmd:?}");
    eprintln!("bench: building {what} ...");
    let file = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    cmd.stdout(file.try_clone()?).stderr(file);
    let started = Instant::now();
    let status = cmd.status().with_context(|| format!("running {command}"))?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "bench: {what}: {} in {seconds:.1} s (log: {})",
        if status.success() { "built" } else { "FAILED" },
        log.display()
    );
    Ok(BuildRecord {
        what: what.to_string(),
        command,
        seconds,
        success: status.success(),
        log: log.display().to_string(),
    })
}

/// Bin target name -> package, for every package of the project's workspace.
fn bin_packages(root: &Path) -> Result<BTreeMap<String, String>> {
    let out = Command::new("cargo")
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let meta: Value = serde_json::from_slice(&out.stdout)?;
    let mut map = BTreeMap::new();
    for package in meta["packages"].as_array().into_iter().flatten() {
        let name = package["name"].as_str().unwrap_or_default();
        for target in package["targets"].as_array().into_iter().flatten() {
            let is_bin = target["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"));
            if is_bin && let Some(bin) = target["name"].as_str() {
                map.insert(bin.to_string(), name.to_string());
            }
        }
    }
    Ok(map)
}

/// The project's `[profile.release]` as `--config` arguments, so the benchmark's own
/// workspace builds with exactly the profile the functions are built with.
pub fn release_profile_args(root: &Path) -> Result<(Vec<String>, Value)> {
    let text = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let manifest: toml::Table = toml::from_str(&text).context("parsing Cargo.toml")?;
    let Some(profile) = manifest
        .get("profile")
        .and_then(|p| p.get("release"))
        .and_then(|r| r.as_table())
    else {
        return Ok((Vec::new(), json!({})));
    };
    let mut args = Vec::new();
    flatten("profile.release", profile, &mut args);
    let as_json = serde_json::to_value(profile)?;
    Ok((args, as_json))
}

fn flatten(prefix: &str, table: &toml::Table, args: &mut Vec<String>) {
    for (key, value) in table {
        // Package names hold dashes; quoted keys are always valid.
        let path = format!("{prefix}.\"{key}\"");
        match value {
            toml::Value::Table(inner) => flatten(&path, inner, args),
            other => {
                args.push("--config".into());
                args.push(format!("{path}={other}"));
            }
        }
    }
}

pub struct Built {
    pub records: Vec<BuildRecord>,
    /// Where the function binaries are.
    pub release_dir: PathBuf,
    pub hello: PathBuf,
    pub handlers: PathBuf,
    pub profile: Value,
}

/// Builds the function binaries, the hello-world and the handler runner, each timed.
pub fn build_all(root: &Path, functions: &[Function], bench_target: &Path) -> Result<Built> {
    let logs = bench_target.join("logs");
    std::fs::create_dir_all(&logs)?;
    let packages = bin_packages(root)?;
    let mut wanted = BTreeSet::new();
    for f in functions {
        match packages.get(&f.binary) {
            Some(p) => {
                wanted.insert(p.clone());
            }
            None => eprintln!(
                "bench: no package builds {} ({}); it will be reported as not built",
                f.binary, f.id
            ),
        }
    }
    let mut records = Vec::new();
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root)
        .args(["build", "--release", "--keep-going", "--bins"]);
    for p in &wanted {
        cmd.args(["-p", p]);
    }
    records.push(run_timed(
        &format!("the function binaries ({} packages)", wanted.len()),
        cmd,
        &logs.join("build-functions.log"),
    )?);

    let (profile_args, profile) = release_profile_args(root)?;
    let manifest = root.join("bench/Cargo.toml");
    for (package, log) in [
        ("bench-hello", "build-hello.log"),
        ("bench-handlers", "build-handlers.log"),
    ] {
        let mut cmd = Command::new("cargo");
        cmd.current_dir(root)
            .env("CARGO_TARGET_DIR", bench_target)
            .args(["build", "--release", "--manifest-path"])
            .arg(&manifest)
            .args(["-p", package])
            .args(&profile_args);
        let record = run_timed(package, cmd, &logs.join(log))?;
        if !record.success {
            bail!("building {package} failed: see {}", record.log);
        }
        records.push(record);
    }
    let release_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(|dir| root.join(dir))
        .unwrap_or_else(|| root.join("target"))
        .join("release");
    Ok(Built {
        records,
        release_dir,
        hello: bench_target.join("release/bench-hello"),
        handlers: bench_target.join("release/bench-handlers"),
        profile,
    })
}
