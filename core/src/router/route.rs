//! Routing one event: the first rule whose `match` holds builds the op. The body is parsed at most
//! once, and only when a matching test on `type` or the chosen rule's op needs it.
//!
//! The body is first read by the fast path (`scan.rs`): one validating pass that finds where the
//! rules' pointers land, after which only the values the matched rule reads are parsed. Whenever
//! the fast path is not sure the full parse would agree, the whole body is parsed into a
//! `serde_json::Value` as before; that parse decides, and words, every `MalformedJson`.

use std::borrow::Cow;
use std::ops::Range;

use serde_json::{Map, Value};

use super::compiled::{Action, Compiled, Fields, KeySource, Rule, Target};
use super::error::{RouteError, RouteErrorKind};
use super::extract::{self, Source};
use super::pointer::Pointer;
use super::scan;
use crate::op::{EntityKey, Op, Version};
use crate::parser::EventRef;

/// What the router made of one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Routed {
    /// Rule number `rule` (0-based) matched and built `op`. `dedup_id` is the envelope's own event
    /// id, when the rule has a `dedup_id` pointer and the body has a value there: the id to
    /// deduplicate by when the SSE `id` is empty.
    Op { op: Op, rule: usize, dedup_id: Option<String> },
    /// No rule matched: to be counted and surfaced by the caller, not an error. `type_value` is
    /// the string at the type pointer when the body was parsed to test a `type` match.
    Unmatched { event_type: String, type_value: Option<String> },
    /// The event could not be routed (see [`RouteError`] for which rule is named).
    Error(RouteError),
}

/// A body that is JSON, as read so far.
enum Doc<'e> {
    /// The fast path: where each pointer of the rules is (by plan node), and the string at the
    /// type pointer.
    Scanned { spans: Vec<Option<Range<usize>>>, type_value: Option<Cow<'e, str>> },
    /// The whole body, parsed.
    Parsed(Value),
}

/// The event's JSON body, read on first use.
struct Body<'e, 'c> {
    data: &'e str,
    compiled: &'c Compiled,
    /// Whether to try the fast path (tests compare it with the full parse).
    fast: bool,
    read: Option<Result<Doc<'e>, RouteErrorKind>>,
}

impl<'e, 'c> Body<'e, 'c> {
    fn new(data: &'e str, compiled: &'c Compiled, fast: bool) -> Self {
        Body { data, compiled, fast, read: None }
    }

    /// The body (reading it now if needed): too large, or not JSON, is an error.
    fn get(&mut self) -> Result<&mut Doc<'e>, &RouteErrorKind> {
        if self.read.is_none() {
            let (data, limit) = (self.data, self.compiled.max_payload_bytes);
            self.read = Some(if data.len() > limit {
                Err(RouteErrorKind::TooLarge { bytes: data.len(), limit })
            } else {
                match self.fast.then(|| scanned(self.compiled, data)).flatten() {
                    Some(doc) => Ok(doc),
                    None => parse(data).map(Doc::Parsed),
                }
            });
        }
        self.read.as_mut().expect("read above").as_mut().map_err(|kind| &*kind)
    }

    /// Gives up the fast path's reading: parses the whole body.
    fn parse_fully(&mut self) -> Result<&mut Value, RouteErrorKind> {
        self.read = Some(parse(self.data).map(Doc::Parsed));
        match self.read.as_mut() {
            Some(Ok(Doc::Parsed(root))) => Ok(root),
            Some(Err(kind)) => Err(kind.clone()),
            _ => unreachable!("set above"),
        }
    }

    fn type_value(&self) -> Option<&str> {
        match self.read.as_ref()?.as_ref().ok()? {
            Doc::Scanned { type_value, .. } => type_value.as_deref(),
            Doc::Parsed(root) => type_of(self.compiled, root),
        }
    }

    fn failure(&self) -> Option<&RouteErrorKind> {
        self.read.as_ref().and_then(|result| result.as_ref().err())
    }
}

/// The whole body as a `Value`. serde_json stops at 128 levels of nesting with an error, so depth
/// cannot overflow the stack.
fn parse(data: &str) -> Result<Value, RouteErrorKind> {
    serde_json::from_str(data).map_err(|e| RouteErrorKind::MalformedJson(e.to_string()))
}

