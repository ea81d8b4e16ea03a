//! The sync client's configuration: the connection, the routing rules, storage, dedup, batching.

use crate::connection::ConnectionConfig;
use crate::dedup::DedupConfig;
use crate::router::Router;
use crate::store::StoreLimits;
use std::path::PathBuf;
use std::time::Duration;

/// Where the cache lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// Nothing on disk: a cold start begins empty.
    InMemory,
    /// A SQLite file (WAL): a cold start shows the last state and resumes the stream.
    File(PathBuf),
}

/// Everything a [`SyncClient`](super::SyncClient) needs.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    pub(crate) connection: ConnectionConfig,
    pub(crate) router: Router,
    pub(crate) storage: Storage,
    pub(crate) dedup: DedupConfig,
    pub(crate) store_limits: StoreLimits,
    pub(crate) batch_window: Duration,
    pub(crate) stream_name: String,
    pub(crate) recover_unreadable_storage: bool,
}

impl SyncConfig {
    /// A client for `connection`, routing events with `router`, caching in memory, dedup
    /// windows and store limits at their defaults, changes batched per 60 Hz frame (16 ms).
    pub fn new(connection: ConnectionConfig, router: Router) -> Self {
        Self {
            connection,
            router,
            storage: Storage::InMemory,
            dedup: DedupConfig::default(),
            store_limits: StoreLimits::default(),
            batch_window: Duration::from_millis(16),
            stream_name: "default".to_string(),
            recover_unreadable_storage: false,
        }
    }

    /// Persist the cache, the dedup window and the resume point in this SQLite file.
    pub fn storage(mut self, storage: Storage) -> Self {
        self.storage = storage;
        self
    }

    /// Start over with an empty file when the stored one is corrupt or from a newer app
    /// version, instead of failing `open` with that error (default: fail, so the host decides).
    pub fn recover_unreadable_storage(mut self, recover: bool) -> Self {
        self.recover_unreadable_storage = recover;
        self
    }

    pub fn dedup(mut self, dedup: DedupConfig) -> Self {
        self.dedup = dedup;
        self
    }

    pub fn store_limits(mut self, limits: StoreLimits) -> Self {
        self.store_limits = limits;
        self
    }

    /// How long changes are coalesced before subscribers hear of them and they are written to
    /// storage (default 16 ms: one frame at 60 Hz). Zero flushes after every socket read.
    pub fn batch_window(mut self, window: Duration) -> Self {
        self.batch_window = window;
        self
    }

    /// Names the stream's resume point in storage (default `"default"`); one file can hold
    /// several streams' resume points.
    pub fn stream_name(mut self, name: impl Into<String>) -> Self {
        self.stream_name = name.into();
        self
    }
}
