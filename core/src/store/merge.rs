//! JSON deep merge for partial updates, and the nesting-depth check that keeps every recursive
//! walk over stored values (merge, clone, compare, drop) within a bounded stack.
//!
//! Merge rules (JSON Merge Patch, RFC 7386): objects merge key by key, recursively; arrays and
//! scalars replace; `null` in a patch deletes that field; a patch object landing where the target
//! has no object becomes a fresh object with its nulls dropped.

use serde_json::{Map, Value};

/// Containers on the deepest path of `value`: `0` for a scalar, `1` for `{}` or `[1]`, `2` for
/// `{"a": []}`. Only answers whether that exceeds `limit`, walking iteratively and stopping at the
/// first level past it, so a value nested 10,000 deep costs `limit` levels and no stack.
pub(crate) fn exceeds_depth(value: &Value, limit: usize) -> bool {
    // The root is looked at before anything is pushed, so a value without nested containers
    // (the usual patch) allocates nothing.
    let mut stack: Vec<(&Value, usize)> = Vec::new();
    let mut root = Some((value, 0));
    while let Some((value, depth)) = root.take().or_else(|| stack.pop()) {
        let depth = depth + 1;
        let nested = |child: &&Value| child.is_array() || child.is_object();
        match value {
            Value::Array(_) | Value::Object(_) if depth > limit => return true,
            Value::Array(items) => stack.extend(items.iter().filter(nested).map(|c| (c, depth))),
            Value::Object(fields) => {
                stack.extend(fields.values().filter(nested).map(|c| (c, depth)))
            }
            _ => {}
        }
    }
    false
}

/// Deep-merges `patch` into `target` in place; returns whether `target` changed.
///
/// Recursion is as deep as `patch`, which callers have checked with [`exceeds_depth`].
pub(crate) fn merge_into(target: &mut Value, patch: &Value) -> bool {
    let Value::Object(patch_fields) = patch else {
        if target == patch {
            return false;
        }
        *target = patch.clone();
        return true;
    };
    let Value::Object(target_fields) = target else {
        let fresh = without_nulls(patch);
        let changed = *target != fresh;
        *target = fresh;
        return changed;
    };
    let mut changed = false;
    for (name, patch_value) in patch_fields {
        if patch_value.is_null() {
            changed |= target_fields.remove(name).is_some();
            continue;
        }
        match target_fields.get_mut(name) {
            Some(target_value) => changed |= merge_into(target_value, patch_value),
            None => {
                target_fields.insert(name.clone(), without_nulls(patch_value));
                changed = true;
            }
        }
    }
    changed
}

/// A copy of `patch` as it reads when merged into nothing: object fields that are `null` are
/// dropped, recursively; arrays are kept verbatim (nulls inside them are data).
pub(crate) fn without_nulls(patch: &Value) -> Value {
    match patch {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(name, value)| (name.clone(), without_nulls(value)))
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}

