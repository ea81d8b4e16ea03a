//! Keeps one subscribed list current and says how each change set changed it, so a binding only
//! renders: it never merges, filters or sorts.
//!
//! The tracker keeps every matching entity of its view in view order (before the limit) and
//! where the visible part ends. A change set costs `O(k log n)` for its `k` changed keys of the
//! view's kind, plus copying the visible list out when it did change; nothing is re-sorted.

use super::order::SortEntry;
use super::view::ListView;
use super::{ChangeSet, Store};
use crate::op::EntityKey;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

mod diff;

use diff::full_diff;
pub use diff::ListDiff;

/// Where the visible part of the list ends.
#[derive(Debug, Clone)]
enum Cutoff {
    /// No limit, or fewer entities than the limit.
    Everything,
    /// A limit of zero.
    Nothing,
    /// Entities up to and including this one.
    Through(SortEntry),
}

impl Cutoff {
    fn admits(&self, entry: &SortEntry) -> bool {
        match self {
            Self::Everything => true,
            Self::Nothing => false,
            Self::Through(last) => entry <= last,
        }
    }
}

/// One subscribed list view, kept current from the store's change sets.
#[derive(Debug)]
pub struct ListTracker {
    view: ListView,
    /// Every matching entity of the view's kind, in view order, with its value.
    order: BTreeMap<SortEntry, Value>,
    /// Id → its place in `order`.
    places: HashMap<String, SortEntry>,
    /// The visible part of `order` as last reported.
    cutoff: Cutoff,
}

/// One changed key of the view's kind: where it was and where it is now.
struct Touch<'a> {
    id: &'a str,
    before: Option<(SortEntry, Value)>,
    after: Option<SortEntry>,
}

impl ListTracker {
    /// Starts tracking `view`; returns the list as it is now.
    pub fn new(view: ListView, store: &Store) -> (Self, Vec<(String, Value)>) {
        let mut tracker = Self {
            view,
            order: BTreeMap::new(),
            places: HashMap::new(),
            cutoff: Cutoff::Everything,
        };
        tracker.rebuild(store);
        tracker.cutoff = tracker.current_cutoff();
        let items = tracker.items();
        (tracker, items)
    }

    pub fn view(&self) -> &ListView {
        &self.view
    }

    /// The list as last reported.
    pub fn items(&self) -> Vec<(String, Value)> {
        self.visible().map(|(entry, value)| (entry.id.clone(), value.clone())).collect()
    }

    /// Folds in one change set from [`Store::take_changes`] (every one, in order, with the store
    /// it came from). `None` when the visible list did not change: no key of the view's kind
    /// changed, or none that is or was in it.
    pub fn update(&mut self, store: &Store, changes: &ChangeSet) -> Option<ListDiff> {
        let keys = changes.upserted.iter().map(|(key, _)| key);
        let keys = keys.chain(changes.deleted.iter().map(|(key, _)| key));
        self.update_keys(store, changes.cleared, keys)
    }

