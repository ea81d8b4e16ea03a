//! One open `text/event-stream` response: a task that drains its own command queue in order.
//!
//! The server never writes to a socket directly. It pushes [`StreamCmd`]s into the stream's
//! queue (replayed events first, at registration, then live ones), so every stream sees events
//! in history order however replay and live publishing interleave.

mod body;

use crate::http;
use crate::plan::StreamOptions;
use crate::wire;
use body::BodyWriter;
use bytes::Bytes;
use std::io;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::{Interval, MissedTickBehavior};

/// An instruction for one stream, executed in queue order.
#[derive(Debug)]
pub(crate) enum StreamCmd {
    /// An encoded event (counts towards `close_after`).
    Event(Bytes),
    /// Raw bytes, not an event.
    Raw(Bytes),
    /// Write the first half of these bytes, then close abruptly.
    Cut(Bytes),
    /// Close abruptly: no final chunk.
    Drop,
    /// End the body cleanly, then close.
    Close,
    /// Go silent: write nothing more, keep the socket open until the client or the server
    /// closes it.
    Stall,
}

/// Why a stream ended (for logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamEnd {
    /// The client closed its side or the socket failed.
    ClientGone,
    /// `drop_streams` or a cut event.
    Dropped,
    /// Clean end (`close_after`, `close_streams`, HEAD).
    Finished,
}

/// The inputs of one stream task.
#[derive(Debug)]
pub(crate) struct StreamSetup {
    pub(crate) options: StreamOptions,
    pub(crate) head_only: bool,
    pub(crate) commands: mpsc::UnboundedReceiver<StreamCmd>,
    pub(crate) keepalive: watch::Receiver<Option<Duration>>,
}

/// The response head of a stream.
fn stream_head(options: &StreamOptions) -> Vec<u8> {
    let mut headers: Vec<(String, String)> = vec![
        ("Content-Type".into(), "text/event-stream".into()),
        ("Cache-Control".into(), "no-cache".into()),
    ];
    if options.gzip {
        headers.push(("Content-Encoding".into(), "gzip".into()));
    }
    if !options.close_delimited {
        headers.push(("Transfer-Encoding".into(), "chunked".into()));
    }
    headers.push(("Connection".into(), "close".into()));
    headers.extend(options.headers.iter().cloned());
    http::head(200, &headers)
}

/// Runs the stream on `sock` until it ends; the socket is closed when the caller drops it.
pub(crate) async fn run(sock: &mut TcpStream, setup: StreamSetup) -> StreamEnd {
    match drive(sock, setup).await {
        Ok(end) => end,
        Err(e) => {
            tracing::debug!(error = %e, "stream write failed");
            StreamEnd::ClientGone
        }
    }
}

async fn drive(sock: &mut TcpStream, setup: StreamSetup) -> io::Result<StreamEnd> {
    let StreamSetup { options, head_only, mut commands, mut keepalive } = setup;
    let (mut rd, mut wr) = sock.split();
    wr.write_all(&stream_head(&options)).await?;
    if head_only {
        wr.shutdown().await?;
        return Ok(StreamEnd::Finished);
    }
    let mut body = BodyWriter::new(&options);
    if !options.preamble.is_empty() {
        body.write(&mut wr, &options.preamble).await?;
    }
    if let Some(ms) = options.retry_ms {
        body.write(&mut wr, &wire::encode_retry(ms)).await?;
    }
    let mut written = 0usize;
    if options.close_after == Some(written) {
        body.finish(&mut wr).await?;
        return Ok(StreamEnd::Finished);
    }
    let mut ticker = keepalive_ticker(*keepalive.borrow_and_update());
    let mut keepalive_live = true;
    let mut stalled = false;
    let mut scratch = [0u8; 1024];
    loop {
        tokio::select! {
            biased;
            read = rd.read(&mut scratch) => match read {
                Ok(0) | Err(_) => return Ok(StreamEnd::ClientGone),
                Ok(_) => {} // pipelined bytes: ignored
            },
            cmd = commands.recv() => match cmd {
                None => {
                    // Every sender is gone: the server state was dropped. End cleanly.
                    body.finish(&mut wr).await?;
                    return Ok(StreamEnd::Finished);
                }
                Some(StreamCmd::Drop) => return Ok(StreamEnd::Dropped),
                Some(_) if stalled => {}
                Some(StreamCmd::Stall) => stalled = true,
                Some(StreamCmd::Event(bytes)) => {
                    body.write(&mut wr, &bytes).await?;
                    written += 1;
                    if options.close_after == Some(written) {
                        body.finish(&mut wr).await?;
                        return Ok(StreamEnd::Finished);
                    }
                }
                Some(StreamCmd::Raw(bytes)) => body.write(&mut wr, &bytes).await?,
                Some(StreamCmd::Cut(bytes)) => {
                    body.write(&mut wr, &bytes[..bytes.len() / 2]).await?;
                    return Ok(StreamEnd::Dropped);
                }
                Some(StreamCmd::Close) => {
                    body.finish(&mut wr).await?;
                    return Ok(StreamEnd::Finished);
                }
            },
            _ = tick(&mut ticker), if !stalled => body.write(&mut wr, wire::KEEPALIVE).await?,
            changed = keepalive.changed(), if keepalive_live => match changed {
                Ok(()) => ticker = keepalive_ticker(*keepalive.borrow_and_update()),
                Err(_) => keepalive_live = false,
            },
        }
    }
}

fn keepalive_ticker(every: Option<Duration>) -> Option<Interval> {
    let every = every.filter(|d| !d.is_zero())?;
    let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    Some(interval)
}

async fn tick(ticker: &mut Option<Interval>) {
    match ticker {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}
