//! The state behind every [`TestServer`](super::TestServer) clone: one lock around the
//! bookkeeping, watch channels that wake waiters and streams, and the listener's lifecycle.

use super::state::{IdMode, State};
use crate::event::ServerEvent;
use crate::http::RecordedRequest;
use crate::options::ServerOptions;
use crate::plan::ResponsePlan;
use crate::stream::StreamCmd;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

/// State shared by the handle, the listener task and the connection tasks.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Bumped after every state change; waits re-check their condition on each bump.
    changes: watch::Sender<u64>,
    /// The keepalive period every stream follows.
    pub(crate) keepalive: watch::Sender<Option<Duration>>,
    /// Bumped by restart and shutdown: every connection task ends when it changes.
    pub(crate) epoch: watch::Sender<u64>,
    pub(super) requests_feed: broadcast::Sender<RecordedRequest>,
    pub(crate) options: ServerOptions,
    pub(super) addr: SocketAddr,
    pub(super) lifecycle: tokio::sync::Mutex<Lifecycle>,
}

/// The listener task, and whether the server was shut down for good.
#[derive(Debug, Default)]
pub(super) struct Lifecycle {
    pub(super) accept: Option<JoinHandle<()>>,
    pub(super) shut_down: bool,
}

impl Shared {
    /// Fresh state for a server bound to `addr`.
    pub(super) fn new(options: ServerOptions, addr: SocketAddr) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State::default()),
            changes: watch::Sender::new(0),
            keepalive: watch::Sender::new(options.keepalive),
            epoch: watch::Sender::new(0),
            requests_feed: broadcast::channel(1024).0,
            options,
            addr,
            lifecycle: tokio::sync::Mutex::new(Lifecycle::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` under the lock, then wakes every waiter.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let out = f(&mut self.lock());
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
        out
    }

    pub(super) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// Resolves once `cond` holds; re-checked after every state change.
    pub(super) async fn wait_until(&self, cond: impl Fn(&State) -> bool) {
        let mut changes = self.changes.subscribe();
        loop {
            if self.read(&cond) {
                return;
            }
            if changes.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Records a request, feeds subscribers and takes its plan.
    pub(crate) fn record(&self, request: &RecordedRequest) -> ResponsePlan {
        let plan = self.update(|s| s.record(request.clone(), &self.options));
        let _ = self.requests_feed.send(request.clone());
        plan
    }

    /// Registers a live stream with its replay queued.
    pub(crate) fn open_stream(
        self: &Arc<Self>,
        last_event_id: Option<&[u8]>,
    ) -> (StreamRegistration, mpsc::UnboundedReceiver<StreamCmd>) {
        let (id, rx) = self.update(|s| s.open_stream(last_event_id, self.options.replay));
        (StreamRegistration { shared: self.clone(), id }, rx)
    }

    pub(super) fn publish(&self, build: impl FnOnce(u64) -> ServerEvent, ids: IdMode) -> u64 {
        self.update(|s| {
            let (seq, wire) = s.publish(build, ids, self.options.history_limit);
            s.to_live(|| StreamCmd::Event(wire.clone()));
            seq
        })
    }
}

/// A registered stream; dropping it counts the stream as closed.
#[derive(Debug)]
pub(crate) struct StreamRegistration {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for StreamRegistration {
    fn drop(&mut self) {
        self.shared.update(|s| s.close_stream(self.id));
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("addr", &self.addr).finish_non_exhaustive()
    }
}