    /// [`ListTracker::update`] from what a change set names: whether the store was cleared, and
    /// the keys created, changed or deleted.
    pub(crate) fn update_keys<'k>(
        &mut self,
        store: &Store,
        cleared: bool,
        keys: impl Iterator<Item = &'k EntityKey>,
    ) -> Option<ListDiff> {
        if cleared {
            return self.refresh_all(store);
        }
        let mut seen = HashSet::new();
        let mut touches = Vec::new();
        for key in keys {
            if key.kind != self.view.kind {
                continue;
            }
            if seen.insert(key.id.as_str()) {
                if let Some(touch) = self.refresh(key, store) {
                    touches.push(touch);
                }
            }
        }
        if touches.is_empty() {
            return None;
        }
        self.diff(&touches)
    }

    fn visible(&self) -> impl Iterator<Item = (&SortEntry, &Value)> {
        self.order.iter().take(self.view.limit.unwrap_or(usize::MAX))
    }

    fn current_cutoff(&self) -> Cutoff {
        match self.view.limit {
            Some(0) => Cutoff::Nothing,
            Some(limit) if self.order.len() > limit => match self.order.keys().nth(limit - 1) {
                Some(last) => Cutoff::Through(last.clone()),
                None => Cutoff::Everything,
            },
            _ => Cutoff::Everything,
        }
    }

    fn rebuild(&mut self, store: &Store) {
        self.order.clear();
        self.places.clear();
        for (key, entity) in store.entities.of_kind(&self.view.kind) {
            if self.view.matches(&entity.value) {
                let entry = self.view.sort_entry(&key.id, &entity.value);
                self.places.insert(key.id.clone(), entry.clone());
                self.order.insert(entry, entity.value.clone());
            }
        }
    }

    /// Re-reads one key from the store. `None` when it neither was nor is in the list.
    fn refresh<'a>(&mut self, key: &'a EntityKey, store: &Store) -> Option<Touch<'a>> {
        let now = store.get(key).map(|entity| &entity.value).filter(|v| self.view.matches(v));
        let place = match (now, self.places.remove_entry(&key.id)) {
            // Still in the list at the same place (its sort keys compare equal): the value is
            // swapped in place, and the id keeps its place.
            (Some(value), Some((id, entry))) if self.view.keeps_place(&entry, value) => {
                let before = match self.order.get_mut(&entry) {
                    Some(slot) => Some((entry.clone(), std::mem::replace(slot, value.clone()))),
                    None => {
                        self.order.insert(entry.clone(), value.clone());
                        None
                    }
                };
                let after = Some(entry.clone());
                self.places.insert(id, entry);
                return Some(Touch { id: &key.id, before, after });
            }
            (_, place) => place,
        };
        let before = place.and_then(|(_, entry)| {
            let value = self.order.remove(&entry)?;
            Some((entry, value))
        });
        let after = now.map(|value| {
            let entry = self.view.sort_entry(&key.id, value);
            self.places.insert(key.id.clone(), entry.clone());
            self.order.insert(entry.clone(), value.clone());
            entry
        });
        if before.is_none() && after.is_none() {
            return None;
        }
        Some(Touch { id: &key.id, before, after })
    }

    /// After a clear: rebuilds from the store and diffs the whole old list against the new.
    fn refresh_all(&mut self, store: &Store) -> Option<ListDiff> {
        let old_items = self.items();
        self.rebuild(store);
        self.cutoff = self.current_cutoff();
        let items = self.items();
        let diff = full_diff(&old_items, items);
        let changed = !diff.added.is_empty()
            || !diff.removed.is_empty()
            || !diff.updated.is_empty()
            || diff.moved;
        changed.then_some(diff)
    }
}

#[cfg(test)]
mod tests {
    use super::super::StoreLimits;
    use super::*;
    use crate::op::{Op, Version};
    use crate::store::Filter;
    use serde_json::json;

    pub(super) fn put(store: &mut Store, id: &str, value: Value) {
        let op = Op::Upsert { key: EntityKey::new("s", id), value, version: None };
        store.apply(&op).expect("valid");
    }

    pub(super) fn ids(items: &[(String, Value)]) -> Vec<&str> {
        items.iter().map(|(id, _)| id.as_str()).collect()
    }

    /// Open sessions by rank, lowest first.
    pub(super) fn open_by_rank() -> ListView {
        ListView::new("s").with_filter(Filter::eq("/open", json!(true))).with_sort("/rank", false)
    }

    pub(super) fn seeded() -> Store {
        let mut store = Store::default();
        for (id, rank) in [("a", 1), ("b", 2), ("c", 3)] {
            put(&mut store, id, json!({"open": true, "rank": rank}));
        }
        put(&mut store, "x", json!({"open": false, "rank": 0}));
        store.take_changes();
        store
    }

    pub(super) fn step(store: &mut Store, tracker: &mut ListTracker) -> Option<ListDiff> {
        let changes = store.take_changes();
        let diff = tracker.update(store, &changes);
        if let Some(diff) = &diff {
            assert_eq!(diff.items, store.query(tracker.view()), "items are the query");
        }
        assert_eq!(tracker.items(), store.query(tracker.view()));
        diff
    }

    #[test]
    fn starts_with_the_current_list() {
        let store = seeded();
        let (tracker, items) = ListTracker::new(open_by_rank(), &store);
        assert_eq!(ids(&items), ["a", "b", "c"]);
        assert_eq!(items, tracker.items());
    }

