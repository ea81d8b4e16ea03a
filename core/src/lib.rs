//! # tether-core
//!
//! The engine behind Tether: a spec-exact, sans-IO Server-Sent Events parser and a resilient
//! connection that keeps a mobile app's view of server state live — reconnect with backoff and
//! jitter, `Last-Event-ID` resume, a heartbeat watchdog, token refresh, and app lifecycle and
//! network awareness. Bindings (Kotlin, Swift, React Native) translate this API; they never decide.
//!
//! ```no_run
//! use tether_core::{Connection, ConnectionConfig, Message};
//! # async fn demo() -> Result<(), tether_core::ConfigError> {
//! let config = ConnectionConfig::builder("https://api.example.com/events")
//!     .header("X-Client", "docs")
//!     .build()?;
//! let (connection, mut messages) = Connection::open(config);
//! while let Some(Message::Event(event)) = messages.recv().await {
//!     println!("{} {}", event.event_type, event.data);
//! }
//! connection.close();
//! # Ok(()) }
//! ```

mod client;
mod connection;
mod dedup;
mod error;
mod metrics;
mod op;
mod parser;
mod persist;
mod router;
mod runtime;
mod store;

pub use client::{
    DiscontinuityReason, EntitySubscription, EntityUpdate, HydrateReport, ListSubscription,
    ListUpdate, SignalSubscription, Storage, Subscription, SyncClient, SyncConfig, SyncError,
    SyncSignal, SyncStats,
};
pub use connection::{process_signals, set_process_app_state, set_process_network};
pub use connection::{
    AppState, CloseReason, Connection, ConnectionConfig, ConnectionConfigBuilder, ConnectionState,
    HeartbeatHint, Message, MessageStream, NetworkState, StateStream, SuspendReason, TokenError,
    TokenFuture, TokenProvider, TokenRequest,
};
pub use dedup::{Dedup, DedupConfig, Verdict};
pub use error::{ConfigError, ConnectionError};
pub use metrics::Metrics;
pub use op::{EntityKey, Op, Version};
pub use parser::{Event, EventRef, Frame, ParseError, Parser, ParserLimits};
pub use persist::{PersistError, Persistence, Snapshot, WriteBatch};
pub use router::{RouteError, RouteErrorKind, Routed, Router, RulesError};
/// The engine's own tokio runtime (two workers, threads named `tether`), created on first use:
/// bindings run their listener tasks on it so a process has exactly one Tether runtime.
pub fn runtime() -> Result<tokio::runtime::Handle, ConfigError> {
    runtime::handle().map_err(ConfigError::Runtime)
}

pub use store::{
    Applied, ChangeSet, Entity, Filter, ListDiff, ListTracker, ListView, SortKey, Store,
    StoreError, StoreLimits,
};
