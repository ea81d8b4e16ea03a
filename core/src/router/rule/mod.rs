//! One rule of the rules file: its schema and validation into a compiled [`Rule`]. Every error is
//! a [`RulesError::Invalid`] naming the rule (index, `name`) and the field. This file checks the
//! rule as a whole (shape, name, op, which fields the op takes); `parts.rs` reads its parts.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::compiled::{Action, KeySource, Rule, Target};
use super::error::RulesError;

mod parts;

use parts::{compile_fields, compile_match, compile_version, Ctx};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    /// Read before the rest (so every error can name the rule).
    #[allow(dead_code)]
    name: Option<Value>,
    #[serde(rename = "match")]
    matches: Option<Value>,
    op: Option<Value>,
    kind: Option<Value>,
    id: Option<Value>,
    payload: Option<Value>,
    version: Option<Value>,
    version_format: Option<Value>,
    dedup_id: Option<Value>,
    set: Option<Value>,
    set_from: Option<Value>,
    interval_ms: Option<Value>,
    key: Option<Value>,
    key_from: Option<Value>,
}

/// The ops a rule can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpName {
    Upsert,
    Merge,
    Delete,
    ClearAll,
    Ignore,
    Heartbeat,
    Resync,
}

impl OpName {
    const ALL: [OpName; 7] = [
        OpName::Upsert,
        OpName::Merge,
        OpName::Delete,
        OpName::ClearAll,
        OpName::Ignore,
        OpName::Heartbeat,
        OpName::Resync,
    ];

    fn name(self) -> &'static str {
        match self {
            OpName::Upsert => "upsert",
            OpName::Merge => "merge",
            OpName::Delete => "delete",
            OpName::ClearAll => "clear_all",
            OpName::Ignore => "ignore",
            OpName::Heartbeat => "heartbeat",
            OpName::Resync => "resync",
        }
    }

    /// Whether a rule with this op may have `field` (fields every op may have are not listed).
    fn allows(self, field: &str) -> bool {
        use OpName::*;
        match field {
            "kind" | "id" | "version" | "version_format" => matches!(self, Upsert | Merge | Delete),
            "payload" | "set" | "set_from" => matches!(self, Upsert | Merge),
            "interval_ms" => self == Heartbeat,
            "key" | "key_from" => self == Resync,
            _ => true,
        }
    }
}

pub(crate) fn compile_rule(
    index: usize,
    value: Value,
    names: &mut HashMap<String, usize>,
) -> Result<Rule, RulesError> {
    let mut ctx = Ctx { index, name: None };
    if !value.is_object() {
        return Err(ctx.invalid("rule", "must be an object"));
    }
    ctx.name = ctx.string("name", value.get("name").cloned().filter(|v| !v.is_null()))?;
    let raw = RawRule::deserialize(value).map_err(|e| ctx.invalid("rule", e.to_string()))?;
    if let Some(name) = &ctx.name {
        if let Some(first) = names.insert(name.clone(), index) {
            return Err(ctx.invalid("name", format!("rule {first} already has this name")));
        }
    }

    let (event, type_value) = compile_match(&ctx, raw.matches)?;

    let op_text = ctx.string("op", raw.op)?.ok_or_else(|| ctx.invalid("op", "required"))?;
    let op = OpName::ALL.into_iter().find(|op| op.name() == op_text).ok_or_else(|| {
        let known: Vec<_> = OpName::ALL.iter().map(|op| op.name()).collect();
        ctx.invalid("op", format!("unknown op {op_text:?} (one of: {})", known.join(", ")))
    })?;
    let present = [
        ("kind", raw.kind.is_some()),
        ("id", raw.id.is_some()),
        ("payload", raw.payload.is_some()),
        ("version", raw.version.is_some()),
        ("version_format", raw.version_format.is_some()),
        ("set", raw.set.is_some()),
        ("set_from", raw.set_from.is_some()),
        ("interval_ms", raw.interval_ms.is_some()),
        ("key", raw.key.is_some()),
        ("key_from", raw.key_from.is_some()),
    ];
    if let Some((field, _)) = present.into_iter().find(|&(field, there)| there && !op.allows(field))
    {
        return Err(ctx.invalid(field, format!("not used by op \"{}\"", op.name())));
    }

    let dedup_id = ctx.pointer("dedup_id", raw.dedup_id)?;
    let action = match op {
        OpName::Upsert | OpName::Merge | OpName::Delete => {
            let target = Target {
                kind: ctx.required("kind", op, ctx.string("kind", raw.kind)?)?,
                id: ctx.required("id", op, ctx.pointer("id", raw.id)?)?,
                version: compile_version(&ctx, raw.version, raw.version_format)?,
            };
            if op == OpName::Delete {
                Action::Delete { target }
            } else {
                let fields = compile_fields(&ctx, raw.payload, raw.set, raw.set_from)?;
                if op == OpName::Upsert {
                    ctx.required("payload", op, fields.payload.as_ref())?;
                    Action::Upsert { target, fields }
                } else {
                    if fields.payload.is_none() && !fields.payload_may_be_absent() {
                        return Err(ctx.invalid(
                            "payload",
                            "required by op \"merge\" unless `set` or `set_from` gives fields",
                        ));
                    }
                    Action::Merge { target, fields }
                }
            }
        }
        OpName::ClearAll => Action::ClearAll,
        OpName::Ignore => Action::Ignore,
        OpName::Heartbeat => {
            Action::Heartbeat { interval_ms: ctx.pointer("interval_ms", raw.interval_ms)? }
        }
        OpName::Resync => {
            let key = match (ctx.string("key", raw.key)?, ctx.pointer("key_from", raw.key_from)?) {
                (Some(key), None) => KeySource::Constant(key),
                (None, Some(pointer)) => KeySource::Pointer(pointer),
                (Some(_), Some(_)) => {
                    return Err(ctx.invalid("key_from", "give `key` or `key_from`, not both"));
                }
                (None, None) => {
                    return Err(ctx.invalid("key", "required by op \"resync\" (or `key_from`)"));
                }
            };
            Action::Resync { key }
        }
    };
    Ok(Rule { name: ctx.name, event, type_value, dedup_id, action })
}

