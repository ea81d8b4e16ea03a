//! # tether-ffi
//!
//! UniFFI (proc-macros, library mode) wrappers over [`tether_core::SyncClient`] for Kotlin and
//! Swift. This crate translates; it never decides: every behaviour lives in `tether-core`.
//!
//! | file | job |
//! | --- | --- |
//! | `client.rs` | `TetherClient`: the exported object over `SyncClient` |
//! | `types.rs` | records and enums that cross the FFI, and their conversions from core types |
//! | `listeners.rs` | the foreign listener traits (`with_foreign`) |
//! | `token.rs` | the async foreign `TokenProvider` and its adapter to the core's |
//! | `task.rs` | `TaskHandle` and the delivery gate: no callback after `cancel()` returns, no panic escapes |
//! | `error.rs` | `TetherError`, the one FFI error enum, and every mapping into it |
//! | `runtime.rs` | the one tokio runtime the client and its watchers run on |
//! | `logging/` | `init_logging`: `tracing` to logcat (Android), os_log (Apple), stderr (elsewhere) |
//! | `process.rs` | the process-wide lifecycle and network signals the platform observers report |
//! | `shared.rs` | named instances: one client per name, shared by native code and JavaScript |
//!
//! Values that would be heavy as records (entities, views, hydrate input) cross as JSON strings.

mod client;
mod error;
mod listeners;
mod logging;
mod process;
mod runtime;
mod shared;
mod task;
mod token;
mod types;

pub use client::TetherClient;
pub use error::TetherError;
pub use listeners::{EntityListener, ListListener, SignalListener, StateListener};
pub use logging::init_logging;
pub use process::{set_process_app_state, set_process_network};
pub use shared::shared_client;
pub use task::TaskHandle;
pub use token::{TokenProvider, TokenProviderError};
pub use types::{
    AppState, ClientConfig, CloseReason, ConnectionErrorInfo, ConnectionMetrics, ConnectionState,
    DiscontinuityReason, EntityUpdate, HydrateReport, ListItem, ListUpdate, NetworkState,
    SuspendReason, SyncSignal, SyncStats,
};

uniffi::setup_scaffolding!();

/// Proves UniFFI's scaffolding (what every export above goes through) turns a panic into an
/// error status instead of unwinding into the foreign caller.
#[cfg(test)]
#[uniffi::export]
fn panic_probe() -> u32 {
    panic!("probe")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_in_an_export_does_not_unwind_across_the_ffi() {
        let mut status = uniffi::RustCallStatus::default();
        let value = super::uniffi_tether_ffi_fn_func_panic_probe(&mut status);
        assert_eq!(status.code, uniffi::RustCallStatusCode::UnexpectedError);
        assert_eq!(value, 0, "the FFI default is returned");
    }
}
