//! What the sync client did with the events it received.

/// Counters since the client was opened (not persisted, except `applied_total`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStats {
    /// Events received from the connection.
    pub received: u64,
    /// Events that changed (or were allowed to change) the store.
    pub applied: u64,
    /// Every event ever applied to this cache, across restarts (persisted with the data).
    pub applied_total: u64,
    /// Dropped: their id was seen before.
    pub duplicate_ids: u64,
    /// Dropped: id-less, same content within the signature window.
    pub duplicate_signatures: u64,
    /// Dropped: older than the stored entity.
    pub stale: u64,
    /// Dropped: an update to a deleted entity that is not newer than the deletion.
    pub tombstoned: u64,
    /// Matched no rule (counted and surfaced as a signal, never an error).
    pub unmatched: u64,
    /// A rule matched but the event could not be used (malformed JSON, missing id, …).
    pub route_errors: u64,
    /// The store refused the operation (e.g. too deeply nested).
    pub store_errors: u64,
    /// Heartbeat events.
    pub heartbeats: u64,
    /// Storage writes that failed (the data stays in memory and is retried with the next batch).
    pub storage_errors: u64,
}
