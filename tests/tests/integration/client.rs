//! A deliberately small raw HTTP/1.1 client on `tokio::net::TcpStream`: send a request, read the
//! status line and headers, then read the body piece by piece (de-chunked) or as SSE events.

use std::cell::Cell;
use std::net::SocketAddr;
use std::time::Duration;
use tether_testkit::TestServer;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Safety net for tests on the real clock: a hang fails the test instead of blocking it.
pub const SAFETY: Duration = Duration::from_secs(10);
/// Safety net for tests on a paused clock. There, every moment the runtime waits on a socket
/// moves time to the next timer, so the net must be longer than any timer a test sets.
pub const PAUSED_SAFETY: Duration = Duration::from_secs(3600);

thread_local! {
    static LIMIT: Cell<Duration> = const { Cell::new(SAFETY) };
}

/// Call first in a `start_paused` test: this thread's safety nets become [`PAUSED_SAFETY`].
/// (Such a test runs on a current-thread runtime, on the test's own thread.)
pub fn paused_clock() {
    LIMIT.with(|limit| limit.set(PAUSED_SAFETY));
}

/// Awaits `fut`, failing the test after the safety net.
pub async fn within<T>(fut: impl std::future::Future<Output = T>) -> T {
    let limit = LIMIT.with(Cell::get);
    match tokio::time::timeout(limit, fut).await {
        Ok(out) => out,
        Err(_) => panic!("timed out after {limit:?}"),
    }
}

/// How a body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Final chunk (chunked), all bytes (length), or a close (close-delimited).
    Clean,
    /// The socket closed before the body was complete.
    Abrupt,
}

/// One piece of a body as it arrived.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    /// A chunk (chunked) or one read's worth of bytes (other framings).
    Data(Vec<u8>),
    /// The body is over.
    End(End),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Chunked,
    Length(usize),
    Close,
}

/// A response whose body is read on demand.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    reader: BufReader<TcpStream>,
    framing: Framing,
    ended: Option<End>,
    /// Decoded body text not yet parsed into events.
    pending: String,
}

/// An event as a client would dispatch it (our server writes LF-only wire format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

/// Sends `method path` with `headers` (raw bytes allowed) and `body`, returns the response head.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> Response {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n").into_bytes();
    for (name, value) in headers {
        req.extend_from_slice(name.as_bytes());
        req.extend_from_slice(b": ");
        req.extend_from_slice(value);
        req.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() {
        req.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    req.extend_from_slice(body);
    raw_request(addr, &req).await
}

/// `GET path` with an `Accept: text/event-stream` header.
pub async fn get(server: &TestServer, path: &str) -> Response {
    request(server.addr(), "GET", path, &[("Accept", b"text/event-stream")], b"").await
}

/// `GET /events` with `Last-Event-ID: id`.
pub async fn resume(server: &TestServer, id: &str) -> Response {
    let headers: [(&str, &[u8]); 2] =
        [("Accept", b"text/event-stream"), ("Last-Event-ID", id.as_bytes())];
    request(server.addr(), "GET", "/events", &headers, b"").await
}

/// Writes `bytes` as they are, then reads the response head.
pub async fn raw_request(addr: SocketAddr, bytes: &[u8]) -> Response {
    let mut sock = within(TcpStream::connect(addr)).await.expect("connect");
    sock.write_all(bytes).await.expect("send request");
    read_head(sock).await
}

/// `GET path` (with `Last-Event-ID` when given); `Err` when the connection is refused.
pub async fn try_get(
    addr: SocketAddr,
    path: &str,
    last_event_id: Option<&str>,
) -> std::io::Result<Response> {
    let mut sock = TcpStream::connect(addr).await?;
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n");
    if let Some(id) = last_event_id {
        req.push_str(&format!("Last-Event-ID: {id}\r\n"));
    }
    req.push_str("\r\n");
    sock.write_all(req.as_bytes()).await?;
    Ok(read_head(sock).await)
}

async fn read_head(sock: TcpStream) -> Response {
    let mut reader = BufReader::new(sock);
    let mut line = String::new();
    within(reader.read_line(&mut line)).await.expect("status line");
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        within(reader.read_line(&mut line)).await.expect("header line");
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        let (name, value) = l.split_once(':').unwrap_or_else(|| panic!("bad header {l:?}"));
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let find = |n: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v);
    let framing = if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        Framing::Chunked
    } else if let Some(len) = find("content-length") {
        Framing::Length(len.parse().expect("numeric content-length"))
    } else {
        Framing::Close
    };
    Response { status, headers, reader, framing, ended: None, pending: String::new() }
}

