//! Sans-IO parser for the WHATWG "interpreting an event stream" rules: bytes in, frames out.
//!
//! - `stream.rs`: [`Parser`], the byte side (line ends, the unfinished-line buffer, limits,
//!   reset/finish).
//! - `bom.rs`: the optional leading byte-order mark.
//! - `fields.rs`: what a line means (dispatch, comments, `event`/`data`/`id`/`retry`).
//! - `frame.rs`: what comes out ([`Frame`], [`EventRef`], [`Event`]).
//!
//! The conformance table lives in `tests/fixtures/parser/` and runs from
//! `core/tests/integration/parser_table.rs`.

mod bom;
mod fields;
mod frame;
mod stream;

pub use frame::{Event, EventRef, Frame};
pub use stream::Parser;

use thiserror::Error;

/// Bounds that keep a hostile or broken stream from growing memory without limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParserLimits {
    /// Longest line (bytes, without its line end) the parser buffers.
    pub max_line_bytes: usize,
    /// Largest event (bytes of data plus event type) the parser accumulates before dispatch.
    pub max_event_bytes: usize,
}

impl Default for ParserLimits {
    /// 1 MiB for both: far above any sane event, far below what hurts a phone.
    fn default() -> Self {
        Self { max_line_bytes: 1 << 20, max_event_bytes: 1 << 20 }
    }
}

/// Why the parser refused a stream. After an error the parser must be `reset` before reuse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    #[error("line longer than the limit of {limit} bytes")]
    LineTooLong { limit: usize },
    #[error("event larger than the limit of {limit} bytes")]
    EventTooLarge { limit: usize },
}
