//! What changed in the store since the last look, coalesced per key: one batch for subscribers
//! (full post-merge entities, so no binding merges) and for persistence.

use super::entity::Entities;
use super::Entity;
use crate::op::{EntityKey, Version};
use std::collections::HashMap;

/// Everything that changed since the previous [`Store::take_changes`](super::Store::take_changes),
/// one final state per key.
///
/// To mirror the store (persistence does), apply it in field order:
/// 1. `cleared`: drop every entity and tombstone;
/// 2. `upserted`: store each entity (full value), dropping any tombstone of its key;
/// 3. `deleted`: drop each entity and store its tombstone with that version (making it the
///    youngest tombstone);
/// 4. `tombstones_evicted`: drop those tombstones.
///
/// Within each list, keys come in the order of their last change, so appending `deleted` to a
/// tombstone list keeps it oldest-first, as [`Store::restore`](super::Store::restore) expects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    /// The store was cleared (every earlier entity and tombstone is gone) before the changes below.
    pub cleared: bool,
    /// Entities created or changed, with their full current value and version.
    pub upserted: Vec<(EntityKey, Entity)>,
    /// Entities deleted (or a deletion recorded ahead of the entity), with the tombstone's version.
    pub deleted: Vec<(EntityKey, Option<Version>)>,
    /// Tombstones dropped to stay within `max_tombstones`; a later update of the key is no longer
    /// blocked.
    pub tombstones_evicted: Vec<EntityKey>,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        !self.cleared
            && self.upserted.is_empty()
            && self.deleted.is_empty()
            && self.tombstones_evicted.is_empty()
    }

    /// Whether any entity of `kind` was created, changed or deleted (or everything was cleared).
    pub fn touches_kind(&self, kind: &str) -> bool {
        self.cleared
            || self.upserted.iter().any(|(key, _)| key.kind == kind)
            || self.deleted.iter().any(|(key, _)| key.kind == kind)
    }
}

/// A [`ChangeSet`] without the entities' values, for an owner that reads them from the store
/// (the sync client: persistence and subscribers borrow them, nothing is copied).
#[derive(Debug, Default)]
pub(crate) struct ChangedKeys {
    pub(crate) cleared: bool,
    /// Keys of entities created or changed that still exist, in order of last change.
    pub(crate) upserted: Vec<EntityKey>,
    pub(crate) deleted: Vec<(EntityKey, Option<Version>)>,
    pub(crate) tombstones_evicted: Vec<EntityKey>,
}

impl ChangedKeys {
    pub(crate) fn is_empty(&self) -> bool {
        !self.cleared
            && self.upserted.is_empty()
            && self.deleted.is_empty()
            && self.tombstones_evicted.is_empty()
    }
}

/// The last change to one key in the current batch.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Last {
    /// The entity exists: report its current state.
    Upserted,
    /// Deleted (tombstone written at `version`); `evicted` when that tombstone is gone again.
    Deleted { version: Option<Version>, evicted: bool },
    /// A tombstone from an earlier batch was evicted.
    Evicted,
}

/// Collects changes between two `take`s.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    cleared: bool,
    /// Key → (order of its last change, what it was).
    last: HashMap<EntityKey, (u64, Last)>,
    next: u64,
}

impl Recorder {
    fn record(&mut self, key: &EntityKey, change: Last) {
        let order = self.next;
        self.next += 1;
        match self.last.get_mut(key) {
            Some(slot) => *slot = (order, change),
            None => {
                self.last.insert(key.clone(), (order, change));
            }
        }
    }

    pub(crate) fn upserted(&mut self, key: &EntityKey) {
        self.record(key, Last::Upserted);
    }

    pub(crate) fn deleted(&mut self, key: &EntityKey, version: Option<Version>) {
        self.record(key, Last::Deleted { version, evicted: false });
    }

    pub(crate) fn evicted(&mut self, key: &EntityKey) {
        match self.last.get_mut(key) {
            Some((_, Last::Deleted { evicted, .. })) => *evicted = true,
            // An entity that exists has no tombstone to evict.
            Some((_, Last::Upserted | Last::Evicted)) => {}
            None => self.record(key, Last::Evicted),
        }
    }

    /// Everything before is wiped: earlier per-key changes no longer matter.
    pub(crate) fn cleared(&mut self) {
        self.cleared = true;
        self.last.clear();
    }

    /// Forgets everything recorded (the store was restored from a snapshot).
    pub(crate) fn reset(&mut self) {
        self.cleared = false;
        self.last.clear();
    }

