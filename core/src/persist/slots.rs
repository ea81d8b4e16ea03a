//! The persisted dedup id window as reusable slots stored 64 to a row (schema v2). An evicted id's
//! slot is taken by the next admitted id, and a batch rewrites only the rows (chunks) whose slots
//! it touched: with ids admitted and evicted in order, a batch of N ids rewrites about N / 64
//! rows. Schema v1 inserted and deleted one row per id in a table with a second, `UNIQUE` index
//! and `AUTOINCREMENT` (1.24 µs an event, the largest single step of the applier).
//!
//! A chunk's `ids` is UTF-8 text (stored as a BLOB): for each occupied slot,
//! `{slot within the chunk},{seq},{byte length}:{id}`; `seq` orders the window, oldest first.
//!
//! Which slot holds which id is kept in memory ([`Slots`]), read from the table on first use and
//! again whenever another connection committed to the file since (`PRAGMA data_version`), and
//! forgotten when a write fails (its transaction rolled back), so it always matches the file.

use super::error::PersistError;
use rusqlite::Connection;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// Slots per stored row.
pub(super) const CHUNK: usize = 64;

/// The ids stored in `dedup_chunks`: by id, by slot, and the slots free for reuse.
#[derive(Debug, Default)]
pub(super) struct Slots {
    by_id: HashMap<Arc<str>, usize>,
    /// `(seq, id)` by slot.
    slots: Vec<Option<(i64, Arc<str>)>>,
    /// Empty slots, reused before `slots` grows.
    free: Vec<usize>,
    next_seq: i64,
    /// `PRAGMA data_version` after this connection last read or wrote the table.
    data_version: i64,
}

/// One stored id: its slot, its place in the window, the id.
pub(super) struct Stored<'a> {
    pub(super) slot: usize,
    pub(super) seq: i64,
    pub(super) id: &'a str,
}

/// The entries of one chunk's text, in stored order.
pub(super) fn decode(chunk: i64, text: &str) -> Result<Vec<Stored<'_>>, PersistError> {
    let bad = || PersistError::Corrupt(format!("dedup chunk {chunk} is malformed"));
    let base = usize::try_from(chunk).map_err(|_| bad())?.checked_mul(CHUNK).ok_or_else(bad)?;
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (index, tail) = rest.split_once(',').ok_or_else(bad)?;
        let (seq, tail) = tail.split_once(',').ok_or_else(bad)?;
        let (len, tail) = tail.split_once(':').ok_or_else(bad)?;
        let index: usize = index.parse().map_err(|_| bad())?;
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        let len: usize = len.parse().map_err(|_| bad())?;
        if index >= CHUNK || !tail.is_char_boundary(len.min(tail.len())) || len > tail.len() {
            return Err(bad());
        }
        let (id, tail) = tail.split_at(len);
        out.push(Stored { slot: base + index, seq, id });
        rest = tail;
    }
    Ok(out)
}

