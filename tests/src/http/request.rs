//! Reading one HTTP/1.1 request: bounded, strict about framing, lenient about bytes in values.

use std::io;
use tokio::io::{AsyncRead, AsyncReadExt};

/// A request as the server received it, kept for assertions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, … as sent.
    pub method: String,
    /// The request target as sent, query string included (`/events?x=1`).
    pub path: String,
    /// Headers in arrival order, names as sent; values decoded as UTF-8 (lossy).
    pub headers: Vec<(String, String)>,
    /// `Last-Event-ID`, decoded as UTF-8 (lossy), surrounding spaces and tabs removed.
    pub last_event_id: Option<String>,
    /// `Last-Event-ID` exactly as its bytes arrived (surrounding spaces and tabs removed).
    pub raw_last_event_id: Option<Vec<u8>>,
    /// The `Content-Length` body (empty without one).
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Size limits for one request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) head: usize,
    pub(crate) body: usize,
}

/// Why a request was refused; each maps to one status code.
#[derive(Debug)]
pub(crate) enum RequestError {
    /// Not HTTP/1.x as RFC 9112 frames it: `400`.
    Malformed(&'static str),
    /// Request line + headers over the limit: `431`.
    HeadTooLarge,
    /// `Content-Length` over the limit: `413`.
    BodyTooLarge,
    /// Valid but not supported here (a `Transfer-Encoding` on a request): `501`.
    Unsupported(&'static str),
    /// The socket failed or closed mid-request: no answer.
    Io(io::Error),
}

impl RequestError {
    /// The status to answer with, or `None` when the socket is gone.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            Self::Malformed(_) => Some(400),
            Self::HeadTooLarge => Some(431),
            Self::BodyTooLarge => Some(413),
            Self::Unsupported(_) => Some(501),
            Self::Io(_) => None,
        }
    }

    /// A one-line explanation, used as the response body.
    pub(crate) fn reason(&self) -> String {
        match self {
            Self::Malformed(why) => format!("malformed request: {why}"),
            Self::HeadTooLarge => "request head too large".to_string(),
            Self::BodyTooLarge => "request body too large".to_string(),
            Self::Unsupported(why) => format!("not supported: {why}"),
            Self::Io(e) => format!("i/o error: {e}"),
        }
    }
}

/// Reads one request. `Ok(None)`: the client closed (or sent only blank lines) before a request.
pub(crate) async fn read_request<R: AsyncRead + Unpin>(
    rd: &mut R,
    limits: Limits,
) -> Result<Option<RecordedRequest>, RequestError> {
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let (head_end, body_start) = loop {
        if let Some(found) = find_head_end(&buf) {
            break found;
        }
        if buf.len() > limits.head {
            return Err(RequestError::HeadTooLarge);
        }
        let n = rd.read(&mut chunk).await.map_err(RequestError::Io)?;
        if n == 0 {
            return if buf.iter().all(|b| matches!(b, b'\r' | b'\n')) {
                Ok(None)
            } else {
                Err(RequestError::Io(io::ErrorKind::UnexpectedEof.into()))
            };
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    if head_end > limits.head {
        return Err(RequestError::HeadTooLarge);
    }
    let mut request = parse_head(&buf[..head_end])?;
    let length = content_length(&request.headers_raw)?;
    if length > limits.body {
        return Err(RequestError::BodyTooLarge);
    }
    let mut body = buf.split_off(body_start.min(buf.len()));
    body.truncate(length);
    while body.len() < length {
        let want = (length - body.len()).min(chunk.len());
        let n = rd.read(&mut chunk[..want]).await.map_err(RequestError::Io)?;
        if n == 0 {
            return Err(RequestError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    request.body = body;
    Ok(Some(request.finish()))
}

/// `(end of the head, start of the body)`: the head ends at the first empty line, `\r\n` or `\n`.
fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let start = buf.iter().position(|b| !matches!(b, b'\r' | b'\n'))?;
    let mut i = start;
    while let Some(off) = buf[i..].iter().position(|&b| b == b'\n') {
        let nl = i + off;
        match buf.get(nl + 1..) {
            Some([b'\n', ..]) => return Some((nl + 1, nl + 2)),
            Some([b'\r', b'\n', ..]) => return Some((nl + 1, nl + 3)),
            _ => i = nl + 1,
        }
    }
    None
}

/// A parsed head before decoding values to text.
struct Head {
    method: String,
    path: String,
    headers_raw: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Head {
    fn finish(self) -> RecordedRequest {
        let raw_last_event_id = self
            .headers_raw
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("last-event-id"))
            .map(|(_, v)| v.clone());
        RecordedRequest {
            method: self.method,
            path: self.path,
            headers: self
                .headers_raw
                .into_iter()
                .map(|(n, v)| (n, String::from_utf8_lossy(&v).into_owned()))
                .collect(),
            last_event_id: raw_last_event_id
                .as_ref()
                .map(|v| String::from_utf8_lossy(v).into_owned()),
            raw_last_event_id,
            body: self.body,
        }
    }
}

/// Parses the request line and header lines (everything before the empty line).
fn parse_head(head: &[u8]) -> Result<Head, RequestError> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .skip_while(|line| line.is_empty());
    let request_line = lines.next().ok_or(RequestError::Malformed("empty request"))?;
    let (method, path) = parse_request_line(request_line)?;
    let mut headers_raw = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue; // the final line terminator of the head
        }
        headers_raw.push(parse_header_line(line)?);
    }
    Ok(Head { method, path, headers_raw, body: Vec::new() })
}

fn parse_request_line(line: &[u8]) -> Result<(String, String), RequestError> {
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(RequestError::Malformed("request line is not `METHOD target HTTP/1.x`"));
    };
    if method.is_empty() || !method.iter().all(|&b| is_token_byte(b)) {
        return Err(RequestError::Malformed("bad method"));
    }
    if target.is_empty() || !target.iter().all(|&b| (0x21..=0x7e).contains(&b)) {
        return Err(RequestError::Malformed("bad request target"));
    }
    if version != b"HTTP/1.1" && version != b"HTTP/1.0" {
        return Err(RequestError::Malformed("not HTTP/1.0 or HTTP/1.1"));
    }
    // Both are ASCII (checked above), so the conversions are lossless.
    Ok((String::from_utf8_lossy(method).into_owned(), String::from_utf8_lossy(target).into_owned()))
}

