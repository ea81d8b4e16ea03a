//! List views: which entities of a kind a list shows (filters), in which order (sort keys), and
//! how many (limit). The host describes a view as JSON, so every binding asks for lists the same
//! way and none of them filters or sorts by itself.

use super::order::{compare_values, loose_eq, SortCell, SortEntry};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cmp::Ordering;

/// A list of one kind of entity: those matching every filter, sorted, at most `limit`.
///
/// Paths are JSON pointers (RFC 6901) into the entity's value: `/status`, `/owner/name`,
/// `/tags/0`; `""` is the whole value. A path that does not resolve, or resolves to `null`, reads
/// as `null` (Tether treats a `null` field as an absent one: a merge deletes it). A path without
/// the leading `/` never resolves.
///
/// JSON form (`filter`, `sort` and `limit` may be left out; unknown fields are rejected):
///
/// ```json
/// {
///   "kind": "session",
///   "filter": [
///     { "op": "eq", "path": "/status", "value": "running" },
///     { "op": "in", "path": "/owner/team", "values": ["core", "mobile"] },
///     { "op": "exists", "path": "/archivedAt", "exists": false }
///   ],
///   "sort": [{ "path": "/updatedAt", "descending": true }, { "path": "/title" }],
///   "limit": 50
/// }
/// ```
///
/// Sorting orders JSON values `null` (or missing) < booleans < numbers (by value) < strings (by
/// Unicode code point) < arrays < objects; ties fall through to the next sort key and finally to
/// the entity id (ascending, whatever the directions), so the order is total and stable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListView {
    pub kind: String,
    #[serde(default)]
    pub filter: Vec<Filter>,
    #[serde(default)]
    pub sort: Vec<SortKey>,
    #[serde(default)]
    pub limit: Option<usize>,
}

/// One condition on an entity's value; a view shows only entities matching all of its filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Filter {
    /// The value at `path` equals `value` (numbers by value: `1` equals `1.0`; `null` matches a
    /// missing field).
    Eq { path: String, value: Value },
    /// The value at `path` equals one of `values`.
    In { path: String, values: Vec<Value> },
    /// `exists: true`: the value at `path` is present and not `null`; `exists: false`: it is not.
    Exists { path: String, exists: bool },
}

/// One sort key: the value at `path`, ascending unless `descending`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SortKey {
    pub path: String,
    #[serde(default)]
    pub descending: bool,
}

/// The value at `path`, with "absent" and `null` both read as `null`.
fn read<'a>(value: &'a Value, path: &str) -> &'a Value {
    // serde_json's `Value::pointer`, without its two allocations per token when no token has an
    // escape (`~`): the same tokens, the same lookups.
    let found = match path.strip_prefix('/') {
        Some(tokens) if !path.contains('~') => {
            tokens.split('/').try_fold(value, |target, token| match target {
                Value::Object(map) => map.get(token),
                Value::Array(list) => array_index(token).and_then(|i| list.get(i)),
                _ => None,
            })
        }
        _ => value.pointer(path),
    };
    found.unwrap_or(&Value::Null)
}

/// serde_json's reading of an array index in a pointer.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

impl ListView {
    /// All entities of `kind`, unfiltered, sorted by id, unlimited.
    pub fn new(kind: impl Into<String>) -> Self {
        Self { kind: kind.into(), filter: Vec::new(), sort: Vec::new(), limit: None }
    }

    pub fn with_filter(mut self, filter: Filter) -> Self {
        self.filter.push(filter);
        self
    }

    pub fn with_sort(mut self, path: impl Into<String>, descending: bool) -> Self {
        self.sort.push(SortKey { path: path.into(), descending });
        self
    }

    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Whether an entity value of this view's kind belongs in the list (before the limit).
    pub fn matches(&self, value: &Value) -> bool {
        self.filter.iter().all(|filter| filter.matches(value))
    }

    /// Whether an entity at `entry` whose value is now `value` keeps its place: its sort keys
    /// compare equal to the ones `entry` holds (what `sort_entry` would build compares equal).
    pub(crate) fn keeps_place(&self, entry: &SortEntry, value: &Value) -> bool {
        entry.cells.len() == self.sort.len()
            && self.sort.iter().zip(entry.cells.iter()).all(|(key, cell)| {
                compare_values(read(value, &key.path), &cell.value) == Ordering::Equal
            })
    }

    /// The entity's place in this view's order.
    pub(crate) fn sort_entry(&self, id: &str, value: &Value) -> SortEntry {
        SortEntry {
            cells: self
                .sort
                .iter()
                .map(|key| SortCell {
                    value: read(value, &key.path).clone(),
                    descending: key.descending,
                })
                .collect(),
            id: id.to_owned(),
        }
    }