impl Response {
    /// The first header with this name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The next piece of the body (failing the test after the safety net); once ended, the same
    /// end again.
    pub async fn next_piece(&mut self) -> Piece {
        within(self.read_piece()).await
    }

    async fn read_piece(&mut self) -> Piece {
        if let Some(end) = self.ended {
            return Piece::End(end);
        }
        let piece = match self.framing {
            Framing::Chunked => self.next_chunk().await,
            Framing::Length(0) => Piece::End(End::Clean),
            Framing::Length(left) => {
                let mut buf = vec![0u8; left.min(64 * 1024)];
                match self.reader.read(&mut buf).await {
                    Ok(0) | Err(_) => Piece::End(End::Abrupt),
                    Ok(n) => {
                        self.framing = Framing::Length(left - n);
                        buf.truncate(n);
                        Piece::Data(buf)
                    }
                }
            }
            Framing::Close => {
                let mut buf = vec![0u8; 64 * 1024];
                match self.reader.read(&mut buf).await {
                    Ok(0) | Err(_) => Piece::End(End::Clean),
                    Ok(n) => {
                        buf.truncate(n);
                        Piece::Data(buf)
                    }
                }
            }
        };
        if let Piece::End(end) = piece {
            self.ended = Some(end);
        }
        piece
    }

    async fn next_chunk(&mut self) -> Piece {
        let mut size_line = String::new();
        match self.reader.read_line(&mut size_line).await {
            Ok(0) | Err(_) => return Piece::End(End::Abrupt),
            Ok(_) => {}
        }
        let Some(hex) = size_line.strip_suffix("\r\n") else {
            return Piece::End(End::Abrupt); // the socket closed mid size line
        };
        let size = usize::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("chunk size {hex:?}"));
        let mut data = vec![0u8; size + 2];
        if self.reader.read_exact(&mut data).await.is_err() {
            return Piece::End(End::Abrupt);
        }
        assert_eq!(&data[size..], b"\r\n", "chunk not followed by CRLF");
        data.truncate(size);
        if size == 0 {
            Piece::End(End::Clean)
        } else {
            Piece::Data(data)
        }
    }

    /// Reads the whole remaining body: its bytes and how it ended.
    pub async fn body(&mut self) -> (Vec<u8>, End) {
        let mut out = Vec::new();
        loop {
            match self.next_piece().await {
                Piece::Data(d) => out.extend_from_slice(&d),
                Piece::End(end) => return (out, end),
            }
        }
    }

    /// Reads until `n` events have been dispatched; panics if the body ends first.
    pub async fn events(&mut self, n: usize) -> Vec<SseEvent> {
        let mut out = Vec::new();
        loop {
            out.extend(drain_events(&mut self.pending, n - out.len()));
            if out.len() == n {
                return out;
            }
            match self.next_piece().await {
                Piece::Data(d) => self.pending.push_str(&String::from_utf8_lossy(&d)),
                Piece::End(end) => panic!("body ended ({end:?}) after {out:?}"),
            }
        }
    }

    /// Reads the rest of the body and returns the events in it and how it ended.
    pub async fn remaining_events(&mut self) -> (Vec<SseEvent>, End) {
        let (bytes, end) = self.body().await;
        self.pending.push_str(&String::from_utf8_lossy(&bytes));
        (drain_events(&mut self.pending, usize::MAX), end)
    }
}

/// Takes up to `max` complete events (blocks ending in a blank line that carry data) out of
/// `text`; comment-only and retry-only blocks are skipped.
pub fn drain_events(text: &mut String, max: usize) -> Vec<SseEvent> {
    let mut out = Vec::new();
    while out.len() < max {
        let Some(end) = text.find("\n\n") else { break };
        let block: String = text.drain(..end + 2).collect();
        let mut ev = SseEvent { id: None, event: None, data: String::new() };
        let mut has_data = false;
        for line in block.lines() {
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "id" => ev.id = Some(value.to_string()),
                "event" => ev.event = Some(value.to_string()),
                "data" => {
                    if has_data {
                        ev.data.push('\n');
                    }
                    ev.data.push_str(value);
                    has_data = true;
                }
                _ => {}
            }
        }
        if has_data {
            out.push(ev);
        }
    }
    out
}

/// The data of each event.
pub fn datas(events: &[SseEvent]) -> Vec<&str> {
    events.iter().map(|e| e.data.as_str()).collect()
}

/// The id of each event.
pub fn ids(events: &[SseEvent]) -> Vec<&str> {
    events.iter().map(|e| e.id.as_deref().unwrap_or("-")).collect()
}
