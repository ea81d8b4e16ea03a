//! The crash test's history: a publisher that streams upserts, single-field merges, deletes and
//! re-creations at a steady pace with resends and dropped streams in between, and the plain fold
//! of the server's log that the cache must equal.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use tether_testkit::{ServerEvent, TestServer};

/// Events in the server's log.
pub const EVENTS: u64 = 2_000;
/// Items the events are about.
const ENTITIES: usize = 40;
/// The publisher's pace: `PER_TICK` events every `TICK` (2,000 events in about 4 s).
const TICK: Duration = Duration::from_millis(10);
const PER_TICK: u64 = 5;
/// Dropped connections, at these sequence numbers. A drop stalls the running child for its
/// reconnect backoff (0.5 to 1 s, the engine's default): the last one is early enough for the
/// kills to catch up with the live edge before the publisher is done.
const DROPS_AT: [u64; 4] = [250, 600, 950, 1_300];
/// About one event in `RESEND_ONE_IN` is followed by a repeat: half the time of the newest event
/// right after itself, else of an older one. Dedup (restored from SQLite after each kill) must
/// drop every one.
const RESEND_ONE_IN: u64 = 25;

/// Counts of what the publisher did.
#[derive(Debug, Default)]
pub struct Published {
    pub events: u64,
    pub resends: u64,
    pub drops: u64,
}

/// Publishes `EVENTS` events at a steady pace over `ENTITIES` items, with resends of older
/// events and dropped streams interleaved.
pub async fn publish(server: TestServer, seed: u64) -> Published {
    let mut rng = fastrand::Rng::with_seed(seed);
    // The publisher's own view of which items exist, and each item's counter.
    let mut alive = [false; ENTITIES];
    let mut counters = [0u64; ENTITIES];
    let mut done = Published::default();
    let mut tick = tokio::time::interval(TICK);
    let colors = ["red", "green", "blue", "amber"];
    while done.events < EVENTS {
        tick.tick().await;
        for _ in 0..PER_TICK.min(EVENTS - done.events) {
            let item = rng.usize(..ENTITIES);
            let id = format!("i{item:02}");
            counters[item] += 1;
            let n = counters[item];
            let roll = rng.u32(..100);
            let (event, mut body) = if !alive[item] || roll < 30 {
                // A full value: a creation, a re-creation after a delete, or a replacement.
                alive[item] = true;
                let color = colors[rng.usize(..colors.len())];
                let value = json!({"name": format!("item {id}"), "n": n, "color": color});
                ("item.put", json!({"id": id, "value": value}))
            } else if roll < 85 {
                let patch = match rng.u32(..3) {
                    0 => json!({"n": n}),
                    1 => json!({"color": colors[rng.usize(..colors.len())]}),
                    _ => json!({"note": format!("note {}", rng.u32(..1000))}),
                };
                ("item.patch", json!({"id": id, "patch": patch}))
            } else {
                alive[item] = false;
                ("item.delete", json!({"id": id}))
            };
            let seq = server.publish_with(|seq| {
                // The version is the sequence number: strictly increasing in history order.
                body["v"] = json!(seq);
                ServerEvent::json(&body).with_event(event).with_id(format!("e{seq}"))
            });
            done.events += 1;
            if rng.u64(..RESEND_ONE_IN) == 0 && seq > 1 {
                // Half the time the newest event again, right after itself; else an older one.
                let old = if rng.bool() { seq } else { rng.u64(1..seq) };
                server.resend(old);
                done.resends += 1;
            }
            if DROPS_AT.contains(&seq) {
                server.drop_streams();
                done.drops += 1;
            }
        }
    }
    done
}

/// The history folded with plain rules: put replaces, patch sets fields, delete removes.
/// Versions strictly increase in history order, so no guard is needed.
pub fn fold(history: &[(u64, ServerEvent)]) -> BTreeMap<String, Value> {
    let mut items: BTreeMap<String, Value> = BTreeMap::new();
    for (seq, event) in history {
        let body: Value = serde_json::from_str(&event.data).expect("history holds JSON");
        assert_eq!(body["v"], json!(seq), "versions follow the history");
        let key = format!("item/{}", body["id"].as_str().expect("id"));
        match event.event.as_deref() {
            Some("item.put") => {
                items.insert(key, body["value"].clone());
            }
            Some("item.patch") => {
                let item = items.get_mut(&key).expect("patches only touch existing items");
                let fields: &Map<String, Value> = body["patch"].as_object().expect("patch");
                let item = item.as_object_mut().expect("items are objects");
                for (field, value) in fields {
                    item.insert(field.clone(), value.clone());
                }
            }
            Some("item.delete") => {
                items.remove(&key).expect("deletes only touch existing items");
            }
            other => panic!("unexpected event {other:?}"),
        }
    }
    items
}
