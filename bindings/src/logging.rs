//! Logging: the core's `tracing` events to stderr (host builds, JVM tests). On Android and Apple
//! platforms stderr is not collected by logcat / os_log; see `android/README.md`.

use tracing_subscriber::{fmt, EnvFilter};

/// Sends Tether's logs to stderr, filtered by `filter` (`RUST_LOG` syntax, e.g. `"info"` or
/// `"tether_core=debug"`; `None`: `RUST_LOG`, else `warn`). The first call wins; later calls,
/// or a process that already installed a `tracing` subscriber, change nothing.
#[uniffi::export]
pub fn init_logging(filter: Option<String>) {
    let filter = match filter {
        Some(f) => EnvFilter::try_new(f).ok(),
        None => EnvFilter::try_from_default_env().ok(),
    }
    .unwrap_or_else(|| EnvFilter::new("warn"));
    let _ = fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(false).try_init();
}
