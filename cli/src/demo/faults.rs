//! What goes wrong during the demo, and when.

use serde_json::json;
use std::time::Duration;
use tether_testkit::{Scenario, ServerEvent, TestServer};

#[derive(Debug, Clone, Copy)]
pub(super) enum Fault {
    /// An update produced before what the cache holds (a slow producer): must be dropped.
    Stale,
    Drop,
    /// A proxy repeats the last few events: dedup must drop them.
    Repeat,
    Restart,
    /// The OS kills the app; the next launch starts from the SQLite file.
    AppKill,
    Stall,
    Background(Duration),
}

/// When each fault happens, in ms from the start of the story (at the default speed the story
/// lasts about 11 s).
pub(super) const FAULTS: [(u64, Fault); 9] = [
    (1_500, Fault::Stale),
    (2_000, Fault::Drop),
    (3_000, Fault::Repeat),
    (4_000, Fault::Restart),
    (5_500, Fault::AppKill),
    (6_500, Fault::Stall),
    (8_500, Fault::Background(Duration::from_millis(1500))),
    (10_000, Fault::Stale),
    (10_200, Fault::Repeat),
];

impl Fault {
    pub(super) fn describe(self, watchdog: Duration) -> String {
        match self {
            Fault::Stale => "server sends a stale update (older than the cache's copy)".into(),
            Fault::Drop => "server drops the connection".into(),
            Fault::Repeat => "a proxy repeats the last three events".into(),
            Fault::Restart => "server restarts (down 600 ms)".into(),
            Fault::AppKill => "the OS kills the app; relaunching from the SQLite file".into(),
            Fault::Stall => format!(
                "server stalls: the socket stays open, nothing arrives (watchdog {:.1}s)",
                watchdog.as_secs_f64()
            ),
            Fault::Background(_) => "app goes to background".into(),
        }
    }

    /// Faults that act on the server alone.
    pub(super) async fn inject(self, server: &TestServer) {
        match self {
            Fault::Stale => {
                server.publish_with(|seq| {
                    let id = format!("stale-{seq}");
                    let body = json!({
                        "id": id, "type": "session.updated", "timestamp": 1,
                        "data": { "sessionId": "s1-alpha", "updates": { "progress": 1, "status": "stale" }, "updatedAt": "1970-01-01T00:00:00Z" },
                    });
                    ServerEvent::json(&body).with_id(id)
                });
            }
            Fault::Drop => server.drop_streams(),
            Fault::Repeat => {
                let last = server.history().last().map_or(0, |(seq, _)| *seq);
                for seq in last.saturating_sub(2)..=last {
                    server.resend(seq);
                }
            }
            Fault::Restart => server.restart_after(Duration::from_millis(600)).await,
            Fault::Stall => server.stall_streams(),
            Fault::AppKill | Fault::Background(_) => {}
        }
    }
}

/// The story `passes` times, its timing divided by `speed`.
pub(super) fn scaled(mut scenario: Scenario, passes: u32, speed: u64) -> Scenario {
    scenario.repeat = passes;
    for step in &mut scenario.steps {
        step.after_ms /= speed;
    }
    scenario
}
