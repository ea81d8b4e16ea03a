//! The sync client end to end: the real test server, the real router, store and SQLite file.

use crate::support::*;
use crate::sync_support::*;
use serde_json::json;
use tether_core::{
    AppState, ConnectionState, EntityKey, Filter, ListView, Storage, SyncSignal, Version,
};
use tether_testkit::{ServerEvent, TestServer};

#[tokio::test]
async fn list_and_detail_views_follow_created_merged_and_deleted_entities() {
    let server = TestServer::start().await.expect("server");
    let client = open(&server, Storage::InMemory);
    let mut list = client.watch_list(sessions());
    let first = list.recv().await.expect("current value first");
    assert!(first.items.is_empty());
    let mut detail = client.watch_entity(EntityKey::new("session", "s1"));
    assert_eq!(detail.recv().await.expect("current").value, None);

    server.publish(created("e1", 1_000, "s1", "Bravo"));
    server.publish(created("e2", 1_001, "s2", "Alpha"));
    let update = list_becomes(&mut list, &["s2", "s1"]).await;
    assert_eq!(update.items[1].1["status"], "active", "rule's set field");
    assert_eq!(update.items[1].1["progress"], 0);

    server.publish(updated(
        "e3",
        1_002,
        "s1",
        json!({ "progress": 40, "metadata": { "mood": "good" } }),
    ));
    let detail_value = loop {
        let update = detail.recv().await.expect("detail");
        if let Some(value) = update.value.filter(|v| v["progress"] == 40) {
            break value;
        }
    };
    // Deep merge: nested objects merge, the title survives.
    assert_eq!(detail_value["metadata"], json!({ "title": "Bravo", "mood": "good" }));
    assert_eq!(detail_value["updatedAt"], 1_002);

    server.publish(deleted("e4", 1_003, "s2"));
    let update = list_becomes(&mut list, &["s1"]).await;
    assert_eq!(update.removed, ["s2"]);
    let stats = client.stats();
    assert_eq!((stats.received, stats.applied), (4, 4));
    client.close();
}

#[tokio::test]
async fn a_filtered_list_gains_and_loses_members_as_entities_change() {
    let server = TestServer::start().await.expect("server");
    let client = open(&server, Storage::InMemory);
    let active = ListView::new("session").with_filter(Filter::eq("/status", json!("active")));
    let mut list = client.watch_list(active);
    list.recv().await.expect("current");
    server.publish(created("e1", 1, "s1", "One"));
    list_becomes(&mut list, &["s1"]).await;
    server.publish(envelope(
        "e2",
        "session.completed",
        2,
        json!({ "sessionId": "s1", "completedAt": 2, "summary": { "duration": 60 } }),
    ));
    let update = list_becomes(&mut list, &[]).await;
    assert_eq!(update.removed, ["s1"], "no longer matching: leaves the list");
    let s1 = client.get(&EntityKey::new("session", "s1")).expect("still in the store");
    assert_eq!((s1["status"].as_str(), s1["duration"].as_u64()), (Some("completed"), Some(60)));
    client.close();
}

#[tokio::test(start_paused = true)]
async fn replays_duplicates_and_stale_events_are_dropped() {
    let server = TestServer::start().await.expect("server");
    let client = open(&server, Storage::InMemory);
    let mut list = client.watch_list(sessions());
    list.recv().await.expect("current");
    server.publish(created("e1", 10, "s1", "One"));
    server.publish(updated("e2", 20, "s1", json!({ "progress": 50 })));
    list_becomes(&mut list, &["s1"]).await;
    // A proxy repeats an event; then an update older than what is stored arrives.
    server.resend(2);
    server.publish(updated("e3", 15, "s1", json!({ "progress": 10 })));
    server.publish(updated("e4", 30, "s1", json!({ "progress": 60 })));
    loop {
        let update = list.recv().await.expect("update");
        if update.items.first().is_some_and(|(_, v)| v["progress"] == 60) {
            break;
        }
    }
    let stats = client.stats();
    assert_eq!(stats.duplicate_ids, 1);
    assert_eq!(stats.stale, 1);
    assert_eq!(stats.applied, 4, "every fresh event is taken into account once");
    client.close();
}

#[tokio::test(start_paused = true)]
async fn a_late_update_cannot_resurrect_a_deleted_entity() {
    let server = TestServer::start().await.expect("server");
    let client = open(&server, Storage::InMemory);
    let mut list = client.watch_list(sessions());
    list.recv().await.expect("current");
    server.publish(created("e1", 10, "s1", "One"));
    list_becomes(&mut list, &["s1"]).await;
    server.publish(deleted("e2", 30, "s1"));
    list_becomes(&mut list, &[]).await;
    server.publish(updated("e3", 20, "s1", json!({ "progress": 99 })));
    server.publish(created("e4", 40, "s2", "Two"));
    list_becomes(&mut list, &["s2"]).await;
    assert_eq!(client.get(&EntityKey::new("session", "s1")), None);
    assert_eq!(client.stats().tombstoned, 1);
    client.close();
}

