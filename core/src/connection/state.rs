//! The observable connection state machine and its subscription stream.

use crate::error::ConnectionError;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::broadcast;

/// Where a connection is. Transitions (see ARCHITECTURE.md for the diagram):
/// `Idle → Connecting → Open → Reconnecting → Connecting → …`, any live phase may go to
/// `Suspended` (background or offline) and back to `Connecting`; `Closed` and `Failed` are final.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Created, not started yet.
    Idle,
    /// An HTTP request is under way. `attempt` is 0 for a first connect or an immediate resume.
    Connecting { attempt: u32 },
    /// Headers accepted (`200 text/event-stream`); events flow.
    Open,
    /// Waiting `delay` before attempt number `attempt`, because of `cause`.
    Reconnecting { attempt: u32, delay: Duration, cause: ConnectionError },
    /// Deliberately disconnected until the app is foregrounded or the network returns.
    Suspended { reason: SuspendReason },
    /// Closed for good: by the host, or by the server (HTTP 204).
    Closed { reason: CloseReason },
    /// Given up: the error says why (e.g. 404, refused credentials, wrong content type).
    Failed { error: ConnectionError },
}

impl ConnectionState {
    /// The phase's name, for logs and UIs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Connecting { .. } => "connecting",
            Self::Open => "open",
            Self::Reconnecting { .. } => "reconnecting",
            Self::Suspended { .. } => "suspended",
            Self::Closed { .. } => "closed",
            Self::Failed { .. } => "failed",
        }
    }

    /// `Closed` and `Failed` never change again.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Closed { .. } | Self::Failed { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuspendReason {
    Background,
    Offline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// `Connection::close()` (or dropping the connection).
    ByClient,
    /// The server answered 204 No Content: "stop reconnecting".
    ByServer,
}

/// Holds the current state and tells subscribers about every transition, in order.
#[derive(Debug)]
pub(crate) struct StateCell {
    current: Mutex<ConnectionState>,
    changes: broadcast::Sender<ConnectionState>,
}

impl StateCell {
    pub(crate) fn new() -> Self {
        let (changes, _) = broadcast::channel(256);
        Self { current: Mutex::new(ConnectionState::Idle), changes }
    }

    pub(crate) fn get(&self) -> ConnectionState {
        lock(&self.current).clone()
    }

    /// Moves to `next` unless the machine already reached a final state. Returns whether it moved.
    pub(crate) fn set(&self, next: ConnectionState) -> bool {
        let mut current = lock(&self.current);
        if current.is_terminal() || *current == next {
            return false;
        }
        tracing::debug!(from = current.name(), to = next.name(), "connection state");
        *current = next.clone();
        // No receiver is not an error: nobody is watching.
        let _ = self.changes.send(next);
        true
    }

    pub(crate) fn subscribe(&self) -> StateStream {
        let current = lock(&self.current);
        StateStream {
            first: Some(current.clone()),
            changes: self.changes.subscribe(),
            finished: false,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means a panic elsewhere while holding it; the state is still valid.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The current state first, then every transition in order. Ends after a final state.
#[derive(Debug)]
pub struct StateStream {
    first: Option<ConnectionState>,
    changes: broadcast::Receiver<ConnectionState>,
    finished: bool,
}

impl StateStream {
    /// The next state, or `None` once a final state has been yielded.
    pub async fn next(&mut self) -> Option<ConnectionState> {
        if self.finished {
            return None;
        }
        let state = match self.first.take() {
            Some(first) => Some(first),
            None => self.next_change().await,
        };
        self.finished = state.as_ref().is_none_or(ConnectionState::is_terminal);
        state
    }

    async fn next_change(&mut self) -> Option<ConnectionState> {
        loop {
            match self.changes.recv().await {
                Ok(state) => return Some(state),
                // A subscriber that fell more than 256 transitions behind skips to newer ones.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Waits for the first state (current or later) that `pred` accepts.
    pub async fn wait_for(
        &mut self,
        mut pred: impl FnMut(&ConnectionState) -> bool,
    ) -> Option<ConnectionState> {
        while let Some(state) = self.next().await {
            if pred(&state) {
                return Some(state);
            }
        }
        None
    }
}
