//! Things the host should act on that are not cache changes.

/// A signal from the sync client to the host app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncSignal {
    /// The server says the host's copy of `key` is stale: refetch it (and `hydrate`).
    Resync { key: String },
    /// Events may have been missed and cannot be replayed: refetch everything that matters.
    Discontinuity { reason: DiscontinuityReason },
    /// An event matched no rule.
    Unmatched { event_type: String, type_value: Option<String> },
    /// A rule matched but the event was unusable; `message` names the rule and the problem.
    RouteError { message: String },
    /// The cache was wiped by a `clear_all` rule (e.g. a `force_logout` event).
    ClearedByServer,
    /// A storage write failed; the data stays in memory and the next batch retries.
    StorageError { message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscontinuityReason {
    /// The stream reconnected without any event id to resume from: the server cannot know
    /// what this client missed.
    NoResumePoint,
    /// The server said so: a `resync` rule whose key is `"*"` (e.g. the server's replay log no
    /// longer reaches back to this client's last event id).
    ServerRequested,
}
