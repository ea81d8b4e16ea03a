//! The store's rules written plainly — a `BTreeMap` of entities, a `Vec` of tombstones oldest
//! first, RFC 7386 merge by rebuilding — and list queries and diffs computed the naive way.

use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use tether_core::{
    Applied, Entity, EntityKey, Filter, ListDiff, ListView, Op, StoreError, StoreLimits, Version,
};

pub(super) struct Model {
    limits: StoreLimits,
    pub(super) entities: BTreeMap<EntityKey, Entity>,
    /// Oldest first.
    pub(super) tombstones: Vec<(EntityKey, Option<Version>)>,
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(fields) => 1 + fields.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// RFC 7386: merge `patch` into `target` (`None`: nothing there).
fn merged(target: Option<&Value>, patch: &Value) -> Value {
    let Value::Object(patch) = patch else { return patch.clone() };
    let mut result = match target {
        Some(Value::Object(fields)) => fields.clone(),
        _ => Map::new(),
    };
    for (name, value) in patch {
        if value.is_null() {
            result.remove(name);
        } else {
            let next = merged(result.get(name), value);
            result.insert(name.clone(), next);
        }
    }
    Value::Object(result)
}

impl Model {
    pub(super) fn new(limits: StoreLimits) -> Self {
        Self { limits, entities: BTreeMap::new(), tombstones: Vec::new() }
    }

