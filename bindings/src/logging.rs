//! Logging: the core's `tracing` events to stderr (host builds, JVM tests). On Android and Apple
//! platforms stderr is not collected by logcat / os_log; see `android/README.md`.
//!
//! The filter is `tracing_subscriber`'s `Targets` (`"warn"`, `"tether_core=debug,info"`): the
//! same syntax as `RUST_LOG` without regular expressions, which keeps the `regex` crates (about
//! half a megabyte) out of the shipped library.

use std::str::FromStr;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Sends Tether's logs to stderr, filtered by `filter` (e.g. `"info"` or `"tether_core=debug"`;
/// `None`: `RUST_LOG`, else `warn`). The first call wins; later calls, or a process that already
/// installed a `tracing` subscriber, change nothing.
#[uniffi::export]
pub fn init_logging(filter: Option<String>) {
    let wanted = filter.or_else(|| std::env::var("RUST_LOG").ok());
    let targets = wanted
        .and_then(|f| Targets::from_str(&f).ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::WARN));
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false);
    let _ = tracing_subscriber::registry().with(stderr).with(targets).try_init();
}
