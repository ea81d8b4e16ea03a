//! The rules file (`docs/rules.md`): JSON text in, [`Compiled`] rules out, or a [`RulesError`].
//! This file reads the top level (`version`, `type_pointer`, `max_payload_bytes`, `rules`);
//! `rule/` validates each rule.
//!
//! serde checks the shape (unknown fields are refused at every level); every field arrives as a
//! raw JSON value and is then converted by hand, so that a wrong type is reported against its
//! field.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::compiled::Compiled;
use super::error::RulesError;
use super::pointer::Pointer;
use super::rule::compile_rule;

/// The schema version this build reads.
const SUPPORTED_VERSION: u64 = 1;
/// `max_payload_bytes` when the rules do not say: 1 MiB, the parser's default event limit.
pub(crate) const DEFAULT_MAX_PAYLOAD_BYTES: usize = 1 << 20;
/// `type_pointer` when the rules do not say.
pub(crate) const DEFAULT_TYPE_POINTER: &str = "/type";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    /// Read before the rest (so a newer file is refused for its version, not its new fields).
    #[allow(dead_code)]
    version: Option<Value>,
    type_pointer: Option<Value>,
    max_payload_bytes: Option<Value>,
    rules: Option<Value>,
}

/// Parses and validates a rules file.
pub(crate) fn compile(json: &str) -> Result<Compiled, RulesError> {
    let root: Value = serde_json::from_str(json).map_err(|e| RulesError::Json(e.to_string()))?;
    let Value::Object(top) = &root else {
        return Err(RulesError::Json("the top level must be an object".to_owned()));
    };
    check_version(top.get("version"))?;
    let raw = RawFile::deserialize(root)
        .map_err(|e| RulesError::Setting { field: "rules file", reason: e.to_string() })?;

    let type_pointer = match raw.type_pointer {
        None => Pointer::parse(DEFAULT_TYPE_POINTER),
        Some(Value::String(text)) => Pointer::parse(&text),
        Some(_) => Err("must be a JSON pointer string".to_owned()),
    }
    .map_err(|reason| RulesError::Setting { field: "type_pointer", reason })?;

    let max_payload_bytes = match raw.max_payload_bytes {
        None => DEFAULT_MAX_PAYLOAD_BYTES,
        Some(value) => {
            value.as_u64().filter(|&n| n > 0).and_then(|n| usize::try_from(n).ok()).ok_or_else(
                || RulesError::Setting {
                    field: "max_payload_bytes",
                    reason: "must be a positive integer".to_owned(),
                },
            )?
        }
    };

    let Some(Value::Array(raw_rules)) = raw.rules else {
        return Err(RulesError::Setting {
            field: "rules",
            reason: "required: an array of rules".to_owned(),
        });
    };
    let mut names = HashMap::new();
    let rules = raw_rules
        .into_iter()
        .enumerate()
        .map(|(index, value)| compile_rule(index, value, &mut names))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Compiled::new(type_pointer, max_payload_bytes, rules))
}

fn check_version(version: Option<&Value>) -> Result<(), RulesError> {
    let setting =
        |reason: &str| RulesError::Setting { field: "version", reason: reason.to_owned() };
    let version = version.ok_or_else(|| setting("required (this build reads version 1)"))?;
    match version.as_u64() {
        Some(SUPPORTED_VERSION) => Ok(()),
        Some(other) => {
            Err(RulesError::UnsupportedVersion(u32::try_from(other).unwrap_or(u32::MAX)))
        }
        None => Err(setting("must be a non-negative integer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting_error(json: &str) -> (&'static str, String) {
        match compile(json) {
            Err(RulesError::Setting { field, reason }) => (field, reason),
            other => panic!("expected a setting error, got {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let compiled = compile(r#"{"version": 1, "rules": []}"#).expect("valid");
        assert_eq!(compiled.max_payload_bytes, DEFAULT_MAX_PAYLOAD_BYTES);
        assert_eq!(compiled.type_pointer.as_str(), "/type");
        assert!(compiled.rules.is_empty());
    }

    #[test]
    fn top_level_settings() {
        let compiled = compile(
            r#"{"version": 1, "type_pointer": "/kind", "max_payload_bytes": 10,
            "rules": []}"#,
        )
        .expect("valid");
        assert_eq!((compiled.type_pointer.as_str(), compiled.max_payload_bytes), ("/kind", 10));
    }

    #[test]
    fn not_json_or_not_an_object() {
        for json in ["", "{", "[]", "1", "\"rules\"", "{\"version\": 1,}"] {
            assert!(matches!(compile(json), Err(RulesError::Json(_))), "{json:?}");
        }
    }

    #[test]
    fn version_is_checked_first() {
        assert_eq!(
            compile(r#"{"version": 2, "rules": [], "future": true}"#).err(),
            Some(RulesError::UnsupportedVersion(2))
        );
        assert_eq!(
            compile(r#"{"version": 0, "rules": []}"#).err(),
            Some(RulesError::UnsupportedVersion(0))
        );
        assert_eq!(
            compile(r#"{"version": 99999999999, "rules": []}"#).err(),
            Some(RulesError::UnsupportedVersion(u32::MAX))
        );
        assert_eq!(setting_error(r#"{"rules": []}"#).0, "version");
        assert_eq!(setting_error(r#"{"version": "1", "rules": []}"#).0, "version");
        assert_eq!(setting_error(r#"{"version": -1, "rules": []}"#).0, "version");
    }

    #[test]
    fn bad_settings_are_named() {
        let cases = [
            (r#"{"version": 1}"#, "rules"),
            (r#"{"version": 1, "rules": {}}"#, "rules"),
            (r#"{"version": 1, "rules": [], "type_pointer": "type"}"#, "type_pointer"),
            (r#"{"version": 1, "rules": [], "type_pointer": 3}"#, "type_pointer"),
            (r#"{"version": 1, "rules": [], "max_payload_bytes": 0}"#, "max_payload_bytes"),
            (r#"{"version": 1, "rules": [], "max_payload_bytes": -5}"#, "max_payload_bytes"),
            (r#"{"version": 1, "rules": [], "max_payload_bytes": 1.5}"#, "max_payload_bytes"),
            (r#"{"version": 1, "rules": [], "extra": 1}"#, "rules file"),
        ];
        for (json, field) in cases {
            assert_eq!(setting_error(json).0, field, "{json}");
        }
        assert!(setting_error(r#"{"version": 1, "rules": [], "extra": 1}"#).1.contains("extra"));
    }

    #[test]
    fn rule_errors_carry_the_index() {
        let json = r#"{"version": 1, "rules": [
            {"match": {"event": "a"}, "op": "ignore"},
            {"match": {"event": "b"}, "op": "explode"}]}"#;
        assert!(matches!(compile(json), Err(RulesError::Invalid { rule: 1, field: "op", .. })));
    }
}
