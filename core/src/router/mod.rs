//! Router: declarative rules, passed by the host as JSON, turn each SSE event into one
//! [`Op`](crate::op::Op) for the store. The full schema with examples is in `docs/rules.md`; in
//! short:
//!
//! ```json
//! { "version": 1,
//!   "type_pointer": "/type",
//!   "max_payload_bytes": 1048576,
//!   "rules": [
//!     { "name": "session created", "match": { "type": "session.created" },
//!       "op": "upsert", "kind": "session", "id": "/data/sessionId", "payload": "/data",
//!       "version": "/timestamp", "version_format": "epoch_ms", "dedup_id": "/id" },
//!     { "match": { "event": "force_logout" }, "op": "clear_all" } ] }
//! ```
//!
//! - Top level: `version` (must be 1), `type_pointer` (default `"/type"`: where a typed envelope
//!   keeps its type), `max_payload_bytes` (default 1 MiB: larger bodies are refused unparsed),
//!   `rules` (in order).
//! - `match`: `event` (the SSE event name, `"message"` when the stream gave none) and/or `type`
//!   (the string at `type_pointer` in the JSON body). Both given: both must hold. The first rule
//!   that matches wins.
//! - `op`: `upsert` (`kind`, `id`, `payload` object, optional `set`/`set_from`), `merge` (the
//!   same, `payload` optional when `set`/`set_from` give fields), `delete` (`kind`, `id`),
//!   `clear_all`, `ignore`, `heartbeat` (optional `interval_ms` pointer), `resync` (`key`, or
//!   `key_from` pointer). Entity ops take an optional `version` pointer with its
//!   `version_format`: `number`, `epoch_ms`, `epoch_s` or `rfc3339` (the last three become
//!   nanoseconds since the epoch). Any rule may name a `dedup_id` pointer.
//! - Pointers are RFC 6901 JSON pointers (`""` is the whole body; `~1` is `/`, `~0` is `~`).
//!
//! Rules are validated when loaded ([`RulesError`] names the rule and field). Routing never
//! panics: an event no rule matches is [`Routed::Unmatched`], one the matched rule cannot read is
//! [`Routed::Error`]. A body is parsed at most once, and not at all when the rule that matches
//! tests and acts on the event name alone.
//!
//! - `rules.rs`: the file's top level; `rule/`: one rule's schema and validation (`parts.rs`:
//!   `match`, versions, `set`/`set_from`).
//! - `compiled.rs`: rules after validation.
//! - `route.rs`: matching and building the op; `extract.rs`: typed reads through pointers;
//!   `pointer.rs`: JSON pointers; `rfc3339.rs`: timestamps.
//! - `error.rs`: [`RulesError`], [`RouteError`].
//!
//! The fixtures (one directory per envelope style) live in `tests/fixtures/router/` and run from
//! `core/tests/integration/router_fixtures.rs`.

mod compiled;
mod error;
mod extract;
mod pointer;
mod rfc3339;
mod route;
mod rule;
mod rules;
mod scan;

use std::sync::Arc;

pub use error::{RouteError, RouteErrorKind, RulesError};
pub use route::Routed;

use crate::parser::EventRef;
use compiled::Compiled;

/// Validated routing rules. Cloning is cheap (the rules are shared), and routing takes `&self`,
/// so one router can serve many streams and threads.
///
/// ```
/// use tether_core::{EntityKey, EventRef, Op, Routed, Router, Version};
///
/// let router = Router::from_json(
///     r#"{"version": 1, "rules": [
///         {"match": {"event": "todo.updated"}, "op": "merge", "kind": "todo",
///          "id": "/id", "payload": "", "version": "/rev", "version_format": "number"}]}"#,
/// )?;
/// let event =
///     EventRef { event_type: "todo.updated", data: r#"{"id":7,"title":"x","rev":3}"#, id: "", has_own_id: false };
/// let Routed::Op { op: Op::Merge { key, version, .. }, rule: 0, .. } = router.route(&event) else {
///     panic!("the rule matches");
/// };
/// assert_eq!((key, version), (EntityKey::new("todo", "7"), Some(Version(3))));
/// # Ok::<(), tether_core::RulesError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Router {
    compiled: Arc<Compiled>,
}

