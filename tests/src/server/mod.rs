//! [`TestServer`]: the public handle. It owns nothing but an `Arc` of the shared state; the
//! listener and every connection are tasks on the caller's runtime.

mod connection;
mod listener;
mod shared;
mod state;

use crate::event::ServerEvent;
use crate::http::RecordedRequest;
use crate::options::ServerOptions;
use crate::plan::ResponsePlan;
use crate::stream::StreamCmd;
use bytes::Bytes;
use shared::Lifecycle;
pub(crate) use shared::Shared;
use state::{IdMode, State};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// Bytes written by [`TestServer::drop_mid_event`] when the log is still empty.
const PLACEHOLDER_EVENT: &[u8] = b"id: cut\nevent: cut\ndata: this event is cut in half\n\n";

/// A real HTTP/1.1 SSE server on 127.0.0.1, scripted from the test.
///
/// The truth is an append-only event log ([`publish`](Self::publish)); each stream request gets
/// the events after its `Last-Event-ID` (or, without a known one, per
/// [`ReplayPolicy`](crate::ReplayPolicy)) and then live events, in log order. Requests are
/// answered by queued [`ResponsePlan`]s, then by the default stream. Faults act on the streams
/// open at the time of the call, in order with the events queued before them.
///
/// Everything runs as tasks on the runtime that called [`start`](Self::start), with all timing
/// through `tokio::time`, so tests on a paused clock work. Waits resolve on events, never by
/// polling. Clones share one server.
#[derive(Clone)]
pub struct TestServer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (events, open) = self.shared.read(|s| (s.history_len(), s.open_streams()));
        f.debug_struct("TestServer")
            .field("addr", &self.shared.addr)
            .field("events", &events)
            .field("open_streams", &open)
            .finish()
    }
}

impl TestServer {
    /// Starts a server on 127.0.0.1 with an ephemeral port and default options.
    pub async fn start() -> io::Result<TestServer> {
        Self::start_with(ServerOptions::default()).await
    }

