//! Opening a store: connection settings, the damage check, the schema check and migration, and
//! the documented recovery ([`Persistence::recreate`]).

use super::error::PersistError;
use super::schema::{self, MIGRATIONS};
use super::Persistence;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a statement waits for another connection's lock before failing with `Sqlite`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Prepared statements kept per connection (the store uses about a dozen).
const STATEMENT_CACHE: usize = 32;
/// Files SQLite keeps beside the database, removed by `recreate` before the database itself.
const SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

impl Persistence {
    /// Opens the store at `path`, creating the file (not its folder) if missing, and migrates an
    /// older schema. A missing folder or an unreadable file is `Io`; a file that is not SQLite,
    /// is damaged (`PRAGMA quick_check`) or is not a Tether store is `Corrupt`; a newer schema is
    /// `FutureSchema` and the file is left as it was. Answer the last two with [`Self::recreate`].
    pub fn open(path: &Path) -> Result<Persistence, PersistError> {
        let conn = Connection::open(path)?;
        Self::start(conn, true)
    }

    /// A store that lives in memory only, for hosts that want nothing on disk.
    pub fn open_in_memory() -> Result<Persistence, PersistError> {
        Self::start(Connection::open_in_memory()?, false)
    }

    /// The documented recovery for `Corrupt` and `FutureSchema`: deletes the file at `path` with
    /// its `-wal`, `-shm` and `-journal` files, then opens an empty store there. Drop every
    /// `Persistence` open on `path` first. Removing a file that is not there is not an error.
    pub fn recreate(path: &Path) -> Result<Persistence, PersistError> {
        for suffix in SIDE_FILES {
            remove_if_present(&with_suffix(path, suffix))?;
        }
        remove_if_present(path)?;
        Self::open(path)
    }

    fn start(mut conn: Connection, on_disk: bool) -> Result<Persistence, PersistError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Read-only checks first: neither a damaged nor a future file is written to.
        quick_check(&conn)?;
        schema::refuse_future(&conn, MIGRATIONS)?;
        if on_disk {
            let mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                // Some file systems cannot share memory for the WAL index. Batches stay atomic
                // in the rollback journal; only concurrency and write speed suffer.
                tracing::warn!(mode, "persistence: WAL refused, using the rollback journal");
            }
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&mut conn, MIGRATIONS)?;
        Ok(Persistence { conn, slots: None })
    }
}