    /// Filters, sorts and limits `(id, value)` pairs of this view's kind.
    pub(crate) fn select<'a>(
        &self,
        entities: impl Iterator<Item = (&'a str, &'a Value)>,
    ) -> Vec<(String, Value)> {
        let mut selected: Vec<(SortEntry, &Value)> = entities
            .filter(|(_, value)| self.matches(value))
            .map(|(id, value)| (self.sort_entry(id, value), value))
            .collect();
        let limit = self.limit.unwrap_or(usize::MAX);
        if limit < selected.len() {
            // Only the first `limit` need sorting.
            selected.select_nth_unstable_by(limit, |a, b| a.0.cmp(&b.0));
            selected.truncate(limit);
        }
        selected.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        selected.into_iter().map(|(entry, value)| (entry.id, value.clone())).collect()
    }
}

impl Filter {
    pub fn eq(path: impl Into<String>, value: Value) -> Self {
        Self::Eq { path: path.into(), value }
    }

    pub fn is_in(path: impl Into<String>, values: Vec<Value>) -> Self {
        Self::In { path: path.into(), values }
    }

    pub fn exists(path: impl Into<String>, exists: bool) -> Self {
        Self::Exists { path: path.into(), exists }
    }

    pub fn matches(&self, value: &Value) -> bool {
        match self {
            Self::Eq { path, value: expected } => loose_eq(read(value, path), expected),
            Self::In { path, values } => {
                let actual = read(value, path);
                values.iter().any(|candidate| loose_eq(actual, candidate))
            }
            Self::Exists { path, exists } => read(value, path).is_null() != *exists,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(list: &[(String, Value)]) -> Vec<&str> {
        list.iter().map(|(id, _)| id.as_str()).collect()
    }

    fn select(view: &ListView, entities: &[(&str, Value)]) -> Vec<(String, Value)> {
        view.select(entities.iter().map(|(id, value)| (*id, value)))
    }

    #[test]
    fn json_form_round_trips_and_defaults() {
        let text = r#"{
          "kind": "session",
          "filter": [
            { "op": "eq", "path": "/status", "value": "running" },
            { "op": "in", "path": "/owner/team", "values": ["core", "mobile"] },
            { "op": "exists", "path": "/archivedAt", "exists": false }
          ],
          "sort": [{ "path": "/updatedAt", "descending": true }, { "path": "/title" }],
          "limit": 50
        }"#;
        let view: ListView = serde_json::from_str(text).expect("the documented example parses");
        let expected = ListView::new("session")
            .with_filter(Filter::eq("/status", json!("running")))
            .with_filter(Filter::is_in("/owner/team", vec![json!("core"), json!("mobile")]))
            .with_filter(Filter::exists("/archivedAt", false))
            .with_sort("/updatedAt", true)
            .with_sort("/title", false)
            .with_limit(50);
        assert_eq!(view, expected);
        let again: ListView = serde_json::to_value(&view)
            .and_then(serde_json::from_value)
            .expect("serialized form parses back");
        assert_eq!(again, view);

        let minimal: ListView =
            serde_json::from_value(json!({"kind": "a"})).expect("only kind is required");
        assert_eq!(minimal, ListView::new("a"));
    }

    #[test]
    fn json_form_rejects_typos() {
        let bad = [
            json!({"kind": "a", "filters": []}),
            json!({"kind": "a", "filter": [{"op": "eq", "path": "/x", "valeu": 1}]}),
            json!({"kind": "a", "filter": [{"op": "like", "path": "/x"}]}),
            json!({"kind": "a", "sort": [{"path": "/x", "desc": true}]}),
            json!({"filter": []}),
        ];
        for value in bad {
            assert!(serde_json::from_value::<ListView>(value.clone()).is_err(), "{value}");
        }
    }

    #[test]
    fn filter_table() {
        let entity = json!({
            "status": "running", "n": 2, "f": 2.0, "owner": {"team": "core"}, "nil": null,
            "tags": ["a", "b"], "zero": 0, "no": false
        });
        // (filter, matches)
        let table = [
            (Filter::eq("/status", json!("running")), true),
            (Filter::eq("/status", json!("done")), false),
            (Filter::eq("/n", json!(2.0)), true),
            (Filter::eq("/f", json!(2)), true),
            (Filter::eq("/owner/team", json!("core")), true),
            (Filter::eq("/owner", json!({"team": "core"})), true),
            (Filter::eq("/tags/1", json!("b")), true),
            (Filter::eq("/tags", json!(["a", "b"])), true),
            (Filter::eq("/missing", json!(null)), true),
            (Filter::eq("/nil", json!(null)), true),
            (Filter::eq("/zero", json!(false)), false),
            (Filter::eq("status", json!("running")), false),
            (Filter::is_in("/status", vec![json!("queued"), json!("running")]), true),
            (Filter::is_in("/status", vec![]), false),
            (Filter::is_in("/n", vec![json!(1), json!(2.0)]), true),
            (Filter::is_in("/missing", vec![json!(null)]), true),
            (Filter::exists("/status", true), true),
            (Filter::exists("/status", false), false),
            (Filter::exists("/missing", true), false),
            (Filter::exists("/missing", false), true),
            (Filter::exists("/nil", true), false),
            (Filter::exists("/zero", true), true),
            (Filter::exists("/no", true), true),
            (Filter::exists("", true), true),
        ];
        for (filter, matches) in table {
            assert_eq!(filter.matches(&entity), matches, "{filter:?}");
        }
    }

    #[test]
    fn all_filters_must_match() {
        let view = ListView::new("s")
            .with_filter(Filter::eq("/a", json!(1)))
            .with_filter(Filter::exists("/b", true));
        assert!(view.matches(&json!({"a": 1, "b": 0})));
        assert!(!view.matches(&json!({"a": 1})));
        assert!(!view.matches(&json!({"a": 2, "b": 0})));
        assert!(ListView::new("s").matches(&json!({})));
    }

    #[test]
    fn sort_keys_then_id_break_ties() {
        let entities = [
            ("e", json!({"p": 1, "t": "x"})),
            ("d", json!({"p": 2, "t": "y"})),
            ("c", json!({"p": 1, "t": "y"})),
            ("b", json!({"t": "z"})),
            ("a", json!({"p": 1, "t": "y"})),
        ];
        let by_id = select(&ListView::new("s"), &entities);
        assert_eq!(ids(&by_id), ["a", "b", "c", "d", "e"]);

        let ascending = select(&ListView::new("s").with_sort("/p", false), &entities);
        assert_eq!(ids(&ascending), ["b", "a", "c", "e", "d"]);

        let descending = select(&ListView::new("s").with_sort("/p", true), &entities);
        assert_eq!(ids(&descending), ["d", "a", "c", "e", "b"]);

        let two_keys =
            select(&ListView::new("s").with_sort("/p", true).with_sort("/t", true), &entities);
        assert_eq!(ids(&two_keys), ["d", "a", "c", "e", "b"]);
        let two_keys =
            select(&ListView::new("s").with_sort("/p", false).with_sort("/t", false), &entities);
        assert_eq!(ids(&two_keys), ["b", "e", "a", "c", "d"]);
    }

    #[test]
    fn limit_keeps_the_first_in_order() {
        let entities: Vec<(String, Value)> =
            (0..20).map(|i| (format!("{i:02}"), json!({"n": (i * 7) % 20}))).collect();
        let borrowed: Vec<(&str, Value)> =
            entities.iter().map(|(id, v)| (id.as_str(), v.clone())).collect();
        let view = ListView::new("s").with_sort("/n", true).with_limit(3);
        let top = select(&view, &borrowed);
        let values: Vec<&Value> = top.iter().map(|(_, v)| &v["n"]).collect();
        assert_eq!(values, [&json!(19), &json!(18), &json!(17)]);
        assert!(select(&view.clone().with_limit(0), &borrowed).is_empty());
        assert_eq!(select(&view.with_limit(100), &borrowed).len(), 20);
    }

    #[test]
    fn filter_sort_and_limit_compose() {
        let entities = [
            ("1", json!({"status": "open", "at": 5})),
            ("2", json!({"status": "done", "at": 9})),
            ("3", json!({"status": "open", "at": 7})),
            ("4", json!({"status": "open", "at": 1})),
        ];
        let view = ListView::new("s")
            .with_filter(Filter::eq("/status", json!("open")))
            .with_sort("/at", true)
            .with_limit(2);
        let list = select(&view, &entities);
        assert_eq!(ids(&list), ["3", "1"]);
        assert_eq!(list[0].1, json!({"status": "open", "at": 7}));
    }

    #[test]
    fn read_is_value_pointer() {
        let doc = json!({"a": {"b": [10, {"c": 1}], "": 2, "x/y": 3, "m~n": 4},
                         "list": [0, 1, 2], "s": "t", "0": 5});
        let paths = [
            "",
            "/",
            "/a",
            "/a/b",
            "/a/b/0",
            "/a/b/1/c",
            "/a/b/01",
            "/a/b/+1",
            "/a/b/-1",
            "/a/b/2",
            "/a/",
            "/a/x~1y",
            "/a/m~0n",
            "/a/x/y",
            "/list/1",
            "/list/00",
            "/list/ 1",
            "/s/0",
            "/0",
            "a",
            "/nope/deeper",
            "/list/99999999999999999999999",
        ];
        for path in paths {
            assert_eq!(read(&doc, path), doc.pointer(path).unwrap_or(&Value::Null), "{path:?}");
        }
    }
}
