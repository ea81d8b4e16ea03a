//! The connection: one engine task per stream, driven through a [`Connection`] handle.

mod backoff;
mod config;
mod engine;
mod lifecycle;
mod process;
mod request;
mod state;
mod token;

pub use config::{ConnectionConfig, ConnectionConfigBuilder, HeartbeatHint};
pub use lifecycle::{AppState, NetworkState};
pub use process::{process_signals, set_process_app_state, set_process_network};
pub use state::{CloseReason, ConnectionState, StateStream, SuspendReason};
pub use token::{TokenError, TokenFuture, TokenProvider, TokenRequest};

use crate::metrics::{Metrics, MetricsCell};
use crate::parser::Event;
use lifecycle::Command;
use state::StateCell;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tracing::Instrument;

/// What a stream delivers, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Event(Event),
    /// A comment line (only with `deliver_comments(true)`); the watchdog counts it as life.
    Comment(String),
}

/// State shared by the handle, the message stream and the engine task.
#[derive(Debug)]
pub(crate) struct Shared {
    state: StateCell,
    metrics: MetricsCell,
    closed: AtomicBool,
    last_event_id: Mutex<String>,
}

impl Shared {
    fn new(last_event_id: Option<String>) -> Self {
        Self {
            state: StateCell::new(),
            metrics: MetricsCell::new(),
            closed: AtomicBool::new(false),
            last_event_id: Mutex::new(last_event_id.unwrap_or_default()),
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(SeqCst)
    }

    pub(crate) fn set_last_event_id(&self, id: &str) {
        let mut current = self.last_event_id.lock().unwrap_or_else(|p| p.into_inner());
        if current.as_str() != id {
            id.clone_into(&mut current);
        }
    }
}

/// A live SSE connection. Cheap to query from any thread; dropping it closes the connection.
#[derive(Debug)]
pub struct Connection {
    shared: Arc<Shared>,
    commands: mpsc::UnboundedSender<Command>,
}

impl Connection {
    /// Starts connecting at once (on the configured runtime) and returns the handle and the
    /// stream of messages. Never fails: everything that can be wrong was checked by `build()`;
    /// what goes wrong later shows in the [state](Self::states).
    pub fn open(config: ConnectionConfig) -> (Connection, MessageStream) {
        let (messages_tx, messages_rx) = mpsc::channel(config.message_buffer);
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::new(config.last_event_id.clone()));
        let span = tracing::info_span!("tether.connection", origin = %config.url.origin().ascii_serialization());
        let runtime = config.runtime.clone();
        let (process, initial) = if config.follow_process_signals {
            let (signals, app, network) = process::ProcessSignals::subscribe();
            (Some(signals), lifecycle::Initial { app, network })
        } else {
            (None, lifecycle::Initial::default())
        };
        let engine =
            engine::Engine::new(config, Arc::clone(&shared), messages_tx, commands_rx, initial);
        runtime.spawn(engine.run().instrument(span));
        if let Some(signals) = process {
            runtime.spawn(signals.forward(commands_tx.clone()));
        }
        let stream = MessageStream { messages: messages_rx, shared: Arc::clone(&shared) };
        (Connection { shared, commands: commands_tx }, stream)
    }

    /// The state now.
    pub fn state(&self) -> ConnectionState {
        self.shared.state.get()
    }

    /// The state now, then every transition in order.
    pub fn states(&self) -> StateStream {
        self.shared.state.subscribe()
    }

    /// Tells the engine the app moved to the foreground or the background.
    pub fn set_app_state(&self, state: AppState) {
        self.command(Command::App(state));
    }

    /// Tells the engine the device went online or offline.
    pub fn set_network(&self, state: NetworkState) {
        self.command(Command::Network(state));
    }

    /// Drops the current stream (or the attempt under way, or the backoff wait) and reconnects
    /// at once, resuming from the last event id. Ignored while suspended or after close.
    pub fn restart(&self) {
        self.command(Command::Restart);
    }

    /// Closes for good. Idempotent; once it returns, no message is delivered any more.
    pub fn close(&self) {
        if !self.shared.closed.swap(true, SeqCst) {
            self.shared.state.set(ConnectionState::Closed { reason: CloseReason::ByClient });
            self.command(Command::Close);
        }
    }

    /// The id the next reconnect resumes from (empty when none yet).
    pub fn last_event_id(&self) -> String {
        self.shared.last_event_id.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Counters since the connection was opened.
    pub fn metrics(&self) -> Metrics {
        self.shared.metrics.snapshot(tokio::time::Instant::now())
    }

    fn command(&self, command: Command) {
        // The engine only stops after a final state; commands after that have nothing to do.
        let _ = self.commands.send(command);
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}

/// The messages of one connection, in the order the server sent them.
#[derive(Debug)]
pub struct MessageStream {
    messages: mpsc::Receiver<Message>,
    shared: Arc<Shared>,
}

impl MessageStream {
    /// The next message; `None` once the connection is closed or has failed and nothing is left.
    pub async fn recv(&mut self) -> Option<Message> {
        let message = self.messages.recv().await?;
        // Checked after receiving: a message that raced with `close()` is not handed out.
        (!self.shared.is_closed()).then_some(message)
    }

    /// The next message if one is ready now.
    pub fn try_recv(&mut self) -> Option<Message> {
        let message = self.messages.try_recv().ok()?;
        (!self.shared.is_closed()).then_some(message)
    }
}
