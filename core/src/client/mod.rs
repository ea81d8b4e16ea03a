//! The sync client: one connection feeding one cache. Events go dedup → router → store; the
//! store's changes are written to SQLite and handed to subscribers once per batch window.

mod apply;
mod config;
mod signals;
mod stats;
mod subscriptions;

pub use config::{Storage, SyncConfig};
pub use signals::{DiscontinuityReason, SyncSignal};
pub use stats::SyncStats;
pub use subscriptions::{
    EntitySubscription, EntityUpdate, ListSubscription, ListUpdate, SignalSubscription,
    Subscription,
};

use crate::connection::{Connection, ConnectionState, Message, MessageStream, StateStream};
use crate::dedup::Dedup;
use crate::op::{EntityKey, Version};
use crate::persist::{PersistError, Persistence};
use crate::store::{Applied, Entity, ListView, Store};
use apply::SyncState;
use serde_json::Value;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

/// Why a sync client could not open, or an operation on it failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The cache file could not be used. `Corrupt` and `FutureSchema` are recovered from by
    /// starting empty: set `SyncConfig::recover_unreadable_storage(true)`, or delete the file.
    #[error("storage: {0}")]
    Storage(#[from] PersistError),
}

/// What `hydrate` did with the host's entities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HydrateReport {
    /// Written into the cache.
    pub applied: usize,
    /// Older than what the stream already delivered: dropped (the refetch race).
    pub stale: usize,
    /// Deleted by the stream, not newer than the deletion: dropped.
    pub tombstoned: usize,
    /// Refused (not an object, too deep).
    pub rejected: usize,
}

/// A live, persisted, deduplicated cache of server state.
#[derive(Debug)]
pub struct SyncClient {
    connection: Connection,
    state: Arc<Mutex<SyncState>>,
    applied_total_at_open: u64,
}

impl SyncClient {
    /// Opens the cache (a cold start shows the last stored state at once), then connects,
    /// resuming from the stored last event id.
    pub fn open(config: SyncConfig) -> Result<SyncClient, SyncError> {
        let persistence = open_storage(&config)?;
        let snapshot = persistence.load(&config.stream_name)?;
        let mut store = Store::new(config.store_limits);
        store.restore(
            snapshot
                .entities
                .into_iter()
                .map(|(k, v, version)| (k, Entity::new(v, version)))
                .collect(),
            snapshot.tombstones,
        );
        let mut dedup = Dedup::new(config.dedup);
        dedup.restore(snapshot.dedup_ids);
        let mut connection_config = config.connection.clone();
        if let Some(id) = snapshot.last_event_id.clone().filter(|id| !id.is_empty()) {
            connection_config.last_event_id = Some(id);
        }
        let has_resume_point = connection_config.last_event_id.is_some();
        let mut state = SyncState::new(
            store,
            dedup,
            config.router.clone(),
            persistence,
            config.stream_name.clone(),
            has_resume_point,
        );
        state.stats.applied_total = snapshot.applied_total;
        let applied_total_at_open = snapshot.applied_total;
        let state = Arc::new(Mutex::new(state));
        let runtime = connection_config.runtime.clone();
        let (connection, messages) = Connection::open(connection_config);
        let applier = Applier { state: Arc::clone(&state), window: config.batch_window };
        runtime.spawn(applier.run(messages, connection.states()));
        Ok(SyncClient { connection, state, applied_total_at_open })
    }

    /// `applied_total` as stored when the client opened, before any event of this run (a
    /// later `stats()` may already include events applied since).
    pub fn applied_total_at_open(&self) -> u64 {
        self.applied_total_at_open
    }

    /// The connection: its state stream, lifecycle and network signals, metrics, close.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// The list now, then an update per batch that changes it.
    pub fn watch_list(&self, view: ListView) -> ListSubscription {
        let mut state = self.lock();
        let state = &mut *state;
        state.subscribers.add_list(view, &state.store)
    }

    /// The entity now (`None` if absent), then an update per batch that changes it.
    pub fn watch_entity(&self, key: EntityKey) -> EntitySubscription {
        let mut state = self.lock();
        let state = &mut *state;
        state.subscribers.add_entity(key, &state.store)
    }

    /// Signals for the host: resync requests, discontinuities, unmatched events, errors.
    pub fn signals(&self) -> SignalSubscription {
        self.lock().subscribers.add_signals()
    }

