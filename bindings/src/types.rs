//! Records and enums that cross the FFI, and their conversions from core types. Entity values
//! cross as JSON strings: a record per entity shape would be heavy and app-specific.

use crate::token::TokenProvider;
use std::collections::HashMap;
use std::sync::Arc;

/// What `TetherClient.open` needs. Optional fields left `None` take the core's documented
/// defaults (`ConnectionConfigBuilder`, `SyncConfig`).
#[derive(Clone, uniffi::Record)]
pub struct ClientConfig {
    /// The stream URL (`http` or `https`).
    pub url: String,
    /// Request headers sent on every attempt.
    #[uniffi(default)]
    pub headers: HashMap<String, String>,
    /// The routing rules, JSON (`docs/rules.md`).
    pub rules_json: String,
    /// Asked for a bearer token before every attempt, and with `refresh = true` after a
    /// 401/403 (default: none, no `Authorization` header unless in `headers`).
    #[uniffi(default = None)]
    pub token_provider: Option<Arc<dyn TokenProvider>>,
    /// A SQLite file for the cache; `None` keeps it in memory.
    #[uniffi(default = None)]
    pub sqlite_path: Option<String>,
    /// Start over with an empty file when the stored one is corrupt or from a newer app
    /// version, instead of failing `open` with `Storage` (default `false`: the host decides).
    #[uniffi(default = false)]
    pub recover_unreadable_storage: bool,
    /// Names the stream's resume point in storage (core default `"default"`).
    #[uniffi(default = None)]
    pub stream_name: Option<String>,
    /// Batch window in ms (core default 16).
    #[uniffi(default = None)]
    pub batch_window_ms: Option<u64>,
    /// Watchdog silence in ms (core default 45 000).
    #[uniffi(default = None)]
    pub watchdog_ms: Option<u64>,
    /// First reconnect delay in ms (core default 1 000).
    #[uniffi(default = None)]
    pub initial_retry_ms: Option<u64>,
    /// Longest reconnect delay in ms (core default 30 000).
    #[uniffi(default = None)]
    pub max_retry_ms: Option<u64>,
    /// Give up (`Failed`) after this many consecutive failed attempts (core default: never).
    #[uniffi(default = None)]
    pub max_reconnect_attempts: Option<u32>,
    /// Time in background before the socket closes, in ms (core default 1 000).
    #[uniffi(default = None)]
    pub background_grace_ms: Option<u64>,
    /// Resume from this event id on the first request (`Last-Event-ID`). A resume point stored
    /// in `sqlite_path` takes precedence.
    #[uniffi(default = None)]
    pub last_event_id: Option<String>,
    /// Longest SSE line in bytes (core default 1 MiB); a longer one reconnects.
    #[uniffi(default = None)]
    pub max_line_bytes: Option<u64>,
    /// Largest SSE event in bytes (core default 1 MiB); a larger one reconnects.
    #[uniffi(default = None)]
    pub max_event_bytes: Option<u64>,
    /// Event ids remembered for dedup (core default 10 000).
    #[uniffi(default = None)]
    pub dedup_id_capacity: Option<u64>,
    /// HTTP method (core default `GET`); some servers stream from `POST` or `REPORT`.
    #[uniffi(default = None)]
    pub method: Option<String>,
    /// Request body (UTF-8) sent on every attempt (default: none).
    #[uniffi(default = None)]
    pub body: Option<String>,
    /// Random fraction of each reconnect delay, 0.0–1.0 (core default 0.5).
    #[uniffi(default = None)]
    pub jitter: Option<f64>,
    /// A stream that stayed open this long resets the backoff, in ms (core default 60 000).
    #[uniffi(default = None)]
    pub backoff_reset_after_ms: Option<u64>,
    /// Longest `Retry-After` honoured on 408/429/5xx, in ms (core default 600 000).
    #[uniffi(default = None)]
    pub max_retry_after_ms: Option<u64>,
    /// Longest wait for response headers, connect included, in ms (core default 30 000).
    #[uniffi(default = None)]
    pub response_timeout_ms: Option<u64>,
    /// Redirects followed per attempt (core default 10).
    #[uniffi(default = None)]
    pub max_redirects: Option<u32>,
    /// Follow the process-wide lifecycle and network signals (`set_process_app_state`,
    /// `set_process_network`) that the platform observers report, and start in their current
    /// state (default `true`). Off: only this client's `set_app_state` / `set_network` count.
    #[uniffi(default = true)]
    pub follow_process_signals: bool,
    /// Shares this client under a name: while it is open, opening the same name again (from
    /// Kotlin, Swift or JavaScript in the same process) returns this instance, and
    /// `shared_client(name)` finds it. Its first configuration wins; a different URL is a
    /// `Config` error.
    #[uniffi(default = None)]
    pub instance_name: Option<String>,
}

