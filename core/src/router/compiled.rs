//! Rules after validation: pointers parsed, ops resolved, and for each rule whether it needs the
//! event's JSON body at all (the fast path for rules that match and act on the event name alone).

use serde_json::{Map, Value};

use super::pointer::Pointer;
use super::scan::Plan;

/// A whole, validated rules file.
#[derive(Debug)]
pub(crate) struct Compiled {
    /// Where a typed envelope keeps its type (`"/type"` unless the rules say otherwise).
    pub(crate) type_pointer: Pointer,
    /// Bodies larger than this are refused before parsing.
    pub(crate) max_payload_bytes: usize,
    pub(crate) rules: Vec<Rule>,
    /// Every pointer above, as one tree for the routing fast path (`scan.rs`).
    pub(crate) plan: Plan,
}

impl Compiled {
    /// Puts every pointer into the scan plan.
    pub(crate) fn new(
        mut type_pointer: Pointer,
        max_payload_bytes: usize,
        mut rules: Vec<Rule>,
    ) -> Self {
        let mut plan = Plan::default();
        let mut add = |pointer: &mut Pointer| {
            let node = plan.add(pointer.tokens());
            pointer.set_node(node);
        };
        add(&mut type_pointer);
        for rule in &mut rules {
            rule.pointers_mut(&mut add);
        }
        Compiled { type_pointer, max_payload_bytes, rules, plan }
    }
}

/// One validated rule.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) name: Option<String>,
    /// Must equal the SSE event name, when set.
    pub(crate) event: Option<String>,
    /// Must equal the string at the type pointer, when set.
    pub(crate) type_value: Option<String>,
    /// Where the envelope keeps its own event id.
    pub(crate) dedup_id: Option<Pointer>,
    pub(crate) action: Action,
}

impl Rule {
    /// Calls `f` with every pointer building this rule's op (or its dedup id) reads.
    pub(crate) fn pointers(&self, f: &mut impl FnMut(&Pointer)) {
        self.dedup_id.iter().for_each(&mut *f);
        match &self.action {
            Action::Upsert { target, fields } | Action::Merge { target, fields } => {
                target.pointers(f);
                fields.payload.iter().for_each(&mut *f);
                fields.set_from.iter().for_each(|(_, pointer)| f(pointer));
            }
            Action::Delete { target } => target.pointers(f),
            Action::Heartbeat { interval_ms } => interval_ms.iter().for_each(f),
            Action::Resync { key: KeySource::Pointer(pointer) } => f(pointer),
            Action::Resync { key: KeySource::Constant(_) } | Action::ClearAll | Action::Ignore => {}
        }
    }

    fn pointers_mut(&mut self, f: &mut impl FnMut(&mut Pointer)) {
        self.dedup_id.iter_mut().for_each(&mut *f);
        match &mut self.action {
            Action::Upsert { target, fields } | Action::Merge { target, fields } => {
                f(&mut target.id);
                target.version.iter_mut().for_each(|(pointer, _)| f(pointer));
                fields.payload.iter_mut().for_each(&mut *f);
                fields.set_from.iter_mut().for_each(|(_, pointer)| f(pointer));
            }
            Action::Delete { target } => {
                f(&mut target.id);
                target.version.iter_mut().for_each(|(pointer, _)| f(pointer));
            }
            Action::Heartbeat { interval_ms } => interval_ms.iter_mut().for_each(f),
            Action::Resync { key: KeySource::Pointer(pointer) } => f(pointer),
            Action::Resync { key: KeySource::Constant(_) } | Action::ClearAll | Action::Ignore => {}
        }
    }

    /// Building this rule's op (or its dedup id) reads the JSON body.
    pub(crate) fn needs_body(&self) -> bool {
        self.dedup_id.is_some()
            || match &self.action {
                Action::Upsert { .. } | Action::Merge { .. } | Action::Delete { .. } => true,
                Action::Heartbeat { interval_ms } => interval_ms.is_some(),
                Action::Resync { key } => matches!(key, KeySource::Pointer(_)),
                Action::ClearAll | Action::Ignore => false,
            }
    }
}

