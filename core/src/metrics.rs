//! Counters a host shows in a debug screen or ships to telemetry.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// A snapshot of a connection's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Successful opens (`200 text/event-stream`), the first included.
    pub connects: u64,
    /// Attempts made after the first one.
    pub reconnects: u64,
    /// Body bytes received (after decompression).
    pub bytes: u64,
    /// Events dispatched by the parser.
    pub events: u64,
    /// Comment lines received (heartbeats, keep-alives).
    pub comments: u64,
    /// Ghost connections the watchdog closed.
    pub watchdog_timeouts: u64,
    /// Wall-clock time of the last event, milliseconds since the Unix epoch.
    pub last_event_at_ms: Option<u64>,
    /// Total time not `Open` since the connection started (suspended time included).
    pub disconnected: Duration,
}

#[derive(Debug)]
pub(crate) struct MetricsCell {
    connects: AtomicU64,
    reconnects: AtomicU64,
    bytes: AtomicU64,
    events: AtomicU64,
    comments: AtomicU64,
    watchdog_timeouts: AtomicU64,
    last_event_at_ms: AtomicU64,
    disconnected: Mutex<Disconnected>,
}

#[derive(Debug, Default)]
struct Disconnected {
    total: Duration,
    since: Option<Instant>,
}

impl MetricsCell {
    pub(crate) fn new() -> Self {
        Self {
            connects: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            events: AtomicU64::new(0),
            comments: AtomicU64::new(0),
            watchdog_timeouts: AtomicU64::new(0),
            last_event_at_ms: AtomicU64::new(0),
            disconnected: Mutex::new(Disconnected::default()),
        }
    }

    pub(crate) fn attempt(&self, first: bool) {
        if !first {
            self.reconnects.fetch_add(1, Relaxed);
        }
    }

    pub(crate) fn opened(&self, now: Instant) {
        self.connects.fetch_add(1, Relaxed);
        let mut d = self.lock();
        if let Some(since) = d.since.take() {
            d.total += now.saturating_duration_since(since);
        }
    }

    /// The connection is not open from `now` on (idempotent).
    pub(crate) fn disconnected(&self, now: Instant) {
        let mut d = self.lock();
        d.since.get_or_insert(now);
    }

    pub(crate) fn bytes(&self, n: usize) {
        self.bytes.fetch_add(n as u64, Relaxed);
    }

    pub(crate) fn event(&self) {
        self.events.fetch_add(1, Relaxed);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        self.last_event_at_ms.store(now.as_millis() as u64, Relaxed);
    }

    pub(crate) fn comment(&self) {
        self.comments.fetch_add(1, Relaxed);
    }

    pub(crate) fn watchdog_timeout(&self) {
        self.watchdog_timeouts.fetch_add(1, Relaxed);
    }

    pub(crate) fn snapshot(&self, now: Instant) -> Metrics {
        let disconnected = {
            let d = self.lock();
            d.total + d.since.map_or(Duration::ZERO, |s| now.saturating_duration_since(s))
        };
        let last = self.last_event_at_ms.load(Relaxed);
        Metrics {
            connects: self.connects.load(Relaxed),
            reconnects: self.reconnects.load(Relaxed),
            bytes: self.bytes.load(Relaxed),
            events: self.events.load(Relaxed),
            comments: self.comments.load(Relaxed),
            watchdog_timeouts: self.watchdog_timeouts.load(Relaxed),
            last_event_at_ms: (last != 0).then_some(last),
            disconnected,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Disconnected> {
        self.disconnected.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn disconnected_time_accumulates_on_the_paused_clock() {
        let m = MetricsCell::new();
        let t0 = Instant::now();
        m.disconnected(t0);
        m.disconnected(t0 + Duration::from_secs(1)); // idempotent: still since t0
        m.opened(t0 + Duration::from_secs(3));
        m.disconnected(t0 + Duration::from_secs(10));
        let s = m.snapshot(t0 + Duration::from_secs(12));
        assert_eq!(s.disconnected, Duration::from_secs(5));
        assert_eq!(s.connects, 1);
        assert_eq!(s.last_event_at_ms, None);
        m.event();
        assert!(m.snapshot(t0).last_event_at_ms.is_some());
    }
}
