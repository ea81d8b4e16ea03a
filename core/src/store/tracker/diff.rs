//! How one change set changed a tracked list: the new items and which ids were added, removed,
//! updated or moved. Computed from the changed keys alone, plus the unchanged entities crossing
//! the end of a limited list; only after a clear are the whole lists compared.

use super::{Cutoff, ListTracker, Touch};
use crate::store::order::SortEntry;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::ops::Bound::{Excluded, Included, Unbounded};

/// How one list changed.
#[derive(Debug, Clone, PartialEq)]
pub struct ListDiff {
    /// The whole new list, in order: what to render.
    pub items: Vec<(String, Value)>,
    /// Ids now shown that were not, in list order.
    pub added: Vec<String>,
    /// Ids no longer shown, in their old list order.
    pub removed: Vec<String>,
    /// Ids shown before and after whose value changed, in list order.
    pub updated: Vec<String>,
    /// Whether ids shown before and after changed their order relative to each other.
    pub moved: bool,
}

impl ListTracker {
    /// The diff after `touches` were folded into `order`.
    pub(super) fn diff(&mut self, touches: &[Touch<'_>]) -> Option<ListDiff> {
        let cutoff = self.current_cutoff();
        let old = std::mem::replace(&mut self.cutoff, cutoff);
        let new = &self.cutoff;
        let touched: HashSet<&str> = touches.iter().map(|touch| touch.id).collect();

        let mut added: Vec<(&SortEntry, &str)> = Vec::new();
        let mut removed: Vec<(&SortEntry, &str)> = Vec::new();
        let mut updated: Vec<(&SortEntry, &str)> = Vec::new();
        // Changed keys shown before and after: (old place, new place).
        let mut kept: Vec<(&SortEntry, &SortEntry)> = Vec::new();
        for touch in touches {
            let before = touch.before.as_ref().filter(|(entry, _)| old.admits(entry));
            let after = touch.after.as_ref().filter(|entry| new.admits(entry));
            match (before, after) {
                (None, Some(after)) => added.push((after, touch.id)),
                (Some((before, _)), None) => removed.push((before, touch.id)),
                (Some((before, old_value)), Some(after)) => {
                    if self.order.get(after) != Some(old_value) {
                        updated.push((after, touch.id));
                    }
                    kept.push((before, after));
                }
                (None, None) => {}
            }
        }

        // Unchanged entities crossing the end of the visible part.
        let (crossing, entering) = match (&old, new) {
            (Cutoff::Everything, Cutoff::Through(b)) => (Some((Excluded(b), Unbounded)), false),
            (Cutoff::Through(a), Cutoff::Everything) => (Some((Excluded(a), Unbounded)), true),
            (Cutoff::Through(a), Cutoff::Through(b)) if a < b => {
                (Some((Excluded(a), Included(b))), true)
            }
            (Cutoff::Through(a), Cutoff::Through(b)) if b < a => {
                (Some((Excluded(b), Included(a))), false)
            }
            _ => (None, false),
        };
        if let Some(range) = crossing {
            for entry in self.order.range::<SortEntry, _>(range).map(|(entry, _)| entry) {
                if !touched.contains(entry.id.as_str()) {
                    let side = if entering { &mut added } else { &mut removed };
                    side.push((entry, entry.id.as_str()));
                }
            }
        }

        let moved = self.reordered(&kept, &touched, &old);
        if added.is_empty() && removed.is_empty() && updated.is_empty() && !moved {
            return None;
        }
        let ids = |mut places: Vec<(&SortEntry, &str)>| -> Vec<String> {
            places.sort_unstable_by(|a, b| a.0.cmp(b.0));
            places.into_iter().map(|(_, id)| id.to_owned()).collect()
        };
        Some(ListDiff {
            items: self.items(),
            added: ids(added),
            removed: ids(removed),
            updated: ids(updated),
            moved,
        })
    }

    /// Whether entities shown before and after changed their relative order. Only changed keys
    /// can move: against each other (their old and new orders differ) or past an unchanged entity
    /// shown before and after (one lies between the old and the new place).
    fn reordered(
        &self,
        kept: &[(&SortEntry, &SortEntry)],
        touched: &HashSet<&str>,
        old: &Cutoff,
    ) -> bool {
        let mut by_old: Vec<&(&SortEntry, &SortEntry)> = kept.iter().collect();
        by_old.sort_unstable_by(|a, b| a.0.cmp(b.0));
        if by_old.windows(2).any(|pair| pair[0].1 > pair[1].1) {
            return true;
        }
        kept.iter().any(|(before, after)| {
            let (low, high) = if before < after { (*before, *after) } else { (*after, *before) };
            low < high
                && self
                    .order
                    .range::<SortEntry, _>((Excluded(low), Excluded(high)))
                    .map(|(entry, _)| entry)
                    .filter(|entry| !touched.contains(entry.id.as_str()))
                    .any(|entry| old.admits(entry) && self.cutoff.admits(entry))
        })
    }
}

/// The diff between two whole lists.
pub(super) fn full_diff(old: &[(String, Value)], items: Vec<(String, Value)>) -> ListDiff {
    let old_places: HashMap<&str, (usize, &Value)> =
        old.iter().enumerate().map(|(at, (id, value))| (id.as_str(), (at, value))).collect();
    let new_ids: HashSet<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
    let mut added = Vec::new();
    let mut updated = Vec::new();
    let mut moved = false;
    let mut last_old_place = None;
    for (id, value) in &items {
        match old_places.get(id.as_str()) {
            None => added.push(id.clone()),
            Some((at, old_value)) => {
                if *old_value != value {
                    updated.push(id.clone());
                }
                moved |= last_old_place.is_some_and(|last| last > *at);
                last_old_place = Some(*at);
            }
        }
    }
    let removed = old
        .iter()
        .filter(|(id, _)| !new_ids.contains(id.as_str()))
        .map(|(id, _)| id.clone())
        .collect();
    ListDiff { items, added, removed, updated, moved }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ids, open_by_rank, put, seeded, step};
    use super::*;
    use crate::op::{EntityKey, Op};
    use serde_json::json;