#[tokio::test]
async fn hydrate_from_a_refetch_never_overwrites_newer_pushed_data() {
    let server = TestServer::start().await.expect("server");
    let client = open(&server, Storage::InMemory);
    let mut list = client.watch_list(sessions());
    list.recv().await.expect("current");
    server.publish(updated(
        "e1",
        2_000,
        "s1",
        json!({ "progress": 80, "metadata": { "title": "One" } }),
    ));
    list_becomes(&mut list, &["s1"]).await;
    // The REST response was produced at t=1500, before the pushed update at t=2000.
    let report = client.hydrate(
        "session",
        vec![
            (
                "s1".into(),
                json!({ "progress": 30, "metadata": { "title": "One" } }),
                Some(Version(1_500_000_000)),
            ),
            (
                "s9".into(),
                json!({ "progress": 5, "metadata": { "title": "Nine" } }),
                Some(Version(1_500_000_000)),
            ),
        ],
    );
    assert_eq!((report.applied, report.stale), (1, 1));
    // Sorted by title: "Nine" before "One".
    let update = list_becomes(&mut list, &["s9", "s1"]).await;
    assert_eq!(update.items[1].1["progress"], 80, "pushed data kept");
    client.close();
}

#[tokio::test(start_paused = true)]
async fn a_cold_start_shows_the_last_state_and_resumes_from_the_stored_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("cache.db");
    let server = TestServer::start().await.expect("server");
    {
        let client = open(&server, Storage::File(db.clone()));
        let mut list = client.watch_list(sessions());
        server.publish(created("e1", 1, "s1", "One"));
        server.publish(created("e2", 2, "s2", "Two"));
        list_becomes(&mut list, &["s1", "s2"]).await;
        client.close();
    }
    server.publish(deleted("e3", 3, "s1"));
    let client = open(&server, Storage::File(db.clone()));
    // At once, before any network: the stored state.
    let cached: Vec<String> = client.list(&sessions()).into_iter().map(|(id, _)| id).collect();
    assert_eq!(cached, ["s1", "s2"]);
    let mut list = client.watch_list(sessions());
    list_becomes(&mut list, &["s2"]).await;
    let requests = server.requests();
    assert_eq!(requests.last().and_then(|r| r.last_event_id.clone()).as_deref(), Some("e2"));
    assert_eq!(client.stats().applied_total, 3);
    client.close();
}

#[tokio::test(start_paused = true)]
async fn stored_dedup_ids_recognise_replays_after_a_cold_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("cache.db");
    let server = TestServer::start().await.expect("server");
    {
        let client = open(&server, Storage::File(db.clone()));
        let mut list = client.watch_list(sessions());
        server.publish(created("e1", 1, "s1", "One"));
        list_becomes(&mut list, &["s1"]).await;
        client.close();
    }
    // A broken proxy replays an event the cache already holds.
    let client = open(&server, Storage::File(db.clone()));
    let mut states = client.connection().states();
    wait_open(&mut states).await;
    server.send_raw(b"id: e1\ndata: {\"id\":\"e1\",\"type\":\"session.created\",\"timestamp\":1,\"data\":{\"sessionId\":\"s1\",\"metadata\":{\"title\":\"Replayed\"}}}\n\n");
    server.publish(created("e2", 2, "s2", "Two"));
    let mut list = client.watch_list(sessions());
    list_becomes(&mut list, &["s1", "s2"]).await;
    assert_eq!(client.stats().duplicate_ids, 1);
    let s1 = client.get(&EntityKey::new("session", "s1")).expect("s1");
    assert_eq!(s1["metadata"]["title"], "One");
    client.close();
}

#[tokio::test]
async fn force_logout_and_clear_wipe_the_cache_and_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("cache.db");
    let server = TestServer::start().await.expect("server");
    let client = open(&server, Storage::File(db.clone()));
    let mut signals = client.signals();
    let mut list = client.watch_list(sessions());
    server.publish(created("e1", 1, "s1", "Secret-Title-1234"));
    list_becomes(&mut list, &["s1"]).await;
    server.publish(ServerEvent::data("{}").with_event("force_logout"));
    list_becomes(&mut list, &[]).await;
    assert_eq!(signals.recv().await, Some(SyncSignal::ClearedByServer));
    server.publish(created("e3", 3, "s3", "Another-Secret-5678"));
    list_becomes(&mut list, &["s3"]).await;
    client.clear().expect("clear");
    list_becomes(&mut list, &[]).await;
    client.close();
    drop(client);
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", db.display());
        if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("Secret-Title-1234"), "{path} still holds cleared data");
            assert!(!text.contains("Another-Secret-5678"), "{path} still holds cleared data");
        }
    }
}

