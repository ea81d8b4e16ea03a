//! Race protection: the per-entity version guard and the bounded tombstones that stop a late
//! update resurrecting a deleted entity.
//!
//! - An op older than what is stored is stale; equal or newer applies. Without a version on
//!   either side there is nothing to compare, so the op applies.
//! - A tombstone gives way only to a strictly newer version (a new entity that reuses the id). A
//!   tombstone without version gives way to nothing until the store is cleared.

use crate::op::{EntityKey, Version};
use std::collections::{BTreeMap, HashMap};

/// Whether an op carrying `incoming` must be dropped because `stored` is newer.
pub(crate) fn is_stale(stored: Option<Version>, incoming: Option<Version>) -> bool {
    matches!((stored, incoming), (Some(stored), Some(incoming)) if incoming < stored)
}

/// Whether an upsert or merge carrying `incoming` may recreate an entity deleted at `tombstone`.
pub(crate) fn outranks_tombstone(tombstone: Option<Version>, incoming: Option<Version>) -> bool {
    matches!((tombstone, incoming), (Some(deleted), Some(incoming)) if incoming > deleted)
}

/// Deleted keys with the version they were deleted at, at most `capacity`, least recently
/// written evicted first.
#[derive(Debug)]
pub(crate) struct Tombstones {
    capacity: usize,
    /// Key → its write stamp in `by_age`.
    stamps: HashMap<EntityKey, u64>,
    /// Write stamp → tombstone, oldest first.
    by_age: BTreeMap<u64, (EntityKey, Option<Version>)>,
    next_stamp: u64,
}

impl Tombstones {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { capacity, stamps: HashMap::new(), by_age: BTreeMap::new(), next_stamp: 0 }
    }

    /// The tombstone of `key`: `None` when there is none, `Some(version)` when there is.
    pub(crate) fn get(&self, key: &EntityKey) -> Option<Option<Version>> {
        let stamp = self.stamps.get(key)?;
        self.by_age.get(stamp).map(|(_, version)| *version)
    }

    /// Writes the tombstone of `key` (making it the youngest) and evicts the oldest ones beyond
    /// capacity, which are returned — possibly `key` itself when the capacity is zero.
    pub(crate) fn insert(&mut self, key: EntityKey, version: Option<Version>) -> Vec<EntityKey> {
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        if let Some(old) = self.stamps.insert(key.clone(), stamp) {
            self.by_age.remove(&old);
        }
        self.by_age.insert(stamp, (key, version));
        let mut evicted = Vec::new();
        while self.by_age.len() > self.capacity {
            let Some((_, (oldest, _))) = self.by_age.pop_first() else { break };
            self.stamps.remove(&oldest);
            evicted.push(oldest);
        }
        evicted
    }

    /// Removes the tombstone of `key`; returns whether there was one.
    pub(crate) fn remove(&mut self, key: &EntityKey) -> bool {
        match self.stamps.remove(key) {
            Some(stamp) => self.by_age.remove(&stamp).is_some(),
            None => false,
        }
    }

    /// Oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&EntityKey, Option<Version>)> {
        self.by_age.values().map(|(key, version)| (key, *version))
    }

    pub(crate) fn clear(&mut self) {
        self.stamps.clear();
        self.by_age.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(n: i64) -> Option<Version> {
        Some(Version(n))
    }

    fn key(id: &str) -> EntityKey {
        EntityKey::new("k", id)
    }

    #[test]
    fn staleness_table() {
        // (stored, incoming, stale)
        let table = [
            (v(5), v(4), true),
            (v(5), v(5), false),
            (v(5), v(6), false),
            (v(5), None, false),
            (None, v(1), false),
            (None, None, false),
            (v(i64::MIN + 1), v(i64::MIN), true),
        ];
        for (stored, incoming, stale) in table {
            assert_eq!(is_stale(stored, incoming), stale, "{stored:?} vs {incoming:?}");
        }
    }

    #[test]
    fn tombstone_rank_table() {
        // (tombstone, incoming, recreates)
        let table = [
            (v(5), v(6), true),
            (v(5), v(5), false),
            (v(5), v(4), false),
            (v(5), None, false),
            (None, v(i64::MAX), false),
            (None, None, false),
        ];
        for (tombstone, incoming, recreates) in table {
            assert_eq!(outranks_tombstone(tombstone, incoming), recreates);
        }
    }

    #[test]
    fn oldest_written_is_evicted_first() {
        let mut tombstones = Tombstones::new(2);
        assert!(tombstones.insert(key("a"), v(1)).is_empty());
        assert!(tombstones.insert(key("b"), None).is_empty());
        // Rewriting `a` makes it the youngest, so `b` goes first.
        assert!(tombstones.insert(key("a"), v(2)).is_empty());
        assert_eq!(tombstones.insert(key("c"), v(3)), vec![key("b")]);
        let order: Vec<_> = tombstones.iter().map(|(k, v)| (k.clone(), v)).collect();
        assert_eq!(order, vec![(key("a"), v(2)), (key("c"), v(3))]);
        assert_eq!(tombstones.get(&key("a")), Some(v(2)));
        assert_eq!(tombstones.get(&key("b")), None);
        assert_eq!(tombstones.iter().count(), 2);
    }

    #[test]
    fn zero_capacity_keeps_nothing() {
        let mut tombstones = Tombstones::new(0);
        assert_eq!(tombstones.insert(key("a"), v(1)), vec![key("a")]);
        assert_eq!(tombstones.iter().count(), 0);
        assert_eq!(tombstones.get(&key("a")), None);
    }

    #[test]
    fn remove_and_clear() {
        let mut tombstones = Tombstones::new(10);
        tombstones.insert(key("a"), None);
        tombstones.insert(key("b"), v(1));
        assert!(tombstones.remove(&key("a")));
        assert!(!tombstones.remove(&key("a")));
        assert_eq!(tombstones.get(&key("a")), None);
        assert_eq!(tombstones.get(&key("b")), Some(v(1)));
        tombstones.clear();
        assert_eq!(tombstones.iter().count(), 0);
        assert_eq!(tombstones.iter().count(), 0);
    }
}