#[cfg(test)]
mod tests {
    use super::super::rules::compile;
    use super::*;
    use serde_json::json;

    /// Compiles one rule (after a valid rule 0 named "first") and returns the error.
    pub(super) fn invalid(rule: Value) -> (usize, Option<String>, &'static str, String) {
        let file = json!({"version": 1, "rules": [
            {"name": "first", "match": {"event": "e0"}, "op": "ignore"}, rule]});
        match compile(&file.to_string()) {
            Err(RulesError::Invalid { rule, name, field, reason }) => (rule, name, field, reason),
            other => panic!("expected an invalid rule, got {other:?}"),
        }
    }

    pub(super) fn field(rule: Value) -> &'static str {
        let (index, _, field, _) = invalid(rule);
        assert_eq!(index, 1);
        field
    }

    pub(super) fn compiles(rule: Value) -> Rule {
        let file = json!({"version": 1, "rules": [rule]});
        match compile(&file.to_string()) {
            Ok(mut compiled) => compiled.rules.remove(0),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn errors_name_the_rule_by_index_and_name() {
        let (rule, name, field, reason) =
            invalid(json!({"name": "broken", "match": {"event": "x"}, "op": "upsert"}));
        assert_eq!((rule, name.as_deref(), field), (1, Some("broken"), "kind"));
        assert_eq!(reason, "required by op \"upsert\"");
        let (_, name, _, _) = invalid(json!({"match": {"event": "x"}, "op": "upsert"}));
        assert_eq!(name, None);
    }

    #[test]
    fn rule_shape() {
        assert_eq!(field(json!("ignore")), "rule");
        assert_eq!(field(json!(["ignore"])), "rule");
        let (_, name, field_name, reason) =
            invalid(json!({"name": "n", "match": {"event": "x"}, "op": "ignore", "kidn": "k"}));
        assert_eq!((name.as_deref(), field_name), (Some("n"), "rule"));
        assert!(reason.contains("kidn"), "{reason}");
    }

    #[test]
    fn names() {
        assert_eq!(field(json!({"name": 3, "match": {"event": "x"}, "op": "ignore"})), "name");
        assert_eq!(field(json!({"name": "", "match": {"event": "x"}, "op": "ignore"})), "name");
        let (_, name, field, reason) =
            invalid(json!({"name": "first", "match": {"event": "x"}, "op": "ignore"}));
        assert_eq!((name.as_deref(), field), (Some("first"), "name"));
        assert!(reason.contains("rule 0"), "{reason}");
        assert!(compiles(json!({"name": null, "match": {"event": "x"}, "op": "ignore"}))
            .name
            .is_none());
    }

    #[test]
    fn ops() {
        assert_eq!(field(json!({"match": {"event": "x"}})), "op");
        assert_eq!(field(json!({"match": {"event": "x"}, "op": "upsertt"})), "op");
        assert_eq!(field(json!({"match": {"event": "x"}, "op": 1})), "op");
        assert_eq!(field(json!({"match": {"event": "x"}, "op": "Upsert"})), "op");
        for op in ["clear_all", "ignore", "heartbeat"] {
            assert!(!compiles(json!({"match": {"event": "x"}, "op": op})).needs_body(), "{op}");
        }
    }

    #[test]
    fn fields_an_op_does_not_use_are_refused() {
        let cases = [
            (json!({"match": {"event": "x"}, "op": "clear_all", "kind": "k"}), "kind"),
            (json!({"match": {"event": "x"}, "op": "ignore", "id": "/id"}), "id"),
            (
                json!({"match": {"event": "x"}, "op": "delete", "kind": "k", "id": "/id", "payload": "/p"}),
                "payload",
            ),
            (
                json!({"match": {"event": "x"}, "op": "delete", "kind": "k", "id": "/id", "set": {}}),
                "set",
            ),
            (json!({"match": {"event": "x"}, "op": "heartbeat", "version": "/v"}), "version"),
            (
                json!({"match": {"event": "x"}, "op": "resync", "key": "k", "interval_ms": "/i"}),
                "interval_ms",
            ),
            (
                json!({"match": {"event": "x"}, "op": "upsert", "kind": "k", "id": "/id", "payload": "", "key": "k"}),
                "key",
            ),
            (
                json!({"match": {"event": "x"}, "op": "merge", "kind": "k", "id": "/id", "payload": "", "key_from": "/k"}),
                "key_from",
            ),
        ];
        for (rule, expected) in cases {
            let (_, _, field, reason) = invalid(rule.clone());
            assert_eq!(field, expected, "{rule}");
            assert!(reason.starts_with("not used by op"), "{reason}");
        }
    }

    #[test]
    fn entity_ops_need_kind_and_id() {
        for op in ["upsert", "merge", "delete"] {
            let payload = if op == "delete" { json!(null) } else { json!("") };
            let rule = |kind: Value, id: Value| json!({"match": {"event": "x"}, "op": op, "kind": kind, "id": id, "payload": payload});
            assert_eq!(field(rule(json!(null), json!("/id"))), "kind", "{op}");
            assert_eq!(field(rule(json!(""), json!("/id"))), "kind", "{op}");
            assert_eq!(field(rule(json!(5), json!("/id"))), "kind", "{op}");
            assert_eq!(field(rule(json!("k"), json!(null))), "id", "{op}");
            assert_eq!(field(rule(json!("k"), json!({"p": "/id"}))), "id", "{op}");
        }
        assert_eq!(
            field(json!({"match": {"event": "x"}, "op": "upsert", "kind": "k", "id": "/id"})),
            "payload"
        );
        assert_eq!(
            field(json!({"match": {"event": "x"}, "op": "merge", "kind": "k", "id": "/id"})),
            "payload"
        );
        assert_eq!(
            field(
                json!({"match": {"event": "x"}, "op": "merge", "kind": "k", "id": "/id", "set": {}})
            ),
            "payload"
        );
        assert!(matches!(
            compiles(json!({"match": {"event": "x"}, "op": "merge", "kind": "k", "id": "/id", "set": {"a": 1}})).action,
            Action::Merge { .. }
        ));
        assert!(matches!(
            compiles(json!({"match": {"event": "x"}, "op": "merge", "kind": "k", "id": "/id", "set_from": {"a": "/a"}})).action,
            Action::Merge { .. }
        ));
    }

    #[test]
    fn resync_key() {
        assert_eq!(field(json!({"match": {"event": "x"}, "op": "resync"})), "key");
        assert_eq!(field(json!({"match": {"event": "x"}, "op": "resync", "key": ""})), "key");
        assert_eq!(
            field(json!({"match": {"event": "x"}, "op": "resync", "key": "a", "key_from": "/b"})),
            "key_from"
        );
        assert!(
            !compiles(json!({"match": {"event": "x"}, "op": "resync", "key": "a"})).needs_body()
        );
        assert!(compiles(json!({"match": {"event": "x"}, "op": "resync", "key_from": "/a"}))
            .needs_body());
    }
}
