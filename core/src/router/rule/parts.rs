//! The parts of a rule that have their own shape: `match`, the version pair, `set`/`set_from`,
//! and the typed reads of single fields (strings, pointers) shared by all of them.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::OpName;
use crate::router::compiled::{Fields, VersionFormat};
use crate::router::error::RulesError;
use crate::router::pointer::Pointer;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatch {
    event: Option<Value>,
    #[serde(rename = "type")]
    type_value: Option<Value>,
}

/// The rule being validated, for naming it in errors.
pub(super) struct Ctx {
    pub(super) index: usize,
    pub(super) name: Option<String>,
}

impl Ctx {
    pub(super) fn invalid(&self, field: &'static str, reason: impl Into<String>) -> RulesError {
        RulesError::Invalid {
            rule: self.index,
            name: self.name.clone(),
            field,
            reason: reason.into(),
        }
    }

    /// An optional non-empty string.
    pub(super) fn string(
        &self,
        field: &'static str,
        value: Option<Value>,
    ) -> Result<Option<String>, RulesError> {
        match value {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Err(self.invalid(field, "must not be empty")),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.invalid(field, "must be a string")),
        }
    }

    /// An optional JSON pointer.
    pub(super) fn pointer(
        &self,
        field: &'static str,
        value: Option<Value>,
    ) -> Result<Option<Pointer>, RulesError> {
        match value {
            None => Ok(None),
            Some(Value::String(text)) => {
                Pointer::parse(&text).map(Some).map_err(|reason| self.invalid(field, reason))
            }
            Some(_) => Err(self.invalid(field, "must be a JSON pointer string")),
        }
    }

    pub(super) fn required<T>(
        &self,
        field: &'static str,
        op: OpName,
        value: Option<T>,
    ) -> Result<T, RulesError> {
        value.ok_or_else(|| self.invalid(field, format!("required by op \"{}\"", op.name())))
    }
}

pub(super) fn compile_match(
    ctx: &Ctx,
    value: Option<Value>,
) -> Result<(Option<String>, Option<String>), RulesError> {
    let value =
        value.ok_or_else(|| ctx.invalid("match", "required: give `event`, `type` or both"))?;
    if !value.is_object() {
        return Err(ctx.invalid("match", "must be an object"));
    }
    let raw = RawMatch::deserialize(value).map_err(|e| ctx.invalid("match", e.to_string()))?;
    let event = ctx.string("match.event", raw.event)?;
    let type_value = ctx.string("match.type", raw.type_value)?;
    if event.is_none() && type_value.is_none() {
        return Err(ctx.invalid("match", "needs `event`, `type` or both"));
    }
    Ok((event, type_value))
}

pub(super) fn compile_version(
    ctx: &Ctx,
    pointer: Option<Value>,
    format: Option<Value>,
) -> Result<Option<(Pointer, VersionFormat)>, RulesError> {
    let pointer = ctx.pointer("version", pointer)?;
    let format = ctx.string("version_format", format)?;
    let known = || VersionFormat::NAMES.join(", ");
    match (pointer, format) {
        (None, None) => Ok(None),
        (Some(pointer), Some(name)) => match VersionFormat::from_name(&name) {
            Some(format) => Ok(Some((pointer, format))),
            None => Err(ctx.invalid(
                "version_format",
                format!("unknown format {name:?} (one of: {})", known()),
            )),
        },
        (Some(_), None) => Err(ctx.invalid(
            "version_format",
            format!("required when `version` is given (one of: {})", known()),
        )),
        (None, Some(_)) => Err(ctx.invalid("version_format", "given without `version`")),
    }
}

