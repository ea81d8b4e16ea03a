//! The meaning of one line (WHATWG HTML §9.2.6): an empty line dispatches, a `:` line is a
//! comment, anything else is a field (`event`, `data`, `id`, `retry`; others are ignored).
//!
//! Lines arrive as raw bytes without their line end. Field names are compared on bytes (the four
//! names are ASCII, so this equals comparing decoded text) and values are decoded with
//! replacement when they are stored or surfaced.

use memchr::memchr;

use super::{EventRef, Frame, ParseError, Parser};

/// Appends `bytes` decoded as UTF-8 with replacement (U+FFFD for each maximal invalid
/// subpart, exactly as `String::from_utf8_lossy`) to `out`. The slow path: valid text is pushed
/// directly.
#[cold]
fn push_lossy(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
}

/// One complete line without its line end, with its text when it is already known to be valid
/// UTF-8 (the parser validates all complete lines of a chunk with one call when it can).
#[derive(Debug, Clone, Copy)]
pub(super) struct Line<'l> {
    bytes: &'l [u8],
    /// The same bytes as text, if valid.
    text: Option<&'l str>,
}

impl<'l> Line<'l> {
    /// A line whose bytes have not been validated.
    pub(super) fn raw(bytes: &'l [u8]) -> Self {
        Self { bytes, text: None }
    }

    /// A line known to be valid UTF-8.
    pub(super) fn valid(text: &'l str) -> Self {
        Self { bytes: text.as_bytes(), text: Some(text) }
    }

    /// The piece from byte `start` to the end, as text if it is valid UTF-8, else as raw bytes.
    /// `start` always follows an ASCII byte (`:` or space), so it is a character boundary.
    fn text_from(&self, start: usize) -> Result<&'l str, &'l [u8]> {
        if let Some(text) = self.text.and_then(|text| text.get(start..)) {
            return Ok(text);
        }
        let raw = self.bytes.get(start..).unwrap_or_default();
        std::str::from_utf8(raw).map_err(|_| raw)
    }

    /// Splits a non-empty, non-comment line into the field name and the offset where the value
    /// starts (after the first colon and one optional space; the line's length if no colon).
    #[inline]
    fn split_field(&self) -> (&'l [u8], usize) {
        let line = self.bytes;
        // Field names are short: look for the colon in the first bytes before a full search.
        let head = line.get(..8).unwrap_or(line);
        let colon = match head.iter().position(|&b| b == b':') {
            Some(colon) => Some(colon),
            None if line.len() > head.len() => memchr(b':', line),
            None => None,
        };
        match colon {
            Some(colon) => {
                let space = usize::from(line.get(colon + 1) == Some(&b' '));
                (line.get(..colon).unwrap_or_default(), colon + 1 + space)
            }
            None => (line, line.len()),
        }
    }
}

/// Length in bytes of the decoded form of `bytes` when it is not valid UTF-8.
fn lossy_len(bytes: &[u8]) -> usize {
    bytes
        .utf8_chunks()
        .map(|chunk| {
            let replacement = if chunk.invalid().is_empty() { 0 } else { 3 };
            chunk.valid().len() + replacement
        })
        .sum()
}

/// The value of a `retry` field if it is valid (non-empty, only ASCII digits), saturating.
fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        value
            .iter()
            .fold(0u64, |ms, &digit| ms.saturating_mul(10).saturating_add(u64::from(digit - b'0'))),
    )
}

/// The data of the event under construction when it is so far a single, valid `data` line of the
/// chunk being fed: kept as a borrow of the chunk instead of being copied into the data buffer
/// (the common one-line event is then dispatched without a copy). Invariant: when it is `Some`,
/// the parser's data buffer is empty. `flush_data` moves it into the buffer before the chunk
/// goes away.
pub(super) type BorrowedData<'l> = Option<&'l str>;