    /// The list now.
    pub fn list(&self, view: &ListView) -> Vec<(String, Value)> {
        self.lock().store.query(view)
    }

    /// The entity now.
    pub fn get(&self, key: &EntityKey) -> Option<Value> {
        self.lock().store.get(key).map(|e| e.value.clone())
    }

    /// Seeds or refreshes `kind` from the host's own REST fetch, under the same version guard
    /// as streamed events: a refetch older than pushed data never overwrites it. Written to
    /// storage and told to subscribers at once.
    pub fn hydrate(
        &self,
        kind: &str,
        entities: Vec<(String, Value, Option<Version>)>,
    ) -> HydrateReport {
        let mut state = self.lock();
        let mut report = HydrateReport::default();
        for outcome in state.store.hydrate(kind, entities) {
            match outcome {
                Ok(Applied::Stale(_)) => report.stale += 1,
                Ok(Applied::Tombstoned(_)) => report.tombstoned += 1,
                Ok(_) => report.applied += 1,
                Err(_) => report.rejected += 1,
            }
        }
        state.flush();
        report
    }

    /// Logout: wipes the cache, the dedup window, the resume points and the file's contents.
    pub fn clear(&self) -> Result<(), SyncError> {
        let mut state = self.lock();
        state.store.clear();
        state.dedup.clear();
        state.persistence.clear()?;
        state.flush();
        Ok(())
    }

    /// Counters since open.
    pub fn stats(&self) -> SyncStats {
        self.lock().stats.clone()
    }

    /// Writes what is pending and tells subscribers now, without waiting for the batch window.
    pub fn flush(&self) {
        self.lock().flush();
    }

    /// Closes the connection and writes what is pending. Idempotent.
    pub fn close(&self) {
        self.connection.close();
        self.flush();
    }

    fn lock(&self) -> MutexGuard<'_, SyncState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for SyncClient {
    fn drop(&mut self) {
        self.close();
    }
}

fn open_storage(config: &SyncConfig) -> Result<Persistence, PersistError> {
    match &config.storage {
        Storage::InMemory => Persistence::open_in_memory(),
        Storage::File(path) => match Persistence::open(path) {
            Err(PersistError::Corrupt(_) | PersistError::FutureSchema { .. })
                if config.recover_unreadable_storage =>
            {
                tracing::warn!("cache file unreadable; starting empty");
                Persistence::recreate(path)
            }
            other => other,
        },
    }
}

/// Events are taken into account as they arrive; storage and subscribers hear of them once per
/// batch window.
struct Applier {
    state: Arc<Mutex<SyncState>>,
    window: Duration,
}

/// Events drained per lock, so host calls never wait long for the mutex.
const EVENTS_PER_LOCK: usize = 256;

impl Applier {
    async fn run(self, mut messages: MessageStream, mut states: StateStream) {
        let mut deadline: Option<Instant> = None;
        let mut opened_before = false;
        let mut states_done = false;
        loop {
            tokio::select! {
                biased;
                message = messages.recv() => {
                    let Some(message) = message else { break };
                    let now = Instant::now();
                    let mut state = self.lock();
                    state.take(message, now);
                    for _ in 1..EVENTS_PER_LOCK {
                        match messages.try_recv() {
                            Some(message) => state.take(message, now),
                            None => break,
                        }
                    }
                    if self.window.is_zero() {
                        state.flush();
                    } else if deadline.is_none() {
                        deadline = Some(now + self.window);
                    }
                }
                () = sleep_until(deadline), if deadline.is_some() => {
                    deadline = None;
                    self.lock().flush();
                }
                state = states.next(), if !states_done => match state {
                    Some(ConnectionState::Open) => {
                        let mut sync = self.lock();
                        if opened_before && !sync.has_resume_point {
                            sync.subscribers.signal(SyncSignal::Discontinuity {
                                reason: DiscontinuityReason::NoResumePoint,
                            });
                        }
                        opened_before = true;
                    }
                    Some(_) => {}
                    None => states_done = true,
                },
            }
        }
        self.lock().flush();
    }

    fn lock(&self) -> MutexGuard<'_, SyncState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SyncState {
    fn take(&mut self, message: Message, now: Instant) {
        if let Message::Event(event) = message {
            self.ingest(&event, now);
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
