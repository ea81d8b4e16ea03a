//! Content signatures of id-less events, remembered for a time window.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hash, Hasher};
use std::time::Duration;
use tokio::time::Instant;

/// 128 bits from two independently keyed SipHashes: a false "duplicate" would drop a real event,
/// so collisions must be out of reach.
type Signature = u128;

#[derive(Debug)]
pub(super) struct SignatureWindow {
    window: Duration,
    capacity: usize,
    keys: (RandomState, RandomState),
    seen: HashMap<Signature, Instant>,
    order: VecDeque<(Instant, Signature)>,
}

impl SignatureWindow {
    pub(super) fn new(window: Duration, capacity: usize) -> Self {
        Self {
            window,
            capacity: capacity.max(1),
            keys: (RandomState::new(), RandomState::new()),
            seen: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Remembers the content; returns whether it was not seen within the window.
    pub(super) fn insert(&mut self, event_type: &str, data: &str, now: Instant) -> bool {
        self.expire(now);
        let signature = self.sign(event_type, data);
        if self.seen.contains_key(&signature) {
            return false;
        }
        self.seen.insert(signature, now);
        self.order.push_back((now, signature));
        while self.seen.len() > self.capacity {
            match self.order.pop_front() {
                Some((_, oldest)) => self.seen.remove(&oldest),
                None => break,
            };
        }
        true
    }

    pub(super) fn clear(&mut self) {
        self.seen.clear();
        self.order.clear();
    }

    fn expire(&mut self, now: Instant) {
        while let Some(&(at, signature)) = self.order.front() {
            if now.saturating_duration_since(at) <= self.window {
                break;
            }
            self.order.pop_front();
            self.seen.remove(&signature);
        }
    }

    fn sign(&self, event_type: &str, data: &str) -> Signature {
        let half = |keys: &RandomState| {
            let mut h = keys.build_hasher();
            event_type.hash(&mut h);
            data.hash(&mut h);
            h.finish()
        };
        (u128::from(half(&self.keys.0)) << 64) | u128::from(half(&self.keys.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn window_and_capacity() {
        let t = Instant::now();
        let mut w = SignatureWindow::new(Duration::from_secs(5), 2);
        assert!(w.insert("m", "a", t));
        assert!(!w.insert("m", "a", t + Duration::from_secs(5)));
        assert!(w.insert("m", "a", t + Duration::from_secs(6)), "expired after the window");
        assert!(w.insert("m", "b", t + Duration::from_secs(6)));
        assert!(w.insert("m", "c", t + Duration::from_secs(6)), "evicts the oldest");
        assert_eq!(w.seen.len(), 2);
        // "type, data" boundaries are part of the signature.
        assert!(w.insert("ab", "c", t + Duration::from_secs(7)));
        assert!(w.insert("a", "bc", t + Duration::from_secs(7)));
    }
}
