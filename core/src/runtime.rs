//! The engine's own tokio runtime: a mobile host app has none.

use std::sync::OnceLock;
use tokio::runtime::{Builder, Handle, Runtime};

/// One small multi-thread runtime per process, created on first use and never shut down
/// (a host app's lifetime). Two workers: one socket and one consumer at a time is the usual load.
/// Fails only when the OS refuses threads or a poller; the failure is remembered.
pub(crate) fn handle() -> Result<Handle, String> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("tether")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map(|rt| rt.handle().clone())
        .map_err(Clone::clone)
}