    #[test]
    fn unrelated_changes_give_none() {
        let mut store = seeded();
        let (mut tracker, _) = ListTracker::new(open_by_rank(), &store);
        let other = Op::Upsert { key: EntityKey::new("t", "a"), value: json!({}), version: None };
        store.apply(&other).expect("valid");
        assert_eq!(step(&mut store, &mut tracker), None);
        // Same kind, but not matching before or after.
        put(&mut store, "x", json!({"open": false, "rank": 5}));
        assert_eq!(step(&mut store, &mut tracker), None);
        assert_eq!(tracker.update(&store, &ChangeSet::default()), None);
    }

    #[test]
    fn membership_follows_the_filter() {
        let mut store = seeded();
        let (mut tracker, _) = ListTracker::new(open_by_rank(), &store);

        // A new entity joins only if it matches.
        put(&mut store, "d", json!({"open": false, "rank": 4}));
        assert_eq!(step(&mut store, &mut tracker), None);
        put(&mut store, "e", json!({"open": true, "rank": 0}));
        let diff = step(&mut store, &mut tracker).expect("e joins");
        assert_eq!(
            (diff.added, diff.removed, diff.updated, diff.moved),
            (vec!["e".into()], vec![], vec![], false)
        );

        // An update that stops it matching removes it; one that starts matching adds it.
        let close = Op::Merge {
            key: EntityKey::new("s", "b"),
            patch: json!({"open": false}),
            version: None,
        };
        let open = Op::Merge {
            key: EntityKey::new("s", "x"),
            patch: json!({"open": true}),
            version: None,
        };
        store.apply(&close).expect("valid");
        store.apply(&open).expect("valid");
        let diff = step(&mut store, &mut tracker).expect("b leaves, x joins");
        assert_eq!(ids(&diff.items), ["e", "x", "a", "c"]);
        assert_eq!(diff.added, ["x"]);
        assert_eq!(diff.removed, ["b"]);
        assert!(diff.updated.is_empty() && !diff.moved);

        // Deleted.
        store.apply(&Op::Delete { key: EntityKey::new("s", "a"), version: None }).expect("valid");
        let diff = step(&mut store, &mut tracker).expect("a deleted");
        assert_eq!(diff.removed, ["a"]);
    }

    /// Random batches against the naive query, on a small limit so entities cross the cut.
    #[test]
    fn follows_the_query_through_random_batches() {
        let mut rng = fastrand::Rng::with_seed(7);
        let views = [
            open_by_rank(),
            open_by_rank().with_limit(3),
            ListView::new("s").with_sort("/rank", true).with_sort("/open", false).with_limit(5),
            ListView::new("s"),
        ];
        let mut store = Store::new(StoreLimits { max_tombstones: 0, ..StoreLimits::default() });
        let mut trackers: Vec<_> =
            views.iter().map(|view| ListTracker::new(view.clone(), &store).0).collect();
        let mut previous: Vec<Vec<(String, Value)>> = vec![Vec::new(); views.len()];
        for _ in 0..400 {
            for _ in 0..rng.usize(1..6) {
                let key = EntityKey::new("s", format!("{}", rng.u8(0..12)));
                let op = match rng.u8(0..10) {
                    0 => Op::Delete { key, version: None },
                    1 if rng.u8(0..8) == 0 => Op::ClearAll,
                    2..=4 => Op::Merge { key, patch: json!({"rank": rng.u8(0..6)}), version: None },
                    _ => Op::Upsert {
                        key,
                        value: json!({"open": rng.bool(), "rank": rng.u8(0..6), "v": rng.u8(0..2)}),
                        version: Some(Version(0)),
                    },
                };
                store.apply(&op).expect("valid");
            }
            let changes = store.take_changes();
            for (tracker, before) in trackers.iter_mut().zip(previous.iter_mut()) {
                let now = store.query(tracker.view());
                match tracker.update(&store, &changes) {
                    None => assert_eq!(&now, before, "None means unchanged"),
                    Some(diff) => {
                        assert_ne!(&now, before, "Some means changed");
                        assert_eq!(diff, full_diff(before, now.clone()));
                    }
                }
                *before = now;
            }
        }
    }
}