/// `PRAGMA quick_check`: `Corrupt` unless SQLite answers `ok`. Its report names pages and
/// indexes, not values.
fn quick_check(conn: &Connection) -> Result<(), PersistError> {
    let report: String = conn.query_row("PRAGMA quick_check(1)", [], |row| row.get(0))?;
    if report == "ok" {
        Ok(())
    } else {
        let report: String = report.chars().take(200).collect();
        Err(PersistError::Corrupt(format!("quick_check: {report}")))
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> Result<(), PersistError> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(PersistError::io("removing a store file", &error))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::test_support::*;
    use crate::persist::{Snapshot, WriteBatch};
    use serde_json::json;

    fn some_batch() -> WriteBatch {
        WriteBatch {
            upserts: vec![entity("session", "s1", json!({"title": "hello"}), Some(1))],
            dedup_added: vec!["e1".into()],
            last_event_id: Some("e1".into()),
            ..WriteBatch::default()
        }
    }

    fn pragma_text(p: &Persistence, name: &str) -> String {
        p.conn.pragma_query_value(None, name, |row| row.get::<_, String>(0)).expect("pragma")
    }

    fn pragma_int(p: &Persistence, name: &str) -> i64 {
        p.conn.pragma_query_value(None, name, |row| row.get(0)).expect("pragma")
    }

    /// A store with enough rows to span many pages, closed (WAL checkpointed into the file).
    fn filled_store(path: &Path) {
        let mut p = open(path);
        let upserts = (0..2_000)
            .map(|i| entity("row", &format!("{i:05}"), json!({"body": "x".repeat(200)}), None))
            .collect();
        p.write("main", &WriteBatch { upserts, ..WriteBatch::default() }).expect("write");
    }

    #[test]
    fn a_new_file_gets_wal_and_the_connection_settings() {
        let (_dir, path) = temp_db();
        let mut p = open(&path);
        assert_eq!(pragma_text(&p, "journal_mode"), "wal");
        assert_eq!(pragma_int(&p, "synchronous"), 1, "NORMAL");
        assert_eq!(pragma_int(&p, "foreign_keys"), 1);
        assert_eq!(pragma_int(&p, "busy_timeout"), 5_000);
        p.write("main", &some_batch()).expect("write");
        assert!(sibling(&path, "-wal").exists(), "writes go to the WAL");
        drop(p);
        // WAL mode is recorded in the header (bytes 18 and 19 are 2), so it survives a reopen.
        let header = std::fs::read(&path).expect("read");
        assert_eq!(&header[18..20], &[2, 2]);
    }

    #[test]
    fn reopening_after_drop_keeps_everything() {
        let (_dir, path) = temp_db();
        let mut p = open(&path);
        p.write("main", &some_batch()).expect("write");
        let before = p.load("main").expect("load");
        drop(p);
        let p = open(&path);
        assert_eq!(p.load("main").expect("load"), before);
        assert_eq!(before.last_event_id.as_deref(), Some("e1"));
        assert_eq!(before.entities.len(), 1);
    }

    #[test]
    fn a_missing_folder_is_io() {
        let (dir, _) = temp_db();
        let path = dir.path().join("no-such-folder").join("tether.sqlite3");
        let error = Persistence::open(&path).expect_err("no folder");
        assert!(matches!(error, PersistError::Io(_)), "{error:?}");
        assert!(!path.exists());
    }

    #[test]
    fn a_garbage_file_is_corrupt_and_recreate_recovers() {
        let (_dir, path) = temp_db();
        let garbage: Vec<u8> =
            (0..8192u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        std::fs::write(&path, &garbage).expect("write garbage");
        // A stale WAL beside it must not be replayed into the new file.
        std::fs::write(sibling(&path, "-wal"), &garbage).expect("write garbage wal");

        let error = Persistence::open(&path).expect_err("garbage");
        assert!(matches!(error, PersistError::Corrupt(_)), "{error:?}");
        assert!(error.needs_recreate());
        assert_eq!(std::fs::read(&path).expect("read"), garbage, "open left the file alone");

        let mut p = Persistence::recreate(&path).expect("recreate");
        assert_eq!(p.load("main").expect("load"), Snapshot::default());
        p.write("main", &some_batch()).expect("write");
        drop(p);
        assert_eq!(open(&path).load("main").expect("load").last_event_id.as_deref(), Some("e1"));
    }

    #[test]
    fn a_damaged_store_is_corrupt_and_recreate_recovers() {
        let (_dir, path) = temp_db();
        filled_store(&path);
        assert!(!sibling(&path, "-wal").exists(), "closing checkpointed the WAL");
        let mut bytes = std::fs::read(&path).expect("read");
        let page = 4096;
        assert!(bytes.len() > 20 * page, "the store spans many pages");
        // Scribble over the last quarter: entity pages only, so the schema, meta and every
        // query `open` itself runs still work and only `quick_check` can see the damage.
        let from = (bytes.len() / page * 3 / 4) * page;
        for (i, byte) in bytes[from..].iter_mut().enumerate() {
            *byte = (i % 251) as u8;
        }
        std::fs::write(&path, &bytes).expect("write");

        let error = Persistence::open(&path).expect_err("damaged");
        assert!(matches!(error, PersistError::Corrupt(_)), "{error:?}");
        let p = Persistence::recreate(&path).expect("recreate");
        assert_eq!(p.load("main").expect("load"), Snapshot::default());
    }

    #[test]
    fn a_future_schema_is_refused_untouched_and_recreate_recovers() {
        let (_dir, path) = temp_db();
        {
            let conn = Connection::open(&path).expect("open raw");
            conn.execute_batch("CREATE TABLE from_the_future (x); PRAGMA user_version = 99;")
                .expect("sql");
        }
        let before = std::fs::read(&path).expect("read");
        let error = Persistence::open(&path).expect_err("future");
        assert_eq!(
            error,
            PersistError::FutureSchema { found: 99, supported: Persistence::SCHEMA_VERSION }
        );
        assert!(error.needs_recreate());
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "not switched to WAL, not migrated"
        );

        let mut p = Persistence::recreate(&path).expect("recreate");
        assert_eq!(p.schema_version().expect("version"), Persistence::SCHEMA_VERSION);
        p.write("main", &some_batch()).expect("write");
        assert_eq!(p.load("main").expect("load").entities.len(), 1);
    }

    #[test]
    fn recreate_starts_empty_even_beside_a_valid_old_wal() {
        let (_dir, path) = temp_db();
        let (_old_dir, old) = temp_db();
        {
            let mut p = open(&old);
            p.write("main", &some_batch()).expect("write");
            // Copy while open: the committed batch is still only in the WAL.
            for suffix in ["-wal", "-shm"] {
                std::fs::copy(sibling(&old, suffix), sibling(&path, suffix)).expect("copy");
            }
        }
        std::fs::write(&path, b"not a database, but the WAL beside it is valid").expect("write");
        let p = Persistence::recreate(&path).expect("recreate");
        assert_eq!(p.load("main").expect("load"), Snapshot::default());
    }

    #[test]
    fn recreate_of_a_missing_file_opens_empty() {
        let (_dir, path) = temp_db();
        let p = Persistence::recreate(&path).expect("recreate");
        assert_eq!(p.schema_version().expect("version"), Persistence::SCHEMA_VERSION);
        assert!(path.exists());
    }

    #[test]
    fn recreate_deletes_good_data_too() {
        let (_dir, path) = temp_db();
        let mut p = open(&path);
        p.write("main", &some_batch()).expect("write");
        drop(p);
        let p = Persistence::recreate(&path).expect("recreate");
        assert_eq!(p.load("main").expect("load"), Snapshot::default());
    }

    #[test]
    fn in_memory_works_and_leaves_no_file() {
        let (dir, _) = temp_db();
        let mut p = Persistence::open_in_memory().expect("open");
        assert_eq!(p.schema_version().expect("version"), Persistence::SCHEMA_VERSION);
        assert_eq!(pragma_text(&p, "journal_mode"), "memory");
        p.write("main", &some_batch()).expect("write");
        let snapshot = p.load("main").expect("load");
        assert_eq!(snapshot.last_event_id.as_deref(), Some("e1"));
        assert_eq!(snapshot.dedup_ids, ["e1"]);
        p.clear().expect("clear");
        assert_eq!(p.load("main").expect("load"), Snapshot::default());
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    }
}