pub(super) fn compile_fields(
    ctx: &Ctx,
    payload: Option<Value>,
    set: Option<Value>,
    set_from: Option<Value>,
) -> Result<Fields, RulesError> {
    let payload = ctx.pointer("payload", payload)?;
    let set = match set {
        None => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(ctx.invalid("set", "must be an object of constant fields")),
    };
    let set_from = match set_from {
        None => Vec::new(),
        Some(Value::Object(map)) => map
            .into_iter()
            .map(|(field, pointer)| {
                if set.contains_key(&field) {
                    return Err(ctx.invalid("set_from", format!("{field:?} is also in `set`")));
                }
                match pointer {
                    Value::String(text) => Pointer::parse(&text)
                        .map(|pointer| (field.clone(), pointer))
                        .map_err(|reason| ctx.invalid("set_from", format!("{field:?}: {reason}"))),
                    _ => Err(
                        ctx.invalid("set_from", format!("{field:?} must be a JSON pointer string"))
                    ),
                }
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(ctx.invalid("set_from", "must be an object of field: pointer")),
    };
    Ok(Fields { payload, set, set_from })
}
#[cfg(test)]
mod tests {
    use super::super::tests::{compiles, field, invalid};
    use super::*;
    use crate::router::compiled::Action;
    use serde_json::json;

    #[test]
    fn matches() {
        assert_eq!(field(json!({"op": "ignore"})), "match");
        assert_eq!(field(json!({"match": {}, "op": "ignore"})), "match");
        assert_eq!(field(json!({"match": "x", "op": "ignore"})), "match");
        assert_eq!(field(json!({"match": {"evnet": "x"}, "op": "ignore"})), "match");
        assert_eq!(field(json!({"match": {"event": ""}, "op": "ignore"})), "match.event");
        assert_eq!(field(json!({"match": {"event": 1}, "op": "ignore"})), "match.event");
        assert_eq!(field(json!({"match": {"type": ""}, "op": "ignore"})), "match.type");
        assert_eq!(field(json!({"match": {"type": true}, "op": "ignore"})), "match.type");
        let rule = compiles(json!({"match": {"event": "e", "type": "t"}, "op": "ignore"}));
        assert_eq!((rule.event.as_deref(), rule.type_value.as_deref()), (Some("e"), Some("t")));
    }

    #[test]
    fn pointers_must_be_pointers() {
        let base = |f: &str, v: Value| {
            let mut rule = json!({"match": {"event": "x"}, "op": "upsert", "kind": "k", "id": "/id", "payload": ""});
            if let Some(map) = rule.as_object_mut() {
                map.insert(f.to_owned(), v);
            }
            rule
        };
        for f in ["id", "payload", "dedup_id"] {
            assert_eq!(field(base(f, json!("data/id"))), f);
            assert_eq!(field(base(f, json!("/a~2"))), f);
            assert_eq!(field(base(f, json!(1))), f);
        }
        assert_eq!(field(base("version", json!("ts"))), "version");
        assert_eq!(
            field(json!({"match": {"event": "x"}, "op": "heartbeat", "interval_ms": "i"})),
            "interval_ms"
        );
        assert_eq!(
            field(json!({"match": {"event": "x"}, "op": "resync", "key_from": "k"})),
            "key_from"
        );
        assert!(matches!(compiles(base("id", json!(""))).action, Action::Upsert { .. }));
        assert!(matches!(compiles(base("id", json!("/a~0b/~1"))).action, Action::Upsert { .. }));
    }

    #[test]
    fn versions() {
        let rule = |version: Option<&str>, format: Option<Value>| {
            let mut rule =
                json!({"match": {"event": "x"}, "op": "delete", "kind": "k", "id": "/id"});
            if let Some(map) = rule.as_object_mut() {
                if let Some(version) = version {
                    map.insert("version".into(), json!(version));
                }
                if let Some(format) = format {
                    map.insert("version_format".into(), format);
                }
            }
            rule
        };
        assert_eq!(field(rule(Some("/v"), None)), "version_format");
        assert_eq!(field(rule(None, Some(json!("number")))), "version_format");
        assert_eq!(field(rule(Some("/v"), Some(json!("iso8601")))), "version_format");
        assert_eq!(field(rule(Some("/v"), Some(json!(1)))), "version_format");
        for name in VersionFormat::NAMES {
            let compiled = compiles(rule(Some("/v"), Some(json!(name))));
            let Action::Delete { target } = compiled.action else { panic!("delete") };
            assert_eq!(target.version.map(|(_, f)| f), VersionFormat::from_name(name));
        }
    }

    #[test]
    fn set_and_set_from() {
        let merge = |extra: Value| {
            let mut rule =
                json!({"match": {"event": "x"}, "op": "merge", "kind": "k", "id": "/id"});
            if let (Some(map), Value::Object(extra)) = (rule.as_object_mut(), extra) {
                map.extend(extra);
            }
            rule
        };
        assert_eq!(field(merge(json!({"set": [1]}))), "set");
        assert_eq!(field(merge(json!({"set": "done"}))), "set");
        assert_eq!(field(merge(json!({"set_from": ["/a"]}))), "set_from");
        assert_eq!(field(merge(json!({"set_from": {"a": 1}}))), "set_from");
        assert_eq!(field(merge(json!({"set_from": {"a": "a"}}))), "set_from");
        let (_, _, f, reason) = invalid(merge(json!({"set": {"a": 1}, "set_from": {"a": "/a"}})));
        assert_eq!(f, "set_from");
        assert!(reason.contains("also in `set`"), "{reason}");
    }
}
