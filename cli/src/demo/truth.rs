//! The server's truth: its event log folded, in order and once each, through the same rules
//! into a fresh store — what a perfect client with no network would hold.

use serde_json::Value;
use tether_core::{EventRef, ListView, Routed, Router, Store, StoreLimits};
use tether_testkit::ServerEvent;

pub(super) fn fold(
    history: &[(u64, ServerEvent)],
    rules: &str,
    view: &ListView,
) -> Result<Vec<(String, Value)>, String> {
    let router = Router::from_json(rules).map_err(|e| format!("rules: {e}"))?;
    let mut store = Store::new(StoreLimits::default());
    for (_, event) in history {
        let event = EventRef {
            event_type: event.event.as_deref().unwrap_or("message"),
            data: &event.data,
            id: event.id.as_deref().unwrap_or(""),
            has_own_id: event.id.is_some(),
        };
        if let Routed::Op { op, .. } = router.route(&event) {
            // A refused op is refused for the client too; the comparison will tell.
            let _ = store.apply(&op);
        }
    }
    Ok(store.query(view))
}