#[tokio::test]
async fn unknown_types_malformed_json_and_resync_are_signals_not_errors() {
    let server = TestServer::start().await.expect("server");
    let client = open(&server, Storage::InMemory);
    let mut signals = client.signals();
    server
        .publish(ServerEvent::json(&json!({ "id": "x1", "type": "session.exploded", "data": {} })));
    server.publish(ServerEvent::data("{not json").with_event("message"));
    server.publish(ServerEvent::json(
        &json!({ "id": "x3", "type": "session.created", "data": { "noSessionId": true } }),
    ));
    server.publish(ServerEvent::json(&json!({ "key": "sessions" })).with_event("resync"));
    server.publish(ServerEvent::json(&json!({ "key": "*" })).with_event("resync"));
    let mut seen = Vec::new();
    while seen.len() < 5 {
        seen.push(
            tokio::time::timeout(LIMIT, signals.recv()).await.expect("signal").expect("open"),
        );
    }
    assert!(
        matches!(&seen[0], SyncSignal::Unmatched { type_value: Some(t), .. } if t == "session.exploded")
    );
    assert!(
        matches!(&seen[1], SyncSignal::RouteError { message } if message.contains("JSON") || message.contains("json")),
        "{:?}",
        seen[1]
    );
    assert!(
        matches!(&seen[2], SyncSignal::RouteError { message } if message.contains("sessionId")),
        "{:?}",
        seen[2]
    );
    assert_eq!(seen[3], SyncSignal::Resync { key: "sessions".into() });
    let everything = tether_core::DiscontinuityReason::ServerRequested;
    assert_eq!(seen[4], SyncSignal::Discontinuity { reason: everything });
    let stats = client.stats();
    assert_eq!((stats.unmatched, stats.route_errors, stats.received), (1, 2, 5));
    assert_eq!(client.connection().state(), ConnectionState::Open);
    client.close();
}

#[tokio::test(start_paused = true)]
async fn reconnecting_without_any_event_id_is_a_discontinuity() {
    let server = TestServer::start().await.expect("server");
    let client = open(&server, Storage::InMemory);
    let mut signals = client.signals();
    let mut states = client.connection().states();
    wait_open(&mut states).await;
    server.publish_without_id(ServerEvent::data("{}").with_event("noise"));
    client.connection().set_app_state(AppState::Background);
    wait_state(&mut states, "suspended", |s| matches!(s, ConnectionState::Suspended { .. })).await;
    client.connection().set_app_state(AppState::Foreground);
    let signal = loop {
        match tokio::time::timeout(LIMIT, signals.recv()).await.expect("signal") {
            Some(SyncSignal::Discontinuity { reason }) => break reason,
            Some(_) => continue,
            None => panic!("signals ended"),
        }
    };
    assert_eq!(signal, tether_core::DiscontinuityReason::NoResumePoint);
    client.close();
}

