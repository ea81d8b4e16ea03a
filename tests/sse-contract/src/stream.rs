//! One stream the harness asked for: a `tether_core::Connection` and the task that reports what
//! it sees to the harness's callback endpoint, in order.

use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use tether_core::{
    ConnectionConfig, ConnectionState, Message, MessageStream, ParserLimits, StateStream,
};
use tokio::task::JoinHandle;

/// The body of `POST /` (the harness's `CreateStreamParams`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamParams {
    stream_url: String,
    callback_url: String,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    initial_delay_ms: Option<u64>,
    #[serde(default)]
    read_timeout_ms: Option<u64>,
    #[serde(default)]
    last_event_id: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    headers: Option<HashMap<String, String>>,
}

/// The harness's stress test sends a 1 MiB `data:` line; Tether's default limit (1 MiB per line
/// and per event) is 6 bytes short of that line. A host may raise the limit, so the service does.
const LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// A running stream: closing it closes the connection and stops its callbacks.
#[derive(Debug)]
pub struct StreamEntity {
    connection: tether_core::Connection,
    reporter: JoinHandle<()>,
}

impl StreamEntity {
    /// Opens the connection on the current runtime. The error text goes back to the harness in a
    /// 400 response.
    pub fn open(params: StreamParams, callbacks: reqwest::Client) -> Result<Self, String> {
        let mut builder = ConnectionConfig::builder(params.stream_url)
            .runtime(tokio::runtime::Handle::current())
            .deliver_comments(true)
            .jitter(0.0)
            .parser_limits(ParserLimits {
                max_line_bytes: LIMIT_BYTES,
                max_event_bytes: LIMIT_BYTES,
            });
        if let Some(ms) = params.initial_delay_ms {
            // The harness asks for 0 ("retry at once"); the engine's smallest delay is 1 ms.
            let delay = Duration::from_millis(ms.max(1));
            builder = builder.initial_retry_delay(delay).max_retry_delay(delay.max(MAX_DELAY));
        }
        if let Some(ms) = params.read_timeout_ms.filter(|ms| *ms > 0) {
            builder = builder.watchdog(Some(Duration::from_millis(ms)));
        }
        if let Some(id) = params.last_event_id {
            builder = builder.last_event_id(id);
        }
        if let Some(method) = params.method.filter(|m| !m.is_empty()) {
            builder = builder.method(method);
        }
        if let Some(body) = params.body {
            builder = builder.body(body);
        }
        for (name, value) in params.headers.unwrap_or_default() {
            builder = builder.header(name, value);
        }
        let config = builder.build().map_err(|e| e.to_string())?;
        let (connection, messages) = tether_core::Connection::open(config);
        let reporter = Reporter {
            client: callbacks,
            base_url: params.callback_url.trim_end_matches('/').to_owned(),
            tag: params.tag.unwrap_or_default(),
            counter: 0,
        };
        let states = connection.states();
        let reporter = tokio::spawn(reporter.run(messages, states));
        Ok(Self { connection, reporter })
    }

    /// Drops the stream and reconnects at once (the harness's `restart` command).
    pub fn restart(&self) {
        self.connection.restart();
    }

    pub fn close(self) {
        self.connection.close();
        self.reporter.abort();
    }
}

/// The engine's default longest reconnect delay.
const MAX_DELAY: Duration = Duration::from_secs(30);

/// Posts callbacks one at a time, numbered from 1, so the harness sees them in order.
struct Reporter {
    client: reqwest::Client,
    base_url: String,
    tag: String,
    counter: u64,
}

impl Reporter {
    async fn run(mut self, mut messages: MessageStream, mut states: StateStream) {
        let mut messages_open = true;
        let mut states_open = true;
        while messages_open || states_open {
            // Messages first: an event parsed before the stream broke was queued before the
            // state changed, so when both are ready the message is the older one.
            tokio::select! {
                biased;
                message = messages.recv(), if messages_open => match message {
                    Some(Message::Event(event)) => {
                        self.send(json!({
                            "kind": "event",
                            "event": { "type": event.event_type, "data": event.data, "id": event.id },
                        }))
                        .await;
                    }
                    Some(Message::Comment(text)) => {
                        self.send(json!({ "kind": "comment", "comment": text })).await;
                    }
                    None => messages_open = false,
                },
                state = states.next(), if states_open => match state {
                    Some(state) => {
                        if let Some(text) = error_text(&state) {
                            // The harness reads `error`; the spec's text names `comment`.
                            self.send(json!({ "kind": "error", "error": text, "comment": text }))
                                .await;
                        }
                    }
                    None => states_open = false,
                },
            }
        }
    }

    async fn send(&mut self, body: Value) {
        self.counter += 1;
        let url = format!("{}/{}", self.base_url, self.counter);
        let sent = self
            .client
            .post(&url)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        if let Err(error) = sent {
            // The harness closes a test's callback endpoint when the test ends.
            eprintln!("[{}] callback {} failed: {error}", self.tag, self.counter);
        }
    }
}

/// The states the harness counts as errors: a retry because something went wrong, and giving up.
fn error_text(state: &ConnectionState) -> Option<String> {
    match state {
        ConnectionState::Reconnecting { cause, .. } => Some(cause.to_string()),
        ConnectionState::Failed { error } => Some(error.to_string()),
        _ => None,
    }
}
