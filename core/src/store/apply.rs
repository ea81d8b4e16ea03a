//! How each entity op changes the store: input checks first (so a refused op changes nothing),
//! then the version guard and tombstones, then the write and its change record.

use super::guard::{is_stale, outranks_tombstone};
use super::merge::{dispose, exceeds_depth, merge_into, without_nulls};
use super::{Applied, Entity, Store, StoreError};
use crate::op::{EntityKey, Version};
use serde_json::Value;
use std::borrow::Cow;

/// [`Applied`] without the key, which the caller has: what the store's steps return, so that the
/// sync client, which does not need the key back, does not pay for copying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Changed,
    Deleted,
    Cleared,
    Unchanged,
    Stale,
    Tombstoned,
    NotForStore,
}

impl Outcome {
    /// The public form, naming `key`.
    pub(crate) fn applied(self, key: &EntityKey) -> Applied {
        match self {
            Outcome::Changed => Applied::Changed(key.clone()),
            Outcome::Deleted => Applied::Deleted(key.clone()),
            Outcome::Cleared => Applied::Cleared,
            Outcome::Unchanged => Applied::Unchanged,
            Outcome::Stale => Applied::Stale(key.clone()),
            Outcome::Tombstoned => Applied::Tombstoned(key.clone()),
            Outcome::NotForStore => Applied::NotForStore,
        }
    }
}

