//! Function output, one `[LogicalId] line` per line.

use std::io::Write;
use std::sync::Mutex;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogMode {
    /// Print to stdout (`up`).
    Stdout,
    /// Print to stderr (`invoke`, whose stdout is the response).
    Stderr,
    /// Keep in memory for `Cloud::logs` (tests).
    Memory,
    /// Stdout and memory.
    Both,
}

#[derive(Debug)]
pub struct LogSink {
    mode: LogMode,
    lines: Mutex<Vec<String>>,
}

impl LogSink {
    pub fn new(mode: LogMode) -> Self {
        LogSink {
            mode,
            lines: Mutex::new(Vec::new()),
        }
    }

    pub fn emit(&self, source: &str, line: &str) {
        let line = format!("[{source}] {line}");
        match self.mode {
            LogMode::Stdout | LogMode::Both => {
                // A closed stdout must not take the cloud down with it.
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
            LogMode::Stderr => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
            LogMode::Memory => {}
        }
        if matches!(self.mode, LogMode::Memory | LogMode::Both) {
            self.lines
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(line);
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Forwards a child's output line by line until it closes.
    pub async fn forward(&self, source: &str, stream: impl AsyncRead + Unpin) {
        self.forward_each(source, stream, |_| {}).await
    }

    /// Forwards like [`LogSink::forward`], showing each line to `seen` as well.
    pub async fn forward_each(
        &self,
        source: &str,
        stream: impl AsyncRead + Unpin,
        mut seen: impl FnMut(&str),
    ) {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            seen(&line);
            self.emit(source, &line);
        }
    }
}
