use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use localcloud::{Cloud, CloudOptions};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `cargo test` builds the examples next to this test binary: `<target>/debug/examples`.
pub fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("examples")
}

pub fn fixture_options() -> CloudOptions {
    let mut opts = CloudOptions::for_tests(&fixtures());
    opts.bin_dir = examples_dir();
    opts
}

pub async fn fixture_cloud() -> Cloud {
    Cloud::start(fixture_options()).await.unwrap()
}

/// Polls `check` until it holds or `limit` passes; returns whether it held.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

pub fn count_logs(cloud: &Cloud, needle: &str) -> usize {
    cloud.logs().iter().filter(|l| l.contains(needle)).count()
}

/// Log lines travel from the function's pipe asynchronously: wait until `needle` appears
/// `want` times (or 5 s pass), then say how many there are.
pub async fn await_logs(cloud: &Cloud, needle: &str, want: usize) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while count_logs(cloud, needle) < want && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    count_logs(cloud, needle)
}
