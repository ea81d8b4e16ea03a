//! Reconnect delays: exponential backoff with jitter, the server's `retry:` and `Retry-After`.
//! Pure arithmetic over a seeded generator: tested without any clock.

use super::config::BackoffConfig;
use std::time::Duration;

#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    config: BackoffConfig,
    /// The base delay of the first retry: the configured initial delay or the server's `retry:`.
    base: Duration,
    /// Consecutive failed attempts since the last reset.
    failures: u32,
    rng: fastrand::Rng,
}

impl Backoff {
    pub(crate) fn new(config: BackoffConfig) -> Self {
        let rng = match config.seed {
            Some(seed) => fastrand::Rng::with_seed(seed),
            None => fastrand::Rng::new(),
        };
        Self { base: config.initial, config, failures: 0, rng }
    }

    /// The server sent `retry: ms`: it becomes the base delay, clamped to the configured range.
    pub(crate) fn set_server_retry(&mut self, ms: u64) {
        let wanted = Duration::from_millis(ms);
        self.base = wanted.clamp(self.config.retry_field_min, self.config.retry_field_max);
    }

    /// Attempts start over (after a long enough open connection, or a resume from suspension).
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }

    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }

    pub(crate) fn reset_after(&self) -> Duration {
        self.config.reset_after
    }

    /// Records one more failure and returns the delay before the next attempt:
    /// `base · 2^(failures-1)`, capped, then jittered down by up to `jitter` of itself; at least
    /// `retry_after` when the server sent one (bounded by `max_retry_after`).
    pub(crate) fn next_delay(&mut self, retry_after: Option<Duration>) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let exponent = (self.failures - 1).min(31);
        let cap = self.config.max.max(self.base);
        let raw = self.base.saturating_mul(1u32 << exponent).min(cap);
        let jittered = raw.mul_f64(1.0 - self.config.jitter * self.rng.f64());
        match retry_after {
            Some(wanted) => jittered.max(wanted.min(self.config.max_retry_after)),
            None => jittered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(jitter: f64) -> BackoffConfig {
        BackoffConfig { jitter, seed: Some(7), ..BackoffConfig::default() }
    }

    #[test]
    fn doubles_up_to_the_cap_without_jitter() {
        let mut b = Backoff::new(config(0.0));
        let delays: Vec<u64> = (0..8).map(|_| b.next_delay(None).as_secs()).collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[test]
    fn jitter_stays_within_half_to_full() {
        let mut b = Backoff::new(config(0.5));
        let mut seen_below_full = false;
        for failure in 1..200u32 {
            let full = Duration::from_secs(1).saturating_mul(1 << (failure - 1).min(31));
            let full = full.min(Duration::from_secs(30));
            let d = b.next_delay(None);
            assert!(d <= full && d >= full / 2, "failure {failure}: {d:?} vs {full:?}");
            seen_below_full |= d < full;
        }
        assert!(seen_below_full, "jitter never applied");
    }

    #[test]
    fn server_retry_replaces_the_base_and_is_clamped() {
        let mut b = Backoff::new(config(0.0));
        b.set_server_retry(250);
        assert_eq!(b.next_delay(None), Duration::from_millis(250));
        assert_eq!(b.next_delay(None), Duration::from_millis(500));
        b.set_server_retry(0);
        b.reset();
        assert_eq!(b.next_delay(None), Duration::from_millis(100), "clamped up to the minimum");
        b.set_server_retry(u64::MAX);
        b.reset();
        assert_eq!(b.next_delay(None), Duration::from_secs(600), "clamped down to the maximum");
    }

    #[test]
    fn retry_after_is_a_floor_with_a_ceiling() {
        let mut b = Backoff::new(config(0.0));
        assert_eq!(b.next_delay(Some(Duration::from_secs(7))), Duration::from_secs(7));
        assert_eq!(b.next_delay(Some(Duration::from_millis(10))), Duration::from_secs(2));
        assert_eq!(b.next_delay(Some(Duration::from_secs(86_400))), Duration::from_secs(600));
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::new(config(0.0));
        for _ in 0..5 {
            b.next_delay(None);
        }
        b.reset();
        assert_eq!(b.failures(), 0);
        assert_eq!(b.next_delay(None), Duration::from_secs(1));
    }
}
