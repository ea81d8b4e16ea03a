//! Logout: [`Persistence::clear`] removes every row and then the bytes they left in the file.

use super::error::PersistError;
use super::write::WIPE;
use super::Persistence;
use rusqlite::TransactionBehavior;

impl Persistence {
    /// Logout: deletes every row, then `VACUUM`s so deleted data leaves the file and truncates
    /// the WAL to zero bytes. The store stays open and usable.
    pub fn clear(&mut self) -> Result<(), PersistError> {
        self.slots = None;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(WIPE)?;
        tx.execute_batch("DELETE FROM sqlite_sequence;")?;
        tx.commit()?;
        self.conn.execute_batch("VACUUM;")?;
        let (busy, _, _): (i64, i64, i64) =
            self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?;
        if busy != 0 {
            return Err(PersistError::Sqlite(
                "the WAL could not be truncated: another connection is reading".to_owned(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::op::Version;
    use crate::persist::test_support::*;
    use crate::persist::{Persistence, Snapshot, WriteBatch};
    use serde_json::json;

    fn file_holds(path: &std::path::Path, needle: &[u8]) -> bool {
        ["", "-wal", "-shm"].iter().any(|suffix| {
            std::fs::read(sibling(path, suffix))
                .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
                .unwrap_or(false)
        })
    }

    #[test]
    fn clear_wipes_rows_and_leaves_no_bytes_behind() {
        let (_dir, path) = temp_db();
        let mut p = open(&path);
        let other = WriteBatch { last_event_id: Some("e-other".into()), ..WriteBatch::default() };
        p.write("other", &other).expect("write");
        let secret = "SECRET-7f3a9c-do-not-keep";
        let batch = WriteBatch {
            upserts: vec![
                entity("user", "me", json!({"token": secret, "pad": "x".repeat(5_000)}), Some(1)),
                entity("user", &format!("id-{secret}"), json!({}), None),
            ],
            dedup_added: vec![format!("evt-{secret}")],
            last_event_id: Some(format!("last-{secret}")),
            ..WriteBatch::default()
        };
        p.write("main", &batch).expect("write");
        // The entity is deleted by a later batch before logout: its bytes may linger in free
        // pages and WAL frames, which is what clear must scrub.
        let delete = WriteBatch {
            deletes: vec![(key("user", "me"), Some(Version(2)))],
            ..WriteBatch::default()
        };
        p.write("main", &delete).expect("delete");
        raw(&p, "PRAGMA wal_checkpoint(PASSIVE);");
        assert!(file_holds(&path, secret.as_bytes()), "control: the secret is on disk before");

        p.clear().expect("clear");
        assert_eq!(p.load("main").expect("load"), Snapshot::default());
        assert_eq!(p.load("other").expect("load"), Snapshot::default());
        assert!(!file_holds(&path, secret.as_bytes()), "the secret left the file and the WAL");
        assert_eq!(std::fs::metadata(sibling(&path, "-wal")).expect("wal").len(), 0);
        assert_eq!(
            p.schema_version().expect("version"),
            Persistence::SCHEMA_VERSION,
            "the schema stays"
        );

        // Still usable, and still clean after a reopen.
        let after = WriteBatch { last_event_id: Some("e-new".into()), ..WriteBatch::default() };
        p.write("main", &after).expect("write after clear");
        drop(p);
        assert!(!file_holds(&path, secret.as_bytes()));
        assert_eq!(open(&path).load("main").expect("load").last_event_id.as_deref(), Some("e-new"));
    }
}