/// What a rule does with an event it matched.
#[derive(Debug)]
pub(crate) enum Action {
    Upsert { target: Target, fields: Fields },
    Merge { target: Target, fields: Fields },
    Delete { target: Target },
    ClearAll,
    Ignore,
    Heartbeat { interval_ms: Option<Pointer> },
    Resync { key: KeySource },
}

/// Which entity an op is about, and how new the event is.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) kind: String,
    pub(crate) id: Pointer,
    pub(crate) version: Option<(Pointer, VersionFormat)>,
}

impl Target {
    fn pointers(&self, f: &mut impl FnMut(&Pointer)) {
        f(&self.id);
        self.version.iter().for_each(|(pointer, _)| f(pointer));
    }
}

/// How the value of an upsert or the patch of a merge is built: the object at `payload`, then the
/// `set_from` fields, then the `set` constants (the two never name the same field).
#[derive(Debug)]
pub(crate) struct Fields {
    pub(crate) payload: Option<Pointer>,
    pub(crate) set: Map<String, Value>,
    pub(crate) set_from: Vec<(String, Pointer)>,
}

impl Fields {
    /// A merge that sets fields of its own may find no payload in the event (an optional part of
    /// the envelope): the patch is then just those fields.
    pub(crate) fn payload_may_be_absent(&self) -> bool {
        !self.set.is_empty() || !self.set_from.is_empty()
    }
}

/// Where a resync's host query key comes from.
#[derive(Debug)]
pub(crate) enum KeySource {
    Constant(String),
    Pointer(Pointer),
}

/// How the value at a rule's `version` pointer becomes a [`Version`](crate::op::Version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VersionFormat {
    /// A JSON integer, taken as is.
    Number,
    /// Milliseconds since the Unix epoch (a JSON number), converted to nanoseconds.
    EpochMs,
    /// Seconds since the Unix epoch (a JSON number), converted to nanoseconds.
    EpochS,
    /// An RFC 3339 date-time string, converted to nanoseconds since the epoch.
    Rfc3339,
}

impl VersionFormat {
    /// The names the rules use, in documentation order.
    pub(crate) const NAMES: [&'static str; 4] = ["number", "epoch_ms", "epoch_s", "rfc3339"];

    pub(crate) fn from_name(name: &str) -> Option<VersionFormat> {
        match name {
            "number" => Some(VersionFormat::Number),
            "epoch_ms" => Some(VersionFormat::EpochMs),
            "epoch_s" => Some(VersionFormat::EpochS),
            "rfc3339" => Some(VersionFormat::Rfc3339),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(dedup_id: Option<&str>, action: Action) -> Rule {
        Rule {
            name: None,
            event: Some("e".into()),
            type_value: None,
            dedup_id: dedup_id.map(|p| Pointer::parse(p).expect("pointer")),
            action,
        }
    }

    #[test]
    fn event_only_ops_skip_the_body() {
        assert!(!rule(None, Action::ClearAll).needs_body());
        assert!(!rule(None, Action::Ignore).needs_body());
        assert!(!rule(None, Action::Heartbeat { interval_ms: None }).needs_body());
        assert!(!rule(None, Action::Resync { key: KeySource::Constant("k".into()) }).needs_body());
    }

    #[test]
    fn pointers_need_the_body() {
        let pointer = || Pointer::parse("/x").expect("pointer");
        assert!(rule(Some("/id"), Action::ClearAll).needs_body());
        assert!(rule(None, Action::Heartbeat { interval_ms: Some(pointer()) }).needs_body());
        assert!(rule(None, Action::Resync { key: KeySource::Pointer(pointer()) }).needs_body());
        let target = Target { kind: "k".into(), id: pointer(), version: None };
        assert!(rule(None, Action::Delete { target }).needs_body());
    }

    #[test]
    fn version_format_names_round_trip() {
        for name in VersionFormat::NAMES {
            assert!(VersionFormat::from_name(name).is_some(), "{name}");
        }
        assert_eq!(VersionFormat::from_name("iso8601"), None);
        assert_eq!(VersionFormat::from_name("Number"), None);
    }
}
