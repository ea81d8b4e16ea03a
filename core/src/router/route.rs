//! Routing one event: the first rule whose `match` holds builds the op. The body is parsed at most
//! once, and only when a matching test on `type` or the chosen rule's op needs it.

use serde_json::{Map, Value};

use super::compiled::{Action, Compiled, Fields, KeySource, Rule, Target};
use super::error::{RouteError, RouteErrorKind};
use super::extract;
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

/// The event's JSON body, parsed on first use.
struct Body<'e> {
    data: &'e str,
    limit: usize,
    parsed: Option<Result<Value, RouteErrorKind>>,
}

impl<'e> Body<'e> {
    fn new(data: &'e str, limit: usize) -> Self {
        Body { data, limit, parsed: None }
    }

    /// The parsed body (parsing it now if needed): too large, or not JSON, is an error.
    fn get(&mut self) -> Result<&mut Value, &RouteErrorKind> {
        let (data, limit) = (self.data, self.limit);
        self.parsed
            .get_or_insert_with(|| {
                if data.len() > limit {
                    return Err(RouteErrorKind::TooLarge { bytes: data.len(), limit });
                }
                // serde_json stops at 128 levels of nesting with an error, so depth cannot
                // overflow the stack.
                serde_json::from_str(data).map_err(|e| RouteErrorKind::MalformedJson(e.to_string()))
            })
            .as_mut()
            .map_err(|kind| &*kind)
    }

    fn parsed(&self) -> Option<&Value> {
        self.parsed.as_ref().and_then(|result| result.as_ref().ok())
    }

    fn failure(&self) -> Option<&RouteErrorKind> {
        self.parsed.as_ref().and_then(|result| result.as_ref().err())
    }
}

pub(super) fn route(compiled: &Compiled, event: &EventRef<'_>) -> Routed {
    let mut body = Body::new(event.data, compiled.max_payload_bytes);
    // The first rule whose `type` test could not run because the body is not usable JSON.
    let mut blocked = None;
    for (index, rule) in compiled.rules.iter().enumerate() {
        if rule.event.as_deref().is_some_and(|wanted| wanted != event.event_type) {
            continue;
        }
        if let Some(wanted) = &rule.type_value {
            match body.get() {
                Ok(root) if type_of(compiled, root) == Some(wanted.as_str()) => {}
                Ok(_) => continue,
                Err(_) => {
                    blocked.get_or_insert(index);
                    continue;
                }
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
        type_value: body.parsed().and_then(|root| type_of(compiled, root)).map(str::to_owned),
    }
}

fn type_of<'v>(compiled: &Compiled, root: &'v Value) -> Option<&'v str> {
    compiled.type_pointer.resolve(root).and_then(Value::as_str)
}

fn error(compiled: &Compiled, rule: usize, kind: RouteErrorKind) -> RouteError {
    let rule_name = compiled.rules.get(rule).and_then(|r| r.name.clone());
    RouteError { rule, rule_name, kind }
}

/// The op and dedup id of the rule that matched.
fn build(rule: &Rule, body: &mut Body<'_>) -> Result<(Op, Option<String>), RouteErrorKind> {
    // The body is not needed after this rule, so the payload can be moved out of it.
    let mut root = if rule.needs_body() {
        std::mem::take(body.get().map_err(RouteErrorKind::clone)?)
    } else {
        Value::Null
    };
    let dedup_id = match &rule.dedup_id {
        Some(pointer) => extract::dedup_id(&root, pointer)?,
        None => None,
    };
    let op = match &rule.action {
        Action::Upsert { target, fields } => {
            let (key, version) = entity(&root, target)?;
            Op::Upsert { key, value: object(&mut root, fields, false)?, version }
        }
        Action::Merge { target, fields } => {
            let (key, version) = entity(&root, target)?;
            Op::Merge { key, patch: object(&mut root, fields, true)?, version }
        }
        Action::Delete { target } => {
            let (key, version) = entity(&root, target)?;
            Op::Delete { key, version }
        }
        Action::ClearAll => Op::ClearAll,
        Action::Ignore => Op::Ignore,
        Action::Heartbeat { interval_ms } => Op::Heartbeat {
            interval_ms: match interval_ms {
                Some(pointer) => extract::optional_u64(&root, pointer)?,
                None => None,
            },
        },
        Action::Resync { key } => Op::Resync {
            key: match key {
                KeySource::Constant(key) => key.clone(),
                KeySource::Pointer(pointer) => extract::string(&root, pointer)?,
            },
        },
    };
    Ok((op, dedup_id))
}

fn entity(root: &Value, target: &Target) -> Result<(EntityKey, Option<Version>), RouteErrorKind> {
    let key = EntityKey::new(target.kind.clone(), extract::id(root, &target.id)?);
    let version = match &target.version {
        Some((pointer, format)) => Some(extract::version(root, pointer, *format)?),
        None => None,
    };
    Ok((key, version))
}

/// An upsert's value or a merge's patch: the payload object, then `set_from`, then `set`.
fn object(root: &mut Value, fields: &Fields, merge: bool) -> Result<Value, RouteErrorKind> {
    let from = fields
        .set_from
        .iter()
        .map(|(field, pointer)| Ok((field.clone(), extract::required(root, pointer)?.clone())))
        .collect::<Result<Vec<_>, RouteErrorKind>>()?;
    let mut object = match &fields.payload {
        None => Map::new(),
        Some(pointer) => match pointer.take(root) {
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
}
