//! The normalized entity store: every entity once, by (kind, id), as JSON — the single source of
//! truth that list and detail views read, so a list and a detail screen can never disagree.
//!
//! - [`Store::apply`] takes the router's [`Op`]s: upserts, deep merges, deletes, clear-all.
//! - Race protection: a per-entity version guard drops ops older than what is stored, and
//!   tombstones stop a late update resurrecting a deleted entity (see `guard`).
//! - [`Store::hydrate`] seeds a kind from the host's own REST fetch under the same guard, so a
//!   refetch that started before a pushed update cannot overwrite it.
//! - [`Store::query`] reads a [`ListView`]; [`ListTracker`] turns each [`ChangeSet`] into a
//!   [`ListDiff`] for one subscribed list, so bindings never merge, filter or sort.
//! - Persistence plugs in through [`Store::restore`], [`Store::entities`], [`Store::tombstones`]
//!   and the [`ChangeSet`]s it receives.
//!
//! Not internally synchronized: the owner holds it behind a lock.

mod apply;
mod changes;
mod entity;
mod guard;
mod merge;
mod order;
mod tracker;
mod view;

pub(crate) use apply::Outcome;
pub use changes::ChangeSet;
pub use entity::Entity;
pub use tracker::{ListDiff, ListTracker};
pub use view::{Filter, ListView, SortKey};

use crate::op::{EntityKey, Op, Version};
pub(crate) use changes::ChangedKeys;
use changes::Recorder;
use entity::Entities;
use guard::Tombstones;
use serde_json::Value;
use std::borrow::Cow;

/// Bounds on what the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// Tombstones kept at most; the least recently written is evicted first, after which a late
    /// update of that key is no longer blocked. Default 10,000.
    pub max_tombstones: usize,
    /// Deepest nesting of arrays and objects accepted in an entity value or merge patch (`{}` is
    /// 1 deep). Deeper input is refused with [`StoreError::TooDeep`]. It also bounds the recursion
    /// of every later walk over stored values (merge, clone, compare, drop), so keep it in the
    /// hundreds at most. Default 64.
    pub max_depth: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self { max_tombstones: 10_000, max_depth: 64 }
    }
}

/// What [`Store::apply`] did with one op, for counters and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The entity was created or its value or version changed.
    Changed(EntityKey),
    /// The entity was removed, or a deletion was recorded as a tombstone ahead of it.
    Deleted(EntityKey),
    /// Every entity and tombstone was wiped.
    Cleared,
    /// Nothing to do: a merge or upsert that changes nothing, a repeated delete, a delete of a
    /// missing entity without version.
    Unchanged,
    /// The op is older than the stored entity (or its tombstone): dropped.
    Stale(EntityKey),
    /// An update of a deleted entity not newer than the deletion: dropped.
    Tombstoned(EntityKey),
    /// Heartbeat, resync and ignored ops: nothing for the store.
    NotForStore,
}

/// Input the store refuses; a refused op changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("entity {}/{}: value nests deeper than {limit} levels", key.kind, key.id)]
    TooDeep { key: EntityKey, limit: usize },
    #[error("entity {}/{}: an upsert value or merge patch must be a JSON object", key.kind, key.id)]
    NotAnObject { key: EntityKey },
}

/// Entities by (kind, id), their tombstones, and the changes not yet taken.
#[derive(Debug)]
pub struct Store {
    limits: StoreLimits,
    entities: Entities,
    tombstones: Tombstones,
    changes: Recorder,
}

impl Default for Store {
    fn default() -> Self {
        Self::new(StoreLimits::default())
    }
}

impl Store {
    pub fn new(limits: StoreLimits) -> Self {
        Self {
            limits,
            entities: Entities::default(),
            tombstones: Tombstones::new(limits.max_tombstones),
            changes: Recorder::default(),
        }
    }

    /// Applies one op. An `Err` changes nothing.
    pub fn apply(&mut self, op: &Op) -> Result<Applied, StoreError> {
        match op {
            Op::Upsert { key, .. } | Op::Merge { key, .. } | Op::Delete { key, .. } => {
                self.apply_quietly(op).map(|outcome| outcome.applied(key))
            }
            Op::ClearAll => {
                self.clear();
                Ok(Applied::Cleared)
            }
            Op::Heartbeat { .. } | Op::Resync { .. } | Op::Ignore => Ok(Applied::NotForStore),
        }
    }

