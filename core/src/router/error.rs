//! What can go wrong: loading rules ([`RulesError`]) and routing one event ([`RouteError`]).
//! Messages name rules, fields and pointers, never the event's content.

use thiserror::Error;

/// Why a rules file was refused by [`Router::from_json`](super::Router::from_json).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RulesError {
    /// Not JSON, or not a JSON object.
    #[error("rules are not a JSON object: {0}")]
    Json(String),
    /// The file's `version` is not one this build reads (it reads 1).
    #[error("rules version {0} is not supported (this build reads version 1)")]
    UnsupportedVersion(u32),
    /// A top-level setting (`version`, `type_pointer`, `max_payload_bytes`, `rules`) is missing or
    /// wrong, or the file has a field the schema does not know (`field` is then `"rules file"`).
    #[error("rules setting `{field}`: {reason}")]
    Setting { field: &'static str, reason: String },
    /// Rule number `rule` (0-based, in file order; `name` when it has one) is wrong in `field`
    /// (`"rule"` for the rule as a whole, e.g. an unknown field).
    #[error("rule {rule}{}, field `{field}`: {reason}", display_name(.name))]
    Invalid { rule: usize, name: Option<String>, field: &'static str, reason: String },
}

/// Why one event could not be turned into an op by the rule it matched (or, for
/// `MalformedJson`/`TooLarge`, by the first rule whose match needed its body, when no rule
/// matched).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("rule {rule}{}: {kind}", display_name(.rule_name))]
pub struct RouteError {
    /// The rule's 0-based index in the rules file.
    pub rule: usize,
    /// The rule's `name`, if it has one.
    pub rule_name: Option<String>,
    pub kind: RouteErrorKind,
}

/// What was wrong with the event.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RouteErrorKind {
    /// The body is not JSON (or nests deeper than the JSON parser's recursion limit of 128).
    #[error("the event's data is not valid JSON: {0}")]
    MalformedJson(String),
    /// A pointer the rule needs designates nothing in the body.
    #[error("nothing at {pointer}")]
    MissingField { pointer: String },
    /// The value at `pointer` is not what the rule needs.
    #[error("the value at {pointer} is not {expected}")]
    WrongType { pointer: String, expected: &'static str },
    /// The value at the version pointer has the right type but is not a usable version
    /// (a malformed date, or outside the 64-bit nanosecond range).
    #[error("bad version at {pointer}: {reason}")]
    BadVersion { pointer: String, reason: String },
    /// The body is larger than the rules' `max_payload_bytes`; it was not parsed.
    #[error("the event's data is {bytes} bytes, over the limit of {limit}")]
    TooLarge { bytes: usize, limit: usize },
}

fn display_name(name: &Option<String>) -> String {
    match name {
        Some(name) => format!(" ({name:?})"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_rule() {
        let error = RouteError {
            rule: 2,
            rule_name: Some("session created".into()),
            kind: RouteErrorKind::MissingField { pointer: "/data/sessionId".into() },
        };
        assert_eq!(error.to_string(), "rule 2 (\"session created\"): nothing at /data/sessionId");
        let error = RulesError::Invalid {
            rule: 0,
            name: None,
            field: "kind",
            reason: "required by op \"upsert\"".into(),
        };
        assert_eq!(error.to_string(), "rule 0, field `kind`: required by op \"upsert\"");
    }
}