/// What an update writes: a whole value, or a patch merged into the current one.
enum Write<'a> {
    Replace(Cow<'a, Value>),
    Patch(&'a Value),
}

impl Store {
    /// Refuses a value that is not an object or nests too deep.
    fn check(&self, key: &EntityKey, value: &Value) -> Result<(), StoreError> {
        if !value.is_object() {
            return Err(StoreError::NotAnObject { key: key.clone() });
        }
        if exceeds_depth(value, self.limits.max_depth) {
            return Err(StoreError::TooDeep { key: key.clone(), limit: self.limits.max_depth });
        }
        Ok(())
    }

    pub(super) fn upsert(
        &mut self,
        key: &EntityKey,
        value: Cow<'_, Value>,
        version: Option<Version>,
    ) -> Result<Outcome, StoreError> {
        if let Err(error) = self.check(key, &value) {
            if let Cow::Owned(value) = value {
                dispose(value);
            }
            return Err(error);
        }
        Ok(self.write(key, Write::Replace(value), version))
    }

    pub(super) fn merge(
        &mut self,
        key: &EntityKey,
        patch: &Value,
        version: Option<Version>,
    ) -> Result<Outcome, StoreError> {
        self.check(key, patch)?;
        Ok(self.write(key, Write::Patch(patch), version))
    }

    /// An update of `key` that passed the input checks.
    fn write(&mut self, key: &EntityKey, write: Write<'_>, version: Option<Version>) -> Outcome {
        if let Some(entity) = self.entities.get_mut(key) {
            if is_stale(entity.version, version) {
                return Outcome::Stale;
            }
            let mut changed = match write {
                Write::Replace(value) => {
                    let changed = entity.value != *value;
                    if changed {
                        entity.value = value.into_owned();
                    }
                    changed
                }
                Write::Patch(patch) => merge_into(&mut entity.value, patch),
            };
            let version = version.or(entity.version);
            changed |= version != entity.version;
            entity.version = version;
            if !changed {
                return Outcome::Unchanged;
            }
            self.changes.upserted(key);
            return Outcome::Changed;
        }
        if let Some(deleted_at) = self.tombstones.get(key) {
            if !outranks_tombstone(deleted_at, version) {
                return Outcome::Tombstoned;
            }
            // A new entity reusing the id.
            self.tombstones.remove(key);
        }
        let value = match write {
            Write::Replace(value) => value.into_owned(),
            Write::Patch(patch) => without_nulls(patch),
        };
        self.entities.insert(key.clone(), Entity::new(value, version));
        self.changes.upserted(key);
        Outcome::Changed
    }

    pub(super) fn delete(&mut self, key: &EntityKey, version: Option<Version>) -> Outcome {
        let tombstone = match self.entities.get(key) {
            Some(entity) if is_stale(entity.version, version) => return Outcome::Stale,
            Some(entity) => {
                let stored = entity.version;
                self.entities.remove(key);
                version.or(stored)
            }
            None => match (self.tombstones.get(key), version) {
                // Nothing known about it and nothing to date the deletion with.
                (None, None) => return Outcome::Unchanged,
                // Deleted before it arrived: remember, so the late create is dropped.
                (None, Some(_)) => version,
                (Some(Some(deleted_at)), Some(incoming)) if incoming > deleted_at => version,
                (Some(Some(deleted_at)), Some(incoming)) if incoming < deleted_at => {
                    return Outcome::Stale
                }
                // Already deleted at that version, or with a tombstone nothing outranks.
                (Some(_), _) => return Outcome::Unchanged,
            },
        };
        self.changes.deleted(key, tombstone);
        for evicted in self.tombstones.insert(key.clone(), tombstone) {
            self.changes.evicted(&evicted);
        }
        Outcome::Deleted
    }
}

#[cfg(test)]
mod tests {
    use super::super::StoreLimits;
    use super::*;
    use crate::op::Op;
    use serde_json::json;

    fn key(id: &str) -> EntityKey {
        EntityKey::new("s", id)
    }

    fn v(n: i64) -> Option<Version> {
        Some(Version(n))
    }

    fn upsert(value: Value, version: Option<Version>) -> Op {
        Op::Upsert { key: key("1"), value, version }
    }

    fn merge(patch: Value, version: Option<Version>) -> Op {
        Op::Merge { key: key("1"), patch, version }
    }

    fn delete(version: Option<Version>) -> Op {
        Op::Delete { key: key("1"), version }
    }

    /// Applies `ops` to a fresh store; returns the last result and the entity left.
    fn run(ops: &[Op]) -> (Result<Applied, StoreError>, Option<Entity>, Vec<Option<Version>>) {
        let mut store = Store::default();
        let mut last = Ok(Applied::Unchanged);
        for op in ops {
            last = store.apply(op);
        }
        let tombstones = store.tombstones().map(|(_, v)| v).collect();
        (last, store.get(&key("1")).cloned(), tombstones)
    }

    #[test]
    fn version_guard_table() {
        let changed = Ok(Applied::Changed(key("1")));
        let stale = Ok(Applied::Stale(key("1")));
        let a = json!({"a": 1});
        let b = json!({"b": 2});
        // (stored op, incoming op, result, value left, version left)
        let table = [
            (upsert(a.clone(), v(5)), upsert(b.clone(), v(4)), stale.clone(), &a, v(5)),
            (upsert(a.clone(), v(5)), upsert(b.clone(), v(5)), changed.clone(), &b, v(5)),
            (upsert(a.clone(), v(5)), upsert(b.clone(), v(6)), changed.clone(), &b, v(6)),
            (upsert(a.clone(), v(5)), upsert(b.clone(), None), changed.clone(), &b, v(5)),
            (upsert(a.clone(), None), upsert(b.clone(), v(1)), changed.clone(), &b, v(1)),
            (upsert(a.clone(), None), upsert(b.clone(), None), changed.clone(), &b, None),
            (upsert(a.clone(), v(5)), upsert(a.clone(), v(5)), Ok(Applied::Unchanged), &a, v(5)),
            (upsert(a.clone(), v(5)), upsert(a.clone(), v(6)), changed.clone(), &a, v(6)),
            (upsert(a.clone(), v(5)), merge(b.clone(), v(4)), stale.clone(), &a, v(5)),
            (
                upsert(a.clone(), v(5)),
                merge(json!({"a": 1}), v(5)),
                Ok(Applied::Unchanged),
                &a,
                v(5),
            ),
            (
                upsert(a.clone(), v(5)),
                merge(json!({"a": 1}), None),
                Ok(Applied::Unchanged),
                &a,
                v(5),
            ),
            (
                upsert(a.clone(), v(5)),
                merge(json!({"a": null}), v(7)),
                changed.clone(),
                &json!({}),
                v(7),
            ),
            (
                upsert(a.clone(), None),
                merge(b.clone(), v(2)),
                changed.clone(),
                &json!({"a": 1, "b": 2}),
                v(2),
            ),
        ];
        for (stored, incoming, result, value, version) in table {
            let (last, entity, _) = run(&[stored.clone(), incoming.clone()]);
            assert_eq!(last, result, "{stored:?} then {incoming:?}");
            assert_eq!(
                entity,
                Some(Entity::new(value.clone(), version)),
                "{stored:?} then {incoming:?}"
            );
        }
    }

    #[test]
    fn merge_into_nothing_creates_from_the_patch_without_nulls() {
        let (last, entity, _) = run(&[merge(json!({"a": 1, "b": null, "o": {"x": null}}), v(3))]);
        assert_eq!(last, Ok(Applied::Changed(key("1"))));
        assert_eq!(entity, Some(Entity::new(json!({"a": 1, "o": {}}), v(3))));
    }

    #[test]
    fn delete_table() {
        let a = json!({"a": 1});
        let deleted = Ok(Applied::Deleted(key("1")));
        let unchanged = Ok(Applied::Unchanged);
        let stale = Ok(Applied::Stale(key("1")));
        // (ops, result of the last, tombstones left, entity left)
        type Row = (Vec<Op>, Result<Applied, StoreError>, Vec<Option<Version>>, bool);
        let table: Vec<Row> = vec![
            (vec![upsert(a.clone(), v(5)), delete(v(6))], deleted.clone(), vec![v(6)], false),
            (vec![upsert(a.clone(), v(5)), delete(v(5))], deleted.clone(), vec![v(5)], false),
            (vec![upsert(a.clone(), v(5)), delete(None)], deleted.clone(), vec![v(5)], false),
            (vec![upsert(a.clone(), None), delete(None)], deleted.clone(), vec![None], false),
            (vec![upsert(a.clone(), None), delete(v(2))], deleted.clone(), vec![v(2)], false),
            (vec![upsert(a.clone(), v(5)), delete(v(4))], stale.clone(), vec![], true),
            (vec![delete(None)], unchanged.clone(), vec![], false),
            (vec![delete(v(3))], deleted.clone(), vec![v(3)], false),
            (vec![delete(v(3)), delete(v(3))], unchanged.clone(), vec![v(3)], false),
            (vec![delete(v(3)), delete(v(4))], deleted.clone(), vec![v(4)], false),
            (vec![delete(v(3)), delete(v(2))], stale.clone(), vec![v(3)], false),
            (vec![delete(v(3)), delete(None)], unchanged.clone(), vec![v(3)], false),
            (
                vec![upsert(a.clone(), None), delete(None), delete(v(9))],
                unchanged,
                vec![None],
                false,
            ),
        ];
        for (ops, result, tombstones, entity_left) in table {
            let (last, entity, left) = run(&ops);
            assert_eq!(last, result, "{ops:?}");
            assert_eq!(left, tombstones, "{ops:?}");
            assert_eq!(entity.is_some(), entity_left, "{ops:?}");
        }
    }

    #[test]
    fn tombstone_table() {
        let a = json!({"a": 1});
        let tombstoned = Ok(Applied::Tombstoned(key("1")));
        let changed = Ok(Applied::Changed(key("1")));
        // (deletion, late update, result, tombstone left)
        let table = [
            (delete(v(5)), upsert(a.clone(), v(4)), tombstoned.clone(), Some(v(5))),
            (delete(v(5)), upsert(a.clone(), v(5)), tombstoned.clone(), Some(v(5))),
            (delete(v(5)), upsert(a.clone(), None), tombstoned.clone(), Some(v(5))),
            (delete(v(5)), upsert(a.clone(), v(6)), changed.clone(), None),
            (delete(v(5)), merge(a.clone(), v(5)), tombstoned.clone(), Some(v(5))),
            (delete(v(5)), merge(a.clone(), v(6)), changed.clone(), None),
        ];
        for (deletion, update, result, left) in table {
            let (last, entity, tombstones) = run(&[deletion.clone(), update.clone()]);
            assert_eq!(last, result, "{deletion:?} then {update:?}");
            assert_eq!(tombstones.first().copied(), left, "{deletion:?} then {update:?}");
            assert_eq!(entity.is_some(), left.is_none());
        }

        // A tombstone without version blocks everything until clear.
        let (last, entity, _) =
            run(&[upsert(a.clone(), None), delete(None), upsert(a.clone(), v(i64::MAX))]);
        assert_eq!(last, tombstoned);
        assert_eq!(entity, None);
        let (last, _, tombstones) =
            run(&[upsert(a.clone(), None), delete(None), Op::ClearAll, upsert(a.clone(), v(1))]);
        assert_eq!(last, changed);
        assert!(tombstones.is_empty());
    }

    #[test]
    fn a_delete_that_outruns_its_create_still_wins() {
        let (last, entity, tombstones) = run(&[delete(v(2)), upsert(json!({"a": 1}), v(1))]);
        assert_eq!(last, Ok(Applied::Tombstoned(key("1"))));
        assert_eq!(entity, None);
        assert_eq!(tombstones, vec![v(2)]);
    }

    #[test]
    fn tombstones_are_bounded_and_evictions_reported() {
        let mut store = Store::new(StoreLimits { max_tombstones: 2, ..StoreLimits::default() });
        for id in ["a", "b", "c"] {
            store.apply(&Op::Delete { key: key(id), version: v(1) }).expect("valid");
        }
        let changes = store.take_changes();
        assert_eq!(changes.deleted.len(), 3);
        assert_eq!(changes.tombstones_evicted, vec![key("a")]);
        let left: Vec<_> = store.tombstones().map(|(k, _)| k.id.clone()).collect();
        assert_eq!(left, ["b", "c"]);
        // Evicted: the late create of `a` is no longer blocked.
        let late = Op::Upsert { key: key("a"), value: json!({}), version: v(0) };
        assert_eq!(store.apply(&late), Ok(Applied::Changed(key("a"))));
    }

    #[test]
    fn refused_input_changes_nothing() {
        let mut store = Store::new(StoreLimits { max_depth: 2, ..StoreLimits::default() });
        store.apply(&upsert(json!({"a": 1}), v(1))).expect("valid");
        store.take_changes();
        let table = [
            (upsert(json!([1]), v(2)), StoreError::NotAnObject { key: key("1") }),
            (upsert(json!("s"), v(2)), StoreError::NotAnObject { key: key("1") }),
            (merge(json!(null), v(2)), StoreError::NotAnObject { key: key("1") }),
            (merge(json!({"a": {"b": {}}}), v(2)), StoreError::TooDeep { key: key("1"), limit: 2 }),
            // Checked before the guard: a stale op that is also invalid reports the error.
            (upsert(json!({"a": [[1]]}), v(0)), StoreError::TooDeep { key: key("1"), limit: 2 }),
        ];
        for (op, error) in table {
            assert_eq!(store.apply(&op), Err(error), "{op:?}");
        }
        assert_eq!(store.get(&key("1")), Some(&Entity::new(json!({"a": 1}), v(1))));
        assert!(store.take_changes().is_empty());
        // Exactly at the limit is fine.
        assert!(store.apply(&merge(json!({"a": {"b": 1}}), v(2))).is_ok());
    }

    #[test]
    fn a_ten_thousand_deep_patch_is_too_deep_not_a_stack_overflow() {
        let mut deep = json!(true);
        for _ in 0..10_000 {
            // Not `json!`, which would serialize `deep` recursively.
            deep = Value::Object([("x".to_owned(), deep)].into_iter().collect());
        }
        let op = merge(deep, v(1));
        let mut store = Store::default();
        assert_eq!(store.apply(&op), Err(StoreError::TooDeep { key: key("1"), limit: 64 }));
        if let Op::Merge { patch, .. } = op {
            dispose(patch);
        }
    }
}
