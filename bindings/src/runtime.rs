//! The one tokio runtime of the process: the core's own.

use tokio::runtime::Handle;

/// The core's runtime, created on first use and never shut down (the host app's lifetime).
pub(crate) fn handle() -> Result<Handle, String> {
    tether_core::runtime().map_err(|e| e.to_string())
}