/// The fast path's reading, when it is sure.
fn scanned<'e>(compiled: &Compiled, data: &'e str) -> Option<Doc<'e>> {
    let spans = scan::scan(&compiled.plan, data)?;
    let type_value = match spans[compiled.type_pointer.node()].clone() {
        Some(span) if data.as_bytes()[span.start] == b'"' => Some(string(data, span)?),
        _ => None,
    };
    Some(Doc::Scanned { spans, type_value })
}

/// A scanned string value, unescaped.
fn string(data: &str, span: Range<usize>) -> Option<Cow<'_, str>> {
    let inner = &data[span.start + 1..span.end - 1];
    if inner.contains('\\') {
        serde_json::from_str(&data[span]).ok().map(Cow::Owned)
    } else {
        Some(Cow::Borrowed(inner))
    }
}

pub(super) fn route(compiled: &Compiled, event: &EventRef<'_>) -> Routed {
    route_with(compiled, event, true)
}

/// `route`, with or without the fast path.
fn route_with(compiled: &Compiled, event: &EventRef<'_>, fast: bool) -> Routed {
    let mut body = Body::new(event.data, compiled, fast);
    // The first rule whose `type` test could not run because the body is not usable JSON.
    let mut blocked = None;
    for (index, rule) in compiled.rules.iter().enumerate() {
        if rule.event.as_deref().is_some_and(|wanted| wanted != event.event_type) {
            continue;
        }
        if let Some(wanted) = &rule.type_value {
            if body.get().is_err() {
                blocked.get_or_insert(index);
                continue;
            }
            if body.type_value() != Some(wanted.as_str()) {
                continue;
            }
        }
        return match build(rule, &mut body) {
            Ok((op, dedup_id)) => Routed::Op { op, rule: index, dedup_id },
            Err(kind) => Routed::Error(error(compiled, index, kind)),
        };
    }
    if let (Some(index), Some(kind)) = (blocked, body.failure()) {
        return Routed::Error(error(compiled, index, kind.clone()));
    }
    Routed::Unmatched {
        event_type: event.event_type.to_owned(),
        type_value: body.type_value().map(str::to_owned),
    }
}

fn type_of<'v>(compiled: &Compiled, root: &'v Value) -> Option<&'v str> {
    compiled.type_pointer.resolve(root).and_then(Value::as_str)
}

fn error(compiled: &Compiled, rule: usize, kind: RouteErrorKind) -> RouteError {
    let rule_name = compiled.rules.get(rule).and_then(|r| r.name.clone());
    RouteError { rule, rule_name, kind }
}

/// On the fast path: the values one rule reads, each parsed from its span (by plan node).
struct Picked {
    values: Vec<(usize, Option<Value>)>,
}

impl Picked {
    /// `None` if a value does not parse on its own (the fast path was wrong: parse fully).
    fn new(rule: &Rule, data: &str, spans: &[Option<Range<usize>>]) -> Option<Picked> {
        let mut values = Vec::with_capacity(8);
        let mut ok = true;
        rule.pointers(&mut |pointer| {
            let node = pointer.node();
            if !ok || values.iter().any(|(n, _)| *n == node) {
                return;
            }
            let value = match spans.get(node) {
                Some(Some(span)) => match value(data, span.clone()) {
                    Some(value) => Some(value),
                    None => {
                        ok = false;
                        return;
                    }
                },
                Some(None) => None,
                None => {
                    ok = false;
                    return;
                }
            };
            values.push((node, value));
        });
        ok.then_some(Picked { values })
    }
}

/// A value the fast path found, parsed on its own.
fn value(data: &str, span: Range<usize>) -> Option<Value> {
    if data.as_bytes()[span.start] == b'"' {
        return string(data, span).map(|s| Value::String(s.into_owned()));
    }
    serde_json::from_str(&data[span]).ok()
}

impl Source for Picked {
    fn at(&self, pointer: &Pointer) -> Option<&Value> {
        let node = pointer.node();
        self.values.iter().find(|(n, _)| *n == node)?.1.as_ref()
    }

    fn take_at(&mut self, pointer: &Pointer) -> Option<Value> {
        let node = pointer.node();
        self.values.iter_mut().find(|(n, _)| *n == node)?.1.take()
    }
}

