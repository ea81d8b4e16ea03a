//! What persistence can fail with. Messages name the failing operation, column or SQLite code,
//! never a stored value: rows are user data.

use rusqlite::ffi::ErrorCode;
use thiserror::Error;

/// Why a persistence call failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PersistError {
    /// The file could not be opened, read, written or removed (missing folder, permissions, disk
    /// full). Retrying later may help; recreating will not.
    #[error("persistence I/O failed: {0}")]
    Io(String),
    /// The file is not a SQLite database, is damaged, or is not a Tether store. Recover with
    /// `Persistence::recreate`.
    #[error("persistence file is damaged or not a Tether store: {0}")]
    Corrupt(String),
    /// The file was written by a newer schema than this build knows (the app was downgraded).
    /// Recover with `Persistence::recreate`.
    #[error("persistence file has schema version {found}; this build supports up to {supported}")]
    FutureSchema { found: u32, supported: u32 },
    /// SQLite refused an operation (busy beyond the timeout, a constraint, a bug).
    #[error("SQLite failed: {0}")]
    Sqlite(String),
    /// A stored value could not be decoded (invalid JSON, a mistyped column) or a value could not
    /// be encoded.
    #[error("stored data could not be encoded or decoded: {0}")]
    Encoding(String),
}

impl PersistError {
    /// A short stable name for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Io(_) => "io",
            Self::Corrupt(_) => "corrupt",
            Self::FutureSchema { .. } => "future_schema",
            Self::Sqlite(_) => "sqlite",
            Self::Encoding(_) => "encoding",
        }
    }

    /// Whether the documented recovery applies: `Persistence::recreate` (start empty).
    pub fn needs_recreate(&self) -> bool {
        matches!(self, Self::Corrupt(_) | Self::FutureSchema { .. })
    }

    pub(super) fn io(doing: &str, error: &std::io::Error) -> Self {
        Self::Io(format!("{doing}: {error}"))
    }
}

impl From<rusqlite::Error> for PersistError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::Error as E;
        match error {
            E::SqliteFailure(code, message) => {
                let text = match &message {
                    Some(message) => format!("{message} (code {})", code.extended_code),
                    None => format!("{code} (code {})", code.extended_code),
                };
                match code.code {
                    ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => Self::Corrupt(text),
                    ErrorCode::CannotOpen
                    | ErrorCode::PermissionDenied
                    | ErrorCode::SystemIoFailure
                    | ErrorCode::DiskFull
                    | ErrorCode::ReadOnly
                    | ErrorCode::NoLargeFileSupport
                    | ErrorCode::FileLockingProtocolFailed => Self::Io(text),
                    _ => Self::Sqlite(text),
                }
            }
            // The conversion errors below may hold the offending value: only positions and types
            // are kept.
            E::FromSqlConversionFailure(column, ty, _) => {
                Self::Encoding(format!("column {column}: a {ty} value could not be read"))
            }
            E::IntegralValueOutOfRange(column, _) => {
                Self::Encoding(format!("column {column}: integer out of range"))
            }
            E::Utf8Error(column, _) => {
                Self::Encoding(format!("column {column}: text is not UTF-8"))
            }
            E::InvalidColumnType(column, name, ty) => {
                Self::Encoding(format!("column {column} ({name}) holds an unexpected {ty}"))
            }
            E::NulError(_) => Self::Encoding("text holds a NUL byte".to_owned()),
            E::ToSqlConversionFailure(_) => {
                Self::Encoding("a value could not be bound to SQL".to_owned())
            }
            E::InvalidPath(_) => Self::Io("the path is not valid for SQLite".to_owned()),
            other => Self::Sqlite(other.to_string()),
        }
    }
}

/// Encodes or decodes JSON, keeping only where serde_json stopped (its messages can quote input).
pub(super) fn json_error(what: &str, error: &serde_json::Error) -> PersistError {
    PersistError::Encoding(format!(
        "{what}: {:?} error at line {} column {}",
        error.classify(),
        error.line(),
        error.column()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::ffi;

    fn failure(code: i32, message: &str) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), Some(message.to_owned()))
    }

    #[test]
    fn sqlite_codes_map_to_what_a_caller_does() {
        assert!(matches!(
            PersistError::from(failure(ffi::SQLITE_NOTADB, "file is not a database")),
            PersistError::Corrupt(_)
        ));
        assert!(matches!(
            PersistError::from(failure(ffi::SQLITE_CORRUPT, "malformed")),
            PersistError::Corrupt(_)
        ));
        assert!(matches!(
            PersistError::from(failure(ffi::SQLITE_CANTOPEN, "unable to open")),
            PersistError::Io(_)
        ));
        assert!(matches!(
            PersistError::from(failure(ffi::SQLITE_FULL, "disk full")),
            PersistError::Io(_)
        ));
        assert!(matches!(
            PersistError::from(failure(ffi::SQLITE_BUSY, "locked")),
            PersistError::Sqlite(_)
        ));
        assert!(PersistError::Corrupt(String::new()).needs_recreate());
        assert!(PersistError::FutureSchema { found: 2, supported: 1 }.needs_recreate());
        assert!(!PersistError::Io(String::new()).needs_recreate());
    }

    #[test]
    fn decode_errors_do_not_quote_the_value() {
        let secret = "s3cr3t-value";
        let error = serde_json::from_str::<serde_json::Value>(&format!("{{\"a\": {secret}}}"))
            .expect_err("invalid json");
        let message = json_error("entity", &error).to_string();
        assert!(!message.contains(secret), "{message}");
        assert!(message.contains("line 1"), "{message}");

        let error = PersistError::from(rusqlite::Error::IntegralValueOutOfRange(3, 987_654_321));
        assert!(!error.to_string().contains("987654321"), "{error}");
    }
}
