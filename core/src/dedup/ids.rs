//! A bounded LRU of event ids with amortized O(1) insert, hit and eviction: a map from id to its
//! latest "generation" plus a queue of (generation, id) in recency order where entries made
//! stale by a later hit are skipped on eviction and compacted away.

use super::IdChanges;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

#[derive(Debug)]
pub(super) struct IdWindow {
    capacity: usize,
    generation: u64,
    latest: HashMap<Arc<str>, u64>,
    order: VecDeque<(u64, Arc<str>)>,
    changes: IdChanges,
}

impl IdWindow {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            generation: 0,
            latest: HashMap::new(),
            order: VecDeque::new(),
            changes: IdChanges::default(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.latest.len()
    }

    /// Remembers `id` as most recent. Returns whether it was new.
    pub(super) fn insert(&mut self, id: &str) -> bool {
        self.generation += 1;
        let generation = self.generation;
        if let Some((key, _)) = self.latest.get_key_value(id) {
            let key = key.clone();
            self.latest.insert(key.clone(), generation);
            self.order.push_back((generation, key));
            self.compact();
            return false;
        }
        let key: Arc<str> = Arc::from(id);
        self.latest.insert(key.clone(), generation);
        self.order.push_back((generation, key));
        self.changes.added.push(id.to_owned());
        self.evict();
        true
    }

    pub(super) fn restore(&mut self, ids: impl IntoIterator<Item = String>) {
        for id in ids {
            self.generation += 1;
            let key: Arc<str> = Arc::from(id.as_str());
            self.latest.insert(key.clone(), self.generation);
            self.order.push_back((self.generation, key));
        }
        let pending = std::mem::take(&mut self.changes);
        self.evict();
        // Evictions caused by a restore are not news for storage beyond what it already has.
        self.changes = pending;
    }

    pub(super) fn clear(&mut self) {
        self.latest.clear();
        self.order.clear();
        self.changes = IdChanges::default();
    }

    pub(super) fn take_changes(&mut self) -> IdChanges {
        std::mem::take(&mut self.changes)
    }

    fn evict(&mut self) {
        while self.latest.len() > self.capacity {
            let Some((generation, key)) = self.order.pop_front() else { break };
            if self.latest.get(&key) == Some(&generation) {
                self.latest.remove(&key);
                // An id added and evicted within one batch never needs to reach storage.
                if let Some(at) = self.changes.added.iter().position(|a| **a == *key) {
                    self.changes.added.remove(at);
                } else {
                    self.changes.evicted.push(key.to_string());
                }
            }
        }
        self.compact();
    }

    /// Drops queue entries made stale by later hits once they outnumber live ones.
    fn compact(&mut self) {
        if self.order.len() > 2 * self.latest.len() + 16 {
            let latest = &self.latest;
            self.order.retain(|(generation, key)| latest.get(key) == Some(generation));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_seen() {
        let mut w = IdWindow::new(3);
        for id in ["a", "b", "c"] {
            assert!(w.insert(id));
        }
        assert!(!w.insert("a"), "a is a duplicate and now most recent");
        assert!(w.insert("d"), "evicts b, the least recently seen");
        assert!(!w.insert("a"));
        assert!(!w.insert("c"));
        assert!(w.insert("b"), "b was evicted; now d is the least recently seen");
        assert!(w.insert("d"), "d was evicted by b");
        assert_eq!(w.len(), 3);
        let changes = w.take_changes();
        // Ids added and evicted within one batch never reach storage.
        assert_eq!(changes.added, ["c", "b", "d"]);
        assert!(changes.evicted.is_empty());
    }

    #[test]
    fn evictions_of_stored_ids_are_reported() {
        let mut w = IdWindow::new(2);
        w.restore(["x".to_string(), "y".to_string()]);
        assert_eq!(w.take_changes(), IdChanges::default());
        assert!(!w.insert("x"));
        assert!(w.insert("z"));
        let changes = w.take_changes();
        assert_eq!(changes.added, ["z"]);
        assert_eq!(changes.evicted, ["y"]);
    }

    #[test]
    fn memory_stays_bounded_under_repeated_hits() {
        let mut w = IdWindow::new(100);
        for i in 0..100 {
            w.insert(&i.to_string());
        }
        for round in 0..1000 {
            w.insert(&(round % 100).to_string());
        }
        assert_eq!(w.len(), 100);
        assert!(w.order.len() <= 2 * 100 + 16 + 1);
    }
}