    /// The batch so far, with upserted entities read from `entities`; starts a new batch.
    pub(crate) fn take(&mut self, entities: &Entities) -> ChangeSet {
        let keys = self.take_keys(entities);
        let upserted = keys
            .upserted
            .into_iter()
            .filter_map(|key| {
                let entity = entities.get(&key)?.clone();
                Some((key, entity))
            })
            .collect();
        ChangeSet {
            cleared: keys.cleared,
            upserted,
            deleted: keys.deleted,
            tombstones_evicted: keys.tombstones_evicted,
        }
    }

    /// The batch so far as keys (upserted keys that exist in `entities`); starts a new batch.
    pub(crate) fn take_keys(&mut self, entities: &Entities) -> ChangedKeys {
        let mut last: Vec<(EntityKey, (u64, Last))> = self.last.drain().collect();
        last.sort_unstable_by_key(|(_, (order, _))| *order);
        let mut changes =
            ChangedKeys { cleared: std::mem::take(&mut self.cleared), ..ChangedKeys::default() };
        for (key, (_, change)) in last {
            match change {
                Last::Upserted => {
                    if entities.get(&key).is_some() {
                        changes.upserted.push(key);
                    }
                }
                Last::Deleted { version, evicted } => {
                    if evicted {
                        changes.tombstones_evicted.push(key.clone());
                    }
                    changes.deleted.push((key, version));
                }
                Last::Evicted => changes.tombstones_evicted.push(key),
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(id: &str) -> EntityKey {
        EntityKey::new("k", id)
    }

    fn v(n: i64) -> Option<Version> {
        Some(Version(n))
    }

    #[test]
    fn coalesces_to_the_final_state_per_key_in_order_of_last_change() {
        let mut entities = Entities::default();
        let mut recorder = Recorder::default();

        entities.insert(key("a"), Entity::new(json!({"n": 1}), None));
        recorder.upserted(&key("a"));
        entities.insert(key("b"), Entity::new(json!({}), None));
        recorder.upserted(&key("b"));
        recorder.deleted(&key("c"), v(3));
        // `a` changes again: reported once, with its latest value.
        entities.insert(key("a"), Entity::new(json!({"n": 2}), v(7)));
        recorder.upserted(&key("a"));
        // `b` deleted: reported as deleted only.
        entities.remove(&key("b"));
        recorder.deleted(&key("b"), None);

        let changes = recorder.take(&entities);
        assert!(!changes.cleared);
        assert_eq!(changes.upserted, vec![(key("a"), Entity::new(json!({"n": 2}), v(7)))]);
        assert_eq!(changes.deleted, vec![(key("c"), v(3)), (key("b"), None)]);
        assert!(changes.tombstones_evicted.is_empty());
        assert!(recorder.take(&entities).is_empty());
    }

    #[test]
    fn evictions_keep_the_final_state() {
        let entities = Entities::default();
        let mut recorder = Recorder::default();
        // Deleted then evicted in one batch: both reported, deletion applies first.
        recorder.deleted(&key("a"), v(1));
        recorder.evicted(&key("a"));
        // A tombstone from an earlier batch evicted.
        recorder.evicted(&key("b"));
        // Evicted, then deleted again: the new tombstone stands.
        recorder.evicted(&key("c"));
        recorder.deleted(&key("c"), v(4));

        let changes = recorder.take(&entities);
        assert_eq!(changes.deleted, vec![(key("a"), v(1)), (key("c"), v(4))]);
        assert_eq!(changes.tombstones_evicted, vec![key("a"), key("b")]);
    }

    #[test]
    fn clearing_drops_earlier_changes_and_keeps_later_ones() {
        let mut entities = Entities::default();
        let mut recorder = Recorder::default();
        recorder.deleted(&key("a"), v(1));
        recorder.cleared();
        entities.insert(key("b"), Entity::new(json!({}), None));
        recorder.upserted(&key("b"));
        let changes = recorder.take(&entities);
        assert!(changes.cleared);
        assert!(changes.deleted.is_empty());
        assert_eq!(changes.upserted.len(), 1);
        assert!(changes.touches_kind("k"));
        assert!(!changes.is_empty());

        let next = recorder.take(&entities);
        assert!(!next.cleared);
        assert!(next.is_empty());
        assert!(!next.touches_kind("k"));
    }

    #[test]
    fn reset_forgets_everything() {
        let entities = Entities::default();
        let mut recorder = Recorder::default();
        recorder.cleared();
        recorder.deleted(&key("a"), None);
        recorder.reset();
        assert!(recorder.take(&entities).is_empty());
    }

    #[test]
    fn touches_kind_looks_at_upserts_and_deletes() {
        let changes = ChangeSet {
            deleted: vec![(EntityKey::new("x", "1"), None)],
            tombstones_evicted: vec![EntityKey::new("y", "1")],
            ..ChangeSet::default()
        };
        assert!(changes.touches_kind("x"));
        assert!(!changes.touches_kind("y"));
        assert!(!changes.touches_kind("k"));
    }
}
