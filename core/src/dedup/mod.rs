//! Dedup: an event is applied once, however often it arrives (replays after a resume,
//! duplicates from proxies), in bounded memory.
//!
//! - Events with an id: a bounded LRU of ids (`id_capacity`, default 10,000), persisted with the
//!   cache so a cold start still recognises replays. Every id the window admits or evicts is
//!   recorded for the next persistence batch.
//! - Events without an id: a window of content signatures (event type + data) kept for
//!   `signature_window` (default 60 s, on tokio's clock) and at most `signature_capacity`.

mod ids;
mod signatures;

use ids::IdWindow;
use signatures::SignatureWindow;
use std::time::Duration;
use tokio::time::Instant;

/// Sizes of the dedup windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DedupConfig {
    /// Event ids remembered (least recently seen evicted first).
    pub id_capacity: usize,
    /// How long an id-less event's signature is remembered.
    pub signature_window: Duration,
    /// Signatures remembered at most (oldest evicted first).
    pub signature_capacity: usize,
}

impl Default for DedupConfig {
    fn default() -> Self {
        Self {
            id_capacity: 10_000,
            signature_window: Duration::from_secs(60),
            signature_capacity: 10_000,
        }
    }
}

/// What dedup decided about one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// First time: apply it.
    Fresh,
    /// Its id was seen before.
    DuplicateId,
    /// No id, and the same type and data arrived within the signature window.
    DuplicateSignature,
}

/// Changes to the id window since the last [`Dedup::take_changes`], for persistence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdChanges {
    pub added: Vec<String>,
    pub evicted: Vec<String>,
}

#[derive(Debug)]
pub struct Dedup {
    ids: IdWindow,
    signatures: SignatureWindow,
}

impl Dedup {
    pub fn new(config: DedupConfig) -> Self {
        Self {
            ids: IdWindow::new(config.id_capacity),
            signatures: SignatureWindow::new(config.signature_window, config.signature_capacity),
        }
    }

    /// Decides about one event and remembers it when fresh. `id` is the event's id (empty or
    /// `None` when it has none); the signature is only used for events without one.
    pub fn check(
        &mut self,
        id: Option<&str>,
        event_type: &str,
        data: &str,
        now: Instant,
    ) -> Verdict {
        match id.filter(|id| !id.is_empty()) {
            Some(id) => {
                if self.ids.insert(id) {
                    Verdict::Fresh
                } else {
                    Verdict::DuplicateId
                }
            }
            None => {
                if self.signatures.insert(event_type, data, now) {
                    Verdict::Fresh
                } else {
                    Verdict::DuplicateSignature
                }
            }
        }
    }

    /// Seeds the id window from storage, oldest first (records no changes).
    pub fn restore(&mut self, ids: impl IntoIterator<Item = String>) {
        self.ids.restore(ids);
    }

    /// Forgets everything (logout).
    pub fn clear(&mut self) {
        self.ids.clear();
        self.signatures.clear();
    }

    /// Ids remembered now.
    pub fn remembered_ids(&self) -> usize {
        self.ids.len()
    }

    pub fn take_changes(&mut self) -> IdChanges {
        self.ids.take_changes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn ids_and_signatures() {
        let config = DedupConfig {
            id_capacity: 2,
            signature_window: Duration::from_secs(10),
            signature_capacity: 100,
        };
        let mut d = Dedup::new(config);
        let t = Instant::now();
        assert_eq!(d.check(Some("1"), "m", "a", t), Verdict::Fresh);
        assert_eq!(d.check(Some("1"), "m", "b", t), Verdict::DuplicateId);
        // Same content without id: signatures, not ids.
        assert_eq!(d.check(None, "m", "a", t), Verdict::Fresh);
        assert_eq!(d.check(Some(""), "m", "a", t), Verdict::DuplicateSignature);
        assert_eq!(d.check(None, "other", "a", t), Verdict::Fresh);
        assert_eq!(
            d.check(None, "m", "a", t + Duration::from_secs(11)),
            Verdict::Fresh,
            "window passed"
        );
        let changes = d.take_changes();
        assert_eq!(changes.added, ["1"]);
        assert!(d.take_changes().added.is_empty());
    }
}