/// Drops a value of any depth without recursion (serde_json's own drop recurses once per level,
/// which a rejected 10,000-deep value would turn into a stack overflow).
pub(crate) fn dispose(value: Value) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Array(items) => stack.extend(items),
            Value::Object(fields) => stack.extend(fields.into_iter().map(|(_, value)| value)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `levels` nested single-element arrays around `0`, built without the parser's 128 limit.
    fn nested(levels: usize) -> Value {
        let mut value = json!(0);
        for _ in 0..levels {
            value = Value::Array(vec![value]);
        }
        value
    }

    #[test]
    fn merge_table() {
        // (stored, patch, expected, changed)
        let table = [
            (json!({"a": 1}), json!({"b": 2}), json!({"a": 1, "b": 2}), true),
            (json!({"a": 1}), json!({"a": 2}), json!({"a": 2}), true),
            (json!({"a": 1}), json!({"a": 1}), json!({"a": 1}), false),
            (json!({"a": 1, "b": 2}), json!({"a": null}), json!({"b": 2}), true),
            (json!({"b": 2}), json!({"a": null}), json!({"b": 2}), false),
            (
                json!({"o": {"x": 1, "y": 2}}),
                json!({"o": {"y": 3}}),
                json!({"o": {"x": 1, "y": 3}}),
                true,
            ),
            (
                json!({"o": {"x": 1, "y": 2}}),
                json!({"o": {"x": null}}),
                json!({"o": {"y": 2}}),
                true,
            ),
            (json!({"o": {"x": 1}}), json!({"o": null}), json!({}), true),
            (json!({"a": [1, 2, 3]}), json!({"a": [4]}), json!({"a": [4]}), true),
            (
                json!({"a": [{"x": 1}]}),
                json!({"a": [{"y": null}]}),
                json!({"a": [{"y": null}]}),
                true,
            ),
            (json!({"a": {"x": 1}}), json!({"a": [1]}), json!({"a": [1]}), true),
            (json!({"a": 5}), json!({"a": {"x": 1, "y": null}}), json!({"a": {"x": 1}}), true),
            (
                json!({"a": "s"}),
                json!({"n": {"deep": {"z": null, "k": true}}}),
                json!({"a": "s", "n": {"deep": {"k": true}}}),
                true,
            ),
            (json!({"a": 1}), json!({}), json!({"a": 1}), false),
            (json!({"a": 1}), json!({"a": 1.0}), json!({"a": 1.0}), true),
        ];
        for (stored, patch, expected, changed) in table {
            let mut target = stored.clone();
            let did = merge_into(&mut target, &patch);
            assert_eq!(target, expected, "{stored} + {patch}");
            assert_eq!(did, changed, "{stored} + {patch}");
        }
    }

    #[test]
    fn merging_twice_is_merging_once() {
        let stored = json!({"a": 1, "o": {"x": [1], "y": {"z": 1}}});
        let patch = json!({"a": null, "o": {"y": {"z": null, "w": 2}}, "n": {"k": null}});
        let mut once = stored.clone();
        assert!(merge_into(&mut once, &patch));
        let mut twice = once.clone();
        assert!(!merge_into(&mut twice, &patch));
        assert_eq!(once, twice);
        assert_eq!(once, json!({"o": {"x": [1], "y": {"w": 2}}, "n": {}}));
    }

    #[test]
    fn without_nulls_drops_object_nulls_only() {
        let patch = json!({"a": null, "b": {"c": null, "d": [null, {"e": null}]}, "f": 0});
        assert_eq!(without_nulls(&patch), json!({"b": {"d": [null, {"e": null}]}, "f": 0}));
        assert_eq!(without_nulls(&json!(null)), json!(null));
    }

    #[test]
    fn depth_counts_containers() {
        let table = [
            (json!(1), 0),
            (json!("s"), 0),
            (json!({}), 1),
            (json!([]), 1),
            (json!({"a": 1}), 1),
            (json!({"a": {"b": [1]}}), 3),
            (json!([1, [2, [3]], {}]), 3),
        ];
        for (value, depth) in table {
            assert!(!exceeds_depth(&value, depth), "{value} fits in {depth}");
            if depth > 0 {
                assert!(exceeds_depth(&value, depth - 1), "{value} exceeds {}", depth - 1);
            }
        }
    }

    #[test]
    fn a_very_deep_value_is_measured_and_dropped_without_recursion() {
        let deep = nested(10_000);
        assert!(exceeds_depth(&deep, 64));
        assert!(!exceeds_depth(&deep, 10_000));
        dispose(deep);
        // Built by hand: `json!` would serialize the interpolated values, recursively.
        let fields =
            [("a".to_owned(), nested(50_000)), ("b".into(), Value::Array(vec![nested(20_000)]))];
        let mut wide_and_deep = Value::Object(fields.into_iter().collect());
        assert!(exceeds_depth(&wide_and_deep, 64));
        if let Some(fields) = wide_and_deep.as_object_mut() {
            fields.insert("c".into(), json!(1));
        }
        dispose(wide_and_deep);
    }
}
