//! Records and enums that cross the FFI, and their conversions from core types. Entity values
//! cross as JSON strings: a record per entity shape would be heavy and app-specific.

use std::collections::HashMap;

/// What `TetherClient.open` needs. Optional fields left `None` take the core's documented
/// defaults (`ConnectionConfigBuilder`, `SyncConfig`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct ClientConfig {
    /// The stream URL (`http` or `https`).
    pub url: String,
    /// Request headers sent on every attempt.
    #[uniffi(default)]
    pub headers: HashMap<String, String>,
    /// The routing rules, JSON (`docs/rules.md`).
    pub rules_json: String,
    /// A SQLite file for the cache; `None` keeps it in memory.
    #[uniffi(default = None)]
    pub sqlite_path: Option<String>,
    /// Batch window in ms (core default 16).
    #[uniffi(default = None)]
    pub batch_window_ms: Option<u64>,
    /// Watchdog silence in ms (core default 45 000).
    #[uniffi(default = None)]
    pub watchdog_ms: Option<u64>,
    /// First reconnect delay in ms (core default 1 000).
    #[uniffi(default = None)]
    pub initial_retry_ms: Option<u64>,
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

/// The sync client's counters since open (`SyncStats` in the core).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Stats {
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
            items: u
                .items
                .into_iter()
                .map(|(id, value)| ListItem { id, json: value.to_string() })
                .collect(),
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

impl From<tether_core::SyncStats> for Stats {
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
