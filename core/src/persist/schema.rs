//! The versioned schema: a list of (version, SQL) steps. A file records its version twice, in
//! `PRAGMA user_version` and in `meta.schema_version`, both written in the migrating transaction.
//! Version 0 is a file with no schema at all (new, or empty); an unversioned file that already
//! holds tables, or a versioned one whose two records disagree, is not a Tether store (Corrupt).
//!
//! To change the schema: append a step with the next version (never edit a shipped step), bump
//! nothing else, and add a test that migrates a file of the previous version.

use super::error::PersistError;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// One schema step: the SQL that takes a file from `version - 1` to `version`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Migration {
    pub(super) version: u32,
    pub(super) sql: &'static str,
}

/// Every step, in order, numbered 1, 2, 3, ….
pub(super) const MIGRATIONS: &[Migration] =
    &[Migration { version: 1, sql: V1 }, Migration { version: 2, sql: V2 }];

/// The newest schema this build reads and writes: the last step's.
pub(super) const SCHEMA_VERSION: u32 = latest(MIGRATIONS);

const V1: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value ANY) STRICT;
CREATE TABLE entities (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    json TEXT NOT NULL,
    version INTEGER,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID, STRICT;
CREATE TABLE tombstones (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER,
    UNIQUE (kind, id)
) STRICT;
CREATE TABLE dedup_ids (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE
) STRICT;
CREATE TABLE streams (name TEXT PRIMARY KEY NOT NULL, last_event_id TEXT, applied_total INTEGER NOT NULL DEFAULT 0) STRICT;
";

/// The dedup window as reusable slots, 64 to a row (see `slots.rs`): no `UNIQUE` index, no
/// `AUTOINCREMENT`, a row rewritten per 64 ids instead of an insert and a delete per id. Stored
/// ids keep their order (`seq`) and take slots 0, 1, 2, … oldest first.
const V2: &str = "
CREATE TABLE dedup_chunks (chunk INTEGER PRIMARY KEY, ids BLOB NOT NULL) STRICT;
INSERT INTO dedup_chunks (chunk, ids)
    SELECT slot / 64, CAST(group_concat((slot % 64) || ',' || seq || ','
        || length(CAST(event_id AS BLOB)) || ':' || event_id, '') AS BLOB)
    FROM (SELECT row_number() OVER (ORDER BY seq) - 1 AS slot, seq, event_id FROM dedup_ids)
    GROUP BY slot / 64;
DROP TABLE dedup_ids;
";

/// The version in the file header (`PRAGMA user_version`).
pub(super) fn stored_version(conn: &Connection) -> Result<u32, PersistError> {
    let raw: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    u32::try_from(raw).map_err(|_| PersistError::Corrupt("negative schema version".to_owned()))
}

/// Refuses a file written by a newer schema than `steps` reach.
pub(super) fn refuse_future(conn: &Connection, steps: &[Migration]) -> Result<u32, PersistError> {
    let found = stored_version(conn)?;
    let supported = latest(steps);
    if found > supported {
        return Err(PersistError::FutureSchema { found, supported });
    }
    Ok(found)
}

/// Brings the file to the last step's version in one transaction, then checks that the file
/// agrees with itself. Returns the version.
pub(super) fn migrate(conn: &mut Connection, steps: &[Migration]) -> Result<u32, PersistError> {
    let target = latest(steps);
    if refuse_future(conn, steps)? < target {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Read again under the write lock: another connection may have migrated meanwhile.
        let found = refuse_future(&tx, steps)?;
        if found == 0 && has_schema(&tx)? {
            return Err(PersistError::Corrupt(
                "unversioned file already holds tables: not a Tether store".to_owned(),
            ));
        }
        if found > 0 {
            // A versioned file must be ours before a step touches it.
            verify(&tx, found)?;
        }
        for step in steps.iter().filter(|step| step.version > found) {
            tx.execute_batch(step.sql)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1)",
            [target],
        )?;
        tx.pragma_update(None, "user_version", target)?;
        tx.commit()?;
    }
    verify(conn, target)?;
    Ok(target)
}

const fn latest(steps: &[Migration]) -> u32 {
    match steps.last() {
        Some(step) => step.version,
        None => 0,
    }
}

fn has_schema(conn: &Connection) -> Result<bool, PersistError> {
    let objects: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))?;
    Ok(objects > 0)
}

