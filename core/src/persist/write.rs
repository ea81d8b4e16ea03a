//! Writing: one [`WriteBatch`] per transaction.

use super::error::{json_error, PersistError};
use super::slots::Slots;
use super::Persistence;
use crate::op::{EntityKey, Version};
use rusqlite::{params, Transaction, TransactionBehavior};
use serde_json::Value;

/// Everything one store batch changed, applied atomically by [`Persistence::write`] in this
/// order: `cleared`, `deletes`, `tombstones_evicted`, `upserts`, `dedup_evicted`, `dedup_added`,
/// `last_event_id`, `applied_delta` — the order the store reports them in (see the module docs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteBatch {
    /// Wipe every entity, tombstone, dedup id and every stream's last event id first.
    pub cleared: bool,
    /// Insert or replace each entity, removing any tombstone of its key.
    pub upserts: Vec<(EntityKey, Value, Option<Version>)>,
    /// Remove each entity and write (or replace) its tombstone with that version.
    pub deletes: Vec<(EntityKey, Option<Version>)>,
    /// Tombstones the store no longer keeps.
    pub tombstones_evicted: Vec<EntityKey>,
    /// Event ids the dedup window admitted, oldest first. Re-adding a stored id makes it newest.
    pub dedup_added: Vec<String>,
    /// Event ids the dedup window evicted.
    pub dedup_evicted: Vec<String>,
    /// When `Some`, the stream's resume point after this batch.
    pub last_event_id: Option<String>,
    /// Events this batch took into account: added to the stream's `applied_total` in the same
    /// transaction, so the count can prove that nothing was applied twice across restarts.
    pub applied_delta: u64,
}

impl WriteBatch {
    /// Whether writing this batch would change nothing.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Appends a later batch to this one (a failed write is retried together with the next):
    /// the result writes what writing both in order would.
    pub fn absorb(&mut self, later: WriteBatch) {
        if later.cleared {
            let applied = self.applied_delta + later.applied_delta;
            *self = later;
            self.applied_delta = applied;
            return;
        }
        self.upserts.extend(later.upserts);
        self.deletes.extend(later.deletes);
        self.tombstones_evicted.extend(later.tombstones_evicted);
        self.dedup_added.extend(later.dedup_added);
        self.dedup_evicted.extend(later.dedup_evicted);
        if later.last_event_id.is_some() {
            self.last_event_id = later.last_event_id;
        }
        self.applied_delta += later.applied_delta;
    }
}

/// A [`WriteBatch`] that borrows its parts, so a writer that holds the data elsewhere (the sync
/// client: its store) writes without copying every changed entity first.
#[derive(Debug, Clone, Default)]
pub(crate) struct BatchRef<'a> {
    pub(crate) cleared: bool,
    pub(crate) upserts: Vec<(&'a EntityKey, &'a Value, Option<Version>)>,
    pub(crate) deletes: &'a [(EntityKey, Option<Version>)],
    pub(crate) tombstones_evicted: &'a [EntityKey],
    pub(crate) dedup_added: &'a [String],
    pub(crate) dedup_evicted: &'a [String],
    pub(crate) last_event_id: Option<&'a str>,
    pub(crate) applied_delta: u64,
}

impl BatchRef<'_> {
    fn is_empty(&self) -> bool {
        !self.cleared
            && self.upserts.is_empty()
            && self.deletes.is_empty()
            && self.tombstones_evicted.is_empty()
            && self.dedup_added.is_empty()
            && self.dedup_evicted.is_empty()
            && self.last_event_id.is_none()
            && self.applied_delta == 0
    }

    /// An owned copy (kept when a write failed, to retry with the next batch).
    pub(crate) fn to_owned_batch(&self) -> WriteBatch {
        WriteBatch {
            cleared: self.cleared,
            upserts: self
                .upserts
                .iter()
                .map(|(k, v, ver)| ((*k).clone(), (*v).clone(), *ver))
                .collect(),
            deletes: self.deletes.to_vec(),
            tombstones_evicted: self.tombstones_evicted.to_vec(),
            dedup_added: self.dedup_added.to_vec(),
            dedup_evicted: self.dedup_evicted.to_vec(),
            last_event_id: self.last_event_id.map(str::to_owned),
            applied_delta: self.applied_delta,
        }
    }
}

