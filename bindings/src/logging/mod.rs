//! Logging: the core's `tracing` events to the platform's log — logcat on Android, the unified
//! log (os_log) on Apple platforms, stderr elsewhere (host builds, the JVM tests, Node).
//!
//! One formatter (`tracing_subscriber::fmt`, no timestamps on the platform logs, which add their
//! own) writes each event into a [`Record`]; the record goes to the platform sink in one call
//! when the formatter is done with it, with the event's level mapped to the platform's priority.
//!
//! The filter is `tracing_subscriber`'s `Targets` (`"warn"`, `"tether_core=debug,info"`): the
//! same syntax as `RUST_LOG` without regular expressions, which keeps the `regex` crates (about
//! half a megabyte) out of the shipped library.

mod record;
mod sink;

use record::Records;
use std::str::FromStr;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Sends Tether's logs to the platform log (see the module docs), filtered by `filter` (e.g.
/// `"info"` or `"tether_core=debug"`; `None`: `RUST_LOG`, else `warn`). The first call wins;
/// later calls, or a process that already installed a `tracing` subscriber, change nothing.
/// Tokens and payloads are never logged at `info` or above.
#[uniffi::export]
pub fn init_logging(filter: Option<String>) {
    let wanted = filter.or_else(|| std::env::var("RUST_LOG").ok());
    let targets = wanted
        .and_then(|f| Targets::from_str(&f).ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::WARN));
    let layer = tracing_subscriber::fmt::layer().with_ansi(false).with_writer(Records);
    let installed = if sink::HAS_OWN_TIMESTAMPS {
        tracing_subscriber::registry().with(layer.without_time()).with(targets).try_init()
    } else {
        tracing_subscriber::registry().with(layer).with(targets).try_init()
    };
    // Fails only when the process already has a subscriber: keep that one.
    drop(installed);
}