    /// [`Store::apply`] without naming the key in the result (the caller has it).
    pub(crate) fn apply_quietly(&mut self, op: &Op) -> Result<Outcome, StoreError> {
        match op {
            Op::Upsert { key, value, version } => self.upsert(key, Cow::Borrowed(value), *version),
            Op::Merge { key, patch, version } => self.merge(key, patch, *version),
            Op::Delete { key, version } => Ok(self.delete(key, *version)),
            Op::ClearAll => {
                self.clear();
                Ok(Outcome::Cleared)
            }
            Op::Heartbeat { .. } | Op::Resync { .. } | Op::Ignore => Ok(Outcome::NotForStore),
        }
    }

    /// Seeds or refreshes `kind` from the host's own fetch: each `(id, value, version)` is an
    /// upsert under the same version guard and tombstones as pushed ops, so a fetch older than
    /// pushed data never overwrites it (pass the version or timestamp the server sent, or the
    /// entity is overwritten unguarded). Entities of `kind` missing from `entities` are kept: a
    /// fetch may be one page or one filter. One result per entity, in order.
    pub fn hydrate(
        &mut self,
        kind: &str,
        entities: Vec<(String, Value, Option<Version>)>,
    ) -> Vec<Result<Applied, StoreError>> {
        entities
            .into_iter()
            .map(|(id, value, version)| {
                let key = EntityKey::new(kind, id);
                self.upsert(&key, Cow::Owned(value), version).map(|outcome| outcome.applied(&key))
            })
            .collect()
    }

    pub fn get(&self, key: &EntityKey) -> Option<&Entity> {
        self.entities.get(key)
    }