fn parse_header_line(line: &[u8]) -> Result<(String, Vec<u8>), RequestError> {
    if matches!(line.first(), Some(b' ' | b'\t')) {
        return Err(RequestError::Malformed("obsolete header line folding"));
    }
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(RequestError::Malformed("header line without a colon"))?;
    let name = &line[..colon];
    if name.is_empty() || !name.iter().all(|&b| is_token_byte(b)) {
        return Err(RequestError::Malformed("bad header name"));
    }
    let value = trim_ows(&line[colon + 1..]);
    if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(RequestError::Malformed("control character in a header value"));
    }
    Ok((String::from_utf8_lossy(name).into_owned(), value.to_vec()))
}

/// The body length from `Content-Length` (0 without one); a request `Transfer-Encoding` is
/// refused rather than misread.
fn content_length(headers: &[(String, Vec<u8>)]) -> Result<usize, RequestError> {
    let mut length: Option<usize> = None;
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(RequestError::Unsupported("Transfer-Encoding on a request"));
        }
        if name.eq_ignore_ascii_case("content-length") {
            let parsed = std::str::from_utf8(value)
                .ok()
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<usize>().ok())
                .ok_or(RequestError::Malformed("bad Content-Length"))?;
            if length.is_some_and(|l| l != parsed) {
                return Err(RequestError::Malformed("conflicting Content-Length headers"));
            }
            length = Some(parsed);
        }
    }
    Ok(length.unwrap_or(0))
}

fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { head: 1024, body: 64 };

    async fn read(bytes: &[u8]) -> Result<Option<RecordedRequest>, RequestError> {
        let mut rd = bytes;
        read_request(&mut rd, LIMITS).await
    }

    #[tokio::test]
    async fn parses_a_get_with_headers() {
        let req = read(b"GET /events?x=1 HTTP/1.1\r\nHost: a\r\nlast-event-id:  42 \r\n\r\n")
            .await
            .expect("valid")
            .expect("a request");
        assert_eq!(req.method, "GET");
        assert_eq!(req.path, "/events?x=1");
        assert_eq!(req.header("HOST"), Some("a"));
        assert_eq!(req.last_event_id.as_deref(), Some("42"));
        assert_eq!(req.raw_last_event_id.as_deref(), Some(&b"42"[..]));
        assert!(req.body.is_empty());
    }

    #[tokio::test]
    async fn accepts_bare_lf_and_leading_blank_lines_and_a_body() {
        let req = read(b"\r\nPOST / HTTP/1.0\nContent-Length: 3\n\nabcEXTRA")
            .await
            .expect("valid")
            .expect("a request");
        assert_eq!(req.body, b"abc");
    }

    #[tokio::test]
    async fn keeps_non_ascii_bytes() {
        let req = read(b"GET / HTTP/1.1\r\nLast-Event-ID: \xff\xc3\xa9\r\n\r\n")
            .await
            .expect("valid")
            .expect("a request");
        assert_eq!(req.raw_last_event_id.as_deref(), Some(&b"\xff\xc3\xa9"[..]));
        assert_eq!(req.last_event_id.as_deref(), Some("\u{fffd}é"));
    }

    #[tokio::test]
    async fn refuses_bad_framing() {
        for bad in [
            &b"GET /\r\n\r\n"[..],
            b"GET / HTTP/2.0\r\n\r\n",
            b"GET  / HTTP/1.1\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nNo colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\n folded: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        ] {
            let got = read(bad).await;
            assert!(
                matches!(got, Err(RequestError::Malformed(_))),
                "{:?} gave {got:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[tokio::test]
    async fn enforces_limits() {
        let long = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(2000));
        assert!(matches!(read(long.as_bytes()).await, Err(RequestError::HeadTooLarge)));
        let big = b"POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n";
        assert!(matches!(read(big).await, Err(RequestError::BodyTooLarge)));
        let te = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(matches!(read(te).await, Err(RequestError::Unsupported(_))));
    }

    #[tokio::test]
    async fn eof_before_a_request_is_not_an_error() {
        assert!(matches!(read(b"").await, Ok(None)));
        assert!(matches!(read(b"\r\n").await, Ok(None)));
        assert!(matches!(read(b"GET / HT").await, Err(RequestError::Io(_))));
    }
}
