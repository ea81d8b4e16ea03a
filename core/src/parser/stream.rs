//! The byte side of the parser: line splitting (CRLF, LF, CR, also when a CRLF is split over two
//! feeds), the bounded buffer for an unfinished line, and the stream-level state (`reset`,
//! `finish`, limits, failure). The leading byte-order mark is handled in `bom.rs`.
//!
//! Complete lines are processed straight from the fed chunk; only the unfinished tail of a chunk
//! is copied. What a line means is decided in `fields.rs`.

use memchr::{memchr2, memrchr2};

use super::bom::Bom;
use super::fields::{BorrowedData, Line};
use super::{Frame, ParseError, ParserLimits};

/// Sans-IO parser for WHATWG HTML §9.2.6 "Interpreting an event stream": feed it bytes as they
/// arrive, in chunks of any size, and it calls a sink with each [`Frame`] they complete.
///
/// ```
/// use tether_core::{Frame, Parser, ParserLimits};
///
/// let mut parser = Parser::new(ParserLimits::default());
/// let mut events = Vec::new();
/// let mut sink = |frame: Frame<'_>| {
///     if let Frame::Event(event) = frame {
///         events.push(event.to_owned());
///     }
/// };
/// parser.feed(b"id: 1\nevent: greet\ndata: hel", &mut sink).unwrap();
/// parser.feed(b"lo\n\n", &mut sink).unwrap();
/// parser.finish();
/// assert_eq!(events[0].event_type, "greet");
/// assert_eq!(events[0].data, "hello");
/// assert_eq!(parser.last_event_id(), "1");
/// ```
///
/// The stream is decoded as UTF-8 with replacement (invalid bytes become U+FFFD, maximal-subpart
/// practice, exactly as `String::from_utf8_lossy`). Because CR, LF, `:` and space are ASCII and
/// always end an invalid sequence, the parser splits lines and fields on bytes and decodes each
/// piece on its own, which gives the same text as decoding the whole stream first.
///
/// Memory is bounded by [`ParserLimits`]: an unfinished line never holds more than
/// `max_line_bytes`, an event under construction never more than `max_event_bytes`.
#[derive(Debug, Clone)]
pub struct Parser {
    pub(super) limits: ParserLimits,
    /// Bytes of the current, unfinished line carried over from earlier feeds.
    pub(super) line: Vec<u8>,
    /// The last feed ended with a CR: a LF opening the next feed is the rest of that CRLF.
    skip_lf: bool,
    pub(super) bom: Bom,
    /// The spec's data buffer: decoded `data` values, each followed by LF.
    pub(super) data: String,
    /// The spec's event type buffer.
    pub(super) event_type: String,
    /// The spec's last event ID buffer (set by `id:`, copied to `last_event_id` at dispatch).
    pub(super) id_buffer: String,
    /// `id_buffer` differs from `last_event_id` (an `id:` field arrived since the last dispatch).
    pub(super) id_changed: bool,
    /// The EventSource's last event ID string.
    pub(super) last_event_id: String,
    pub(super) retry_ms: Option<u64>,
    /// Set when `feed` failed; further feeds return it until `reset`.
    failed: Option<ParseError>,
}

impl Default for Parser {
    /// A parser with [`ParserLimits::default`].
    fn default() -> Self {
        Self::new(ParserLimits::default())
    }
}

impl Parser {
    /// A parser at the start of a stream, with no last event ID.
    pub fn new(limits: ParserLimits) -> Self {
        Self::with_last_event_id(limits, "")
    }

    /// A parser that resumes a stream whose last event ID is already known (it was sent as
    /// `Last-Event-ID`): events dispatched before the stream's first `id:` field carry it.
    pub fn with_last_event_id(limits: ParserLimits, last_event_id: &str) -> Self {
        Self {
            limits,
            line: Vec::new(),
            skip_lf: false,
            bom: Bom::Pending(0),
            data: String::new(),
            event_type: String::new(),
            id_buffer: last_event_id.to_owned(),
            id_changed: false,
            last_event_id: last_event_id.to_owned(),
            retry_ms: None,
            failed: None,
        }
    }

    /// Feeds one chunk of the stream, calling `sink` for each frame it completes, in order.
    ///
    /// On `Err`, the frames before the offending line were already delivered; the parser then
    /// refuses further input (returning the same error) until [`reset`](Self::reset).
    pub fn feed(
        &mut self,
        chunk: &[u8],
        sink: &mut impl FnMut(Frame<'_>),
    ) -> Result<(), ParseError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let result = self.feed_lines(chunk, sink);
        if let Err(error) = &result {
            self.failed = Some(error.clone());
        }
        result
    }

    /// End of input: a final line without a line end and an event that was not dispatched (no
    /// empty line after it) are discarded. The parser is then ready for a new stream, as after
    /// [`reset`](Self::reset).
    pub fn finish(&mut self) {
        self.reset();
    }