impl Router {
    /// Loads and validates a rules file (schema: `docs/rules.md`).
    pub fn from_json(rules_json: &str) -> Result<Router, RulesError> {
        Ok(Router { compiled: Arc::new(rules::compile(rules_json)?) })
    }

    /// Turns one event into an op, using the first rule that matches. Never panics.
    pub fn route(&self, event: &EventRef<'_>) -> Routed {
        route::route(&self.compiled, event)
    }

    /// How many rules there are (the valid values of `Routed::Op::rule`).
    pub fn rule_count(&self) -> usize {
        self.compiled.rules.len()
    }

    /// The `name` of rule number `rule`, if it has one.
    pub fn rule_name(&self, rule: usize) -> Option<&str> {
        self.compiled.rules.get(rule).and_then(|rule| rule.name.as_deref())
    }

    /// Bodies larger than this many bytes are refused unparsed (`max_payload_bytes`).
    pub fn max_payload_bytes(&self) -> usize {
        self.compiled.max_payload_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::Op;
    use serde_json::json;

    fn router(rules: serde_json::Value) -> Router {
        Router::from_json(&json!({"version": 1, "rules": rules}).to_string()).expect("valid rules")
    }

    fn route(router: &Router, event_type: &str, data: &str) -> Routed {
        router.route(&EventRef { event_type, data, id: "", has_own_id: false })
    }

    fn rule_of(routed: &Routed) -> Option<usize> {
        match routed {
            Routed::Op { rule, .. } => Some(*rule),
            _ => None,
        }
    }

    #[test]
    fn first_matching_rule_wins_and_both_tests_must_hold() {
        let r = router(json!([
            {"match": {"event": "a", "type": "t1"}, "op": "ignore"},
            {"match": {"type": "t1"}, "op": "ignore"},
            {"match": {"event": "a"}, "op": "ignore"},
            {"match": {"event": "a"}, "op": "clear_all"},
        ]));
        assert_eq!(rule_of(&route(&r, "a", r#"{"type":"t1"}"#)), Some(0));
        assert_eq!(rule_of(&route(&r, "b", r#"{"type":"t1"}"#)), Some(1));
        assert_eq!(rule_of(&route(&r, "a", r#"{"type":"t2"}"#)), Some(2));
        assert_eq!(rule_of(&route(&r, "a", "not json")), Some(2));
    }

    #[test]
    fn unmatched_reports_the_type_when_it_was_read() {
        let r = router(json!([
            {"match": {"type": "t1"}, "op": "ignore"},
            {"match": {"event": "x", "type": "t1"}, "op": "ignore"},
        ]));
        assert_eq!(
            route(&r, "message", r#"{"type":"t9"}"#),
            Routed::Unmatched { event_type: "message".into(), type_value: Some("t9".into()) }
        );
        assert_eq!(
            route(&r, "message", r#"{"type":9}"#),
            Routed::Unmatched { event_type: "message".into(), type_value: None }
        );
        assert_eq!(
            route(&r, "message", "[]"),
            Routed::Unmatched { event_type: "message".into(), type_value: None }
        );
        let by_event = router(json!([{"match": {"event": "x"}, "op": "ignore"}]));
        assert_eq!(
            route(&by_event, "y", r#"{"type":"t"}"#),
            Routed::Unmatched { event_type: "y".into(), type_value: None }
        );
    }

    #[test]
    fn custom_type_pointer_with_escapes() {
        let json = json!({"version": 1, "type_pointer": "/meta/a~1b", "rules": [
            {"match": {"type": "hello"}, "op": "ignore"}]});
        let r = Router::from_json(&json.to_string()).expect("valid rules");
        assert_eq!(rule_of(&route(&r, "message", r#"{"meta":{"a/b":"hello"}}"#)), Some(0));
        assert!(matches!(
            route(&r, "message", r#"{"type":"hello"}"#),
            Routed::Unmatched { type_value: None, .. }
        ));
        let root = json!({"version": 1, "type_pointer": "", "rules": [
            {"match": {"type": "ping"}, "op": "heartbeat"}]});
        let r = Router::from_json(&root.to_string()).expect("valid rules");
        assert_eq!(rule_of(&route(&r, "message", r#""ping""#)), Some(0));
    }

    #[test]
    fn a_body_that_blocks_a_type_test_is_an_error_only_when_nothing_matches() {
        let r = router(json!([
            {"match": {"event": "other"}, "op": "ignore"},
            {"name": "typed", "match": {"type": "t"}, "op": "ignore"},
            {"match": {"event": "force_logout"}, "op": "clear_all"},
        ]));
        match route(&r, "message", "{oops") {
            Routed::Error(RouteError {
                rule: 1,
                rule_name,
                kind: RouteErrorKind::MalformedJson(_),
            }) => {
                assert_eq!(rule_name.as_deref(), Some("typed"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            route(&r, "force_logout", "{oops"),
            Routed::Op { op: Op::ClearAll, rule: 2, dedup_id: None }
        );
    }

    #[test]
    fn too_large_is_checked_before_parsing_and_only_when_parsing() {
        let json = json!({"version": 1, "max_payload_bytes": 16, "rules": [
            {"match": {"event": "logout"}, "op": "clear_all"},
            {"match": {"type": "t"}, "op": "ignore"}]});
        let r = Router::from_json(&json.to_string()).expect("valid rules");
        assert_eq!(r.max_payload_bytes(), 16);
        let big = format!(r#"{{"type":"t","pad":"{}"}}"#, "x".repeat(100));
        assert_eq!(rule_of(&route(&r, "logout", &big)), Some(0));
        assert_eq!(rule_of(&route(&r, "message", r#"{"type":"t"}"#)), Some(1));
        let limit = route(&r, "message", &big);
        assert!(
            matches!(&limit, Routed::Error(RouteError { rule: 1, kind: RouteErrorKind::TooLarge { bytes, limit: 16 }, .. }) if *bytes == big.len()),
            "{limit:?}"
        );
    }

    #[test]
    fn hostile_bodies_are_typed_errors() {
        let r = router(json!([{"match": {"event": "message"}, "op": "upsert", "kind": "k",
            "id": "/id", "payload": ""}]));
        let deep = "[".repeat(100_000);
        let mut hostile = vec![deep.clone(), format!("{deep}{}", "]".repeat(100_000))];
        hostile.extend(
            ["", " ", "nul", "\u{0}", "{\"id\":1", "{\"id\":1}}", "\u{feff}{}"].map(String::from),
        );
        hostile.push(format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000)));
        for data in &hostile {
            assert!(
                matches!(
                    route(&r, "message", data),
                    Routed::Error(RouteError { kind: RouteErrorKind::MalformedJson(_), .. })
                ),
                "{:?}",
                data.get(..20)
            );
        }
        // Within serde_json's recursion limit, nesting is fine.
        let nested = format!(r#"{{"id":1,"x":{}1{}}}"#, "[".repeat(100), "]".repeat(100));
        assert!(matches!(route(&r, "message", &nested), Routed::Op { .. }));
    }

    #[test]
    fn routing_arbitrary_input_never_panics() {
        let r = router(json!([
            {"match": {"type": "a"}, "op": "upsert", "kind": "k", "id": "/data/0/id", "payload": "/data/0",
             "version": "/t", "version_format": "rfc3339", "dedup_id": "/id"},
            {"match": {"type": "b"}, "op": "merge", "kind": "k", "id": "", "set_from": {"x": "/x"}},
            {"match": {"event": "c"}, "op": "resync", "key_from": "/k"},
            {"match": {"event": "d"}, "op": "heartbeat", "interval_ms": "/i"},
        ]));
        let pieces = [
            "{",
            "}",
            "[",
            "]",
            "\"type\"",
            ":",
            ",",
            "\"a\"",
            "\"b\"",
            "\"data\"",
            "\"id\"",
            "1",
            "-1e999",
            "null",
            "\"t\"",
            "\"2024-02-30T00:00:00Z\"",
            "\"\\ud800\"",
            "\u{fffd}",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..5_000 {
            let data: String =
                (0..rng.usize(0..24)).map(|_| pieces[rng.usize(..pieces.len())]).collect();
            for event_type in ["message", "c", "d"] {
                let _ = route(&r, event_type, &data);
            }
        }
    }

    #[test]
    fn router_is_cheap_to_share() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Router>();
        let r = router(json!([{"name": "n", "match": {"event": "x"}, "op": "ignore"}]));
        let clone = r.clone();
        assert!(Arc::ptr_eq(&r.compiled, &clone.compiled));
        assert_eq!(
            (clone.rule_count(), clone.rule_name(0), clone.rule_name(1)),
            (1, Some("n"), None)
        );
    }
}
