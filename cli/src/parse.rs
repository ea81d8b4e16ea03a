//! `tether parse`: raw SSE bytes on stdin, one JSON line per dispatched event on stdout.
//!
//! ```text
//! {"type": "message", "data": "hello", "id": "7"}
//! {"end": true, "last_event_id": "7", "retry_ms": null}
//! ```
//!
//! On a limit error the events so far are followed by
//! `{"error": "line_too_long"|"event_too_large", "message": "..."}` and the exit status is 2.

use std::io::{self, BufWriter, Read, Write};
use std::num::NonZeroUsize;
use std::process::ExitCode;

use tether_core::{Frame, ParseError, Parser, ParserLimits};

/// Options of `tether parse`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Bytes per feed, to exercise chunk boundaries (default: all of stdin in one feed).
    #[arg(long, value_name = "N")]
    chunk_size: Option<NonZeroUsize>,
    /// Longest line the parser buffers before failing with `line_too_long`.
    #[arg(long, value_name = "N", default_value_t = ParserLimits::default().max_line_bytes)]
    max_line_bytes: usize,
    /// Largest event (data plus type) before failing with `event_too_large`.
    #[arg(long, value_name = "N", default_value_t = ParserLimits::default().max_event_bytes)]
    max_event_bytes: usize,
}

/// Exit status when the stream broke a parser limit.
const LIMIT_ERROR: u8 = 2;

pub fn run(args: Args) -> ExitCode {
    let mut input = Vec::new();
    if let Err(e) = io::stdin().lock().read_to_end(&mut input) {
        eprintln!("tether parse: reading stdin: {e}");
        return ExitCode::FAILURE;
    }
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let limits =
        ParserLimits { max_line_bytes: args.max_line_bytes, max_event_bytes: args.max_event_bytes };
    let chunk_size = args.chunk_size.map_or(input.len().max(1), NonZeroUsize::get);
    match parse(&input, chunk_size, limits, &mut out).and_then(|status| {
        out.flush()?;
        Ok(status)
    }) {
        Ok(status) => status,
        // A closed pipe (`tether parse | head`) is not worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("tether parse: writing stdout: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Feeds `input` in `chunk_size` pieces and writes the JSON lines; returns the exit status.
fn parse(
    input: &[u8],
    chunk_size: usize,
    limits: ParserLimits,
    out: &mut impl Write,
) -> io::Result<ExitCode> {
    let mut parser = Parser::new(limits);
    let mut write_result = Ok(());
    let mut sink = |frame: Frame<'_>| {
        if let (Frame::Event(event), Ok(())) = (frame, &write_result) {
            write_result = writeln!(
                out,
                r#"{{"type": {}, "data": {}, "id": {}}}"#,
                json(event.event_type),
                json(event.data),
                json(event.id)
            );
        }
    };
    let mut failure = None;
    for chunk in input.chunks(chunk_size) {
        if let Err(error) = parser.feed(chunk, &mut sink) {
            failure = Some(error);
            break;
        }
    }
    write_result?;
    if let Some(error) = failure {
        let code = match error {
            ParseError::LineTooLong { .. } => "line_too_long",
            ParseError::EventTooLarge { .. } => "event_too_large",
        };
        writeln!(out, r#"{{"error": "{code}", "message": {}}}"#, json(&error.to_string()))?;
        return Ok(ExitCode::from(LIMIT_ERROR));
    }
    parser.finish();
    let retry = parser.retry_ms().map_or_else(|| "null".to_owned(), |ms| ms.to_string());
    writeln!(
        out,
        r#"{{"end": true, "last_event_id": {}, "retry_ms": {retry}}}"#,
        json(parser.last_event_id())
    )?;
    Ok(ExitCode::SUCCESS)
}

/// A JSON string literal for `text`.
fn json(text: &str) -> String {
    // Serialising a `str` cannot fail; fall back to an empty string rather than panic.
    serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], chunk: usize, limits: ParserLimits) -> (String, ExitCode) {
        let mut out = Vec::new();
        let status = parse(input, chunk, limits, &mut out).expect("writing to a Vec");
        (String::from_utf8(out).expect("JSON is UTF-8"), status)
    }

    #[test]
    fn prints_events_then_end() {
        let (text, status) = lines(b"retry: 5\nid: 1\ndata: a\"b\n\n", 3, ParserLimits::default());
        assert_eq!(
            text,
            "{\"type\": \"message\", \"data\": \"a\\\"b\", \"id\": \"1\"}\n\
             {\"end\": true, \"last_event_id\": \"1\", \"retry_ms\": 5}\n"
        );
        assert_eq!(status, ExitCode::SUCCESS);
    }

    #[test]
    fn limit_error_line() {
        let limits = ParserLimits { max_line_bytes: 4, max_event_bytes: 100 };
        let (text, status) = lines(b"data\n\ndata: long\n\n", 1, limits);
        assert_eq!(
            text,
            "{\"type\": \"message\", \"data\": \"\", \"id\": \"\"}\n\
             {\"error\": \"line_too_long\", \"message\": \"line longer than the limit of 4 bytes\"}\n"
        );
        assert_eq!(status, ExitCode::from(LIMIT_ERROR));
    }
}