    /// Entities stored (tombstones not counted).
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entities.len() == 0
    }

    /// Wipes every entity and tombstone (logout); the next [`ChangeSet`] says `cleared`.
    pub fn clear(&mut self) {
        self.entities.clear();
        self.tombstones.clear();
        self.changes.cleared();
    }

    /// The list `view` describes, now: matching entities of its kind, sorted, limited.
    pub fn query(&self, view: &ListView) -> Vec<(String, Value)> {
        view.select(self.entities.of_kind(&view.kind).map(|(key, e)| (key.id.as_str(), &e.value)))
    }

    /// Everything changed since the previous call, coalesced per key.
    pub fn take_changes(&mut self) -> ChangeSet {
        self.changes.take(&self.entities)
    }

    /// Like [`Store::take_changes`], without copying the changed entities: read them with
    /// [`Store::get`].
    pub(crate) fn take_changed_keys(&mut self) -> ChangedKeys {
        self.changes.take_keys(&self.entities)
    }

    /// Replaces the whole contents with a snapshot (a cold start from persistence). Tombstones
    /// come oldest first, as [`Store::tombstones`] yields them; beyond `max_tombstones` the oldest
    /// are dropped. A tombstone whose key also has an entity is dropped (the entity wins). Records
    /// no changes and forgets any not yet taken.
    pub fn restore(
        &mut self,
        entities: Vec<(EntityKey, Entity)>,
        tombstones: Vec<(EntityKey, Option<Version>)>,
    ) {
        self.entities.clear();
        self.tombstones.clear();
        for (key, entity) in entities {
            self.entities.insert(key, entity);
        }
        for (key, version) in tombstones {
            if self.entities.get(&key).is_none() {
                self.tombstones.insert(key, version);
            }
        }
        self.changes.reset();
    }

    /// Every entity, in no particular order (for a persistence snapshot).
    pub fn entities(&self) -> impl Iterator<Item = (&EntityKey, &Entity)> {
        self.entities.iter()
    }

    /// Every tombstone with its version, oldest first (for a persistence snapshot).
    pub fn tombstones(&self) -> impl Iterator<Item = (&EntityKey, Option<Version>)> {
        self.tombstones.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(kind: &str, id: &str) -> EntityKey {
        EntityKey::new(kind, id)
    }

    fn v(n: i64) -> Option<Version> {
        Some(Version(n))
    }

    fn upsert(kind: &str, id: &str, value: Value, version: Option<Version>) -> Op {
        Op::Upsert { key: key(kind, id), value, version }
    }

    #[test]
    fn ops_without_entities_are_not_for_the_store() {
        let mut store = Store::default();
        for op in
            [Op::Heartbeat { interval_ms: Some(5) }, Op::Resync { key: "s".into() }, Op::Ignore]
        {
            assert_eq!(store.apply(&op), Ok(Applied::NotForStore));
        }
        assert!(store.take_changes().is_empty());
    }

    #[test]
    fn clear_all_wipes_entities_and_tombstones() {
        let mut store = Store::default();
        store.apply(&upsert("s", "1", json!({}), v(1))).expect("valid");
        store.apply(&Op::Delete { key: key("s", "2"), version: v(1) }).expect("valid");
        assert_eq!(store.tombstones().count(), 1);
        store.take_changes();

        assert_eq!(store.apply(&Op::ClearAll), Ok(Applied::Cleared));
        assert!(store.is_empty());
        assert_eq!(store.tombstones().count(), 0);
        let changes = store.take_changes();
        assert!(changes.cleared);
        assert!(changes.upserted.is_empty() && changes.deleted.is_empty());
        // The tombstone is gone: an old update of `s/2` is accepted again.
        let applied = store.apply(&upsert("s", "2", json!({}), v(0)));
        assert_eq!(applied, Ok(Applied::Changed(key("s", "2"))));
    }

    #[test]
    fn hydrate_is_guarded_like_pushed_ops() {
        let mut store = Store::default();
        store.apply(&upsert("s", "1", json!({"status": "done"}), v(10))).expect("valid");
        store.apply(&Op::Delete { key: key("s", "2"), version: v(10) }).expect("valid");
        store.take_changes();

        // The refetch started before the push: its copy of `1` is older and `2` is deleted.
        let results = store.hydrate(
            "s",
            vec![
                ("1".into(), json!({"status": "running"}), v(8)),
                ("2".into(), json!({"status": "running"}), v(8)),
                ("3".into(), json!({"status": "queued"}), v(8)),
                ("4".into(), json!([1]), None),
            ],
        );
        assert_eq!(
            results,
            vec![
                Ok(Applied::Stale(key("s", "1"))),
                Ok(Applied::Tombstoned(key("s", "2"))),
                Ok(Applied::Changed(key("s", "3"))),
                Err(StoreError::NotAnObject { key: key("s", "4") }),
            ]
        );
        assert_eq!(store.get(&key("s", "1")).map(|e| &e.value), Some(&json!({"status": "done"})));
        let changes = store.take_changes();
        assert_eq!(changes.upserted.len(), 1);
        assert_eq!(changes.upserted[0].0, key("s", "3"));
    }

    #[test]
    fn hydrate_refuses_a_very_deep_value_without_overflowing() {
        let mut deep = json!(1);
        for _ in 0..10_000 {
            // Not `json!`, which would serialize `deep` recursively.
            deep = Value::Object([("d".to_owned(), deep)].into_iter().collect());
        }
        let mut store = Store::default();
        let results = store.hydrate("s", vec![("1".into(), deep, None)]);
        assert_eq!(results, vec![Err(StoreError::TooDeep { key: key("s", "1"), limit: 64 })]);
        assert!(store.is_empty());
    }

    #[test]
    fn restore_replaces_contents_and_records_nothing() {
        let mut store = Store::new(StoreLimits { max_tombstones: 2, ..StoreLimits::default() });
        store.apply(&upsert("s", "old", json!({}), None)).expect("valid");
        store.restore(
            vec![
                (key("s", "1"), Entity::new(json!({"a": 1}), v(3))),
                (key("t", "1"), Entity::new(json!({}), None)),
            ],
            vec![
                (key("s", "9"), v(1)),
                (key("s", "1"), v(1)),
                (key("s", "8"), None),
                (key("s", "7"), v(2)),
            ],
        );
        assert!(store.take_changes().is_empty());
        assert_eq!(store.len(), 2);
        assert!(store.get(&key("s", "old")).is_none());
        let tombstones: Vec<_> = store.tombstones().map(|(k, v)| (k.clone(), v)).collect();
        assert_eq!(tombstones, vec![(key("s", "8"), None), (key("s", "7"), v(2))]);

        let mut snapshot: Vec<_> = store.entities().map(|(k, e)| (k.clone(), e.clone())).collect();
        snapshot.sort_by(|a, b| a.0.cmp(&b.0));
        let mut copy = Store::default();
        copy.restore(snapshot, tombstones.clone());
        assert_eq!(copy.get(&key("s", "1")), store.get(&key("s", "1")));
        assert_eq!(copy.tombstones().count(), 2);
    }

    #[test]
    fn query_reads_one_kind() {
        let mut store = Store::default();
        for (kind, id, n) in [("s", "1", 3), ("s", "2", 1), ("t", "3", 2), ("s", "4", 2)] {
            store.apply(&upsert(kind, id, json!({"n": n}), None)).expect("valid");
        }
        let view = ListView::new("s").with_sort("/n", false);
        let ids: Vec<String> = store.query(&view).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["2", "4", "1"]);
        assert!(store.query(&ListView::new("none")).is_empty());
    }

    #[test]
    fn errors_say_which_entity_but_nothing_more() {
        let error = StoreError::TooDeep { key: key("s", "1"), limit: 64 };
        assert_eq!(error.to_string(), "entity s/1: value nests deeper than 64 levels");
    }
}