impl Parser {
    /// Processes one complete line.
    pub(super) fn process_line<'l, S: FnMut(Frame<'_>)>(
        &mut self,
        line: Line<'l>,
        borrowed: &mut BorrowedData<'l>,
        sink: &mut S,
    ) -> Result<(), ParseError> {
        match line.bytes.first() {
            None => {
                self.dispatch(borrowed, sink);
                return Ok(());
            }
            Some(b':') => {
                match line.text_from(1) {
                    Ok(text) => sink(Frame::Comment(text)),
                    Err(raw) => sink(Frame::Comment(&String::from_utf8_lossy(raw))),
                }
                return Ok(());
            }
            Some(_) => {}
        }
        let (name, value_start) = line.split_field();
        match name {
            b"data" => self.append_data(line.text_from(value_start), borrowed)?,
            b"event" => self.set_event_type(line.text_from(value_start), *borrowed)?,
            b"id" => {
                let value = line.bytes.get(value_start..).unwrap_or_default();
                // An id with a NULL is ignored (U+0000 is only ever the byte 0x00 in UTF-8).
                if memchr(0, value).is_none() {
                    self.id_buffer.clear();
                    match line.text_from(value_start) {
                        Ok(text) => self.id_buffer.push_str(text),
                        Err(raw) => push_lossy(&mut self.id_buffer, raw),
                    }
                    self.id_changed = true;
                }
            }
            b"retry" => {
                if let Some(ms) = parse_retry(line.bytes.get(value_start..).unwrap_or_default()) {
                    self.retry_ms = Some(ms);
                    sink(Frame::Retry(ms));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Moves borrowed data into the data buffer (before the chunk it borrows from goes away).
    pub(super) fn flush_data(&mut self, borrowed: &mut BorrowedData<'_>) {
        if let Some(text) = borrowed.take() {
            self.data.reserve(text.len() + 1);
            self.data.push_str(text);
            self.data.push('\n');
        }
    }

    /// `data`: append the value and a LF to the data buffer, within the event limit. The limit
    /// counts the event as it would be dispatched: data lines joined by LF plus the event type.
    fn append_data<'l>(
        &mut self,
        value: Result<&'l str, &'l [u8]>,
        borrowed: &mut BorrowedData<'l>,
    ) -> Result<(), ParseError> {
        match value {
            Ok(text) if self.data.is_empty() && borrowed.is_none() => {
                self.check_event(self.event_type.len() + text.len())?;
                *borrowed = Some(text);
                return Ok(());
            }
            Ok(text) => {
                self.flush_data(borrowed);
                self.check_event(self.data.len() + self.event_type.len() + text.len())?;
                self.data.reserve(text.len() + 1);
                self.data.push_str(text);
            }
            Err(raw) => {
                self.flush_data(borrowed);
                self.check_event(self.data.len() + self.event_type.len() + lossy_len(raw))?;
                push_lossy(&mut self.data, raw);
            }
        }
        self.data.push('\n');
        Ok(())
    }

    /// `event`: replace the event type buffer, within the event limit.
    fn set_event_type(
        &mut self,
        value: Result<&str, &[u8]>,
        borrowed: BorrowedData<'_>,
    ) -> Result<(), ParseError> {
        let data = borrowed.map_or(self.data.len().saturating_sub(1), str::len);
        self.event_type.clear();
        match value {
            Ok(text) => {
                self.check_event(data + text.len())?;
                self.event_type.push_str(text);
            }
            Err(raw) => {
                self.check_event(data + lossy_len(raw))?;
                push_lossy(&mut self.event_type, raw);
            }
        }
        Ok(())
    }

    fn check_event(&self, size: usize) -> Result<(), ParseError> {
        if size > self.limits.max_event_bytes {
            return Err(ParseError::EventTooLarge { limit: self.limits.max_event_bytes });
        }
        Ok(())
    }

    /// An empty line: the last event ID string takes the ID buffer (always), then an event is
    /// dispatched if the data buffer is not empty; data and type buffers are reset either way.
    fn dispatch<S: FnMut(Frame<'_>)>(&mut self, borrowed: &mut BorrowedData<'_>, sink: &mut S) {
        // `id_changed` means this block had an `id:` field: the event's own id.
        let has_own_id = std::mem::take(&mut self.id_changed);
        if has_own_id {
            self.last_event_id.clone_from(&self.id_buffer);
        }
        let data = match borrowed.take() {
            Some(text) => Some(text),
            // Remove the one trailing LF the last `data` line added.
            None if !self.data.is_empty() => {
                Some(self.data.strip_suffix('\n').unwrap_or(&self.data))
            }
            None => None,
        };
        if let Some(data) = data {
            let event_type =
                if self.event_type.is_empty() { "message" } else { self.event_type.as_str() };
            let id = &self.last_event_id;
            sink(Frame::Event(EventRef { event_type, data, id, has_own_id }));
            self.data.clear();
        }
        self.event_type.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::ParserLimits;

    #[test]
    fn lossy_decoding_matches_from_utf8_lossy() {
        let samples: [&[u8]; 7] = [
            b"plain",
            b"caf\xC3\xA9",
            b"\xFF\xFE",
            b"\xE2\x82",
            b"a\xF0\x9F\x98b",
            b"\xED\xA0\x80",
            b"\xC0\xAF\xF4\x90\x80\x80",
        ];
        for bytes in samples {
            let expected = String::from_utf8_lossy(bytes);
            let mut pushed = String::from("x");
            push_lossy(&mut pushed, bytes);
            assert_eq!(pushed, format!("x{expected}"));
            assert_eq!(lossy_len(bytes), expected.len());
        }
    }

    #[test]
    fn split_field_offsets() {
        let cases: [(&[u8], &[u8], &[u8]); 7] = [
            (b"data: x", b"data", b"x"),
            (b"data:  x", b"data", b" x"),
            (b"data", b"data", b""),
            (b"data:", b"data", b""),
            (b"data: ", b"data", b""),
            (b"a-very-long-name: v", b"a-very-long-name", b"v"),
            (b"a-very-long-name-without-colon", b"a-very-long-name-without-colon", b""),
        ];
        for (raw, name, value) in cases {
            for line in [Line::raw(raw), Line::valid(std::str::from_utf8(raw).expect("ascii"))] {
                let (got_name, start) = line.split_field();
                assert_eq!(
                    (got_name, line.text_from(start)),
                    (name, Ok(std::str::from_utf8(value).expect("ascii")))
                );
            }
        }
        assert_eq!(Line::raw(b"data: \xFF").text_from(6), Err(&b"\xFF"[..]));
    }

    #[test]
    fn retry_values() {
        assert_eq!(parse_retry(b"0"), Some(0));
        assert_eq!(parse_retry(b"1500"), Some(1500));
        assert_eq!(parse_retry(b"99999999999999999999999999"), Some(u64::MAX));
        assert_eq!(parse_retry(b""), None);
        assert_eq!(parse_retry(b"1 0"), None);
        assert_eq!(parse_retry(b" 5"), None);
        assert_eq!(parse_retry(b"-1"), None);
        assert_eq!(parse_retry(b"5ms"), None);
        // Non-ASCII digits are not digits.
        assert_eq!(parse_retry("\u{0661}".as_bytes()), None);
    }

    #[test]
    fn comment_keeps_its_space_and_is_decoded() {
        let mut p = Parser::default();
        let mut comments = Vec::new();
        let mut sink = |f: Frame<'_>| {
            if let Frame::Comment(c) = f {
                comments.push(c.to_owned());
            }
        };
        p.feed(b": hi\n:\n:x\xFFy\n", &mut sink).expect("small");
        assert_eq!(comments, [" hi", "", "x\u{FFFD}y"]);
    }

    #[test]
    fn event_limit_counts_dispatched_size() {
        let limits = ParserLimits { max_line_bytes: 100, max_event_bytes: 6 };
        let mut p = Parser::new(limits);
        let events = std::cell::Cell::new(0);
        let mut sink = |f: Frame<'_>| {
            if let Frame::Event(e) = f {
                assert_eq!((e.event_type, e.data), ("t", "ab\ncd"));
                events.set(events.get() + 1);
            }
        };
        // "ab\ncd" + "t" = 6 bytes: allowed.
        p.feed(b"event: t\ndata: ab\ndata: cd\n\n", &mut sink).expect("at the limit");
        assert_eq!(events.get(), 1);
        assert_eq!(
            p.feed(b"data: abc\ndata: def\n\n", &mut sink),
            Err(ParseError::EventTooLarge { limit: 6 })
        );
        p.reset();
        assert_eq!(
            p.feed(b"data: abcdef\nevent: t\n", &mut sink),
            Err(ParseError::EventTooLarge { limit: 6 })
        );
    }
}
