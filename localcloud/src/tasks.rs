//! Every background task of a cloud, so that stopping the cloud stops them all.

use std::future::Future;
use std::sync::Mutex;

use tokio::task::AbortHandle;

#[derive(Debug, Default)]
pub struct Tasks(Mutex<Vec<AbortHandle>>);

impl Tasks {
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) -> AbortHandle {
        let handle = tokio::spawn(task).abort_handle();
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|h| !h.is_finished());
        all.push(handle.clone());
        handle
    }

    /// Aborting a task drops what it owns: child processes are spawned with
    /// `kill_on_drop`, so this also kills them.
    pub fn abort_all(&self) {
        let all = std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()));
        for handle in all {
            handle.abort();
        }
    }
}
