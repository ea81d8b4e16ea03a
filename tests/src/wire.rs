//! SSE wire format: how events, `retry:` hints and keepalive comments look as bytes.

use crate::event::ServerEvent;
use bytes::Bytes;

/// The comment written on open streams at the keepalive period.
pub(crate) const KEEPALIVE: &[u8] = b": keepalive\n\n";

/// Encodes `ev` as `id:`, `event:`, one `data:` per line of data, then a blank line.
///
/// `id: None` writes no `id:` line. Line breaks (`\r\n`, `\r`, `\n`) inside `data` start a new
/// `data:` line; line breaks inside `id` or `event` cannot be represented in SSE and are removed.
pub(crate) fn encode_event(ev: &ServerEvent) -> Bytes {
    let mut out = String::with_capacity(ev.data.len() + 32);
    if let Some(id) = &ev.id {
        push_field(&mut out, "id", &strip_line_breaks(id));
    }
    if let Some(event) = &ev.event {
        push_field(&mut out, "event", &strip_line_breaks(event));
    }
    for line in data_lines(&ev.data) {
        push_field(&mut out, "data", line);
    }
    out.push('\n');
    Bytes::from(out)
}

/// `retry: ms` followed by a blank line (which dispatches nothing: the data buffer is empty).
pub(crate) fn encode_retry(ms: u64) -> Bytes {
    Bytes::from(format!("retry: {ms}\n\n"))
}

fn push_field(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    if value.is_empty() {
        out.push_str(":\n");
    } else {
        out.push_str(": ");
        out.push_str(value);
        out.push('\n');
    }
}

fn strip_line_breaks(s: &str) -> String {
    s.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

/// Splits on `\r\n`, `\r` or `\n`; an empty string is one empty line.
fn data_lines(data: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = data;
    while let Some(pos) = rest.find(['\r', '\n']) {
        lines.push(&rest[..pos]);
        let skip = if rest[pos..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[pos + skip..];
    }
    lines.push(rest);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(b: Bytes) -> String {
        String::from_utf8(b.to_vec()).unwrap_or_default()
    }

    #[test]
    fn full_event() {
        let ev = ServerEvent::data("a\nb\r\nc\rd").with_event("update").with_id("7");
        assert_eq!(
            text(encode_event(&ev)),
            "id: 7\nevent: update\ndata: a\ndata: b\ndata: c\ndata: d\n\n"
        );
    }

    #[test]
    fn data_only_and_empty() {
        assert_eq!(text(encode_event(&ServerEvent::data("x"))), "data: x\n\n");
        assert_eq!(text(encode_event(&ServerEvent::data(""))), "data:\n\n");
        assert_eq!(text(encode_event(&ServerEvent::data("x\n"))), "data: x\ndata:\n\n");
    }

    #[test]
    fn id_line_breaks_are_removed() {
        let ev = ServerEvent::data("x").with_id("a\nb").with_event("");
        assert_eq!(text(encode_event(&ev)), "id: ab\nevent:\ndata: x\n\n");
    }

    #[test]
    fn retry_line() {
        assert_eq!(text(encode_retry(1500)), "retry: 1500\n\n");
    }
}
