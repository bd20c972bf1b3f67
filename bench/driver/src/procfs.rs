//! What Linux says about a function's process: its id (a child of this process running a
//! given executable), peak resident memory and CPU time.

use std::path::{Path, PathBuf};

/// One process: its id and when it started (clock ticks after boot).
#[derive(Debug, Clone, Copy)]
pub struct Proc {
    pub pid: u32,
    start: u64,
}

fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: the fields that follow start after its ')'.
    let rest = &text[text.rfind(')')? + 2..];
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// The newest live child of this process whose executable is `exe`.
pub fn newest_child(exe: &Path) -> Option<Proc> {
    let me = std::process::id();
    let exe = std::fs::canonicalize(exe).ok()?;
    let mut found: Option<Proc> = None;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Some(fields) = stat_fields(pid) else {
            continue;
        };
        // After the name: state (0), ppid (1), ... starttime (19).
        let (Some(state), Some(ppid), Some(start)) = (
            fields.first(),
            fields.get(1).and_then(|p| p.parse::<u32>().ok()),
            fields.get(19).and_then(|s| s.parse::<u64>().ok()),
        ) else {
            continue;
        };
        if ppid != me || state == "Z" {
            continue;
        }
        let running: Option<PathBuf> = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
        if running.as_deref() != Some(exe.as_path()) {
            continue;
        }
        if found.is_none_or(|f| start > f.start) {
            found = Some(Proc { pid, start });
        }
    }
    found
}

/// Peak resident set size (VmHWM), in KiB.
pub fn peak_rss_kib(p: Proc) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", p.pid)).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// CPU time of every thread of the process so far, in nanoseconds (schedstat's first
/// field: exact, where /proc/<pid>/stat counts 10 ms ticks).
pub fn cpu_nanos(p: Proc) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{}/task", p.pid))
        .ok()?
        .flatten()
    {
        let text = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        total += text
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Some(total)
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_default()
}
