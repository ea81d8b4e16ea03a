//! What the parser hands out: borrowed frames (zero-copy, valid during one sink call) and the owned
//! [`Event`] a caller keeps.

/// One thing the parser recognised in the stream, borrowed from the parser's buffers (or from the
/// chunk being fed) for the duration of one sink call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// An event was dispatched (an empty line ended a block with at least one `data` field).
    Event(EventRef<'a>),
    /// A comment line (one starting with `:`): the text after the colon, UTF-8 decoded, with its
    /// leading space (if any) kept.
    Comment(&'a str),
    /// A valid `retry:` field (only ASCII digits, at least one), in milliseconds, saturating at
    /// `u64::MAX`. Emitted when the field is processed, not at dispatch.
    Retry(u64),
}

/// A dispatched event, borrowed from the parser. Call [`EventRef::to_owned`] to keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    /// The `event:` field of the block, or `"message"` when there was none (or it was empty).
    pub event_type: &'a str,
    /// The `data:` lines of the block joined with `\n` (no trailing line feed).
    pub data: &'a str,
    /// The stream's last event ID at dispatch time (the last `id:` seen, which persists).
    pub id: &'a str,
    /// Whether this event's own block had an `id:` field. Without one, `id` is inherited from
    /// an earlier event, so it does not identify this event (for dedup, say).
    pub has_own_id: bool,
}

impl EventRef<'_> {
    /// Copies the event out of the parser's buffers.
    #[allow(clippy::wrong_self_convention)] // the name is part of the fixed public API
    pub fn to_owned(&self) -> Event {
        Event {
            event_type: self.event_type.to_owned(),
            data: self.data.to_owned(),
            id: self.id.to_owned(),
            has_own_id: self.has_own_id,
        }
    }
}

/// An owned dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Event {
    /// The event type (`"message"` unless the block had a non-empty `event:` field).
    pub event_type: String,
    /// The data lines joined with `\n`.
    pub data: String,
    /// The last event ID at dispatch time.
    pub id: String,
    /// Whether this event's own block had an `id:` field (see [`EventRef::has_own_id`]).
    pub has_own_id: bool,
}

impl Event {
    /// Borrows this event as an [`EventRef`].
    pub fn as_event_ref(&self) -> EventRef<'_> {
        EventRef {
            event_type: &self.event_type,
            data: &self.data,
            id: &self.id,
            has_own_id: self.has_own_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_owned_and_back() {
        let r = EventRef { event_type: "t", data: "d\ne", id: "7", has_own_id: true };
        let owned = r.to_owned();
        let expected =
            Event { event_type: "t".into(), data: "d\ne".into(), id: "7".into(), has_own_id: true };
        assert_eq!(owned, expected);
        assert_eq!(owned.as_event_ref(), r);
    }
}