/// The op and dedup id of the rule that matched.
fn build(rule: &Rule, body: &mut Body<'_, '_>) -> Result<(Op, Option<String>), RouteErrorKind> {
    if !rule.needs_body() {
        return build_from(rule, &mut Value::Null);
    }
    let data = body.data;
    if let Doc::Scanned { spans, .. } = body.get().map_err(RouteErrorKind::clone)? {
        if let Some(mut picked) = Picked::new(rule, data, spans) {
            return build_from(rule, &mut picked);
        }
    }
    let root = match body.get().map_err(RouteErrorKind::clone)? {
        Doc::Parsed(root) => root,
        Doc::Scanned { .. } => body.parse_fully()?,
    };
    // The body is not needed after this rule, so the payload can be moved out of it.
    build_from(rule, &mut std::mem::take(root))
}

fn build_from(rule: &Rule, root: &mut impl Source) -> Result<(Op, Option<String>), RouteErrorKind> {
    let dedup_id = match &rule.dedup_id {
        Some(pointer) => extract::dedup_id(root, pointer)?,
        None => None,
    };
    let op = match &rule.action {
        Action::Upsert { target, fields } => {
            let (key, version) = entity(root, target)?;
            Op::Upsert { key, value: object(root, fields, false)?, version }
        }
        Action::Merge { target, fields } => {
            let (key, version) = entity(root, target)?;
            Op::Merge { key, patch: object(root, fields, true)?, version }
        }
        Action::Delete { target } => {
            let (key, version) = entity(root, target)?;
            Op::Delete { key, version }
        }
        Action::ClearAll => Op::ClearAll,
        Action::Ignore => Op::Ignore,
        Action::Heartbeat { interval_ms } => Op::Heartbeat {
            interval_ms: match interval_ms {
                Some(pointer) => extract::optional_u64(root, pointer)?,
                None => None,
            },
        },
        Action::Resync { key } => Op::Resync {
            key: match key {
                KeySource::Constant(key) => key.clone(),
                KeySource::Pointer(pointer) => extract::string(root, pointer)?,
            },
        },
    };
    Ok((op, dedup_id))
}

fn entity(
    root: &impl Source,
    target: &Target,
) -> Result<(EntityKey, Option<Version>), RouteErrorKind> {
    let key = EntityKey::new(target.kind.clone(), extract::id(root, &target.id)?);
    let version = match &target.version {
        Some((pointer, format)) => Some(extract::version(root, pointer, *format)?),
        None => None,
    };
    Ok((key, version))
}

