//! The entity store against a plain model of its rules, on random op sequences over a handful of
//! kinds and ids: upserts, deep merges with nulls, deletes, clears; versions from a small range so
//! sequences reorder, plus the same op twice in a row and earlier ops replayed.
//!
//! - `store_agrees_with_the_model`: after every op, the same result, entities, tombstones (in
//!   eviction order) and list queries as the model.
//! - `applying_an_op_twice_is_applying_it_once`.
//! - `replayed_changes_restore_the_same_store`: every `take_changes` applied to a plain replica,
//!   restored into a fresh store, gives the same store.
//! - `list_diffs_follow_the_query`: each `ListTracker` diff is the list query and the plain diff
//!   between the previous and the new list.
//!
//! Every property runs 256 cases from a fixed seed, without a regressions file.

mod model;
mod strategies;

use model::{plain_diff, plain_query, Model};
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, RngSeed};
use serde_json::Value;
use std::collections::BTreeMap;
use strategies::{limits, op, program, view};
use tether_core::{Applied, ChangeSet, Entity, EntityKey, ListTracker, Store, Version};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(0x7e7_4e25),
        ..ProptestConfig::default()
    }
}

type Snapshot = (BTreeMap<EntityKey, Entity>, Vec<(EntityKey, Option<Version>)>);

fn snapshot(store: &Store) -> Snapshot {
    let entities = store.entities().map(|(k, e)| (k.clone(), e.clone())).collect();
    let tombstones = store.tombstones().map(|(k, v)| (k.clone(), v)).collect();
    (entities, tombstones)
}

/// Mirrors the store from its change sets, applied in the order `ChangeSet` documents.
#[derive(Default)]
struct Replica {
    entities: BTreeMap<EntityKey, Entity>,
    tombstones: Vec<(EntityKey, Option<Version>)>,
}

impl Replica {
    fn apply(&mut self, changes: ChangeSet) {
        if changes.cleared {
            self.entities.clear();
            self.tombstones.clear();
        }
        for (key, entity) in changes.upserted {
            self.tombstones.retain(|(k, _)| k != &key);
            self.entities.insert(key, entity);
        }
        for (key, version) in changes.deleted {
            self.entities.remove(&key);
            self.tombstones.retain(|(k, _)| k != &key);
            self.tombstones.push((key, version));
        }
        for key in changes.tombstones_evicted {
            self.tombstones.retain(|(k, _)| k != &key);
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn store_agrees_with_the_model(
        limits in limits(),
        program in program(),
        views in prop::collection::vec(view(), 1..4),
    ) {
        let mut store = Store::new(limits);
        let mut model = Model::new(limits);
        for (op, take) in &program {
            let expected = model.apply(op);
            prop_assert_eq!(store.apply(op), expected, "{:?}", op);
            let (entities, tombstones) = snapshot(&store);
            prop_assert_eq!(&entities, &model.entities, "after {:?}", op);
            prop_assert_eq!(&tombstones, &model.tombstones, "after {:?}", op);
            prop_assert_eq!(store.len(), model.entities.len());
            for view in &views {
                prop_assert_eq!(store.query(view), plain_query(&model.entities, view), "{:?}", view);
            }
            if *take {
                store.take_changes();
            }
        }
    }

    #[test]
    fn applying_an_op_twice_is_applying_it_once(
        limits in limits(),
        program in program(),
        op in op(),
    ) {
        let mut once = Store::new(limits);
        let mut twice = Store::new(limits);
        for (earlier, _) in &program {
            let _ = once.apply(earlier);
            let _ = twice.apply(earlier);
        }
        once.take_changes();
        twice.take_changes();

        let first = once.apply(&op);
        prop_assert_eq!(twice.apply(&op), first.clone());
        let second = twice.apply(&op);
        match &first {
            Ok(Applied::Changed(_) | Applied::Unchanged) => {
                prop_assert_eq!(&second, &Ok(Applied::Unchanged))
            }
            // With no room for tombstones, a versioned delete of a missing entity records one
            // again (and it is evicted again).
            Ok(Applied::Deleted(key)) if limits.max_tombstones == 0 => prop_assert!(
                second == Ok(Applied::Unchanged) || second == Ok(Applied::Deleted(key.clone()))
            ),
            Ok(Applied::Deleted(_)) => prop_assert_eq!(&second, &Ok(Applied::Unchanged)),
            _ => prop_assert_eq!(&second, &first),
        }
        prop_assert_eq!(snapshot(&twice), snapshot(&once));
        prop_assert_eq!(twice.take_changes(), once.take_changes());
    }

    #[test]
    fn replayed_changes_restore_the_same_store(limits in limits(), program in program()) {
        let mut store = Store::new(limits);
        let mut replica = Replica::default();
        for (op, take) in &program {
            let _ = store.apply(op);
            if *take {
                replica.apply(store.take_changes());
                prop_assert_eq!(&(replica.entities.clone(), replica.tombstones.clone()), &snapshot(&store));
            }
        }
        replica.apply(store.take_changes());
        prop_assert_eq!(&(replica.entities.clone(), replica.tombstones.clone()), &snapshot(&store));

        let mut restored = Store::new(limits);
        restored.restore(replica.entities.into_iter().collect(), replica.tombstones);
        prop_assert!(restored.take_changes().is_empty());
        prop_assert_eq!(snapshot(&restored), snapshot(&store));
    }

    #[test]
    fn list_diffs_follow_the_query(
        limits in limits(),
        program in program(),
        views in prop::collection::vec(view(), 1..4),
    ) {
        let mut store = Store::new(limits);
        let mut lists: Vec<(ListTracker, Vec<(String, Value)>)> =
            views.iter().map(|view| ListTracker::new(view.clone(), &store)).collect();
        for (tracker, shown) in &lists {
            prop_assert!(shown.is_empty());
            prop_assert_eq!(tracker.items(), Vec::new());
        }
        for (at, (op, take)) in program.iter().enumerate() {
            let _ = store.apply(op);
            if !*take && at + 1 < program.len() {
                continue;
            }
            let changes = store.take_changes();
            for (tracker, shown) in lists.iter_mut() {
                let now = plain_query(&snapshot(&store).0, tracker.view());
                let diff = tracker.update(&store, &changes);
                prop_assert_eq!(&diff, &plain_diff(shown, &now), "{:?}", tracker.view());
                *shown = now;
            }
        }
    }
}
