//! A bounded LRU of event ids with amortized O(1) insert, hit and eviction: a map from id to its
//! latest "generation" plus a queue of (generation, id) in recency order where entries made
//! stale by a later hit are skipped on eviction and compacted away. Each id is hashed once per
//! admission, once per eviction and once when its admission is reported.

use super::IdChanges;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

#[derive(Debug)]
pub(super) struct IdWindow {
    capacity: usize,
    generation: u64,
    latest: HashMap<Arc<str>, Slot>,
    order: VecDeque<(u64, Arc<str>)>,
    /// Ids admitted since the last `take_changes`, in order (may repeat; filtered at take).
    added: Vec<Arc<str>>,
    /// Stored ids evicted since the last `take_changes`.
    evicted: Vec<String>,
}

/// One remembered id.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Its latest admission or hit.
    generation: u64,
    /// Admitted since the last `take_changes` and not evicted since: still to be reported (an id
    /// admitted and evicted within one batch never needs to reach storage).
    pending: bool,
}

impl IdWindow {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            generation: 0,
            latest: HashMap::new(),
            order: VecDeque::new(),
            added: Vec::new(),
            evicted: Vec::new(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.latest.len()
    }

    /// Remembers `id` as most recent. Returns whether it was new.
    pub(super) fn insert(&mut self, id: &str) -> bool {
        self.generation += 1;
        let generation = self.generation;
        match self.latest.entry(Arc::from(id)) {
            Entry::Occupied(mut slot) => {
                slot.get_mut().generation = generation;
                let key = slot.key().clone();
                self.order.push_back((generation, key));
                self.compact();
                false
            }
            Entry::Vacant(slot) => {
                let key = slot.key().clone();
                slot.insert(Slot { generation, pending: true });
                self.order.push_back((generation, key.clone()));
                self.added.push(key);
                self.evict();
                true
            }
        }
    }

    /// Loads stored ids, oldest first (not reported as added).
    pub(super) fn restore(&mut self, ids: impl IntoIterator<Item = String>) {
        for id in ids {
            self.generation += 1;
            let key: Arc<str> = Arc::from(id.as_str());
            self.latest.insert(key.clone(), Slot { generation: self.generation, pending: false });
            self.order.push_back((self.generation, key));
        }
        let evicted = std::mem::take(&mut self.evicted);
        self.evict();
        // Evictions caused by a restore are not news for storage beyond what it already has.
        self.evicted = evicted;
    }

    pub(super) fn clear(&mut self) {
        self.latest.clear();
        self.order.clear();
        self.added.clear();
        self.evicted.clear();
    }

    /// Ids admitted (still remembered) and stored ids evicted since the last call.
    pub(super) fn take_changes(&mut self) -> IdChanges {
        let mut added = Vec::new();
        // Each still-pending id once, at its latest admission in this batch.
        for key in self.added.drain(..).rev() {
            if let Some(slot) = self.latest.get_mut(&key).filter(|slot| slot.pending) {
                slot.pending = false;
                added.push(key.to_string());
            }
        }
        added.reverse();
        IdChanges { added, evicted: std::mem::take(&mut self.evicted) }
    }

    fn evict(&mut self) {
        while self.latest.len() > self.capacity {
            let Some((generation, key)) = self.order.pop_front() else { break };
            if let Entry::Occupied(slot) = self.latest.entry(key) {
                if slot.get().generation == generation {
                    let (key, slot) = slot.remove_entry();
                    if !slot.pending {
                        self.evicted.push(key.to_string());
                    }
                }
            }
        }
        self.compact();
    }

    /// Drops queue entries made stale by later hits once they outnumber live ones.
    fn compact(&mut self) {
        if self.order.len() > 2 * self.latest.len() + 16 {
            let latest = &self.latest;
            self.order.retain(|(generation, key)| {
                latest.get(key).is_some_and(|slot| slot.generation == *generation)
            });
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
    fn a_batch_far_larger_than_the_window_reports_only_the_survivors() {
        let mut w = IdWindow::new(10);
        w.restore((0..10).map(|i| format!("stored-{i}")));
        for i in 0..100_000 {
            assert!(w.insert(&format!("new-{i}")));
        }
        let changes = w.take_changes();
        let survivors: Vec<String> = (99_990..100_000).map(|i| format!("new-{i}")).collect();
        assert_eq!(changes.added, survivors);
        assert_eq!(changes.evicted.len(), 10, "only the stored ids need deleting");
        assert!(w.added.is_empty() && w.latest.values().all(|slot| !slot.pending));
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