/// An upsert's value or a merge's patch: the payload object, then `set_from`, then `set`.
fn object(root: &mut impl Source, fields: &Fields, merge: bool) -> Result<Value, RouteErrorKind> {
    let from = fields
        .set_from
        .iter()
        .map(|(field, pointer)| Ok((field.clone(), extract::required(root, pointer)?.clone())))
        .collect::<Result<Vec<_>, RouteErrorKind>>()?;
    let mut object = match &fields.payload {
        None => Map::new(),
        Some(pointer) => match root.take_at(pointer) {
            Some(Value::Object(map)) => map,
            None | Some(Value::Null) if merge && fields.payload_may_be_absent() => Map::new(),
            None => return Err(extract::missing(pointer)),
            Some(_) => return Err(extract::wrong(pointer, "an object")),
        },
    };
    object.extend(from);
    object.extend(fields.set.iter().map(|(field, value)| (field.clone(), value.clone())));
    Ok(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::super::Router;
    use super::*;
    use serde_json::json;

    fn router(rules: Value) -> Router {
        Router::from_json(&json!({"version": 1, "rules": rules}).to_string()).expect("valid rules")
    }

    fn route(router: &Router, event_type: &str, data: &str) -> Routed {
        router.route(&EventRef { event_type, data, id: "", has_own_id: false })
    }

    fn op(routed: Routed) -> Op {
        match routed {
            Routed::Op { op, .. } => op,
            other => panic!("expected an op, got {other:?}"),
        }
    }

    fn kind(routed: Routed) -> RouteErrorKind {
        match routed {
            Routed::Error(error) => error.kind,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn key(kind: &str, id: &str) -> EntityKey {
        EntityKey::new(kind, id)
    }

    #[test]
    fn upsert() {
        let r = router(json!([{"match": {"event": "todo"}, "op": "upsert", "kind": "todo",
            "id": "/id", "payload": "", "version": "/rev", "version_format": "number",
            "set": {"synced": true}}]));
        assert_eq!(
            op(route(&r, "todo", r#"{"id":7,"title":"x","rev":3}"#)),
            Op::Upsert {
                key: key("todo", "7"),
                value: json!({"id": 7, "title": "x", "rev": 3, "synced": true}),
                version: Some(Version(3)),
            }
        );
    }

    #[test]
    fn merge_builds_the_patch_from_payload_set_from_and_set() {
        let r = router(json!([{"match": {"type": "done"}, "op": "merge", "kind": "s",
            "id": "/data/id", "payload": "/data/summary", "set": {"status": "completed"},
            "set_from": {"completedAt": "/data/at", "status_before": "/data/summary/status"}}]));
        let data =
            r#"{"type":"done","data":{"id":"a","at":"t1","summary":{"duration":9,"status":"x"}}}"#;
        assert_eq!(
            op(route(&r, "message", data)),
            Op::Merge {
                key: key("s", "a"),
                patch: json!({"duration": 9, "status": "completed", "completedAt": "t1",
                              "status_before": "x"}),
                version: None,
            }
        );
        // The payload is optional when the rule sets fields of its own.
        let r = router(json!([{"match": {"type": "done"}, "op": "merge", "kind": "s",
            "id": "/data/id", "payload": "/data/summary", "set": {"status": "completed"},
            "set_from": {"completedAt": "/data/at"}}]));
        for data in [
            r#"{"type":"done","data":{"id":"a","at":"t1"}}"#,
            r#"{"type":"done","data":{"id":"a","at":"t1","summary":null}}"#,
        ] {
            assert_eq!(
                op(route(&r, "message", data)),
                Op::Merge {
                    key: key("s", "a"),
                    patch: json!({"status": "completed", "completedAt": "t1"}),
                    version: None,
                }
            );
        }
    }

    #[test]
    fn merge_without_set_needs_its_payload() {
        let r = router(json!([{"match": {"event": "m"}, "op": "merge", "kind": "k", "id": "/id",
            "payload": "/patch"}]));
        assert_eq!(
            op(route(&r, "m", r#"{"id":"1","patch":{"a":null}}"#)),
            Op::Merge { key: key("k", "1"), patch: json!({"a": null}), version: None }
        );
        assert_eq!(
            kind(route(&r, "m", r#"{"id":"1"}"#)),
            RouteErrorKind::MissingField { pointer: "/patch".into() }
        );
        assert_eq!(
            kind(route(&r, "m", r#"{"id":"1","patch":null}"#)),
            RouteErrorKind::WrongType { pointer: "/patch".into(), expected: "an object" }
        );
    }

    #[test]
    fn delete_with_version() {
        let r = router(json!([{"match": {"event": "gone"}, "op": "delete", "kind": "k",
            "id": "/id", "version": "/at", "version_format": "rfc3339"}]));
        assert_eq!(
            op(route(&r, "gone", r#"{"id":"x","at":"1970-01-01T00:00:01.5+00:00"}"#)),
            Op::Delete { key: key("k", "x"), version: Some(Version(1_500_000_000)) }
        );
    }

    #[test]
    fn event_only_ops() {
        let r = router(json!([
            {"match": {"event": "logout"}, "op": "clear_all"},
            {"match": {"event": "noise"}, "op": "ignore"},
            {"match": {"event": "ping"}, "op": "heartbeat"},
            {"match": {"event": "stale"}, "op": "resync", "key": "sessions"},
        ]));
        // None of them reads the body, so it need not be JSON.
        assert_eq!(op(route(&r, "logout", "bye")), Op::ClearAll);
        assert_eq!(op(route(&r, "noise", "{{{")), Op::Ignore);
        assert_eq!(op(route(&r, "ping", "")), Op::Heartbeat { interval_ms: None });
        assert_eq!(op(route(&r, "stale", "x")), Op::Resync { key: "sessions".into() });
    }

    #[test]
    fn heartbeat_interval_and_resync_key_from_the_body() {
        let r = router(json!([
            {"match": {"event": "ping"}, "op": "heartbeat", "interval_ms": "/every"},
            {"match": {"event": "stale"}, "op": "resync", "key_from": "/query"},
        ]));
        assert_eq!(
            op(route(&r, "ping", r#"{"every":15000}"#)),
            Op::Heartbeat { interval_ms: Some(15000) }
        );
        assert_eq!(op(route(&r, "ping", "{}")), Op::Heartbeat { interval_ms: None });
        assert!(matches!(
            kind(route(&r, "ping", r#"{"every":"15s"}"#)),
            RouteErrorKind::WrongType { .. }
        ));
        assert_eq!(
            op(route(&r, "stale", r#"{"query":"todos"}"#)),
            Op::Resync { key: "todos".into() }
        );
        assert_eq!(
            kind(route(&r, "stale", "{}")),
            RouteErrorKind::MissingField { pointer: "/query".into() }
        );
        assert!(matches!(
            kind(route(&r, "stale", r#"{"query":1}"#)),
            RouteErrorKind::WrongType { .. }
        ));
    }

    #[test]
    fn dedup_id_from_the_envelope() {
        let r = router(json!([{"match": {"event": "x"}, "op": "ignore", "dedup_id": "/id"}]));
        assert_eq!(
            route(&r, "x", r#"{"id":"evt-9"}"#),
            Routed::Op { op: Op::Ignore, rule: 0, dedup_id: Some("evt-9".into()) }
        );
        assert_eq!(route(&r, "x", "{}"), Routed::Op { op: Op::Ignore, rule: 0, dedup_id: None });
        assert!(matches!(kind(route(&r, "x", r#"{"id":[1]}"#)), RouteErrorKind::WrongType { .. }));
        assert!(matches!(kind(route(&r, "x", "not json")), RouteErrorKind::MalformedJson(_)));
    }

    #[test]
    fn route_errors_name_the_rule() {
        let r = router(json!([
            {"match": {"event": "other"}, "op": "ignore"},
            {"name": "todo", "match": {"event": "todo"}, "op": "upsert", "kind": "todo",
             "id": "/id", "payload": "", "version": "/rev", "version_format": "number"},
        ]));
        let error = |data: &str| match route(&r, "todo", data) {
            Routed::Error(error) => error,
            other => panic!("expected an error, got {other:?}"),
        };
        let e = error(r#"{"title":"x","rev":1}"#);
        assert_eq!((e.rule, e.rule_name.as_deref()), (1, Some("todo")));
        assert_eq!(e.kind, RouteErrorKind::MissingField { pointer: "/id".into() });
        assert!(matches!(
            error(r#"{"id":{"n":1},"rev":1}"#).kind,
            RouteErrorKind::WrongType { .. }
        ));
        assert!(matches!(error(r#"{"id":1.5,"rev":1}"#).kind, RouteErrorKind::WrongType { .. }));
        assert!(matches!(error("[1,2]").kind, RouteErrorKind::MissingField { .. }));
        assert_eq!(
            error(r#"{"id":1}"#).kind,
            RouteErrorKind::MissingField { pointer: "/rev".into() }
        );
        assert!(matches!(error(r#"{"id":1,"rev":"3"}"#).kind, RouteErrorKind::WrongType { .. }));
        assert!(matches!(
            error(r#"{"id":1,"rev":18446744073709551615}"#).kind,
            RouteErrorKind::BadVersion { .. }
        ));
        assert!(matches!(error(r#"{"id":1,"rev":1"#).kind, RouteErrorKind::MalformedJson(_)));
        assert!(matches!(error("").kind, RouteErrorKind::MalformedJson(_)));
    }

    #[test]
    fn upsert_payload_must_be_an_object() {
        let r = router(json!([{"match": {"event": "a"}, "op": "upsert", "kind": "k",
            "id": "/id", "payload": "/data", "set": {"x": 1}}]));
        for data in [r#"{"id":1,"data":[1]}"#, r#"{"id":1,"data":"s"}"#, r#"{"id":1,"data":null}"#]
        {
            assert_eq!(
                kind(route(&r, "a", data)),
                RouteErrorKind::WrongType { pointer: "/data".into(), expected: "an object" },
                "{data}"
            );
        }
        // Unlike a merge, an upsert always needs its payload.
        assert_eq!(
            kind(route(&r, "a", r#"{"id":1}"#)),
            RouteErrorKind::MissingField { pointer: "/data".into() }
        );
    }

    #[test]
    fn set_from_needs_its_value() {
        let r = router(json!([{"match": {"event": "a"}, "op": "merge", "kind": "k",
            "id": "/id", "set_from": {"at": "/at"}}]));
        assert_eq!(
            kind(route(&r, "a", r#"{"id":1}"#)),
            RouteErrorKind::MissingField { pointer: "/at".into() }
        );
        assert_eq!(
            op(route(&r, "a", r#"{"id":1,"at":null}"#)),
            Op::Merge { key: key("k", "1"), patch: json!({"at": null}), version: None }
        );
    }
    /// The fast path agrees with the full parse on everything: ops, errors and their messages.
    fn same_as_full_parse(r: &Router, event_type: &str, data: &str) {
        let event = EventRef { event_type, data, id: "", has_own_id: false };
        assert_eq!(
            route_with(&r.compiled, &event, true),
            route_with(&r.compiled, &event, false),
            "{event_type} {data:?}"
        );
    }

    #[test]
    fn fast_path_agrees_with_the_full_parse() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/router");
        let mut routers = Vec::new();
        for style in ["typed_envelope", "event_names", "plain_body"] {
            let rules =
                std::fs::read_to_string(root.join(style).join("rules.json")).expect("fixture");
            routers.push(Router::from_json(&rules).expect("valid rules"));
        }
        routers.push(router(json!([
            {"match": {"type": "a"}, "op": "upsert", "kind": "k", "id": "/data/0/id",
             "payload": "/data/0", "version": "/t", "version_format": "rfc3339", "dedup_id": "/id"},
            {"match": {"type": "b"}, "op": "merge", "kind": "k", "id": "", "set_from": {"x": "/x"}},
            {"match": {"type": "c"}, "op": "merge", "kind": "k", "id": "/id", "payload": "/data",
             "set_from": {"s": "/data/s", "w": "/data/1"}, "version": "/t",
             "version_format": "epoch_ms"},
            {"match": {"type": "d"}, "op": "delete", "kind": "k", "id": "/data/id",
             "version": "/t", "version_format": "number"},
            {"match": {"event": "c"}, "op": "resync", "key_from": "/k"},
            {"match": {"event": "d"}, "op": "heartbeat", "interval_ms": "/i"},
            {"match": {"event": "e"}, "op": "upsert", "kind": "k", "id": "/id", "payload": "",
             "version": "/t", "version_format": "epoch_s"},
        ])));
        let pieces = [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            ":",
            r#""type""#,
            r#""a""#,
            r#""b""#,
            r#""c""#,
            r#""d""#,
            r#""data""#,
            r#""id""#,
            r#""t""#,
            r#""x""#,
            r#""s""#,
            r#""k""#,
            r#""i""#,
            r#""0""#,
            r#""sessionId""#,
            r#""updates""#,
            r#""session.updated""#,
            r#""session.created""#,
            "1",
            "0",
            "-1",
            "01",
            "1.5",
            "1e3",
            "-1e999",
            "1E400",
            "18446744073709551616",
            "-",
            "null",
            "true",
            "fals",
            " ",
            "\n",
            r#""2024-02-30T00:00:00Z""#,
            r#""2024-01-01T00:00:00Z""#,
            r#""\ud800""#,
            r#""\ud83d\ude00""#,
            r#""t\u0079pe""#,
            r#""a\"b""#,
            r#""\x""#,
            "\"\u{1}\"",
            "\u{fffd}",
            r#""""#,
            "\"é\"",
        ];
        let mut rng = fastrand::Rng::with_seed(11);
        let events = ["message", "c", "d", "e", "action_updated", "todo.updated", "force_logout"];
        for _ in 0..40_000 {
            let data: String =
                (0..rng.usize(0..28)).map(|_| pieces[rng.usize(..pieces.len())]).collect();
            for r in &routers {
                same_as_full_parse(r, events[rng.usize(..events.len())], &data);
            }
        }
        // Random well-formed bodies (as text, keys possibly repeated), which the fast path reads.
        fn random_json(rng: &mut fastrand::Rng, depth: u32, out: &mut String) {
            const KEYS: [&str; 12] =
                ["type", "id", "data", "t", "x", "s", "k", "i", "sessionId", "updates", "0", "1"];
            const SCALARS: [&str; 16] = [
                "1",
                "-7",
                "2.5",
                "0",
                "null",
                "true",
                r#""a""#,
                r#""c""#,
                r#""d""#,
                r#""session.updated""#,
                r#""session.created""#,
                r#""2024-01-01T00:00:00Z""#,
                r#""q\n""#,
                "1700000000000",
                "9223372036854775807",
                r#""""#,
            ];
            match rng.u8(0..4) {
                0 | 1 if depth < 4 => {
                    out.push('{');
                    for n in 0..rng.usize(0..5) {
                        if n > 0 {
                            out.push(',');
                        }
                        out.push_str(&format!("\"{}\":", KEYS[rng.usize(..KEYS.len())]));
                        random_json(rng, depth + 1, out);
                    }
                    out.push('}');
                }
                2 if depth < 4 => {
                    out.push('[');
                    for n in 0..rng.usize(0..4) {
                        if n > 0 {
                            out.push_str(", ");
                        }
                        random_json(rng, depth + 1, out);
                    }
                    out.push(']');
                }
                _ => out.push_str(SCALARS[rng.usize(..SCALARS.len())]),
            }
        }
        let mut taken = 0;
        for _ in 0..40_000 {
            let mut data = String::new();
            random_json(&mut rng, 0, &mut data);
            for r in &routers {
                taken += usize::from(scan::scan(&r.compiled.plan, &data).is_some());
                same_as_full_parse(r, events[rng.usize(..events.len())], &data);
            }
        }
        assert!(taken > 100_000, "the fast path read {taken} bodies");
        // Well-formed envelopes with variations, most of which the fast path takes.
        let envelopes = [
            r#"{"id":"evt_1","type":"session.updated","timestamp":1732363201234,"data":{"sessionId":"s_1","updates":{"duration":1,"status":"paused"},"updatedAt":"2024-11-23T12:00:01.234Z"}}"#,
            r#"{"id":"evt_1","type":"session.created","timestamp":1,"data":{"sessionId":"s_1","title":"x\ny\u00e9","n":[1,2,{"a":null}]}}"#,
            r#"{"id":7,"type":"session.updated","timestamp":1.5,"data":{"sessionId":9,"updates":{}}}"#,
            r#"{"id":"e","type":"session.updated","timestamp":1,"data":{"sessionId":"s","updates":{"a":1},"updatedAt":"x"},"type":"session.created"}"#,
            r#"{"id":"e","type":"session.updated","timestamp":1e3,"data":{"sessionId":"s","updates":{"a":1},"updatedAt":"x"}}"#,
            r#"{"id":"e","type":"session.deleted","timestamp":"1","data":{"sessionId":"s"}}"#,
            r#"{"id":"e","type":"session.completed","timestamp":1,"data":{"sessionId":"s","completedAt":"z","summary":null}}"#,
            r#"{"id":"e","type":"heartbeat","data":{"intervalMs":15000}}"#,
            r#"{"type":"a","id":"e","t":"2024-01-01T00:00:00Z","data":[{"id":"x","v":1}]}"#,
            r#"{"type":"c","id":"e","t":1,"data":{"s":"q","1":2,"z":1}}"#,
            r#"{"type":"c","id":"e","t":1,"data":["q",{"s":1}]}"#,
            r#"{"type":"d","t":9223372036854775808,"data":{"id":"x"}}"#,
            r#"{"type":"b","x":{"deep":[[[]]]}}"#,
            r#"{"id":1,"t":1700000000.25,"x":"\ud83d\ude00"}"#,
            r#"{"type":"session.\u0075pdated","id":"e","timestamp":1,"data":{"sessionId":"s","updates":{}}}"#,
        ];
        for data in envelopes {
            for r in &routers {
                for event_type in events {
                    same_as_full_parse(r, event_type, data);
                }
            }
        }
    }
}