/// `meta.schema_version` must exist and equal the header's version.
fn verify(conn: &Connection, target: u32) -> Result<(), PersistError> {
    let recorded: Option<i64> = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |row| row.get(0))
        .optional()
        .map_err(|error| match PersistError::from(error) {
            // "no such table: meta": a versioned file that is not ours.
            PersistError::Sqlite(message) => PersistError::Corrupt(message),
            other => other,
        })?;
    if recorded != Some(i64::from(target)) {
        return Err(PersistError::Corrupt(
            "meta.schema_version disagrees with the file header".to_owned(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::test_support::*;
    use crate::persist::{Persistence, WriteBatch};

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .expect("prepare");
        let names = stmt.query_map([], |row| row.get(0)).expect("query");
        names.collect::<Result<_, _>>().expect("names")
    }

    fn columns(conn: &Connection, table: &str) -> Vec<String> {
        let mut stmt =
            conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid").expect("prepare");
        let names = stmt.query_map([table], |row| row.get(0)).expect("query");
        names.collect::<Result<_, _>>().expect("names")
    }

    #[test]
    fn steps_ascend_and_end_at_the_schema_version() {
        assert_eq!(SCHEMA_VERSION, 2);
        assert_eq!(Persistence::SCHEMA_VERSION, SCHEMA_VERSION);
        for (i, step) in MIGRATIONS.iter().enumerate() {
            assert_eq!(step.version as usize, i + 1, "steps are numbered 1, 2, 3, …");
        }
    }

    #[test]
    fn a_v0_file_migrates_to_the_latest() {
        let (_dir, path) = temp_db();
        {
            // A real SQLite file at version 0 and with no schema: a table made and dropped so
            // the file has pages, not zero bytes.
            let conn = Connection::open(&path).expect("open raw");
            conn.execute_batch("CREATE TABLE scratch (x); DROP TABLE scratch;").expect("sql");
            assert_eq!(stored_version(&conn).expect("version"), 0);
        }
        assert!(std::fs::metadata(&path).expect("meta").len() > 0);

        let p = open(&path);
        assert_eq!(p.schema_version().expect("version"), 2);
        assert_eq!(
            tables(&p.conn),
            ["dedup_chunks", "entities", "meta", "sqlite_sequence", "streams", "tombstones"]
        );
        assert_eq!(columns(&p.conn, "entities"), ["kind", "id", "json", "version"]);
        assert_eq!(columns(&p.conn, "tombstones"), ["seq", "kind", "id", "version"]);
        assert_eq!(columns(&p.conn, "dedup_chunks"), ["chunk", "ids"]);
        assert_eq!(columns(&p.conn, "streams"), ["name", "last_event_id", "applied_total"]);
        let recorded: i64 = p
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0))
            .expect("meta");
        assert_eq!(recorded, 2);
    }

    /// A file as version 1 of this build wrote it: entities, a tombstone, dedup ids whose order
    /// is not their text order (one re-added, so `seq` has a gap) and a resume point.
    fn v1_file(path: &std::path::Path) {
        let mut conn = Connection::open(path).expect("open raw");
        migrate(&mut conn, &MIGRATIONS[..1]).expect("migrate to v1");
        conn.execute_batch(
            "INSERT INTO entities VALUES ('session', 's1', '{\"n\":1}', 4);
             INSERT INTO tombstones (kind, id, version) VALUES ('session', 'gone', 7);
             INSERT INTO dedup_ids (event_id) VALUES ('e3'), ('e1'), ('e2');
             INSERT OR REPLACE INTO dedup_ids (event_id) VALUES ('e1');
             INSERT INTO streams (name, last_event_id, applied_total) VALUES ('main', 'e9', 12);",
        )
        .expect("v1 rows");
        assert_eq!(stored_version(&conn).expect("version"), 1);
    }

    #[test]
    fn a_v1_file_migrates_to_v2_keeping_its_cache_and_dedup_order() {
        let (_dir, path) = temp_db();
        v1_file(&path);
        let mut p = open(&path);
        assert_eq!(p.schema_version().expect("version"), 2);
        assert!(!tables(&p.conn).contains(&"dedup_ids".to_owned()));
        let s = p.load("main").expect("load");
        assert_eq!(s.entities.len(), 1);
        assert_eq!(s.tombstones.len(), 1);
        assert_eq!(s.dedup_ids, ["e3", "e2", "e1"], "oldest first, as v1 stored them");
        assert_eq!((s.last_event_id.as_deref(), s.applied_total), (Some("e9"), 12));
        let chunk: Vec<u8> = p
            .conn
            .query_row("SELECT ids FROM dedup_chunks WHERE chunk = 0", [], |r| r.get(0))
            .expect("chunk 0");
        let mut stored: Vec<String> = std::str::from_utf8(&chunk)
            .ok()
            .and_then(|text| super::super::slots::decode(0, text).ok())
            .expect("decodes")
            .iter()
            .map(|s| format!("{}:{}:{}", s.slot, s.seq, s.id))
            .collect();
        stored.sort();
        assert_eq!(stored, ["0:1:e3", "1:3:e2", "2:4:e1"], "dense slots, oldest first");

        // The migrated window keeps working: an eviction and two admissions (one re-added).
        let batch = WriteBatch {
            dedup_evicted: vec!["e3".into()],
            dedup_added: vec!["e4".into(), "e2".into(), "e5".into()],
            ..WriteBatch::default()
        };
        p.write("main", &batch).expect("write");
        assert_eq!(p.load("main").expect("load").dedup_ids, ["e1", "e4", "e2", "e5"]);
        drop(p);
        assert_eq!(open(&path).load("main").expect("load").dedup_ids, ["e1", "e4", "e2", "e5"]);
    }

    #[test]
    fn a_later_step_migrates_a_file_keeping_its_rows() {
        let (_dir, path) = temp_db();
        let mut p = open(&path);
        let batch = WriteBatch {
            upserts: vec![entity("session", "s1", serde_json::json!({"n": 1}), Some(4))],
            last_event_id: Some("e1".into()),
            ..WriteBatch::default()
        };
        p.write("main", &batch).expect("write");
        drop(p);

        let steps = [
            MIGRATIONS[0],
            MIGRATIONS[1],
            Migration { version: 3, sql: "ALTER TABLE entities ADD COLUMN note TEXT;" },
        ];
        let mut conn = Connection::open(&path).expect("open raw");
        assert_eq!(migrate(&mut conn, &steps).expect("migrate"), 3);
        assert_eq!(stored_version(&conn).expect("version"), 3);
        assert_eq!(columns(&conn, "entities"), ["kind", "id", "json", "version", "note"]);
        let n: i64 =
            conn.query_row("SELECT count(*) FROM entities", [], |r| r.get(0)).expect("count");
        assert_eq!(n, 1);
        drop(conn);

        // To this build, that file now comes from the future.
        assert_eq!(
            Persistence::open(&path).expect_err("future"),
            PersistError::FutureSchema { found: 3, supported: 2 }
        );
    }

    #[test]
    fn a_failing_step_leaves_the_file_at_its_old_version() {
        let (_dir, path) = temp_db();
        drop(open(&path));
        let steps = [
            MIGRATIONS[0],
            MIGRATIONS[1],
            Migration { version: 3, sql: "CREATE TABLE added (x); SELECT no_such_function();" },
        ];
        let mut conn = Connection::open(&path).expect("open raw");
        let error = migrate(&mut conn, &steps).expect_err("step fails");
        assert!(matches!(error, PersistError::Sqlite(_)), "{error:?}");
        assert_eq!(stored_version(&conn).expect("version"), 2);
        assert!(!tables(&conn).contains(&"added".to_owned()), "the step was rolled back");
        drop(conn);
        assert_eq!(open(&path).schema_version().expect("version"), 2);
    }

    #[test]
    fn an_unversioned_file_with_tables_is_refused_untouched() {
        let (_dir, path) = temp_db();
        {
            let conn = Connection::open(&path).expect("open raw");
            conn.execute_batch(
                "CREATE TABLE someone_elses (x); INSERT INTO someone_elses VALUES (1);",
            )
            .expect("sql");
        }
        let error = Persistence::open(&path).expect_err("not ours");
        assert!(matches!(error, PersistError::Corrupt(_)), "{error:?}");
        let conn = Connection::open(&path).expect("open raw");
        assert_eq!(tables(&conn), ["someone_elses"]);
        assert_eq!(stored_version(&conn).expect("version"), 0);
    }

    #[test]
    fn a_versioned_file_without_our_meta_is_corrupt() {
        let (_dir, path) = temp_db();
        {
            let conn = Connection::open(&path).expect("open raw");
            conn.execute_batch("CREATE TABLE other (x); PRAGMA user_version = 1;").expect("sql");
        }
        let error = Persistence::open(&path).expect_err("not ours");
        assert!(matches!(error, PersistError::Corrupt(_)), "{error:?}");

        let (_dir2, path2) = temp_db();
        drop(open(&path2));
        {
            let conn = Connection::open(&path2).expect("open raw");
            conn.execute_batch("UPDATE meta SET value = 7 WHERE key = 'schema_version';")
                .expect("sql");
        }
        let error = Persistence::open(&path2).expect_err("disagrees");
        assert!(matches!(error, PersistError::Corrupt(_)), "{error:?}");
    }
}
