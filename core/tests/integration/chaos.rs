//! Chaos on loopback: 100,000 events through the real test server while it drops sockets,
//! cuts events in half, repeats old events, stalls (the watchdog must notice), restarts, and
//! sends stale updates. The cache must end equal to the server's truth, with every event taken
//! into account exactly once. Runs on a paused clock, so stalls and backoffs cost no real time.

use crate::support::LIMIT;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use tether_core::{ConnectionConfig, ListView, Router, Storage, SyncClient, SyncConfig};
use tether_testkit::{ServerEvent, TestServer};

const EVENTS: usize = 100_000;
const ENTITIES: usize = 500;
const RULES: &str = include_str!("../../../tests/fixtures/chaos/rules.json");

/// The server's truth, folded as the events are generated: alive items with their versions.
#[derive(Default)]
struct Truth {
    items: BTreeMap<String, (Map<String, Value>, i64)>,
    stale_sent: u64,
}

impl Truth {
    /// The next event for the log, chosen at random among what is valid now.
    fn next_event(&mut self, rng: &mut fastrand::Rng, seq: i64) -> ServerEvent {
        let id = format!("k{}", rng.usize(..ENTITIES));
        let alive = self.items.get(&id).map(|(_, v)| *v);
        let roll = rng.u8(..100);
        let (event, body) = match alive {
            Some(version) if roll < 5 && version > 1 => {
                // An update produced before the stored one: the version guard must drop it.
                self.stale_sent += 1;
                ("put", json!({ "id": id, "ver": version - 1, "stale": true }))
            }
            Some(_) if roll < 60 => {
                let field = format!("f{}", rng.u8(..8));
                let set = json!({ field.clone(): seq });
                if let Some((value, version)) = self.items.get_mut(&id) {
                    value.insert(field, json!(seq));
                    *version = seq;
                }
                ("patch", json!({ "id": id, "ver": seq, "set": set }))
            }
            Some(_) if roll < 70 => {
                self.items.remove(&id);
                ("del", json!({ "id": id, "ver": seq }))
            }
            _ => {
                let body = json!({ "id": id, "ver": seq, "n": seq, "tags": ["a", seq % 7] });
                let Value::Object(map) = body.clone() else { unreachable!() };
                self.items.insert(id, (map, seq));
                ("put", body)
            }
        };
        ServerEvent::json(&body).with_event(event)
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    Drop,
    CutMidEvent,
    /// Events still in the dedup window (10,000 ids): dedup must drop them.
    RepeatRecent,
    /// Events older than the dedup window: the version guard and tombstones must drop them.
    RepeatAncient,
    Stall,
    Restart,
}

#[tokio::test(start_paused = true)]
async fn a_hundred_thousand_events_through_chaos_end_exactly_as_the_server_says() {
    let mut rng = fastrand::Rng::with_seed(0x7e7e_0001);
    let server = TestServer::start().await.expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let connection = ConnectionConfig::builder(server.url())
        .runtime(tokio::runtime::Handle::current())
        .initial_retry_delay(Duration::from_millis(100))
        .max_retry_delay(Duration::from_secs(2))
        .watchdog(Some(Duration::from_secs(5)))
        .jitter_seed(7)
        .build()
        .expect("connection config");
    let router = Router::from_json(RULES).expect("rules");
    let config =
        SyncConfig::new(connection, router).storage(Storage::File(dir.path().join("c.db")));
    let client = SyncClient::open(config).expect("open");
    let all = ListView::new("item");
    let mut updates = client.watch_list(all.clone());

    let mut truth = Truth::default();
    let mut faults = Vec::new();
    let mut seq = 0usize;
    while seq < EVENTS {
        let chunk = rng.usize(1..1_000).min(EVENTS - seq);
        for _ in 0..chunk {
            seq += 1;
            let event = truth.next_event(&mut rng, seq as i64);
            server.publish(event);
        }
        // Let the client make progress, then maybe break something.
        tokio::time::timeout(LIMIT, updates.recv()).await.expect("progress").expect("open");
        if rng.u8(..100) < 50 {
            let fault = match rng.u8(..6) {
                0 => Fault::Drop,
                1 => Fault::CutMidEvent,
                2 => Fault::RepeatRecent,
                3 => Fault::RepeatAncient,
                4 => Fault::Stall,
                _ => Fault::Restart,
            };
            faults.push(fault);
            match fault {
                Fault::Drop => server.drop_streams(),
                Fault::CutMidEvent => server.drop_mid_event(),
                Fault::RepeatRecent => {
                    let seq = seq as u64;
                    for _ in 0..rng.usize(1..20) {
                        server.resend(rng.u64(seq.saturating_sub(5_000).max(1)..=seq));
                    }
                }
                Fault::RepeatAncient if seq > 20_000 => {
                    for _ in 0..rng.usize(1..20) {
                        server.resend(rng.u64(1..=(seq as u64 - 15_000)));
                    }
                }
                Fault::RepeatAncient => {}
                Fault::Stall => server.stall_streams(),
                Fault::Restart => server.restart().await,
            }
        }
    }

    // Every event the server logged must be taken into account, exactly once. Ancient repeats
    // that escaped the dedup window are counted too, and dropped by the guard (stale/tombstoned).
    let passed_the_guard = |s: &tether_core::SyncStats| s.applied - s.stale - s.tombstoned;
    let should_pass = EVENTS as u64 - truth.stale_sent;
    while passed_the_guard(&client.stats()) < should_pass {
        tokio::time::timeout(LIMIT, updates.recv())
            .await
            .unwrap_or_else(|_| panic!("stuck at {:?}", client.stats()))
            .expect("open");
    }
    client.flush();
    let stats = client.stats();
    // Each logged event's effect exactly once: one more would mean an event applied twice, one
    // fewer an event lost.
    assert_eq!(passed_the_guard(&stats), should_pass, "{stats:?}");
    assert!(stats.applied >= EVENTS as u64 && stats.stale >= truth.stale_sent, "{stats:?}");
    assert_eq!((stats.route_errors, stats.store_errors, stats.storage_errors), (0, 0, 0));
    let cache: BTreeMap<String, Value> = client.list(&all).into_iter().collect();
    let expected: BTreeMap<String, Value> =
        truth.items.into_iter().map(|(id, (value, _))| (id, Value::Object(value))).collect();
    assert_eq!(cache.len(), expected.len());
    assert!(cache == expected, "the cache differs from the server's truth");
    let metrics = client.connection().metrics();
    assert!(faults.len() >= 50, "only {} faults", faults.len());
    assert!(metrics.reconnects >= 40, "{metrics:?}");
    assert!(metrics.watchdog_timeouts >= 5, "{metrics:?}");
    assert!(stats.duplicate_ids > 0, "{stats:?}");
    eprintln!("chaos: {} faults, {stats:?}, {metrics:?}", faults.len());
    client.close();
}
