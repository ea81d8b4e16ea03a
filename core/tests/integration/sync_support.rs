//! Helpers for the sync client's tests: the sessions rules and typed envelopes like seed 000's.

use serde_json::{json, Value};
use std::time::Duration;
use tether_core::{
    ListSubscription, ListUpdate, ListView, Router, Storage, SyncClient, SyncConfig,
};
use tether_testkit::{ServerEvent, TestServer};

pub const RULES: &str = include_str!("../../../tests/fixtures/sync/sessions.rules.json");

pub fn router() -> Router {
    Router::from_json(RULES).expect("the sessions rules load")
}

/// A client on the test's runtime, no jitter, flushing after every read (window 0) unless the
/// test says otherwise.
pub fn open(server: &TestServer, storage: Storage) -> SyncClient {
    let connection = crate::support::config(server).build().expect("connection config");
    let config =
        SyncConfig::new(connection, router()).storage(storage).batch_window(Duration::ZERO);
    SyncClient::open(config).expect("open")
}

/// A typed envelope `{"id","type","timestamp","data"}` whose SSE id equals the envelope id.
pub fn envelope(id: &str, kind: &str, timestamp: u64, data: Value) -> ServerEvent {
    ServerEvent::json(&json!({ "id": id, "type": kind, "timestamp": timestamp, "data": data }))
        .with_id(id)
}

pub fn created(id: &str, ts: u64, session: &str, title: &str) -> ServerEvent {
    envelope(
        id,
        "session.created",
        ts,
        json!({ "sessionId": session, "userId": "u1", "metadata": { "title": title } }),
    )
}

pub fn updated(id: &str, ts: u64, session: &str, updates: Value) -> ServerEvent {
    envelope(
        id,
        "session.updated",
        ts,
        json!({ "sessionId": session, "updates": updates, "updatedAt": ts }),
    )
}

pub fn deleted(id: &str, ts: u64, session: &str) -> ServerEvent {
    envelope(id, "session.deleted", ts, json!({ "sessionId": session }))
}

pub fn sessions() -> ListView {
    ListView::new("session").with_sort("/metadata/title", false)
}

/// Waits for the list update whose ids are `ids`, in order.
pub async fn list_becomes(subscription: &mut ListSubscription, ids: &[&str]) -> ListUpdate {
    loop {
        let update = tokio::time::timeout(crate::support::LIMIT, subscription.recv())
            .await
            .expect("no list update within the limit")
            .expect("subscription ended");
        let now: Vec<&str> = update.items.iter().map(|(id, _)| id.as_str()).collect();
        if now == ids {
            return update;
        }
    }
}