    #[test]
    fn value_changes_are_updates_and_sort_changes_are_moves() {
        let mut store = seeded();
        let (mut tracker, _) = ListTracker::new(open_by_rank(), &store);

        put(&mut store, "b", json!({"open": true, "rank": 2, "title": "t"}));
        let diff = step(&mut store, &mut tracker).expect("b updated");
        assert_eq!((diff.updated, diff.moved), (vec!["b".to_owned()], false));

        // A new rank that keeps its place is not a move.
        put(&mut store, "b", json!({"open": true, "rank": 2.5, "title": "t"}));
        let diff = step(&mut store, &mut tracker).expect("b updated");
        assert!(!diff.moved);

        put(&mut store, "a", json!({"open": true, "rank": 9}));
        let diff = step(&mut store, &mut tracker).expect("a moved");
        assert_eq!(ids(&diff.items), ["b", "c", "a"]);
        assert_eq!((diff.updated, diff.moved), (vec!["a".to_owned()], true));

        // Two changed entities swapping places.
        put(&mut store, "b", json!({"open": true, "rank": 3.5}));
        put(&mut store, "c", json!({"open": true, "rank": 2}));
        let diff = step(&mut store, &mut tracker).expect("b and c swap");
        assert_eq!(ids(&diff.items), ["c", "b", "a"]);
        assert!(diff.moved);

        // The same value again: the store reports nothing, so nothing to say.
        put(&mut store, "c", json!({"open": true, "rank": 2}));
        assert_eq!(step(&mut store, &mut tracker), None);
    }

    #[test]
    fn a_limit_pulls_in_and_pushes_out_unchanged_entities() {
        let mut store = seeded();
        let (mut tracker, items) = ListTracker::new(open_by_rank().with_limit(2), &store);
        assert_eq!(ids(&items), ["a", "b"]);

        // Below the cut: invisible, so nothing to say.
        put(&mut store, "c", json!({"open": true, "rank": 3, "more": 1}));
        assert_eq!(step(&mut store, &mut tracker), None);

        // A new first pushes `b` out.
        put(&mut store, "z", json!({"open": true, "rank": 0}));
        let diff = step(&mut store, &mut tracker).expect("z in, b out");
        assert_eq!(ids(&diff.items), ["z", "a"]);
        assert_eq!((diff.added, diff.removed), (vec!["z".to_owned()], vec!["b".to_owned()]));

        // Removing `a` pulls `b` back in.
        store.apply(&Op::Delete { key: EntityKey::new("s", "a"), version: None }).expect("valid");
        let diff = step(&mut store, &mut tracker).expect("a out, b in");
        assert_eq!((diff.added, diff.removed), (vec!["b".to_owned()], vec!["a".to_owned()]));

        // Limit zero never shows anything.
        let (mut empty, items) = ListTracker::new(open_by_rank().with_limit(0), &store);
        assert!(items.is_empty());
        put(&mut store, "y", json!({"open": true, "rank": -1}));
        assert_eq!(step(&mut store, &mut empty), None);
    }

    #[test]
    fn clear_empties_the_list() {
        let mut store = seeded();
        let (mut tracker, _) = ListTracker::new(open_by_rank(), &store);
        store.clear();
        let diff = step(&mut store, &mut tracker).expect("cleared");
        assert!(diff.items.is_empty());
        assert_eq!(diff.removed, ["a", "b", "c"]);
        // Cleared and refilled identically in one batch: nothing to say.
        let (mut tracker, _) = ListTracker::new(open_by_rank(), &seeded());
        let mut store = seeded();
        store.clear();
        for (id, rank) in [("a", 1), ("b", 2), ("c", 3)] {
            put(&mut store, id, json!({"open": true, "rank": rank}));
        }
        assert_eq!(step(&mut store, &mut tracker), None);
    }
}
