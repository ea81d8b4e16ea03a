//! The optional byte-order mark: exactly one EF BB BF at the very start of a stream is skipped,
//! even when it arrives split over several feeds. A partial BOM followed by other bytes is not a
//! BOM (its bytes are ordinary text, decoding to U+FFFD); a BOM anywhere later is U+FEFF.

use super::{ParseError, Parser};

/// The UTF-8 encoding of U+FEFF.
const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// Where the parser is with the optional leading byte-order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bom {
    /// At the start of a stream; this many bytes of the BOM have arrived so far (0..=2) and are
    /// held here, not in the line buffer.
    Pending(u8),
    /// Past the start: a U+FEFF from now on is an ordinary character.
    Done,
}

impl Parser {
    /// Consumes what belongs to a leading BOM at the start of `chunk` and returns the rest.
    pub(super) fn skip_bom<'c>(
        &mut self,
        matched: u8,
        chunk: &'c [u8],
    ) -> Result<&'c [u8], ParseError> {
        let matched = usize::from(matched);
        let wanted = BOM.get(matched..).unwrap_or_default();
        let n = wanted.len().min(chunk.len());
        if chunk[..n] == wanted[..n] {
            if n == wanted.len() {
                self.bom = Bom::Done;
            } else {
                // Still a possible BOM; `matched + n` is at most 2 here.
                self.bom = Bom::Pending(u8::try_from(matched + n).unwrap_or(u8::MAX));
            }
            return Ok(&chunk[n..]);
        }
        // Not a BOM: the bytes held back so far start the first line (they decode as U+FFFD).
        self.bom = Bom::Done;
        self.buffer_tail(BOM.get(..matched).unwrap_or_default())?;
        Ok(chunk)
    }
}

#[cfg(test)]
mod tests {
    use crate::parser::{Event, Frame, Parser};

    /// The events of `chunks` fed in order.
    fn events(chunks: &[&[u8]]) -> Vec<Event> {
        let mut parser = Parser::default();
        let mut out = Vec::new();
        let mut sink = |frame: Frame<'_>| {
            if let Frame::Event(event) = frame {
                out.push(event.to_owned());
            }
        };
        for chunk in chunks {
            parser.feed(chunk, &mut sink).expect("within limits");
        }
        parser.finish();
        out
    }

    fn data(events: &[Event]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn bom_one_byte_per_feed_is_skipped() {
        let out = events(&[b"\xEF", b"\xBB", b"", b"\xBF", b"data: x\n\n"]);
        assert_eq!(data(&out), ["x"]);
    }

    #[test]
    fn partial_bom_is_not_a_bom() {
        // EF BB then 'd': the held-back bytes start the line, so the field is "\u{FFFD}data".
        let out = events(&[b"\xEF\xBB", b"data: x\n\ndata: y\n\n"]);
        assert_eq!(data(&out), ["y"]);
    }

    #[test]
    fn second_bom_is_a_character() {
        let out = events(&[b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\ndata: y\n\n"]);
        assert_eq!(data(&out), ["y"]);
    }

    #[test]
    fn bom_split_then_not_completed() {
        // EF, then BB then 'd' in later feeds: still not a BOM.
        let out = events(&[b"\xEF", b"\xBB", b"data: x\n\ndata: y\n\n"]);
        assert_eq!(data(&out), ["y"]);
    }
}
