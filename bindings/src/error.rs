//! The one FFI error enum and every mapping into it. Each variant is something a caller does
//! differently about; messages come from the core's errors, which never carry tokens, header
//! values or URLs.

/// Why a call failed. Kotlin sees `TetherException.<Variant>`, Swift `TetherError.<variant>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TetherError {
    /// What the caller passed is invalid: the URL, a header, a setting, a view or hydrate JSON.
    /// Fix the input; retrying will not help.
    #[error("invalid configuration: {reason}")]
    Config { reason: String },
    /// The routing rules JSON was refused; `reason` names the rule and field.
    #[error("invalid rules: {reason}")]
    Rules { reason: String },
    /// The cache file could not be used (I/O, damaged, newer schema). Delete or move the file,
    /// or open without storage.
    #[error("storage: {reason}")]
    Storage { reason: String },
    /// The client was closed; open a new one.
    #[error("client is closed")]
    Closed,
    /// A bug or a foreign callback that failed unexpectedly. Report it.
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

impl From<tether_core::ConfigError> for TetherError {
    fn from(e: tether_core::ConfigError) -> Self {
        Self::Config { reason: e.to_string() }
    }
}

impl From<tether_core::RulesError> for TetherError {
    fn from(e: tether_core::RulesError) -> Self {
        Self::Rules { reason: e.to_string() }
    }
}

impl From<tether_core::PersistError> for TetherError {
    fn from(e: tether_core::PersistError) -> Self {
        Self::Storage { reason: e.to_string() }
    }
}

impl From<tether_core::SyncError> for TetherError {
    fn from(e: tether_core::SyncError) -> Self {
        match e {
            tether_core::SyncError::Storage(e) => e.into(),
        }
    }
}

/// A view or hydrate JSON the caller passed could not be read. serde's message names the field
/// and position, never a value.
impl From<serde_json::Error> for TetherError {
    fn from(e: serde_json::Error) -> Self {
        Self::Config { reason: e.to_string() }
    }
}

/// A foreign callback threw something its signature does not declare.
impl From<uniffi::UnexpectedUniFFICallbackError> for TetherError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Internal { reason: e.reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tether_core::{ConfigError, ConnectionConfig, PersistError, Router, SyncError};

    #[test]
    fn config_errors_map_to_config() {
        let e = ConnectionConfig::builder("not a url").build().expect_err("refused");
        assert!(matches!(TetherError::from(e), TetherError::Config { .. }));
        let e = ConfigError::UnsupportedScheme("ftp".into());
        assert_eq!(
            TetherError::from(e),
            TetherError::Config { reason: "URL scheme \"ftp\" is not http or https".into() }
        );
    }

    #[test]
    fn header_value_is_not_in_the_message() {
        let e = ConnectionConfig::builder("http://x/")
            .header("Authorization", "Bearer SECRET\r\n")
            .build()
            .expect_err("refused");
        let mapped = TetherError::from(e);
        assert!(matches!(mapped, TetherError::Config { .. }));
        assert!(!mapped.to_string().contains("SECRET"), "{mapped}");
    }

    #[test]
    fn rules_errors_map_to_rules() {
        let e = Router::from_json("{not json").expect_err("refused");
        assert!(matches!(TetherError::from(e), TetherError::Rules { .. }));
        let e = Router::from_json(r#"{"version": 2, "rules": []}"#).expect_err("refused");
        assert!(matches!(TetherError::from(e), TetherError::Rules { .. }));
    }

    #[test]
    fn storage_errors_map_to_storage() {
        for e in [
            PersistError::Io("disk full".into()),
            PersistError::Corrupt("not a database".into()),
            PersistError::FutureSchema { found: 9, supported: 1 },
        ] {
            assert!(matches!(
                TetherError::from(SyncError::Storage(e)),
                TetherError::Storage { .. }
            ));
        }
    }

    #[test]
    fn bad_json_input_maps_to_config() {
        let e = serde_json::from_str::<tether_core::ListView>(r#"{"kind": 1}"#).expect_err("bad");
        assert!(matches!(TetherError::from(e), TetherError::Config { .. }));
    }

    #[test]
    fn unexpected_callback_error_maps_to_internal() {
        let e = uniffi::UnexpectedUniFFICallbackError::new("kotlin.IllegalStateException: boom");
        assert_eq!(
            TetherError::from(e),
            TetherError::Internal { reason: "kotlin.IllegalStateException: boom".into() }
        );
    }
}
