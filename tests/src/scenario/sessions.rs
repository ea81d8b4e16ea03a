//! The built-in sessions story: three sessions are created, report growing progress and
//! duration, and end completed or deleted, with heartbeats in between.
//!
//! Every payload is a typed envelope `{"id","type","timestamp","data"}` in the SSE `data` field;
//! the SSE event name is left to the default (`message`) and the SSE id equals the envelope id.

use super::{Action, Data, Publish, Scenario, Step};
use serde::Serialize;

/// The envelope every event of the story travels in.
#[derive(Serialize)]
struct Envelope<T: Serialize> {
    id: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: &'static str,
    data: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    session_id: String,
    user_id: &'static str,
    started_at: &'static str,
    metadata: Metadata,
}

#[derive(Serialize)]
struct Metadata {
    source: &'static str,
    title: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Updated {
    session_id: String,
    updates: Updates,
    updated_at: &'static str,
}

#[derive(Serialize)]
struct Updates {
    duration: u32,
    progress: u32,
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Completed {
    session_id: String,
    completed_at: &'static str,
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    duration: u32,
    progress: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Deleted {
    session_id: String,
    deleted_at: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Heartbeat {
    server_time: &'static str,
}

/// Placeholders filled in at publish time (see the scenario format).
const ENVELOPE_ID: &str = "{{id}}";
const NOW_MS: &str = "{{timestamp}}";
const NOW_ISO: &str = "{{iso_time}}";

/// `s{iteration}-{name}`: fresh session ids on every pass of a looping run.
fn session(name: &str) -> String {
    format!("s{{{{iteration}}}}-{name}")
}

/// A publish step carrying `kind` + `data` in an envelope whose id is the SSE id.
fn step<T: Serialize>(after_ms: u64, kind: &'static str, data: T) -> Step {
    let envelope = Envelope { id: ENVELOPE_ID, kind, timestamp: NOW_MS, data };
    let json = serde_json::to_string(&envelope).unwrap_or_default();
    Step::new(
        after_ms,
        Action::Publish(Publish {
            event: None,
            id: Some("evt-{{seq}}".to_string()),
            data: Data::Json(json),
        }),
    )
}

fn created(after_ms: u64, name: &str, user_id: &'static str, title: &'static str) -> Step {
    let data = Created {
        session_id: session(name),
        user_id,
        started_at: NOW_ISO,
        metadata: Metadata { source: "tether-testkit", title },
    };
    step(after_ms, "session.created", data)
}

fn updated(after_ms: u64, name: &str, duration: u32, progress: u32, status: &'static str) -> Step {
    let updates = Updates { duration, progress, status };
    step(
        after_ms,
        "session.updated",
        Updated { session_id: session(name), updates, updated_at: NOW_ISO },
    )
}

fn completed(after_ms: u64, name: &str, duration: u32) -> Step {
    let data = Completed {
        session_id: session(name),
        completed_at: NOW_ISO,
        summary: Summary { duration, progress: 100 },
    };
    step(after_ms, "session.completed", data)
}

fn deleted(after_ms: u64, name: &str) -> Step {
    step(after_ms, "session.deleted", Deleted { session_id: session(name), deleted_at: NOW_ISO })
}

fn heartbeat(after_ms: u64) -> Step {
    step(after_ms, "heartbeat", Heartbeat { server_time: NOW_MS })
}

impl Scenario {
    /// The sessions story, about 15 seconds per pass: `alpha` and `gamma` run to completion,
    /// `beta` is paused and then deleted, with a heartbeat every few events. Same as
    /// `tests/scenarios/sessions.json`.
    pub fn sessions_demo() -> Scenario {
        Scenario {
            name: Some("sessions".to_string()),
            description: Some(
                "Three sessions: created, growing progress and duration, then completed or \
                 deleted; heartbeats in between. Typed envelopes in `data`, SSE id = envelope id."
                    .to_string(),
            ),
            repeat: 1,
            looping: false,
            epoch_ms: None,
            steps: vec![
                created(500, "alpha", "user-1", "Morning run"),
                updated(800, "alpha", 30, 10, "active"),
                created(700, "beta", "user-2", "Guitar practice"),
                heartbeat(800),
                updated(700, "alpha", 60, 35, "active"),
                updated(700, "beta", 15, 5, "active"),
                created(700, "gamma", "user-3", "Reading"),
                updated(800, "alpha", 90, 60, "active"),
                updated(600, "gamma", 20, 10, "active"),
                heartbeat(800),
                updated(700, "beta", 45, 20, "paused"),
                updated(700, "alpha", 120, 85, "active"),
                updated(700, "gamma", 40, 30, "active"),
                completed(800, "alpha", 150),
                heartbeat(700),
                deleted(700, "beta"),
                updated(700, "gamma", 60, 55, "active"),
                updated(700, "gamma", 80, 80, "active"),
                completed(700, "gamma", 100),
                heartbeat(800),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_keep_their_field_order() {
        let Action::Publish(p) = &Scenario::sessions_demo().steps[0].action else {
            panic!("first step publishes")
        };
        let Data::Json(json) = &p.data else { panic!("json payload") };
        assert!(json.starts_with(
            r#"{"id":"{{id}}","type":"session.created","timestamp":"{{timestamp}}","data":{"sessionId":"s{{iteration}}-alpha""#
        ));
    }
}
