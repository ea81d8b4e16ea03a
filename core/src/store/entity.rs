//! The entity table: every stored entity by kind, then by key, so a list view reads one kind
//! without scanning the others.

use crate::op::{EntityKey, Version};
use serde_json::Value;
use std::collections::HashMap;

/// One stored entity: its full JSON value (always the post-merge state) and the version that
/// last wrote it (`None` when nothing versioned ever did).
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub value: Value,
    pub version: Option<Version>,
}

impl Entity {
    pub fn new(value: Value, version: Option<Version>) -> Self {
        Self { value, version }
    }
}

/// Entities grouped by kind. A kind whose last entity goes away is forgotten.
#[derive(Debug, Default)]
pub(crate) struct Entities {
    by_kind: HashMap<String, HashMap<EntityKey, Entity>>,
    len: usize,
}

impl Entities {
    pub(crate) fn get(&self, key: &EntityKey) -> Option<&Entity> {
        self.by_kind.get(&key.kind)?.get(key)
    }

    pub(crate) fn get_mut(&mut self, key: &EntityKey) -> Option<&mut Entity> {
        self.by_kind.get_mut(&key.kind)?.get_mut(key)
    }

    /// Inserts or replaces; returns the entity it replaced.
    pub(crate) fn insert(&mut self, key: EntityKey, entity: Entity) -> Option<Entity> {
        let previous = match self.by_kind.get_mut(&key.kind) {
            Some(kind) => kind.insert(key, entity),
            None => {
                let kind = key.kind.clone();
                self.by_kind.insert(kind, HashMap::from([(key, entity)]));
                None
            }
        };
        if previous.is_none() {
            self.len += 1;
        }
        previous
    }

    pub(crate) fn remove(&mut self, key: &EntityKey) -> Option<Entity> {
        let kind = self.by_kind.get_mut(&key.kind)?;
        let removed = kind.remove(key)?;
        if kind.is_empty() {
            self.by_kind.remove(&key.kind);
        }
        self.len -= 1;
        Some(removed)
    }

    /// The entities of one kind, in no particular order.
    pub(crate) fn of_kind<'a>(
        &'a self,
        kind: &str,
    ) -> impl Iterator<Item = (&'a EntityKey, &'a Entity)> + 'a {
        self.by_kind.get(kind).into_iter().flat_map(|entities| entities.iter())
    }

    /// Every entity, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&EntityKey, &Entity)> {
        self.by_kind.values().flat_map(|entities| entities.iter())
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn clear(&mut self) {
        self.by_kind.clear();
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(kind: &str, id: &str) -> EntityKey {
        EntityKey::new(kind, id)
    }

    #[test]
    fn insert_get_remove_keep_len_and_forget_empty_kinds() {
        let mut table = Entities::default();
        assert!(table.insert(key("a", "1"), Entity::new(json!({"x": 1}), None)).is_none());
        assert!(table.insert(key("a", "2"), Entity::new(json!({}), None)).is_none());
        assert!(table.insert(key("b", "1"), Entity::new(json!({}), Some(Version(3)))).is_none());
        assert_eq!(table.len(), 3);

        let replaced = table.insert(key("a", "1"), Entity::new(json!({"x": 2}), None));
        assert_eq!(replaced, Some(Entity::new(json!({"x": 1}), None)));
        assert_eq!(table.len(), 3);
        assert_eq!(table.get(&key("a", "1")).map(|e| &e.value), Some(&json!({"x": 2})));

        assert_eq!(table.of_kind("a").count(), 2);
        assert_eq!(table.of_kind("missing").count(), 0);

        assert!(table.remove(&key("b", "1")).is_some());
        assert!(table.remove(&key("b", "1")).is_none());
        assert_eq!(table.len(), 2);
        assert!(!table.by_kind.contains_key("b"));
        assert_eq!(table.iter().count(), 2);

        table.clear();
        assert_eq!(table.len(), 0);
        assert!(table.get(&key("a", "2")).is_none());
    }

    #[test]
    fn get_mut_changes_in_place() {
        let mut table = Entities::default();
        table.insert(key("a", "1"), Entity::new(json!({"x": 1}), None));
        if let Some(entity) = table.get_mut(&key("a", "1")) {
            entity.version = Some(Version(9));
        }
        assert_eq!(table.get(&key("a", "1")).and_then(|e| e.version), Some(Version(9)));
        assert!(table.get_mut(&key("z", "1")).is_none());
    }
}
