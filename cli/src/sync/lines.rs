//! The lines `tether sync` prints: progress, states, signals, list views and the dump.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use tether_core::{ConnectionState, ListUpdate, ListView, SyncClient, SyncSignal, SyncStats};

pub(super) fn progress_line(stats: &SyncStats) -> String {
    format!(
        "progress applied_total={} applied={} duplicates={} stale={}",
        stats.applied_total,
        stats.applied,
        stats.duplicate_ids + stats.duplicate_signatures,
        stats.stale
    )
}

/// `state: …`, as `tether tail` prints it; empty for `Idle` (nothing happened yet).
pub(super) fn state_text(state: &ConnectionState) -> String {
    let name = state.name();
    match state {
        ConnectionState::Idle => String::new(),
        ConnectionState::Open => format!("state: {name}"),
        ConnectionState::Connecting { attempt } => format!("state: {name} attempt={attempt}"),
        ConnectionState::Reconnecting { attempt, delay, cause } => format!(
            "state: {name} attempt={attempt} delay={}ms cause={} ({cause})",
            delay.as_millis(),
            cause.kind()
        ),
        ConnectionState::Suspended { reason } => format!("state: {name} reason={reason:?}"),
        ConnectionState::Closed { reason } => format!("state: {name} reason={reason:?}"),
        ConnectionState::Failed { error } => {
            format!("state: {name} error={} ({error})", error.kind())
        }
    }
}

pub(super) fn signal_text(signal: &SyncSignal) -> String {
    match signal {
        SyncSignal::Resync { key } => format!("signal: resync key={}", json_string(key)),
        SyncSignal::Discontinuity { reason } => format!("signal: discontinuity reason={reason:?}"),
        SyncSignal::Unmatched { event_type, type_value } => format!(
            "signal: unmatched event={} type={}",
            json_string(event_type),
            json_string(type_value.as_deref().unwrap_or(""))
        ),
        SyncSignal::RouteError { message } => {
            format!("signal: route_error message={}", json_string(message))
        }
        SyncSignal::ClearedByServer => "signal: cleared_by_server".to_owned(),
        SyncSignal::StorageError { message } => {
            format!("signal: storage_error message={}", json_string(message))
        }
    }
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// One `--view` line: the view's number first, then the list and what changed.
#[derive(Debug, Serialize)]
struct ViewLine<'a> {
    view: usize,
    kind: &'a str,
    items: Vec<Item>,
    added: Vec<String>,
    removed: Vec<String>,
    updated: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Item {
    id: String,
    value: serde_json::Value,
}

pub(super) fn view_line(index: usize, kind: &str, update: ListUpdate) -> String {
    let items = update.items.into_iter().map(|(id, value)| Item { id, value }).collect();
    let line = ViewLine {
        view: index,
        kind,
        items,
        added: update.added,
        removed: update.removed,
        updated: update.updated,
    };
    // Strings and JSON values only: serialization cannot fail.
    serde_json::to_string(&line).unwrap_or_default()
}

/// `{"dump": {"<kind>/<id>": value, …}}`, keys sorted.
pub(super) fn dump_line(client: &SyncClient, kinds: &BTreeSet<String>) -> String {
    let mut all = BTreeMap::new();
    for kind in kinds {
        for (id, value) in client.list(&ListView::new(kind.as_str())) {
            all.insert(format!("{kind}/{id}"), value);
        }
    }
    serde_json::json!({ "dump": all }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_sums_both_kinds_of_duplicates() {
        let stats = SyncStats {
            applied_total: 12,
            applied: 5,
            duplicate_ids: 2,
            duplicate_signatures: 1,
            stale: 4,
            ..SyncStats::default()
        };
        assert_eq!(
            progress_line(&stats),
            "progress applied_total=12 applied=5 duplicates=3 stale=4"
        );
    }

    #[test]
    fn view_lines_are_one_json_object() {
        let update = ListUpdate {
            items: vec![("s1".into(), serde_json::json!({"t": "a\nb"}))],
            added: vec!["s1".into()],
            removed: vec![],
            updated: vec![],
        };
        let line = view_line(0, "session", update);
        assert!(!line.contains('\n'));
        let parsed: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert_eq!(parsed["items"][0]["id"], "s1");
        assert_eq!(parsed["kind"], "session");
    }
}
