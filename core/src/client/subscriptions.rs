//! Subscribers to list views, entities and signals. Each gets its current value first, then
//! one update per flushed batch that touches it, carrying full post-merge entities.

use super::signals::SyncSignal;
use crate::op::EntityKey;
use crate::store::{ChangedKeys, ListTracker, ListView, Store};
use serde_json::Value;
use std::collections::HashMap;
use tokio::sync::mpsc;

/// A list view's value: the full ordered list, and what changed since the previous update.
#[derive(Debug, Clone, PartialEq)]
pub struct ListUpdate {
    /// `(id, entity)` in the view's order, after filter and limit.
    pub items: Vec<(String, Value)>,
    /// Ids that joined the list (all of them in the first update).
    pub added: Vec<String>,
    /// Ids that left the list (deleted, or no longer matching the filter, or cut by the limit).
    pub removed: Vec<String>,
    /// Ids still in the list whose entity changed.
    pub updated: Vec<String>,
}

/// An entity's value: `None` while it does not exist (never created, or deleted).
#[derive(Debug, Clone, PartialEq)]
pub struct EntityUpdate {
    pub key: EntityKey,
    pub value: Option<Value>,
}

/// A stream of `T`: the current value first where there is one, then an update per batch.
/// Dropping it unsubscribes.
#[derive(Debug)]
pub struct Subscription<T> {
    updates: mpsc::UnboundedReceiver<T>,
}

impl<T> Subscription<T> {
    /// The next update; `None` once the client is gone.
    pub async fn recv(&mut self) -> Option<T> {
        self.updates.recv().await
    }

    /// The next update if one is ready now.
    pub fn try_recv(&mut self) -> Option<T> {
        self.updates.try_recv().ok()
    }
}

/// Updates of one list view.
pub type ListSubscription = Subscription<ListUpdate>;
/// Updates of one entity.
pub type EntitySubscription = Subscription<EntityUpdate>;
/// Signals for the host ([`SyncSignal`]).
pub type SignalSubscription = Subscription<SyncSignal>;

#[derive(Debug, Default)]
pub(crate) struct Subscribers {
    lists: Vec<(ListTracker, mpsc::UnboundedSender<ListUpdate>)>,
    entities: HashMap<EntityKey, Vec<mpsc::UnboundedSender<EntityUpdate>>>,
    signals: Vec<mpsc::UnboundedSender<SyncSignal>>,
}

impl Subscribers {
    pub(crate) fn add_list(&mut self, view: ListView, store: &Store) -> ListSubscription {
        let (tx, rx) = mpsc::unbounded_channel();
        let (tracker, items) = ListTracker::new(view, store);
        let added = items.iter().map(|(id, _)| id.clone()).collect();
        // The receiver is alive: it is returned below.
        let _ = tx.send(ListUpdate { items, added, removed: Vec::new(), updated: Vec::new() });
        self.lists.push((tracker, tx));
        ListSubscription { updates: rx }
    }

    pub(crate) fn add_entity(&mut self, key: EntityKey, store: &Store) -> EntitySubscription {
        let (tx, rx) = mpsc::unbounded_channel();
        let value = store.get(&key).map(|e| e.value.clone());
        let _ = tx.send(EntityUpdate { key: key.clone(), value });
        self.entities.entry(key).or_default().push(tx);
        EntitySubscription { updates: rx }
    }

    pub(crate) fn add_signals(&mut self) -> SignalSubscription {
        let (tx, rx) = mpsc::unbounded_channel();
        self.signals.push(tx);
        SignalSubscription { updates: rx }
    }

    pub(crate) fn signal(&mut self, signal: SyncSignal) {
        self.signals.retain(|tx| tx.send(signal.clone()).is_ok());
    }

    /// Tells every subscriber touched by `changes`; forgets subscribers that went away.
    pub(crate) fn publish(&mut self, store: &Store, changes: &ChangedKeys) {
        self.lists.retain_mut(|(tracker, tx)| {
            if tx.is_closed() {
                return false;
            }
            let keys = changes.upserted.iter().chain(changes.deleted.iter().map(|(k, _)| k));
            match tracker.update_keys(store, changes.cleared, keys) {
                Some(diff) => tx
                    .send(ListUpdate {
                        items: diff.items,
                        added: diff.added,
                        removed: diff.removed,
                        updated: diff.updated,
                    })
                    .is_ok(),
                None => true,
            }
        });
        if self.entities.is_empty() {
            return;
        }
        let mut touched: Vec<EntityKey> = Vec::new();
        if changes.cleared {
            touched.extend(self.entities.keys().cloned());
        } else {
            let changed = changes.upserted.iter();
            let deleted = changes.deleted.iter().map(|(k, _)| k);
            touched
                .extend(changed.chain(deleted).filter(|k| self.entities.contains_key(*k)).cloned());
        }
        for key in touched {
            let value = store.get(&key).map(|e| e.value.clone());
            if let Some(senders) = self.entities.get_mut(&key) {
                senders.retain(|tx| {
                    tx.send(EntityUpdate { key: key.clone(), value: value.clone() }).is_ok()
                });
                if senders.is_empty() {
                    self.entities.remove(&key);
                }
            }
        }
    }
}
