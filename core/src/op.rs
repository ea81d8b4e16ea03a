//! What the router asks of the store: one [`Op`] per routed event. Shared vocabulary of the
//! router (producer), the store (consumer) and persistence.

use serde_json::Value;

/// Identifies an entity: its kind (e.g. `"session"`) and its id within that kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityKey {
    pub kind: String,
    pub id: String,
}

impl EntityKey {
    pub fn new(kind: impl Into<String>, id: impl Into<String>) -> Self {
        Self { kind: kind.into(), id: id.into() }
    }
}

/// "Newer than" for an entity: a numeric version, or a timestamp as nanoseconds since the Unix
/// epoch (RFC 3339 strings and epoch numbers are converted by the router, per rule). Only
/// compared within one entity, so a rule must use one flavour per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub i64);

/// One change the store is asked to make.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Replace the entity with `value` (create it if missing).
    Upsert { key: EntityKey, value: Value, version: Option<Version> },
    /// Deep-merge `patch` into the entity: objects merge key by key, arrays and scalars replace,
    /// `null` deletes the field. A missing entity is created from the patch (nulls dropped).
    Merge { key: EntityKey, patch: Value, version: Option<Version> },
    /// Remove the entity and leave a tombstone so a late update cannot resurrect it.
    Delete { key: EntityKey, version: Option<Version> },
    /// Wipe every entity, tombstone and remembered id (logout).
    ClearAll,
    /// A heartbeat event: proof of life, optionally announcing the server's interval.
    Heartbeat { interval_ms: Option<u64> },
    /// The server says the host's copy of `key` (a host query key, e.g. `"sessions"`) is stale:
    /// the host should refetch it.
    Resync { key: String },
    /// Matched a rule that says to ignore it.
    Ignore,
}