    fn tombstone(&self, key: &EntityKey) -> Option<Option<Version>> {
        self.tombstones.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    fn bury(&mut self, key: &EntityKey, version: Option<Version>) {
        self.tombstones.retain(|(k, _)| k != key);
        self.tombstones.push((key.clone(), version));
        while self.tombstones.len() > self.limits.max_tombstones {
            self.tombstones.remove(0);
        }
    }

    pub(super) fn apply(&mut self, op: &Op) -> Result<Applied, StoreError> {
        match op {
            Op::Upsert { key, value, version } => self.write(key, value, *version, false),
            Op::Merge { key, patch, version } => self.write(key, patch, *version, true),
            Op::Delete { key, version } => Ok(self.delete(key, *version)),
            Op::ClearAll => {
                self.entities.clear();
                self.tombstones.clear();
                Ok(Applied::Cleared)
            }
            _ => Ok(Applied::NotForStore),
        }
    }

    fn write(
        &mut self,
        key: &EntityKey,
        body: &Value,
        version: Option<Version>,
        merge: bool,
    ) -> Result<Applied, StoreError> {
        if !body.is_object() {
            return Err(StoreError::NotAnObject { key: key.clone() });
        }
        if depth(body) > self.limits.max_depth {
            return Err(StoreError::TooDeep { key: key.clone(), limit: self.limits.max_depth });
        }
        if let Some(old) = self.entities.get(key) {
            if let (Some(stored), Some(incoming)) = (old.version, version) {
                if incoming < stored {
                    return Ok(Applied::Stale(key.clone()));
                }
            }
            let value = if merge { merged(Some(&old.value), body) } else { body.clone() };
            let new = Entity { value, version: version.or(old.version) };
            if &new == old {
                return Ok(Applied::Unchanged);
            }
            self.entities.insert(key.clone(), new);
            return Ok(Applied::Changed(key.clone()));
        }
        if let Some(deleted_at) = self.tombstone(key) {
            let newer = matches!((deleted_at, version), (Some(d), Some(v)) if v > d);
            if !newer {
                return Ok(Applied::Tombstoned(key.clone()));
            }
            self.tombstones.retain(|(k, _)| k != key);
        }
        let value = if merge { merged(None, body) } else { body.clone() };
        self.entities.insert(key.clone(), Entity { value, version });
        Ok(Applied::Changed(key.clone()))
    }

    fn delete(&mut self, key: &EntityKey, version: Option<Version>) -> Applied {
        if let Some(old) = self.entities.get(key) {
            if let (Some(stored), Some(incoming)) = (old.version, version) {
                if incoming < stored {
                    return Applied::Stale(key.clone());
                }
            }
            let at = version.or(old.version);
            self.entities.remove(key);
            self.bury(key, at);
            return Applied::Deleted(key.clone());
        }
        match (self.tombstone(key), version) {
            (_, None) => Applied::Unchanged,
            (None, Some(_)) => {
                self.bury(key, version);
                Applied::Deleted(key.clone())
            }
            (Some(None), Some(_)) => Applied::Unchanged,
            (Some(Some(deleted_at)), Some(incoming)) => match incoming.cmp(&deleted_at) {
                Ordering::Greater => {
                    self.bury(key, version);
                    Applied::Deleted(key.clone())
                }
                Ordering::Equal => Applied::Unchanged,
                Ordering::Less => Applied::Stale(key.clone()),
            },
        }
    }
}

// Plain list queries

fn lookup<'a>(value: &'a Value, path: &str) -> &'a Value {
    let mut at = value;
    for part in path.split('/').skip(1) {
        at = match at {
            Value::Object(fields) => fields.get(part).unwrap_or(&Value::Null),
            Value::Array(items) => {
                part.parse::<usize>().ok().and_then(|i| items.get(i)).unwrap_or(&Value::Null)
            }
            _ => &Value::Null,
        };
    }
    at
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn rank(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        (Value::Number(a), Value::Number(b)) => {
            a.as_f64().partial_cmp(&b.as_f64()).unwrap_or(Ordering::Equal)
        }
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Array(a), Value::Array(b)) => {
            for (a, b) in a.iter().zip(b) {
                match compare(a, b) {
                    Ordering::Equal => {}
                    other => return other,
                }
            }
            a.len().cmp(&b.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

fn passes(filter: &Filter, value: &Value) -> bool {
    match filter {
        Filter::Eq { path, value: wanted } => same(lookup(value, path), wanted),
        Filter::In { path, values } => {
            values.iter().any(|wanted| same(lookup(value, path), wanted))
        }
        Filter::Exists { path, exists } => lookup(value, path).is_null() != *exists,
    }
}

pub(super) fn plain_query(
    entities: &BTreeMap<EntityKey, Entity>,
    view: &ListView,
) -> Vec<(String, Value)> {
    let mut rows: Vec<(String, Value)> = entities
        .iter()
        .filter(|(key, entity)| {
            key.kind == view.kind && view.filter.iter().all(|f| passes(f, &entity.value))
        })
        .map(|(key, entity)| (key.id.clone(), entity.value.clone()))
        .collect();
    rows.sort_by(|a, b| {
        for key in &view.sort {
            let ordering = compare(lookup(&a.1, &key.path), lookup(&b.1, &key.path));
            let ordering = if key.descending { ordering.reverse() } else { ordering };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        a.0.cmp(&b.0)
    });
    if let Some(limit) = view.limit {
        rows.truncate(limit);
    }
    rows
}

/// What a subscriber should be told between two lists (`None`: nothing changed).
pub(super) fn plain_diff(old: &[(String, Value)], new: &[(String, Value)]) -> Option<ListDiff> {
    if old == new {
        return None;
    }
    let in_old = |id: &str| old.iter().find(|(o, _)| o == id).map(|(_, v)| v);
    let in_new = |id: &str| new.iter().any(|(n, _)| n == id);
    let common_old: Vec<&String> = old.iter().map(|(id, _)| id).filter(|id| in_new(id)).collect();
    let common_new: Vec<&String> =
        new.iter().map(|(id, _)| id).filter(|id| in_old(id).is_some()).collect();
    Some(ListDiff {
        items: new.to_vec(),
        added: new
            .iter()
            .filter(|(id, _)| in_old(id).is_none())
            .map(|(id, _)| id.clone())
            .collect(),
        removed: old.iter().filter(|(id, _)| !in_new(id)).map(|(id, _)| id.clone()).collect(),
        updated: new
            .iter()
            .filter(|(id, value)| in_old(id).is_some_and(|old| old != value))
            .map(|(id, _)| id.clone())
            .collect(),
        moved: common_old != common_new,
    })
}