    /// Prepares for a new stream (a reconnect): drops the unfinished line and event, re-arms the
    /// leading-BOM check and clears a failure. Keeps the last event ID (new events carry it until
    /// the new stream sends an `id:`) and the retry time.
    pub fn reset(&mut self) {
        self.line.clear();
        self.skip_lf = false;
        self.bom = Bom::Pending(0);
        self.data.clear();
        self.event_type.clear();
        if self.id_changed {
            self.id_buffer.clone_from(&self.last_event_id);
            self.id_changed = false;
        }
        self.failed = None;
    }

    /// The EventSource's "last event ID string": the ID buffer as of the last empty line
    /// (set even when that empty line dispatched nothing).
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The reconnection time from the last valid `retry:` field, in milliseconds.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry_ms
    }

    /// The limits this parser enforces.
    pub fn limits(&self) -> ParserLimits {
        self.limits
    }

    fn feed_lines<S: FnMut(Frame<'_>)>(
        &mut self,
        chunk: &[u8],
        sink: &mut S,
    ) -> Result<(), ParseError> {
        let mut rest = chunk;
        if let Bom::Pending(matched) = self.bom {
            rest = self.skip_bom(matched, rest)?;
        }
        if self.skip_lf {
            match rest.split_first() {
                None => return Ok(()),
                Some((&b'\n', after)) => rest = after,
                Some(_) => {}
            }
            self.skip_lf = false;
        }
        if !self.line.is_empty() {
            let Some(end) = memchr2(b'\r', b'\n', rest) else {
                return self.buffer_tail(rest);
            };
            self.check_line(self.line.len() + end)?;
            let mut line = std::mem::take(&mut self.line);
            line.extend_from_slice(&rest[..end]);
            let mut borrowed = None;
            let processed = self.process_line(Line::raw(&line), &mut borrowed, sink);
            self.flush_data(&mut borrowed);
            line.clear();
            self.line = line;
            processed?;
            rest = rest.get(self.after_line_end(rest, end)..).unwrap_or_default();
        }
        let mut borrowed = None;
        let result = self.complete_lines(rest, &mut borrowed, sink);
        self.flush_data(&mut borrowed);
        result
    }

    /// Processes every complete line of `chunk` straight from it and buffers the rest.
    fn complete_lines<'c, S: FnMut(Frame<'_>)>(
        &mut self,
        chunk: &'c [u8],
        borrowed: &mut BorrowedData<'c>,
        sink: &mut S,
    ) -> Result<(), ParseError> {
        let Some(last_end) = memrchr2(b'\r', b'\n', chunk) else {
            return self.buffer_tail(chunk);
        };
        // Validate all complete lines with one call; lines are then sliced from that text (line
        // ends are ASCII, so every line boundary is a character boundary). If some line is not
        // valid UTF-8, each line is decoded on its own instead.
        let text = chunk.get(..last_end).and_then(|lines| std::str::from_utf8(lines).ok());
        let mut start = 0;
        while let Some(len) = chunk.get(start..).and_then(|rest| memchr2(b'\r', b'\n', rest)) {
            self.check_line(len)?;
            let end = start + len;
            let line = match text.and_then(|text| text.get(start..end)) {
                Some(text) => Line::valid(text),
                None => Line::raw(chunk.get(start..end).unwrap_or_default()),
            };
            self.process_line(line, borrowed, sink)?;
            start = self.after_line_end(chunk, end);
        }
        self.buffer_tail(chunk.get(start..).unwrap_or_default())
    }

    /// The offset after the line end at `chunk[end]` (a CR or a LF), swallowing the LF of a
    /// CRLF, or remembering to swallow it if the CR is the chunk's last byte.
    fn after_line_end(&mut self, chunk: &[u8], end: usize) -> usize {
        if chunk.get(end) == Some(&b'\r') {
            match chunk.get(end + 1) {
                Some(b'\n') => return end + 2,
                None => self.skip_lf = true,
                Some(_) => {}
            }
        }
        end + 1
    }

    /// Keeps the unfinished end of a chunk for the next feed, refusing to hold a line longer
    /// than the limit.
    pub(super) fn buffer_tail(&mut self, tail: &[u8]) -> Result<(), ParseError> {
        if !tail.is_empty() {
            self.check_line(self.line.len() + tail.len())?;
            self.line.extend_from_slice(tail);
        }
        Ok(())
    }

    fn check_line(&self, len: usize) -> Result<(), ParseError> {
        if len > self.limits.max_line_bytes {
            return Err(ParseError::LineTooLong { limit: self.limits.max_line_bytes });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::Event;

    /// Everything a feed sequence produced, in a comparable form.
    #[derive(Debug, PartialEq, Eq)]
    enum Out {
        Event(Event),
        Comment(String),
        Retry(u64),
    }

    fn run(parser: &mut Parser, chunks: &[&[u8]]) -> Vec<Out> {
        let mut out = Vec::new();
        let mut sink = |frame: Frame<'_>| {
            out.push(match frame {
                // Compared by type, data and id; `has_own_id` has its own test.
                Frame::Event(event) => Out::Event(Event { has_own_id: false, ..event.to_owned() }),
                Frame::Comment(text) => Out::Comment(text.to_owned()),
                Frame::Retry(ms) => Out::Retry(ms),
            })
        };
        for chunk in chunks {
            parser.feed(chunk, &mut sink).expect("within limits");
        }
        parser.finish();
        out
    }

    fn ev(event_type: &str, data: &str, id: &str) -> Out {
        let (event_type, data, id) = (event_type.into(), data.into(), id.into());
        Out::Event(Event { event_type, data, id, has_own_id: false })
    }

    #[test]
    fn has_own_id_tells_an_id_field_from_an_inherited_id() {
        let mut p = Parser::default();
        let mut own = Vec::new();
        let stream =
            b"id: 1\ndata: a\n\ndata: b\n\nid: 1\ndata: c\n\nid\ndata: d\n\nid: x\0y\ndata: e\n\n";
        p.feed(stream, &mut |frame| {
            if let Frame::Event(e) = frame {
                own.push((e.id.to_owned(), e.has_own_id));
            }
        })
        .expect("within limits");
        let expected = [("1", true), ("1", false), ("1", true), ("", true), ("", false)];
        let expected: Vec<(String, bool)> =
            expected.iter().map(|(id, own)| (id.to_string(), *own)).collect();
        assert_eq!(own, expected, "an id with NUL is ignored, so it is not the event's own");
    }

    #[test]
    fn crlf_split_over_feeds_is_one_line_end() {
        let mut p = Parser::default();
        let out = run(&mut p, &[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(out, vec![ev("message", "a\nb", "")]);
    }

    #[test]
    fn cr_then_empty_feed_then_lf() {
        let mut p = Parser::default();
        let out = run(&mut p, &[b"data: a\r", b"", b"\n", b"\r\n"]);
        assert_eq!(out, vec![ev("message", "a", "")]);
    }

    #[test]
    fn lone_cr_at_end_ends_the_line() {
        let mut p = Parser::default();
        assert_eq!(run(&mut p, &[b"data: a\r\r"]), vec![ev("message", "a", "")]);
    }

    #[test]
    fn unfinished_line_and_event_are_discarded_by_finish() {
        let mut p = Parser::default();
        assert_eq!(run(&mut p, &[b"data: a\n\ndata: b\n"]), vec![ev("message", "a", "")]);
        let mut p = Parser::default();
        assert_eq!(run(&mut p, &[b"data: a\n\ndata: b"]), vec![ev("message", "a", "")]);
    }

    #[test]
    fn reset_keeps_id_and_retry_and_rearms_bom() {
        let mut p = Parser::default();
        let mut out = run(&mut p, &[b"id: 7\nretry: 10\ndata: a\n\nid: 8\ndata: b\n"]);
        assert_eq!(out, vec![Out::Retry(10), ev("message", "a", "7")]);
        p.reset();
        out = run(&mut p, &[b"\xEF\xBB\xBFdata: c\n\n"]);
        assert_eq!(out, vec![ev("message", "c", "7")]);
        assert_eq!(p.retry_ms(), Some(10));
    }

    #[test]
    fn resume_with_known_id() {
        let mut p = Parser::with_last_event_id(ParserLimits::default(), "42");
        let out = run(&mut p, &[b"data: a\n\nid: 43\ndata: b\n\n"]);
        assert_eq!(out, vec![ev("message", "a", "42"), ev("message", "b", "43")]);
        assert_eq!(p.last_event_id(), "43");
    }

    #[test]
    fn line_limit_counts_the_buffered_tail() {
        let limits = ParserLimits { max_line_bytes: 8, max_event_bytes: 100 };
        let mut p = Parser::new(limits);
        let mut sink = |_: Frame<'_>| {};
        // Exactly 8 bytes, split, then its line end: fine.
        assert_eq!(p.feed(b"data: ", &mut sink), Ok(()));
        assert_eq!(p.feed(b"ab", &mut sink), Ok(()));
        assert_eq!(p.feed(b"\n", &mut sink), Ok(()));
        // A ninth byte is refused before the line ends.
        assert_eq!(p.feed(b"data: abc", &mut sink), Err(ParseError::LineTooLong { limit: 8 }));
        // Poisoned until reset.
        assert_eq!(p.feed(b"\n", &mut sink), Err(ParseError::LineTooLong { limit: 8 }));
        p.reset();
        assert_eq!(p.feed(b"data: a\n\n", &mut sink), Ok(()));
    }

    #[test]
    fn frames_before_an_error_are_delivered() {
        let limits = ParserLimits { max_line_bytes: 10, max_event_bytes: 100 };
        let mut p = Parser::new(limits);
        let mut events = 0;
        let result = p.feed(b"data: a\n\ndata: 0123456789\n\n", &mut |f| {
            if let Frame::Event(_) = f {
                events += 1;
            }
        });
        assert_eq!(result, Err(ParseError::LineTooLong { limit: 10 }));
        assert_eq!(events, 1);
    }
}