impl WriteBatch {
    pub(crate) fn as_batch_ref(&self) -> BatchRef<'_> {
        BatchRef {
            cleared: self.cleared,
            upserts: self.upserts.iter().map(|(k, v, ver)| (k, v, *ver)).collect(),
            deletes: &self.deletes,
            tombstones_evicted: &self.tombstones_evicted,
            dedup_added: &self.dedup_added,
            dedup_evicted: &self.dedup_evicted,
            last_event_id: self.last_event_id.as_deref(),
            applied_delta: self.applied_delta,
        }
    }
}

/// Every row of every data table (not `meta`): `cleared` and logout.
pub(super) const WIPE: &str =
    "DELETE FROM entities; DELETE FROM tombstones; DELETE FROM dedup_chunks; DELETE FROM streams;";

impl Persistence {
    /// Applies `batch` in one transaction, `stream`'s last event id included: on any error
    /// nothing of the batch is stored and the old resume point stays.
    pub fn write(&mut self, stream: &str, batch: &WriteBatch) -> Result<(), PersistError> {
        self.write_ref(stream, &batch.as_batch_ref())
    }

    /// [`Persistence::write`] of a borrowed batch.
    pub(crate) fn write_ref(
        &mut self,
        stream: &str,
        batch: &BatchRef<'_>,
    ) -> Result<(), PersistError> {
        if batch.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Taken out for the transaction, put back only once it committed: a failed write rolls
        // the table back, so the next write reads it again.
        let mut slots = self.slots.take();
        apply(&tx, stream, batch, &mut slots)?;
        tx.commit()?;
        if let Some(slots) = &mut slots {
            slots.committed(&self.conn)?;
        }
        self.slots = slots;
        Ok(())
    }
}

