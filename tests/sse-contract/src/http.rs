//! Just enough HTTP/1.1 for the harness's control requests: one request per connection
//! (`Connection: close`), a `Content-Length` body, no chunked uploads (Go's client sends a length
//! for the in-memory bodies the harness uses).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Headers larger than this are refused; the harness sends a few hundred bytes.
const MAX_HEAD: usize = 64 * 1024;
/// Bodies larger than this are refused; stream parameters are small JSON objects.
const MAX_BODY: usize = 1024 * 1024;

/// One request: method, path (without query) and body.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

/// One response: status, extra headers and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn empty(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Vec::new() }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("Content-Type", "application/json".to_owned())],
            body: value.to_string().into_bytes(),
        }
    }

    pub fn text(status: u16, text: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".to_owned())],
            body: text.into().into_bytes(),
        }
    }
}

/// Reads one request; `None` when the peer closed early or sent something this reader refuses.
pub async fn read_request(socket: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::with_capacity(1024);
    let head_end = loop {
        if let Some(at) = find(&buf, b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(chunk.get(..n)?);
    };
    let head = std::str::from_utf8(buf.get(..head_end)?).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?;
    let path = target.split('?').next().unwrap_or_default().to_owned();
    let mut length = 0usize;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        if name.trim().eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().ok()?;
        } else if name.trim().eq_ignore_ascii_case("transfer-encoding") {
            // Chunked request bodies are never sent by the harness.
            return None;
        }
    }
    if length > MAX_BODY {
        return None;
    }
    let mut body = buf.get(head_end + 4..)?.to_vec();
    while body.len() < length {
        let mut chunk = vec![0u8; length - body.len()];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(chunk.get(..n)?);
    }
    body.truncate(length);
    Some(Request { method, path, body })
}

/// Writes `response` and closes the connection.
pub async fn write_response(socket: &mut TcpStream, response: Response) {
    let mut out = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status));
    for (name, value) in &response.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", response.body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&response.body);
    // The harness may already have given up on this request: nothing to do about it.
    let _ = socket.write_all(&bytes).await;
    let _ = socket.shutdown().await;
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Status",
    }
}