/// Header values, the URL's query and the last event id may carry credentials: only their
/// shape is shown.
impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field("token_provider", &self.token_provider.is_some())
            .field("sqlite", &self.sqlite_path.is_some())
            .field("batch_window_ms", &self.batch_window_ms)
            .field("watchdog_ms", &self.watchdog_ms)
            .field("follow_process_signals", &self.follow_process_signals)
            .field("instance_name", &self.instance_name)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AppState {
    Foreground,
    Background,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NetworkState {
    Online,
    Offline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SuspendReason {
    Background,
    Offline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CloseReason {
    ByClient,
    ByServer,
}

/// Why a connection attempt or stream ended: `kind` is stable (`transport`, `http_status`,
/// `watchdog`, …: `ConnectionError::kind`), `message` is for logs.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConnectionErrorInfo {
    pub kind: String,
    pub message: String,
}

/// The core's `ConnectionState`, one variant per phase.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ConnectionState {
    Idle,
    Connecting { attempt: u32 },
    Open,
    Reconnecting { attempt: u32, delay_ms: u64, cause: ConnectionErrorInfo },
    Suspended { reason: SuspendReason },
    Closed { reason: CloseReason },
    Failed { error: ConnectionErrorInfo },
}

/// One entity of a list: its id and its full post-merge value as JSON.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListItem {
    pub id: String,
    pub json: String,
}

impl From<(String, serde_json::Value)> for ListItem {
    fn from((id, value): (String, serde_json::Value)) -> Self {
        Self { id, json: value.to_string() }
    }
}

/// A list view's value: the full ordered list, and what changed since the previous update.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListUpdate {
    pub items: Vec<ListItem>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub updated: Vec<String>,
}

/// An entity's value as JSON; `None` while it does not exist.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EntityUpdate {
    pub kind: String,
    pub id: String,
    pub json: Option<String>,
}

/// What `hydrate` did with the host's entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct HydrateReport {
    pub applied: u64,
    pub stale: u64,
    pub tombstoned: u64,
    pub rejected: u64,
}

/// The sync client's counters since open (the core's `SyncStats`; `applied_total` is
/// persisted with the cache).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct SyncStats {
    pub received: u64,
    pub applied: u64,
    pub applied_total: u64,
    pub duplicate_ids: u64,
    pub duplicate_signatures: u64,
    pub stale: u64,
    pub tombstoned: u64,
    pub unmatched: u64,
    pub route_errors: u64,
    pub store_errors: u64,
    pub heartbeats: u64,
    pub storage_errors: u64,
}

/// The connection's counters (the core's `Metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ConnectionMetrics {
    /// Successful opens, the first included.
    pub connects: u64,
    /// Attempts made after the first one.
    pub reconnects: u64,
    /// Body bytes received (after decompression).
    pub bytes: u64,
    /// Events dispatched by the parser.
    pub events: u64,
    /// Comment lines (heartbeats, keep-alives).
    pub comments: u64,
    /// Ghost connections the watchdog closed.
    pub watchdog_timeouts: u64,
    /// Wall-clock time of the last event, ms since the Unix epoch.
    pub last_event_at_ms: Option<u64>,
    /// Total time not `Open`, suspended time included, in ms.
    pub disconnected_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DiscontinuityReason {
    /// Reconnected without an event id to resume from.
    NoResumePoint,
    /// The server said so (a `resync` for key `"*"`).
    ServerRequested,
}

/// Something for the host to act on that is not a cache change (the core's `SyncSignal`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncSignal {
    /// The host's copy of `key` is stale: refetch it and `hydrate`.
    Resync { key: String },
    /// Events may have been missed and cannot be replayed: refetch what matters.
    Discontinuity { reason: DiscontinuityReason },
    /// An event matched no rule (reported once per event type and type value).
    Unmatched { event_type: String, type_value: Option<String> },
    /// A rule matched but the event was unusable; `message` names the rule and the problem.
    RouteError { message: String },
    /// The cache was wiped by a `clear_all` rule.
    ClearedByServer,
    /// A storage write failed; the data stays in memory and the next batch retries.
    StorageError { message: String },
}

impl From<AppState> for tether_core::AppState {
    fn from(s: AppState) -> Self {
        match s {
            AppState::Foreground => Self::Foreground,
            AppState::Background => Self::Background,
        }
    }
}

