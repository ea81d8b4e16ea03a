//! One connection: read the request, record it, answer with the next plan.

use super::Shared;
use crate::http::{self, Limits, RecordedRequest};
use crate::plan::{ResponsePlan, StreamOptions};
use crate::stream::{self, StreamSetup};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The body of `WrongContentType` and `NoContentType` answers: SSE-looking on purpose, so a
/// client that ignores the content type would visibly accept it.
const NOT_A_STREAM_BODY: &[u8] = b"data: this response is not an event stream\n\n";

/// Serves one connection (one request: every answer carries `Connection: close`).
pub(crate) async fn serve(shared: &Arc<Shared>, mut sock: TcpStream, peer: SocketAddr) {
    let limits =
        Limits { head: shared.options.max_request_head, body: shared.options.max_request_body };
    let request = match http::read_request(&mut sock, limits).await {
        Ok(Some(request)) => request,
        Ok(None) => return,
        Err(e) => {
            let Some(status) = e.status() else {
                tracing::debug!(%peer, error = %e.reason(), "request read failed");
                return;
            };
            tracing::debug!(%peer, status, error = %e.reason(), "refused request");
            shared.update(|s| s.bad_requests += 1);
            let reply = http::complete(status, &[], format!("{}\n", e.reason()).as_bytes(), false);
            answer_and_close(sock, &reply).await;
            return;
        }
    };
    let plan = shared.record(&request);
    tracing::debug!(
        %peer,
        method = %request.method,
        path = %request.path,
        last_event_id = ?request.last_event_id,
        plan = plan.name(),
        "request"
    );
    let head_only = request.method == "HEAD";
    match plan {
        ResponsePlan::Stream(options) => serve_stream(shared, sock, &request, options).await,
        ResponsePlan::Status { status, headers, body } => {
            answer_and_close(sock, &http::complete(status, &headers, body.as_bytes(), head_only))
                .await;
        }
        ResponsePlan::Redirect { status, location } => {
            let headers = vec![("Location".to_string(), location)];
            answer_and_close(sock, &http::complete(status, &headers, b"", head_only)).await;
        }
        ResponsePlan::WrongContentType(content_type) => {
            let headers = vec![("Content-Type".to_string(), content_type)];
            let reply = http::complete(200, &headers, NOT_A_STREAM_BODY, head_only);
            answer_and_close(sock, &reply).await;
        }
        ResponsePlan::NoContentType => {
            let headers = vec![
                ("Content-Length".to_string(), NOT_A_STREAM_BODY.len().to_string()),
                ("Connection".to_string(), "close".to_string()),
            ];
            let mut reply = http::head(200, &headers);
            if !head_only {
                reply.extend_from_slice(NOT_A_STREAM_BODY);
            }
            answer_and_close(sock, &reply).await;
        }
        ResponsePlan::Hang => drain_until_closed(&mut sock).await,
        ResponsePlan::CloseImmediately => drop(sock),
    }
}

/// Registers the stream (queueing its replay atomically with registration) and runs it.
async fn serve_stream(
    shared: &Arc<Shared>,
    sock: TcpStream,
    request: &RecordedRequest,
    options: StreamOptions,
) {
    let head_only = request.method == "HEAD";
    let (registration, commands) = if head_only {
        (None, tokio::sync::mpsc::unbounded_channel().1)
    } else {
        let (registration, commands) = shared.open_stream(request.raw_last_event_id.as_deref());
        (Some(registration), commands)
    };
    // Declared after the registration, so it is dropped (closed) first, also when the task is
    // cancelled: a stream counts as closed only once its socket is.
    let mut sock = sock;
    let setup =
        StreamSetup { options, head_only, commands, keepalive: shared.keepalive.subscribe() };
    let end = stream::run(&mut sock, setup).await;
    tracing::debug!(?end, "stream ended");
    drop(sock);
    drop(registration);
}

/// Writes a complete answer, half-closes, and reads until the client closes, so unread
/// request bytes never turn the close into a reset that could eat the answer.
async fn answer_and_close(mut sock: TcpStream, reply: &[u8]) {
    if sock.write_all(reply).await.is_err() || sock.shutdown().await.is_err() {
        return;
    }
    drain_until_closed(&mut sock).await;
}

/// Reads and discards until the peer closes (or the socket fails).
async fn drain_until_closed(sock: &mut TcpStream) {
    let mut scratch = [0u8; 4096];
    while let Ok(n) = sock.read(&mut scratch).await {
        if n == 0 {
            break;
        }
    }
}
