//! Helpers shared by the engine's integration tests: a config aimed at a test server on the
//! test's own runtime, and bounded waits (a paused clock makes the bound free).

use std::time::Duration;
use tether_core::{
    ConnectionConfig, ConnectionConfigBuilder, ConnectionError, ConnectionState, Event, Message,
    MessageStream, StateStream,
};
use tether_testkit::TestServer;

/// Far longer than any wait needs (the longest paused-clock wait is a 30 s backoff); on a paused
/// clock it costs nothing.
pub const LIMIT: Duration = Duration::from_secs(120);

/// A config for `server`, on the current runtime, without jitter so delays are exact.
pub fn config(server: &TestServer) -> ConnectionConfigBuilder {
    ConnectionConfig::builder(server.url()).runtime(tokio::runtime::Handle::current()).jitter(0.0)
}

pub async fn next_event(messages: &mut MessageStream) -> Event {
    loop {
        let message = tokio::time::timeout(LIMIT, messages.recv())
            .await
            .expect("no message within the limit")
            .expect("stream ended before the expected event");
        if let Message::Event(event) = message {
            return event;
        }
    }
}

pub async fn events(messages: &mut MessageStream, n: usize) -> Vec<Event> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(next_event(messages).await);
    }
    out
}

pub async fn wait_state(
    states: &mut StateStream,
    what: &str,
    pred: impl FnMut(&ConnectionState) -> bool,
) -> ConnectionState {
    tokio::time::timeout(LIMIT, states.wait_for(pred))
        .await
        .unwrap_or_else(|_| panic!("no state {what} within the limit"))
        .unwrap_or_else(|| panic!("states ended before {what}"))
}

/// The next `Reconnecting` state.
pub async fn reconnecting(states: &mut StateStream) -> ConnectionState {
    wait_state(states, "reconnecting", |s| matches!(s, ConnectionState::Reconnecting { .. })).await
}

/// The delay and cause of the next `Reconnecting` state.
pub async fn next_reconnect(states: &mut StateStream) -> (Duration, ConnectionError) {
    match reconnecting(states).await {
        ConnectionState::Reconnecting { delay, cause, .. } => (delay, cause),
        other => unreachable!("wait_state returned {other:?}"),
    }
}

pub async fn wait_open(states: &mut StateStream) {
    wait_state(states, "open", |s| matches!(s, ConnectionState::Open)).await;
}

pub fn ids(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.id.as_str()).collect()
}

pub fn datas(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.data.as_str()).collect()
}