/// The statements of one batch, in the documented order, with cached prepared statements.
fn apply(
    tx: &Transaction<'_>,
    stream: &str,
    batch: &BatchRef<'_>,
    slots: &mut Option<Slots>,
) -> Result<(), PersistError> {
    if batch.cleared {
        tx.execute_batch(WIPE)?;
        *slots = Some(Slots::empty(tx)?);
    }
    if !batch.deletes.is_empty() {
        let mut remove = tx.prepare_cached("DELETE FROM entities WHERE kind = ?1 AND id = ?2")?;
        // REPLACE deletes a stored copy first, so the tombstone takes a new, newest seq.
        let mut bury = tx.prepare_cached(
            "INSERT OR REPLACE INTO tombstones (kind, id, version) VALUES (?1, ?2, ?3)",
        )?;
        for (key, version) in batch.deletes {
            remove.execute(params![key.kind, key.id])?;
            bury.execute(params![key.kind, key.id, version.map(|v| v.0)])?;
        }
    }
    if !batch.tombstones_evicted.is_empty() {
        let mut unbury = tx.prepare_cached("DELETE FROM tombstones WHERE kind = ?1 AND id = ?2")?;
        for key in batch.tombstones_evicted {
            unbury.execute(params![key.kind, key.id])?;
        }
    }
    if !batch.upserts.is_empty() {
        let mut put = tx.prepare_cached(
            "INSERT OR REPLACE INTO entities (kind, id, json, version) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut unbury = tx.prepare_cached("DELETE FROM tombstones WHERE kind = ?1 AND id = ?2")?;
        // Most batches find no tombstone at all: one look instead of a delete per upsert.
        let any_tombstones: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM tombstones)")?
            .query_row([], |row| row.get(0))?;
        let mut json = Vec::with_capacity(256);
        for (key, value, version) in &batch.upserts {
            json.clear();
            serde_json::to_writer(&mut json, value)
                .map_err(|e| json_error("encoding an entity", &e))?;
            // serde_json writes UTF-8 only.
            let text = std::str::from_utf8(&json)
                .map_err(|_| PersistError::Encoding("encoding an entity: not UTF-8".to_owned()))?;
            put.execute(params![key.kind, key.id, text, version.map(|v| v.0)])?;
            if any_tombstones {
                unbury.execute(params![key.kind, key.id])?;
            }
        }
    }
    if !batch.dedup_added.is_empty() || !batch.dedup_evicted.is_empty() {
        // Read again when another connection wrote the file since this one last looked.
        let current = match slots.take() {
            Some(known) if known.is_current(tx)? => known,
            _ => Slots::read(tx)?,
        };
        let known = slots.insert(current);
        known.write(tx, batch.dedup_added, batch.dedup_evicted)?;
    }
    if let Some(last_event_id) = batch.last_event_id {
        let mut resume = tx.prepare_cached(
            "INSERT INTO streams (name, last_event_id) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET last_event_id = excluded.last_event_id",
        )?;
        resume.execute([stream, last_event_id])?;
    }
    if batch.applied_delta > 0 {
        let mut count = tx.prepare_cached(
            "INSERT INTO streams (name, applied_total) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET applied_total = applied_total + excluded.applied_total",
        )?;
        let delta = i64::try_from(batch.applied_delta).unwrap_or(i64::MAX);
        count.execute(params![stream, delta])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::test_support::*;
    use crate::persist::Snapshot;
    use serde_json::json;

    /// A store holding, for streams "main" and "other": entities a (v1) and b, a tombstone for
    /// t (v9), dedup ids d1, d2, d3 and resume points "e-main" and "e-other".
    fn seeded(path: &std::path::Path) -> Persistence {
        let mut p = open(path);
        let batch = WriteBatch {
            upserts: vec![
                entity("item", "a", json!({"v": "a"}), Some(1)),
                entity("item", "b", json!({"v": "b"}), None),
            ],
            deletes: vec![(key("item", "t"), Some(Version(9)))],
            dedup_added: vec!["d1".into(), "d2".into(), "d3".into()],
            last_event_id: Some("e-main".into()),
            ..WriteBatch::default()
        };
        p.write("main", &batch).expect("seed");
        let other = WriteBatch { last_event_id: Some("e-other".into()), ..WriteBatch::default() };
        p.write("other", &other).expect("seed other");
        p
    }

    fn keys(snapshot: &Snapshot) -> Vec<String> {
        snapshot.entities.iter().map(|(k, _, _)| format!("{}/{}", k.kind, k.id)).collect()
    }

    fn tombstones(snapshot: &Snapshot) -> Vec<(String, Option<i64>)> {
        snapshot.tombstones.iter().map(|(k, v)| (k.id.clone(), v.map(|v| v.0))).collect()
    }

    /// A batch that touches every list, so a failure injected at any stage has work before it.
    fn full_batch() -> WriteBatch {
        WriteBatch {
            cleared: false,
            upserts: vec![
                entity("item", "a", json!({"v": "a2"}), Some(2)),
                entity("item", "c", json!({"v": "c"}), Some(1)),
            ],
            deletes: vec![(key("item", "b"), Some(Version(5)))],
            tombstones_evicted: vec![key("item", "t")],
            dedup_added: vec!["d4".into()],
            // d4 takes d1's slot; d2's is left empty.
            dedup_evicted: vec!["d1".into(), "d2".into()],
            last_event_id: Some("e-new".into()),
            applied_delta: 3,
        }
    }

    #[test]
    fn applied_total_accumulates_per_stream_and_is_wiped_by_clear() {
        let (_dir, path) = temp_db();
        let mut p = open(&path);
        let batch = |n| WriteBatch { applied_delta: n, ..WriteBatch::default() };
        p.write("main", &batch(5)).expect("write");
        p.write("main", &batch(7)).expect("write");
        p.write("other", &batch(1)).expect("write");
        assert_eq!(p.load("main").expect("load").applied_total, 12);
        assert_eq!(p.load("other").expect("load").applied_total, 1);
        drop(p);
        let mut p = open(&path);
        assert_eq!(p.load("main").expect("load").applied_total, 12, "survives reopen");
        p.write("main", &WriteBatch { cleared: true, ..batch(2) }).expect("write");
        assert_eq!(p.load("main").expect("load").applied_total, 2);
    }

    #[test]
    fn absorb_writes_what_both_batches_would() {
        let first = full_batch();
        let second = WriteBatch {
            upserts: vec![entity("item", "b", json!({"v": "b9"}), Some(9))],
            dedup_added: vec!["d5".into()],
            last_event_id: None,
            applied_delta: 2,
            ..WriteBatch::default()
        };
        let (_dir_a, path_a) = temp_db();
        let mut separately = open(&path_a);
        separately.write("main", &first).expect("write");
        separately.write("main", &second).expect("write");
        let (_dir_b, path_b) = temp_db();
        let mut together = open(&path_b);
        let mut merged = first.clone();
        merged.absorb(second);
        together.write("main", &merged).expect("write");
        assert_eq!(together.load("main").expect("load"), separately.load("main").expect("load"));
        assert_eq!(merged.last_event_id.as_deref(), Some("e-new"), "None keeps the earlier id");
        let mut wiped = first;
        wiped.absorb(WriteBatch { cleared: true, applied_delta: 1, ..WriteBatch::default() });
        assert!(wiped.cleared && wiped.upserts.is_empty());
        assert_eq!(wiped.applied_delta, 4);
    }

    #[test]
    fn cleared_applies_first_and_wipes_every_stream() {
        let (_dir, path) = temp_db();
        let mut p = seeded(&path);
        let batch = WriteBatch {
            cleared: true,
            upserts: vec![entity("item", "z", json!(1), None)],
            dedup_added: vec!["d9".into()],
            last_event_id: Some("e-after".into()),
            ..WriteBatch::default()
        };
        p.write("main", &batch).expect("write");
        let main = p.load("main").expect("load");
        assert_eq!(keys(&main), ["item/z"]);
        assert!(main.tombstones.is_empty());
        assert_eq!(main.dedup_ids, ["d9"]);
        assert_eq!(main.last_event_id.as_deref(), Some("e-after"));
        assert_eq!(p.load("other").expect("load").last_event_id, None, "all resume points wiped");
    }

    #[test]
    fn deletes_then_upserts_each_in_list_order() {
        let (_dir, path) = temp_db();
        let mut p = seeded(&path);
        let batch = WriteBatch {
            // x is deleted and upserted in one batch: the upsert wins, no tombstone stays.
            deletes: vec![(key("item", "x"), Some(Version(1))), (key("item", "a"), None)],
            upserts: vec![
                entity("item", "x", json!("first"), Some(2)),
                entity("item", "x", json!("second"), Some(3)),
            ],
            ..WriteBatch::default()
        };
        p.write("main", &batch).expect("write");
        let s = p.load("main").expect("load");
        assert_eq!(keys(&s), ["item/b", "item/x"]);
        let x = s.entities.iter().find(|(k, _, _)| k.id == "x").expect("x");
        assert_eq!((&x.1, x.2), (&json!("second"), Some(Version(3))), "the later entry wins");
        // Oldest first: t was seeded before this batch buried a.
        assert_eq!(tombstones(&s), [("t".into(), Some(9)), ("a".into(), None)]);
    }

    #[test]
    fn upsert_clears_a_tombstone_and_delete_replaces_one() {
        let (_dir, path) = temp_db();
        let mut p = seeded(&path);
        let resurrect = WriteBatch {
            upserts: vec![entity("item", "t", json!({"back": true}), Some(10))],
            deletes: vec![(key("item", "b"), Some(Version(3)))],
            ..WriteBatch::default()
        };
        p.write("main", &resurrect).expect("write");
        let s = p.load("main").expect("load");
        assert_eq!(keys(&s), ["item/a", "item/t"]);
        assert_eq!(tombstones(&s), [("b".into(), Some(3))]);

        let again = WriteBatch {
            deletes: vec![(key("item", "b"), Some(Version(4)))],
            ..WriteBatch::default()
        };
        p.write("main", &again).expect("write");
        assert_eq!(tombstones(&p.load("main").expect("load")), [("b".into(), Some(4))]);
    }

    #[test]
    fn deletes_apply_before_tombstone_evictions() {
        let (_dir, path) = temp_db();
        let mut p = seeded(&path);
        // As the store reports it: a deleted, then its tombstone (and t's) evicted by the limit.
        let batch = WriteBatch {
            deletes: vec![
                (key("item", "a"), Some(Version(2))),
                (key("item", "c"), Some(Version(1))),
            ],
            tombstones_evicted: vec![key("item", "t"), key("item", "a"), key("item", "never")],
            ..WriteBatch::default()
        };
        p.write("main", &batch).expect("write");
        let s = p.load("main").expect("load");
        assert_eq!(tombstones(&s), [("c".into(), Some(1))], "a's and t's tombstones are gone");
        assert_eq!(keys(&s), ["item/b"]);
    }

    #[test]
    fn dedup_evictions_apply_before_additions_and_readding_moves_to_newest() {
        let (_dir, path) = temp_db();
        let mut p = seeded(&path);
        // What the dedup window reports when d1 is evicted and then seen again in one batch.
        let batch = WriteBatch {
            dedup_evicted: vec!["d1".into(), "d2".into()],
            dedup_added: vec!["d5".into(), "d1".into(), "d3".into()],
            ..WriteBatch::default()
        };
        p.write("main", &batch).expect("write");
        assert_eq!(p.load("main").expect("load").dedup_ids, ["d5", "d1", "d3"]);
    }

    #[test]
    fn last_event_id_moves_only_with_its_batch_and_stream() {
        let (_dir, path) = temp_db();
        let mut p = seeded(&path);
        let no_id = WriteBatch {
            upserts: vec![entity("item", "c", json!(3), None)],
            ..WriteBatch::default()
        };
        p.write("main", &no_id).expect("write");
        assert_eq!(p.load("main").expect("load").last_event_id.as_deref(), Some("e-main"));
        p.write("main", &full_batch()).expect("write");
        assert_eq!(p.load("main").expect("load").last_event_id.as_deref(), Some("e-new"));
        assert_eq!(p.load("other").expect("load").last_event_id.as_deref(), Some("e-other"));
        assert_eq!(p.load("unknown").expect("load").last_event_id, None);
    }

    #[test]
    fn an_empty_batch_changes_nothing() {
        let (_dir, path) = temp_db();
        let mut p = seeded(&path);
        let before = p.load("main").expect("load");
        assert!(WriteBatch::default().is_empty());
        assert!(!full_batch().is_empty());
        p.write("main", &WriteBatch::default()).expect("write");
        assert_eq!(p.load("main").expect("load"), before);
    }

    /// Makes the next matching statement of `table` fail inside SQLite, mid-transaction.
    fn fail_on(p: &Persistence, event: &str, table: &str) {
        raw(
            p,
            &format!(
                "CREATE TEMP TRIGGER inject BEFORE {event} ON main.{table} \
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
            ),
        );
    }

    #[test]
    fn a_batch_failing_at_any_stage_stores_nothing_of_it() {
        // Each stage of `apply`, failed by a trigger after the earlier stages already ran.
        let stages = [
            ("DELETE", "entities", true),      // cleared
            ("DELETE", "tombstones", false),   // tombstones_evicted
            ("INSERT", "tombstones", false),   // deletes
            ("INSERT", "entities", false),     // upserts
            ("INSERT", "dedup_chunks", false), // dedup_evicted and dedup_added
            ("INSERT", "streams", false),      // last_event_id (a new row)
            ("UPDATE", "streams", false),      // last_event_id (the stored row)
        ];
        for (event, table, cleared) in stages {
            let (_dir, path) = temp_db();
            let mut p = seeded(&path);
            let main = p.load("main").expect("load");
            let other = p.load("other").expect("load");
            let stream = if event == "INSERT" && table == "streams" { "fresh" } else { "main" };
            fail_on(&p, event, table);
            let batch = WriteBatch { cleared, ..full_batch() };
            let error = p.write(stream, &batch).expect_err("injected");
            assert!(
                matches!(&error, PersistError::Sqlite(m) if m.contains("injected")),
                "{event} {table}: {error:?}"
            );
            assert_eq!(p.load("main").expect("load"), main, "{event} {table}");
            assert_eq!(p.load("other").expect("load"), other, "{event} {table}");
            assert_eq!(p.load("fresh").expect("load").last_event_id, None, "{event} {table}");
            drop(p);
            // Nor did anything reach the file; and the same batch succeeds without the fault.
            let mut p = open(&path);
            assert_eq!(p.load("main").expect("load"), main, "{event} {table} after reopen");
            p.write(stream, &batch).expect("write");
            assert_eq!(p.load(stream).expect("load").last_event_id.as_deref(), Some("e-new"));
        }
    }

    #[test]
    fn a_failed_write_then_a_retry_on_the_same_connection_stores_the_window_once() {
        let (_dir, path) = temp_db();
        let mut p = seeded(&path);
        fail_on(&p, "INSERT", "dedup_chunks");
        p.write("main", &full_batch()).expect_err("injected");
        raw(&p, "DROP TRIGGER temp.inject;");
        p.write("main", &full_batch()).expect("write");
        assert_eq!(p.load("main").expect("load").dedup_ids, ["d3", "d4"]);
        let more = WriteBatch {
            dedup_evicted: vec!["d3".into()],
            dedup_added: vec!["d5".into(), "d6".into(), "d7".into()],
            ..WriteBatch::default()
        };
        p.write("main", &more).expect("write");
        assert_eq!(p.load("main").expect("load").dedup_ids, ["d4", "d5", "d6", "d7"]);
        let text: Vec<u8> =
            p.conn.query_row("SELECT ids FROM dedup_chunks", [], |r| r.get(0)).expect("one row");
        let text = String::from_utf8(text).expect("utf-8");
        let mut slots: Vec<usize> = super::super::slots::decode(0, &text)
            .expect("decodes")
            .iter()
            .map(|s| s.slot)
            .collect();
        slots.sort_unstable();
        assert_eq!(slots, [0, 1, 2, 3], "freed slots are reused: four ids in slots 0..=3");

        // Evicting every id empties the chunk: its row goes (a failure there stores nothing).
        let all = WriteBatch {
            dedup_evicted: ["d4", "d5", "d6", "d7"].map(String::from).to_vec(),
            ..WriteBatch::default()
        };
        fail_on(&p, "DELETE", "dedup_chunks");
        p.write("main", &all).expect_err("injected");
        assert_eq!(p.load("main").expect("load").dedup_ids, ["d4", "d5", "d6", "d7"]);
        raw(&p, "DROP TRIGGER temp.inject;");
        p.write("main", &all).expect("write");
        assert!(p.load("main").expect("load").dedup_ids.is_empty());
        let rows: i64 =
            p.conn.query_row("SELECT count(*) FROM dedup_chunks", [], |r| r.get(0)).expect("n");
        assert_eq!(rows, 0);
    }

    #[test]
    fn a_window_larger_than_a_chunk_round_trips_in_order() {
        let (_dir, path) = temp_db();
        let mut p = open(&path);
        let ids: Vec<String> = (0..1_000).map(|i| format!("id-{i}")).collect();
        let first = WriteBatch { dedup_added: ids[..600].to_vec(), ..WriteBatch::default() };
        p.write("main", &first).expect("write");
        // Evict the oldest 300, admit 400 more and re-admit one old id (it becomes newest).
        let second = WriteBatch {
            dedup_evicted: ids[..300].to_vec(),
            dedup_added: ids[600..].iter().chain([&ids[400]]).cloned().collect(),
            ..WriteBatch::default()
        };
        p.write("main", &second).expect("write");
        let mut expected: Vec<String> =
            ids[300..].iter().filter(|id| *id != &ids[400]).cloned().collect();
        expected.push(ids[400].clone());
        assert_eq!(p.load("main").expect("load").dedup_ids, expected);
        drop(p);
        let mut p = open(&path);
        assert_eq!(p.load("main").expect("load").dedup_ids, expected, "after a reopen");
        let rows: i64 =
            p.conn.query_row("SELECT count(*) FROM dedup_chunks", [], |r| r.get(0)).expect("n");
        assert_eq!(rows, 11, "700 ids in slots 0..700: 11 chunks of 64");
        // And a fresh connection keeps writing where the file is.
        let third = WriteBatch { dedup_evicted: ids[300..310].to_vec(), ..WriteBatch::default() };
        p.write("main", &third).expect("write");
        assert_eq!(p.load("main").expect("load").dedup_ids, expected[10..].to_vec());
    }

    #[test]
    fn two_connections_writing_dedup_ids_in_turn_keep_one_window() {
        let (_dir, path) = temp_db();
        let mut a = seeded(&path);
        let mut b = open(&path);
        let ids = |added: &[&str], evicted: &[&str]| WriteBatch {
            dedup_added: added.iter().map(|s| (*s).to_owned()).collect(),
            dedup_evicted: evicted.iter().map(|s| (*s).to_owned()).collect(),
            ..WriteBatch::default()
        };
        a.write("main", &ids(&["a1"], &["d1"])).expect("write");
        b.write("main", &ids(&["b1", "b2"], &["d2"])).expect("write");
        a.write("main", &ids(&["a2"], &["d3"])).expect("write");
        b.write("main", &ids(&["b3"], &["a1"])).expect("write");
        let expected = ["b1", "b2", "a2", "b3"];
        assert_eq!(a.load("main").expect("load").dedup_ids, expected);
        assert_eq!(b.load("main").expect("load").dedup_ids, expected);
    }

    #[test]
    fn a_thousand_upserts_are_one_transaction() {
        let (_dir, path) = temp_db();
        let mut p = seeded(&path);
        let before = p.load("main").expect("load");
        let upserts: Vec<_> =
            (0..1_000).map(|i| entity("bulk", &format!("{i:04}"), json!({"i": i}), None)).collect();
        raw(
            &p,
            "CREATE TEMP TRIGGER inject BEFORE INSERT ON main.entities WHEN NEW.id = '0999' \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        );
        let batch = WriteBatch { upserts, ..WriteBatch::default() };
        p.write("main", &batch).expect_err("the 1,000th upsert fails");
        assert_eq!(p.load("main").expect("load"), before, "none of the 999 before it landed");
        raw(&p, "DROP TRIGGER temp.inject;");
        p.write("main", &batch).expect("write");
        assert_eq!(p.load("main").expect("load").entities.len(), 1_002);
    }
}