impl Slots {
    /// What the table holds now.
    pub(super) fn read(conn: &Connection) -> Result<Slots, PersistError> {
        let mut slots = Slots::default();
        let mut stmt = conn.prepare_cached("SELECT chunk, ids FROM dedup_chunks")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let chunk: i64 = row.get(0)?;
            let bytes = row.get_ref(1)?.as_blob().map_err(|_| not_a_blob(chunk))?;
            let text = std::str::from_utf8(bytes)
                .map_err(|_| PersistError::Corrupt(format!("dedup chunk {chunk} is not UTF-8")))?;
            for stored in decode(chunk, text)? {
                if stored.slot >= slots.slots.len() {
                    slots.slots.resize(stored.slot + 1, None);
                }
                let id: Arc<str> = Arc::from(stored.id);
                slots.by_id.insert(id.clone(), stored.slot);
                slots.slots[stored.slot] = Some((stored.seq, id));
                slots.next_seq = slots.next_seq.max(stored.seq.saturating_add(1));
            }
        }
        drop(rows);
        drop(stmt);
        slots.free = (0..slots.slots.len()).rev().filter(|&s| slots.slots[s].is_none()).collect();
        slots.data_version = data_version(conn)?;
        Ok(slots)
    }

    /// An empty table (after a wipe in the current transaction).
    pub(super) fn empty(conn: &Connection) -> Result<Slots, PersistError> {
        Ok(Slots { data_version: data_version(conn)?, ..Slots::default() })
    }

    /// Whether another connection may have changed the table since this one last looked.
    pub(super) fn is_current(&self, conn: &Connection) -> Result<bool, PersistError> {
        Ok(data_version(conn)? == self.data_version)
    }

    /// Removes `evicted` ids, then stores `added` ones (a stored id becomes newest), in the
    /// current transaction. On error the caller drops `self`: the transaction rolls back.
    pub(super) fn write(
        &mut self,
        conn: &Connection,
        added: &[String],
        evicted: &[String],
    ) -> Result<(), PersistError> {
        let mut touched: Vec<usize> = Vec::with_capacity(added.len() / CHUNK + 2);
        let mut touch = |slot: usize| {
            if touched.last() != Some(&(slot / CHUNK)) {
                touched.push(slot / CHUNK);
            }
        };
        // Slots freed by this batch are reused first, in the order they were freed.
        let mut freed: Vec<usize> = Vec::with_capacity(evicted.len());
        for id in evicted {
            if let Some(slot) = self.by_id.remove(id.as_str()) {
                self.slots[slot] = None;
                freed.push(slot);
                touch(slot);
            }
        }
        freed.reverse();
        for id in added {
            let seq = self.next_seq;
            self.next_seq += 1;
            if let Some(&slot) = self.by_id.get(id.as_str()) {
                if let Some((stored_seq, _)) = &mut self.slots[slot] {
                    *stored_seq = seq;
                }
                touch(slot);
                continue;
            }
            let slot = match freed.pop().or_else(|| self.free.pop()) {
                Some(slot) => slot,
                None => {
                    self.slots.push(None);
                    self.slots.len() - 1
                }
            };
            let id: Arc<str> = Arc::from(id.as_str());
            self.by_id.insert(id.clone(), slot);
            self.slots[slot] = Some((seq, id));
            touch(slot);
        }
        self.free.extend(freed);
        touched.sort_unstable();
        touched.dedup();

        let mut put = conn
            .prepare_cached("INSERT OR REPLACE INTO dedup_chunks (chunk, ids) VALUES (?1, ?2)")?;
        let mut text = String::new();
        let mut empty = Vec::new();
        for &chunk in &touched {
            text.clear();
            let end = ((chunk + 1) * CHUNK).min(self.slots.len());
            for slot in chunk * CHUNK..end {
                if let Some((seq, id)) = &self.slots[slot] {
                    // Writing to a String cannot fail.
                    let _ = write!(text, "{},{seq},{}:{id}", slot - chunk * CHUNK, id.len());
                }
            }
            let chunk = i64::try_from(chunk).unwrap_or(i64::MAX);
            if text.is_empty() {
                empty.push(chunk);
            } else {
                put.execute(rusqlite::params![chunk, text.as_bytes()])?;
            }
        }
        if !empty.is_empty() {
            let mut forget = conn.prepare_cached("DELETE FROM dedup_chunks WHERE chunk = ?1")?;
            for chunk in empty {
                forget.execute([chunk])?;
            }
        }
        Ok(())
    }

    /// Records that this connection's commit is what the table now holds.
    pub(super) fn committed(&mut self, conn: &Connection) -> Result<(), PersistError> {
        self.data_version = data_version(conn)?;
        Ok(())
    }
}

/// A chunk whose `ids` is not a BLOB (STRICT tables refuse one; a damaged file could hold it).
pub(super) fn not_a_blob(chunk: i64) -> PersistError {
    PersistError::Corrupt(format!("dedup chunk {chunk} is not a BLOB"))
}

fn data_version(conn: &Connection) -> Result<i64, PersistError> {
    Ok(conn.pragma_query_value(None, "data_version", |row| row.get(0))?)
}
