//! Persistence: the entity cache, the tombstones, the dedup id window and each stream's last event
//! id in one SQLite file on the device, so a cold start shows the last state and resumes where it
//! stopped. One [`Persistence`] owns one connection; the store calls [`Persistence::write`] once
//! per change batch and [`Persistence::load`] once at start.
//!
//! # Guarantees
//! - **A batch is atomic.** [`Persistence::write`] applies a whole [`WriteBatch`] in one
//!   `BEGIN IMMEDIATE` transaction, last event id included: after a crash, a power loss or a failed
//!   statement the file holds either the old state or the new one, so the stored last event id is
//!   never ahead of the stored data (it may be behind after a power loss: `synchronous=NORMAL` in
//!   WAL mode can lose the last commits, never half of one, and a replay is deduplicated).
//! - **Logout leaves nothing behind.** [`Persistence::clear`] deletes every row, `VACUUM`s and
//!   truncates the WAL, so deleted data is gone from the file's bytes, not only from its tables.
//! - **A damaged or foreign file is reported, never trusted.** Open runs `PRAGMA quick_check`;
//!   [`PersistError::Corrupt`] and [`PersistError::FutureSchema`] (written by a newer app
//!   version) are answered by [`Persistence::recreate`]: the cache is a copy of server state, so the
//!   documented recovery is to start empty and resync. A future file is not modified by `open`.
//!
//! # Write order
//! Within one batch: `cleared`, then `deletes`, then `tombstones_evicted`, then `upserts`, then
//! `dedup_evicted`, then `dedup_added`, then `last_event_id` and `applied_delta` — the order in
//! which the store's `ChangeSet` reports them, so a tombstone written and evicted within one batch
//! is gone on disk as in memory. Each list in its own order, so of two entries for one key the
//! later wins; tombstones keep their write order (a `seq` column), which is their eviction order.
//! A batch should name each key at most once across `deletes` and `upserts`; when it names one in
//! both, the upsert wins. Dedup evictions apply before additions, so an id the dedup window
//! evicted and then admitted again within one batch stays stored (which is how the dedup module
//! reports it).
//!
//! # Schema, version 2
//! ```sql
//! -- schema_version, also kept in PRAGMA user_version (the two must agree, else Corrupt)
//! CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value ANY) STRICT;
//! -- the cache: one JSON document per entity, keyed like `EntityKey`
//! CREATE TABLE entities (kind TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL,
//!     version INTEGER, PRIMARY KEY (kind, id)) WITHOUT ROWID, STRICT;
//! -- deleted keys, so a late update cannot resurrect them
//! CREATE TABLE tombstones (kind TEXT NOT NULL, id TEXT NOT NULL, version INTEGER,
//!     PRIMARY KEY (kind, id)) WITHOUT ROWID, STRICT;
//! -- the dedup id window: reusable slots, 64 to a row; each row's `ids` is UTF-8 text of
//! -- `{slot in chunk},{seq},{byte length}:{id}` entries, oldest first by seq (`slots.rs`)
//! CREATE TABLE dedup_chunks (chunk INTEGER PRIMARY KEY, ids BLOB NOT NULL) STRICT;
//! -- each stream's resume point
//! CREATE TABLE streams (name TEXT PRIMARY KEY NOT NULL, last_event_id TEXT,
//!                       applied_total INTEGER NOT NULL DEFAULT 0) STRICT;
//! ```
//! Version 1 kept dedup ids one per row (`dedup_ids (seq INTEGER PRIMARY KEY AUTOINCREMENT,
//! event_id TEXT NOT NULL UNIQUE)`): an insert and a delete per event, 1.24 µs of the applier's
//! ~4.3; step 2 moves those rows into slots, keeping their order, and drops the table.
//! Versions are `Version.0` as INTEGER (NULL for none). Entities, tombstones and dedup ids are
//! shared by every stream; only the resume point is per stream. Migrations are a list of
//! (version, SQL) steps (`schema.rs`) run in order in one transaction; "version 0" is a file
//! with no schema (new or empty). Connection settings: WAL, `synchronous=NORMAL`,
//! `foreign_keys=ON`, a 5 s busy timeout, cached prepared statements.
//!
//! Calls block on disk I/O: run them off the async workers (e.g. `spawn_blocking`).

mod clear;
mod error;
mod load;
mod open;
mod schema;
mod slots;
mod write;

pub use error::PersistError;
pub use load::Snapshot;
pub(crate) use write::BatchRef;
pub use write::WriteBatch;

/// The on-device store of the cache and resume points: one SQLite connection.
#[derive(Debug)]
pub struct Persistence {
    conn: rusqlite::Connection,
    /// Which dedup slot holds which id; read on first use, dropped when a write fails.
    slots: Option<slots::Slots>,
}

impl Persistence {
    /// The newest schema this build reads and writes; a file with a higher one is
    /// [`PersistError::FutureSchema`].
    pub const SCHEMA_VERSION: u32 = schema::SCHEMA_VERSION;

    /// The schema version of the open file (always the newest this build knows, once open).
    pub fn schema_version(&self) -> Result<u32, PersistError> {
        schema::stored_version(&self.conn)
    }
}

#[cfg(test)]
mod test_support {
    //! Helpers shared by the unit tests of this module's files.

    use super::*;
    use crate::op::{EntityKey, Version};
    use serde_json::Value;
    use std::path::{Path, PathBuf};

    pub(super) fn key(kind: &str, id: &str) -> EntityKey {
        EntityKey::new(kind, id)
    }

    pub(super) fn entity(
        kind: &str,
        id: &str,
        json: Value,
        version: Option<i64>,
    ) -> (EntityKey, Value, Option<Version>) {
        (key(kind, id), json, version.map(Version))
    }

    /// A temp dir and the store file path inside it (the dir is deleted on drop).
    pub(super) fn temp_db() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("tether.sqlite3");
        (dir, path)
    }

    /// `path` with `suffix` appended (`-wal`, `-shm`).
    pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    }

    pub(super) fn open(path: &Path) -> Persistence {
        Persistence::open(path).expect("open")
    }

    /// Runs raw SQL on the store's own connection (test setup and fault injection).
    pub(super) fn raw(p: &Persistence, sql: &str) {
        p.conn.execute_batch(sql).expect("raw sql");
    }

    #[test]
    fn the_store_can_move_to_a_blocking_thread() {
        fn send<T: Send>() {}
        send::<Persistence>();
        send::<PersistError>();
        send::<Snapshot>();
        send::<WriteBatch>();
    }
}
