//! Scenarios: the shipped JSON files, and playing scripts on a paused clock.

use crate::client::{self, ids};
use serde_json::Value;
use std::time::Duration;
use tether_testkit::{run_scenario, Action, Scenario, ServerEvent, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn scenario_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name)
}

/// `tests/scenarios/sessions.json` is the built-in story, written out. Regenerate it with
/// `TETHER_UPDATE_SCENARIOS=1 cargo test -p tether-testkit shipped_sessions_json`.
#[test]
fn shipped_sessions_json_is_the_built_in_story() {
    let path = scenario_path("sessions.json");
    let built_in = Scenario::sessions_demo();
    if std::env::var_os("TETHER_UPDATE_SCENARIOS").is_some() {
        std::fs::write(&path, built_in.to_json_pretty() + "\n").expect("write sessions.json");
    }
    let shipped = Scenario::from_file(&path).expect("sessions.json parses");
    assert_eq!(shipped, built_in);
}

#[test]
fn shipped_faults_json_parses_and_uses_every_kind_of_fault() {
    let faults = Scenario::from_file(scenario_path("faults.json")).expect("faults.json parses");
    let names: Vec<&str> = faults.steps.iter().map(|s| s.action.name()).collect();
    for wanted in [
        "publish",
        "drop",
        "drop_mid_event",
        "stall",
        "restart",
        "raw",
        "resend",
        "status",
        "keepalive",
    ] {
        assert!(names.contains(&wanted), "faults.json has no `{wanted}` step");
    }
}

fn envelope(data: &str) -> Value {
    serde_json::from_str(data).unwrap_or_else(|e| panic!("not JSON ({e}): {data}"))
}