    /// Starts a server on 127.0.0.1 with these options.
    pub async fn start_with(options: ServerOptions) -> io::Result<TestServer> {
        let listener = listener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)))?;
        let addr = listener.local_addr()?;
        let shared = Shared::new(options, addr);
        let accept = listener::spawn_accept(shared.clone(), listener);
        shared.lifecycle.lock().await.accept = Some(accept);
        tracing::debug!(%addr, "test server listening");
        Ok(TestServer { shared })
    }

    /// The bound address (the same across restarts).
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://127.0.0.1:PORT/events`.
    pub fn url(&self) -> String {
        self.url_for("/events")
    }

    /// `http://127.0.0.1:PORT` + `path` (a `/` is added when missing). Every path serves the
    /// stream unless a plan says otherwise.
    pub fn url_for(&self, path: &str) -> String {
        let slash = if path.starts_with('/') { "" } else { "/" };
        format!("http://{}{slash}{path}", self.shared.addr)
    }

    // ----- the event log -----

    /// Appends `ev` to the log (id = its own or the sequence number) and queues it on every open,
    /// non-stalled stream. Returns its sequence number (1, 2, …).
    pub fn publish(&self, ev: ServerEvent) -> u64 {
        self.shared.publish(|_| ev, IdMode::AssignIfMissing)
    }

    /// Like [`publish`](Self::publish), with the event built from its sequence number (so the id
    /// or the payload can mention it).
    pub fn publish_with(&self, build: impl FnOnce(u64) -> ServerEvent) -> u64 {
        self.shared.publish(build, IdMode::AssignIfMissing)
    }

    /// Publishes `ev` with no `id:` line at all (its `id` is ignored): clients keep their last
    /// event id, and no resume can start after it.
    pub fn publish_without_id(&self, ev: ServerEvent) -> u64 {
        self.shared.publish(|_| ev, IdMode::Omit)
    }

    /// Appends `ev` to the log, writes only the first half of its bytes to every open stream and
    /// closes them abruptly. A client that resumes from its last complete event gets `ev` whole.
    pub fn publish_and_cut(&self, ev: ServerEvent) -> u64 {
        self.shared.update(|s| {
            let (seq, wire) =
                s.publish(|_| ev, IdMode::AssignIfMissing, self.shared.options.history_limit);
            s.detach_live(|| StreamCmd::Cut(wire.clone()));
            seq
        })
    }

    /// The log: `(sequence number, event with the id it was sent with)`, oldest first.
    pub fn history(&self) -> Vec<(u64, ServerEvent)> {
        self.shared.read(State::history)
    }

    // ----- plans -----

    /// Queues the answer to the next request that finds no earlier plan queued.
    pub fn enqueue(&self, plan: ResponsePlan) {
        self.shared.update(|s| s.enqueue(plan));
    }

    // ----- faults on the streams open now -----

    /// Closes every open stream (stalled ones too) abruptly: no final chunk.
    pub fn drop_streams(&self) {
        self.shared.update(State::drop_all);
    }

    /// Writes the first half of the newest event's bytes again (a placeholder event's when the
    /// log is empty) to every open stream, then closes them abruptly. To cut a *new* event, use
    /// [`publish_and_cut`](Self::publish_and_cut).
    pub fn drop_mid_event(&self) {
        self.shared.update(|s| {
            let wire = s.last_wire().unwrap_or_else(|| Bytes::from_static(PLACEHOLDER_EVENT));
            s.detach_live(|| StreamCmd::Cut(wire.clone()));
        });
    }

    /// Ends every open stream cleanly (final chunk, then close).
    pub fn close_streams(&self) {
        self.shared.update(|s| s.detach_live(|| StreamCmd::Close));
    }

    /// Open streams go silent for good: no events, no keepalives, socket left open. They no
    /// longer count in [`open_streams`](Self::open_streams); they count as closed once the
    /// client hangs up (or a drop, restart or shutdown closes them).
    pub fn stall_streams(&self) {
        self.shared.update(State::stall_live);
    }

    /// Writes raw bytes to every open stream (not recorded in the log): comments, `retry:`,
    /// garbage, oversized lines.
    pub fn send_raw(&self, bytes: &[u8]) {
        let bytes = Bytes::copy_from_slice(bytes);
        self.shared.read(|s| s.to_live(|| StreamCmd::Raw(bytes.clone())));
    }

    /// Writes logged event `seq` again to every open stream (a duplicate or an old event).
    /// Does nothing when `seq` is not in the log.
    pub fn resend(&self, seq: u64) {
        self.shared.read(|s| match s.wire_of(seq) {
            Some(wire) => s.to_live(|| StreamCmd::Event(wire.clone())),
            None => tracing::warn!(seq, "resend: no such event in the log"),
        });
    }

    /// Sets the `: keepalive` comment period of every open and future stream (`None` or zero:
    /// off). The period restarts from now.
    pub fn set_keepalive(&self, every: Option<Duration>) {
        self.shared.keepalive.send_replace(every.filter(|d| !d.is_zero()));
    }

    /// Closes the listener and every connection, then listens again on the same port. The log
    /// and the plan queue are kept. Panics if the port cannot be bound again (see
    /// [`try_restart`](Self::try_restart)).
    pub async fn restart(&self) {
        self.restart_after(Duration::ZERO).await;
    }

    /// [`restart`](Self::restart), staying down for `down` (a `tokio::time` sleep) so
    /// connection attempts are refused meanwhile.
    pub async fn restart_after(&self, down: Duration) {
        if let Err(e) = self.try_restart(down).await {
            panic!("TestServer::restart: cannot listen on {} again: {e}", self.shared.addr);
        }
    }

    /// [`restart_after`](Self::restart_after) that reports a failed rebind instead of panicking.
    /// Does nothing after [`shutdown`](Self::shutdown).
    pub async fn try_restart(&self, down: Duration) -> io::Result<()> {
        let mut lifecycle = self.shared.lifecycle.lock().await;
        if lifecycle.shut_down {
            return Ok(());
        }
        self.stop(&mut lifecycle).await;
        if !down.is_zero() {
            tokio::time::sleep(down).await;
        }
        let listener = listener::bind(self.shared.addr)?;
        lifecycle.accept = Some(listener::spawn_accept(self.shared.clone(), listener));
        tracing::debug!(addr = %self.shared.addr, "test server restarted");
        Ok(())
    }

    /// Closes the listener and every connection for good. The log and records stay readable.
    pub async fn shutdown(&self) {
        let mut lifecycle = self.shared.lifecycle.lock().await;
        self.stop(&mut lifecycle).await;
        lifecycle.shut_down = true;
    }

    /// Stops accepting, ends every connection task and waits until all of them are gone.
    async fn stop(&self, lifecycle: &mut Lifecycle) {
        if let Some(accept) = lifecycle.accept.take() {
            accept.abort();
            let _ = accept.await; // the listener is closed once the task is gone
        }
        self.shared.epoch.send_modify(|e| *e = e.wrapping_add(1));
        self.shared.wait_until(|s| s.connections == 0).await;
    }

    // ----- records and waits -----

    /// Every recorded request (the newest `request_log_limit` ones when set), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.read(State::requests)
    }

    /// How many requests were recorded since the start (malformed ones are not).
    pub fn request_count(&self) -> usize {
        self.shared.read(|s| s.requests_total)
    }

    /// Resolves once at least `n` requests were recorded; returns [`requests`](Self::requests).
    pub async fn wait_for_requests(&self, n: usize) -> Vec<RecordedRequest> {
        self.shared.wait_until(|s| s.requests_total >= n).await;
        self.requests()
    }

    /// Every request recorded from now on, as it arrives (a slow reader may miss some: see
    /// `broadcast::error::RecvError::Lagged`).
    pub fn subscribe_requests(&self) -> broadcast::Receiver<RecordedRequest> {
        self.shared.requests_feed.subscribe()
    }

    /// Requests refused as malformed or too large (answered 400, 413, 431 or 501).
    pub fn bad_requests(&self) -> usize {
        self.shared.read(|s| s.bad_requests)
    }

    /// Streams that receive publishes now (stalled, dropped and closed ones excluded).
    pub fn open_streams(&self) -> usize {
        self.shared.read(State::open_streams)
    }

    /// Resolves once exactly `n` streams are open (`0`: every client went away).
    pub async fn wait_for_open_streams(&self, n: usize) {
        self.shared.wait_until(|s| s.open_streams() == n).await;
    }

    /// Streams whose socket has closed since the start, for any reason.
    pub fn closed_streams(&self) -> usize {
        self.shared.read(|s| s.closed_streams)
    }

    /// Resolves once at least `total_closed` streams have closed their socket since the start
    /// (the client hung up, or the server dropped, closed, cut or restarted them).
    pub async fn wait_for_closed_streams(&self, total_closed: usize) {
        self.shared.wait_until(|s| s.closed_streams >= total_closed).await;
    }
}