/// Each bad event is followed by a good one: the bad one is counted as a typed error, the good
/// one still lands, nothing panics and the connection stays open.
#[tokio::test]
async fn bad_events_are_counted_typed_errors_and_lose_nothing() {
    let server = TestServer::start().await.expect("server");
    // Lines up to 4 MiB reach the router, whose own 1 MiB payload limit must refuse the 2 MiB one.
    let limits = tether_core::ParserLimits { max_line_bytes: 4 << 20, max_event_bytes: 4 << 20 };
    let connection = config(&server).parser_limits(limits).build().expect("config");
    let sync =
        tether_core::SyncConfig::new(connection, router()).batch_window(std::time::Duration::ZERO);
    let client = tether_core::SyncClient::open(sync).expect("open");
    let mut signals = client.signals();
    let mut list = client.watch_list(sessions());
    list.recv().await.expect("current");
    let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let deep_object = (0..70).fold(json!(1), |inner, _| json!({ "n": inner }));
    let bad: Vec<(&str, ServerEvent)> = vec![
        ("malformed JSON", ServerEvent::data("{\"type\":\"session.created\",")),
        ("id is an object", created_with("b2", json!({ "sessionId": { "x": 1 } }))),
        ("id missing", created_with("b3", json!({ "userId": "u" }))),
        (
            "payload is an array",
            envelope("b4", "session.updated", 4, json!({ "sessionId": "s1", "updates": [1, 2] })),
        ),
        (
            "timestamp is a string",
            ServerEvent::json(
                &json!({ "id": "b5", "type": "session.created", "timestamp": "soon", "data": { "sessionId": "s1" } }),
            ),
        ),
        (
            "100,000-deep JSON",
            ServerEvent::data(format!(
                "{{\"type\":\"session.created\",\"data\":{}}}",
                nested(100_000)
            )),
        ),
        ("70-deep entity", created_with("b7", json!({ "sessionId": "s7", "deep": deep_object }))),
        (
            "2 MiB payload",
            created_with("b8", json!({ "sessionId": "s8", "blob": "x".repeat(2 << 20) })),
        ),
        (
            "set_from field missing",
            envelope("b9", "session.updated", 9, json!({ "sessionId": "s1", "updates": {} })),
        ),
    ];
    let count = bad.len();
    for (i, (_, event)) in bad.into_iter().enumerate() {
        server.publish(event);
        server.publish(created(
            &format!("good{i}"),
            100 + i as u64,
            &format!("g{i}"),
            &format!("Good {i:02}"),
        ));
    }
    let ids: Vec<String> = (0..count).map(|i| format!("g{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    list_becomes(&mut list, &ids).await;
    let stats = client.stats();
    assert_eq!(stats.route_errors + stats.store_errors, count as u64, "{stats:?}");
    assert_eq!(stats.store_errors, 1, "the 70-deep entity is refused by the store: {stats:?}");
    let mut messages = Vec::new();
    while let Some(signal) = signals.try_recv() {
        if let SyncSignal::RouteError { message } = signal {
            messages.push(message);
        }
    }
    assert_eq!(messages.len(), count, "{messages:#?}");
    assert!(
        messages.iter().any(|m| m.contains("session created")),
        "errors name the rule: {messages:#?}"
    );
    assert_eq!(client.connection().state(), ConnectionState::Open);
    client.close();
}

fn created_with(id: &str, data: serde_json::Value) -> ServerEvent {
    envelope(id, "session.created", 1, data)
}

#[test]
fn bad_rules_are_refused_with_errors_that_name_the_rule() {
    let cases = [
        (
            r#"{"version":1,"rules":[{"name":"r1","match":{"type":"x"},"op":"upsert","kind":"k","payload":""}]}"#,
            "r1",
        ),
        (r#"{"version":1,"rules":[{"match":{"type":"x"},"op":"explode"}]}"#, "0"),
        (
            r#"{"version":1,"rules":[{"name":"v","match":{"type":"x"},"op":"delete","kind":"k","id":"/i","version":"/v"}]}"#,
            "v",
        ),
        (
            r#"{"version":1,"rules":[{"name":"p","match":{"type":"x"},"op":"delete","kind":"k","id":"no-slash"}]}"#,
            "p",
        ),
    ];
    for (json, names) in cases {
        let error = tether_core::Router::from_json(json).expect_err(json);
        assert!(matches!(error, tether_core::RulesError::Invalid { .. }), "{error:?}");
        assert!(error.to_string().contains(names), "{error}");
    }
    assert!(matches!(
        tether_core::Router::from_json(r#"{"version":2,"rules":[]}"#),
        Err(tether_core::RulesError::UnsupportedVersion(2))
    ));
}

/// Regressions found by the crash test: the newest event repeated right after itself was applied
/// twice (its id looked inherited), and a repeated old event moved the stored resume point back.
#[tokio::test(start_paused = true)]
async fn repeats_of_the_newest_event_are_dropped_and_old_repeats_never_move_the_resume_point() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("cache.db");
    let server = TestServer::start().await.expect("server");
    {
        let client = open(&server, Storage::File(db.clone()));
        let mut list = client.watch_list(sessions());
        let mut states = client.connection().states();
        wait_open(&mut states).await;
        server.publish(created("e1", 1, "s1", "One"));
        server.publish(updated("e2", 2, "s1", json!({ "progress": 10 })));
        server.resend(2);
        server.publish(updated("e3", 3, "s1", json!({ "progress": 20 })));
        server.resend(1);
        server.publish(created("e4", 4, "s2", "Two"));
        list_becomes(&mut list, &["s1", "s2"]).await;
        server.resend(3);
        server.publish(created("e5", 5, "s3", "Three"));
        list_becomes(&mut list, &["s1", "s3", "s2"]).await;
        let stats = client.stats();
        assert_eq!((stats.applied, stats.duplicate_ids), (5, 3), "{stats:?}");
        client.close();
    }
    let client = open(&server, Storage::File(db));
    let mut states = client.connection().states();
    wait_open(&mut states).await;
    let resumed = server.requests().last().and_then(|r| r.last_event_id.clone());
    assert_eq!(resumed.as_deref(), Some("e5"));
    client.close();
}