#[tokio::test(start_paused = true)]
async fn the_sessions_story_plays_on_a_paused_clock() {
    client::paused_clock();
    let server = TestServer::start().await.expect("start");
    let mut res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    let mut story = Scenario::sessions_demo();
    let epoch = 1_700_000_000_000u64;
    story.epoch_ms = Some(epoch);
    let started = tokio::time::Instant::now();
    run_scenario(&server, &story).await;
    assert_eq!(started.elapsed(), Duration::from_millis(story.pass_duration_ms()));

    let events = res.events(story.steps.len()).await;
    let mut at = epoch;
    let mut progress: std::collections::HashMap<String, u64> = Default::default();
    let mut ended = Vec::new();
    for (event, step) in events.iter().zip(&story.steps) {
        at += step.after_ms;
        assert_eq!(event.event, None, "SSE event name left to the default");
        let env = envelope(&event.data);
        assert_eq!(env["id"].as_str(), event.id.as_deref(), "SSE id = envelope id");
        assert_eq!(env["timestamp"].as_u64(), Some(at), "timestamps follow the paused clock");
        let kind = env["type"].as_str().expect("type");
        let data = &env["data"];
        let session = data["sessionId"].as_str().unwrap_or_default().to_string();
        match kind {
            "session.created" => assert!(session.starts_with("s1-")),
            "session.updated" => {
                let p = data["updates"]["progress"].as_u64().expect("progress");
                let last = progress.insert(session.clone(), p).unwrap_or(0);
                assert!(p > last, "{session}: progress grows ({last} -> {p})");
                assert!(data["updates"]["duration"].as_u64().is_some());
            }
            "session.completed" | "session.deleted" => ended.push((kind.to_string(), session)),
            "heartbeat" => assert_eq!(data["serverTime"].as_u64(), Some(at)),
            other => panic!("unexpected type {other}"),
        }
    }
    assert_eq!(
        ended,
        [
            ("session.completed".to_string(), "s1-alpha".to_string()),
            ("session.deleted".to_string(), "s1-beta".to_string()),
            ("session.completed".to_string(), "s1-gamma".to_string())
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn repeat_gives_fresh_ids_and_iterations() {
    client::paused_clock();
    let server = TestServer::start().await.expect("start");
    let scenario = Scenario::from_json(
        r#"{"repeat": 3, "steps": [
            {"after_ms": 100, "id": "evt-{{seq}}", "data": {"id": "{{id}}", "pass": "{{iteration}}"}},
            {"after_ms": 100, "event": "note", "data": "pass {{iteration}}, seq {{seq}}"}
        ]}"#,
    )
    .expect("scenario");
    run_scenario(&server, &scenario).await;
    let history = server.history();
    assert_eq!(history.len(), 6);
    let got: Vec<(Option<String>, String)> =
        history.into_iter().map(|(_, e)| (e.id, e.data)).collect();
    assert_eq!(got[0], (Some("evt-1".into()), r#"{"id":"evt-1","pass":1}"#.into()));
    assert_eq!(got[3], (Some("4".into()), "pass 2, seq 4".into()));
    assert_eq!(got[4], (Some("evt-5".into()), r#"{"id":"evt-5","pass":3}"#.into()));
}

#[tokio::test(start_paused = true)]
async fn a_looping_scenario_runs_until_cancelled() {
    client::paused_clock();
    let server = TestServer::start().await.expect("start");
    let mut res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    let scenario = Scenario::from_json(
        r#"{"loop": true, "steps": [{"after_ms": 1000, "data": "tick {{iteration}}"}]}"#,
    )
    .expect("scenario");
    let player = server.clone();
    let task = tokio::spawn(async move { run_scenario(&player, &scenario).await });
    let events = res.events(5).await;
    task.abort();
    assert_eq!(events[4].data, "tick 5");
}

#[tokio::test(start_paused = true)]
async fn fault_steps_act_on_the_server() {
    client::paused_clock();
    let server = TestServer::start().await.expect("start");
    let mut res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    let scenario = Scenario::from_json(
        r#"{"steps": [
            {"after_ms": 10, "data": "one"},
            {"after_ms": 10, "action": "resend", "seq": 1},
            {"after_ms": 10, "action": "raw", "text": ": note\n\n"},
            {"after_ms": 10, "action": "keepalive", "every_ms": 1000},
            {"after_ms": 10, "action": "status", "code": 503, "headers": {"Retry-After": "3"}},
            {"after_ms": 10, "action": "wrong_content_type", "content_type": "text/html"},
            {"after_ms": 10, "action": "drop"}
        ]}"#,
    )
    .expect("scenario");
    run_scenario(&server, &scenario).await;
    let (body, end) = res.body().await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(text, "id: 1\ndata: one\n\nid: 1\ndata: one\n\n: note\n\n");
    assert_eq!(end, client::End::Abrupt);

    let res = client::get(&server, "/events").await;
    assert_eq!((res.status, res.header("retry-after")), (503, Some("3")));
    let res = client::get(&server, "/events").await;
    assert_eq!(res.header("content-type"), Some("text/html"));

    // Keepalive is on (1 s) for the next stream.
    let mut res = client::resume(&server, "1").await;
    assert_eq!(res.next_piece().await, client::Piece::Data(b": keepalive\n\n".to_vec()));
}

#[tokio::test(start_paused = true)]
async fn restart_and_stall_steps() {
    client::paused_clock();
    let server = TestServer::start().await.expect("start");
    server.publish(ServerEvent::data("kept"));
    let stalled = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    let scenario = Scenario::from_json(
        r#"{"steps": [
            {"after_ms": 5, "action": "stall"},
            {"after_ms": 5, "data": "not for the stalled stream"},
            {"after_ms": 5, "action": "restart", "down_ms": 2000},
            {"after_ms": 5, "action": "close_immediately"}
        ]}"#,
    )
    .expect("scenario");
    let started = tokio::time::Instant::now();
    run_scenario(&server, &scenario).await;
    assert!(started.elapsed() >= Duration::from_millis(2020));
    assert_eq!(server.closed_streams(), 1, "the restart closed the stalled stream");
    drop(stalled);
    assert_eq!(server.history().len(), 2);
    // The queued `close_immediately` answers the next request with a bare close.
    let mut sock = tokio::net::TcpStream::connect(server.addr()).await.expect("connect");
    sock.write_all(b"GET /events HTTP/1.1\r\n\r\n").await.expect("send");
    let mut answer = Vec::new();
    let _ = sock.read_to_end(&mut answer).await;
    assert!(answer.is_empty());
    let mut res = client::resume(&server, "1").await;
    assert_eq!(ids(&res.events(1).await), ["2"]);
    assert!(matches!(
        Scenario::from_json(r#"{"steps":[{"action":"hang"}]}"#).expect("hang").steps[0].action,
        Action::Hang
    ));
}

/// A raw resuming client: reconnects 500 ms after a stream ends or a connection is refused,
/// honours `Retry-After`, gives up on a stream silent for 45 s, and sends `Last-Event-ID`.
/// Returns the envelopes it dispatched, duplicates dropped, once one has type `last_type`.
async fn follow(server: &TestServer, last_type: &str) -> Vec<Value> {
    let mut last_id: Option<String> = None;
    let mut seen: Vec<Value> = Vec::new();
    loop {
        let mut delay = Duration::from_millis(500);
        if let Ok(mut res) = client::try_get(server.addr(), "/events", last_id.as_deref()).await {
            let res_status = res.status;
            if res_status == 200 {
                let mut text = String::new();
                while let Ok(client::Piece::Data(d)) =
                    tokio::time::timeout(Duration::from_secs(45), res.next_piece()).await
                {
                    text.push_str(&String::from_utf8_lossy(&d));
                    for event in client::drain_events(&mut text, usize::MAX) {
                        let Ok(env) = serde_json::from_str::<Value>(&event.data) else { continue };
                        if event.id.is_some() {
                            last_id.clone_from(&event.id);
                        }
                        if seen.iter().any(|s| s["id"] == env["id"]) {
                            continue; // a duplicate
                        }
                        let done = env["type"] == last_type;
                        seen.push(env);
                        if done {
                            return seen;
                        }
                    }
                }
            } else if let Some(secs) = res.header("retry-after").and_then(|s| s.parse().ok()) {
                delay = Duration::from_secs(secs);
            }
        }
        tokio::time::sleep(delay).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_resuming_client_sees_the_whole_faults_story() {
    client::paused_clock();
    let server = TestServer::start().await.expect("start");
    let faults = Scenario::from_file(scenario_path("faults.json")).expect("faults.json");
    let player = server.clone();
    let task = tokio::spawn(async move { run_scenario(&player, &faults).await });
    let seen = follow(&server, "heartbeat").await;
    task.abort();
    let got: Vec<(&str, &str)> = seen
        .iter()
        .map(|e| (e["id"].as_str().unwrap_or("?"), e["type"].as_str().unwrap_or("?")))
        .collect();
    assert_eq!(
        got,
        [
            ("evt-1", "session.created"),
            ("evt-2", "session.updated"),
            ("evt-3", "session.updated"),
            ("evt-4", "session.updated"),
            ("evt-5", "session.updated"),
            ("evt-6", "session.completed"),
            ("evt-7", "heartbeat"),
        ]
    );
    let requests = server.requests();
    assert!(requests.len() >= 6, "drops, a 503, a stall and a restart: {}", requests.len());
    assert!(server.bad_requests() == 0);
}
