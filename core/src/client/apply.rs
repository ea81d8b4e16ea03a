//! The sync state behind one mutex: every event goes dedup → router → store here, and `flush`
//! writes one storage transaction and notifies subscribers once per batch window.

use super::signals::{DiscontinuityReason, SyncSignal};
use super::stats::SyncStats;
use super::subscriptions::Subscribers;
use crate::dedup::{Dedup, Verdict};
use crate::op::Op;
use crate::parser::Event;
use crate::persist::{BatchRef, Persistence, WriteBatch};
use crate::router::{Routed, Router};
use crate::store::{Outcome, Store};
use std::collections::HashSet;
use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct SyncState {
    pub(crate) store: Store,
    pub(crate) dedup: Dedup,
    pub(crate) router: Router,
    pub(crate) persistence: Persistence,
    pub(crate) stream: String,
    pub(crate) subscribers: Subscribers,
    pub(crate) stats: SyncStats,
    /// The resume point after the last event taken into account, not yet written.
    pending_last_event_id: Option<String>,
    /// Events taken into account since the last write.
    pending_applied: u64,
    /// A batch whose write failed: merged into the next one.
    unsaved: Option<WriteBatch>,
    /// Event types already reported as unmatched (a signal each, once).
    unmatched_reported: HashSet<String>,
    /// Whether any event id was ever known (stored or received).
    pub(crate) has_resume_point: bool,
}

impl SyncState {
    pub(crate) fn new(
        store: Store,
        dedup: Dedup,
        router: Router,
        persistence: Persistence,
        stream: String,
        has_resume_point: bool,
    ) -> Self {
        Self {
            store,
            dedup,
            router,
            persistence,
            stream,
            subscribers: Subscribers::default(),
            stats: SyncStats::default(),
            pending_last_event_id: None,
            pending_applied: 0,
            unsaved: None,
            unmatched_reported: HashSet::new(),
            has_resume_point,
        }
    }

    /// Takes one event into account: at most once, whatever its fate.
    pub(crate) fn ingest(&mut self, event: &Event, now: Instant) {
        self.stats.received += 1;
        // `event.id` is the last event id at dispatch: an event without its own `id:` field
        // inherits its predecessor's, which does not identify it.
        let own_id = (event.has_own_id && !event.id.is_empty()).then_some(event.id.as_str());
        let routed = self.router.route(&event.as_event_ref());
        let dedup_id = match &routed {
            Routed::Op { dedup_id: Some(id), .. } if own_id.is_none() => Some(id.as_str()),
            _ => own_id,
        };
        let verdict = self.dedup.check(dedup_id, &event.event_type, &event.data, now);
        match verdict {
            Verdict::Fresh => {
                // Only an event taken into account moves the resume point: a repeated old
                // event must not move it back.
                if !event.id.is_empty() {
                    self.pending_last_event_id = Some(event.id.clone());
                    self.has_resume_point = true;
                }
            }
            Verdict::DuplicateId => {
                self.stats.duplicate_ids += 1;
                return;
            }
            Verdict::DuplicateSignature => {
                self.stats.duplicate_signatures += 1;
                return;
            }
        }
        self.stats.applied += 1;
        self.pending_applied += 1;
        match routed {
            Routed::Op { op, .. } => self.apply(op),
            Routed::Unmatched { event_type, type_value } => {
                self.stats.unmatched += 1;
                let label = format!("{event_type}/{}", type_value.as_deref().unwrap_or(""));
                if self.unmatched_reported.insert(label) {
                    self.subscribers.signal(SyncSignal::Unmatched { event_type, type_value });
                }
            }
            Routed::Error(error) => {
                self.stats.route_errors += 1;
                tracing::debug!(%error, "event not routable");
                self.subscribers.signal(SyncSignal::RouteError { message: error.to_string() });
            }
        }
    }

    fn apply(&mut self, op: Op) {
        match &op {
            Op::Heartbeat { .. } => self.stats.heartbeats += 1,
            Op::Resync { key } if key == "*" => {
                let reason = DiscontinuityReason::ServerRequested;
                self.subscribers.signal(SyncSignal::Discontinuity { reason });
            }
            Op::Resync { key } => {
                self.subscribers.signal(SyncSignal::Resync { key: key.clone() });
            }
            _ => {}
        }
        match self.store.apply_quietly(&op) {
            Ok(Outcome::Stale) => self.stats.stale += 1,
            Ok(Outcome::Tombstoned) => self.stats.tombstoned += 1,
            Ok(Outcome::Cleared) => {
                // After a logout the old user's event ids mean nothing; the resume point stays.
                self.dedup.clear();
                self.subscribers.signal(SyncSignal::ClearedByServer);
            }
            Ok(_) => {}
            Err(error) => {
                self.stats.store_errors += 1;
                tracing::debug!(%error, "store refused an operation");
                self.subscribers.signal(SyncSignal::RouteError { message: error.to_string() });
            }
        }
    }

    /// Writes what changed since the last flush in one transaction (entities, tombstones, dedup
    /// ids, resume point), then tells subscribers. A failed write is kept and retried with the
    /// next batch; memory stays right either way. Entities are written from the store as they
    /// are, not copied.
    pub(crate) fn flush(&mut self) {
        let changes = self.store.take_changed_keys();
        let ids = self.dedup.take_changes();
        let last_event_id = self.pending_last_event_id.take();
        let applied = std::mem::take(&mut self.pending_applied);
        let nothing_new = changes.is_empty() && ids.added.is_empty() && ids.evicted.is_empty();
        if nothing_new && last_event_id.is_none() && applied == 0 && self.unsaved.is_none() {
            return;
        }
        if changes.cleared {
            self.unsaved = None;
            if let Err(error) = self.persistence.clear() {
                self.storage_failed(error.to_string());
            }
        }
        let store = &self.store;
        let batch = BatchRef {
            cleared: false,
            upserts: changes
                .upserted
                .iter()
                .filter_map(|k| store.get(k).map(|e| (k, &e.value, e.version)))
                .collect(),
            deletes: &changes.deleted,
            tombstones_evicted: &changes.tombstones_evicted,
            dedup_added: &ids.added,
            dedup_evicted: &ids.evicted,
            last_event_id: last_event_id.as_deref(),
            applied_delta: applied,
        };
        let outcome = match self.unsaved.take() {
            None => match self.persistence.write_ref(&self.stream, &batch) {
                Ok(()) => Ok(batch.applied_delta),
                Err(error) => Err((error, batch.to_owned_batch())),
            },
            Some(mut earlier) => {
                earlier.absorb(batch.to_owned_batch());
                match self.persistence.write(&self.stream, &earlier) {
                    Ok(()) => Ok(earlier.applied_delta),
                    Err(error) => Err((error, earlier)),
                }
            }
        };
        drop(batch);
        match outcome {
            Ok(applied) => self.stats.applied_total += applied,
            Err((error, unsaved)) => {
                self.storage_failed(error.to_string());
                self.unsaved = Some(unsaved);
            }
        }
        if !changes.is_empty() {
            self.subscribers.publish(&self.store, &changes);
        }
    }

    fn storage_failed(&mut self, message: String) {
        self.stats.storage_errors += 1;
        tracing::warn!(%message, "storage write failed; kept in memory");
        self.subscribers.signal(SyncSignal::StorageError { message });
    }
}