impl From<NetworkState> for tether_core::NetworkState {
    fn from(s: NetworkState) -> Self {
        match s {
            NetworkState::Online => Self::Online,
            NetworkState::Offline => Self::Offline,
        }
    }
}

impl From<tether_core::SuspendReason> for SuspendReason {
    fn from(r: tether_core::SuspendReason) -> Self {
        match r {
            tether_core::SuspendReason::Background => Self::Background,
            tether_core::SuspendReason::Offline => Self::Offline,
        }
    }
}

impl From<tether_core::CloseReason> for CloseReason {
    fn from(r: tether_core::CloseReason) -> Self {
        match r {
            tether_core::CloseReason::ByClient => Self::ByClient,
            tether_core::CloseReason::ByServer => Self::ByServer,
        }
    }
}

impl From<&tether_core::ConnectionError> for ConnectionErrorInfo {
    fn from(e: &tether_core::ConnectionError) -> Self {
        Self { kind: e.kind().to_string(), message: e.to_string() }
    }
}

impl From<tether_core::ConnectionState> for ConnectionState {
    fn from(s: tether_core::ConnectionState) -> Self {
        use tether_core::ConnectionState as S;
        match s {
            S::Idle => Self::Idle,
            S::Connecting { attempt } => Self::Connecting { attempt },
            S::Open => Self::Open,
            S::Reconnecting { attempt, delay, cause } => Self::Reconnecting {
                attempt,
                delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                cause: (&cause).into(),
            },
            S::Suspended { reason } => Self::Suspended { reason: reason.into() },
            S::Closed { reason } => Self::Closed { reason: reason.into() },
            S::Failed { error } => Self::Failed { error: (&error).into() },
        }
    }
}

impl From<tether_core::ListUpdate> for ListUpdate {
    fn from(u: tether_core::ListUpdate) -> Self {
        Self {
            items: u.items.into_iter().map(ListItem::from).collect(),
            added: u.added,
            removed: u.removed,
            updated: u.updated,
        }
    }
}

impl From<tether_core::EntityUpdate> for EntityUpdate {
    fn from(u: tether_core::EntityUpdate) -> Self {
        Self { kind: u.key.kind, id: u.key.id, json: u.value.map(|v| v.to_string()) }
    }
}

impl From<tether_core::HydrateReport> for HydrateReport {
    fn from(r: tether_core::HydrateReport) -> Self {
        let n = |v: usize| v as u64;
        Self {
            applied: n(r.applied),
            stale: n(r.stale),
            tombstoned: n(r.tombstoned),
            rejected: n(r.rejected),
        }
    }
}

impl From<tether_core::SyncStats> for SyncStats {
    fn from(s: tether_core::SyncStats) -> Self {
        Self {
            received: s.received,
            applied: s.applied,
            applied_total: s.applied_total,
            duplicate_ids: s.duplicate_ids,
            duplicate_signatures: s.duplicate_signatures,
            stale: s.stale,
            tombstoned: s.tombstoned,
            unmatched: s.unmatched,
            route_errors: s.route_errors,
            store_errors: s.store_errors,
            heartbeats: s.heartbeats,
            storage_errors: s.storage_errors,
        }
    }
}

impl From<tether_core::Metrics> for ConnectionMetrics {
    fn from(m: tether_core::Metrics) -> Self {
        Self {
            connects: m.connects,
            reconnects: m.reconnects,
            bytes: m.bytes,
            events: m.events,
            comments: m.comments,
            watchdog_timeouts: m.watchdog_timeouts,
            last_event_at_ms: m.last_event_at_ms,
            disconnected_ms: u64::try_from(m.disconnected.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

impl From<tether_core::DiscontinuityReason> for DiscontinuityReason {
    fn from(r: tether_core::DiscontinuityReason) -> Self {
        match r {
            tether_core::DiscontinuityReason::NoResumePoint => Self::NoResumePoint,
            tether_core::DiscontinuityReason::ServerRequested => Self::ServerRequested,
        }
    }
}

impl From<tether_core::SyncSignal> for SyncSignal {
    fn from(s: tether_core::SyncSignal) -> Self {
        use tether_core::SyncSignal as S;
        match s {
            S::Resync { key } => Self::Resync { key },
            S::Discontinuity { reason } => Self::Discontinuity { reason: reason.into() },
            S::Unmatched { event_type, type_value } => Self::Unmatched { event_type, type_value },
            S::RouteError { message } => Self::RouteError { message },
            S::ClearedByServer => Self::ClearedByServer,
            S::StorageError { message } => Self::StorageError { message },
        }
    }
}
