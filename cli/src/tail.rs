//! `tether tail`: follow any SSE endpoint with the engine and print what happens.
//!
//! Every state change and every message is printed to stdout as it happens, one line each: plain
//! text by default, one JSON object per line with `--json` (the same information either way).
//! Header values are never printed: they may be credentials.
//!
//! Exit codes: 0 after `--max-events`, on Ctrl-C, or when the server closes for good (HTTP 204);
//! 1 when the connection fails for good (the error is printed); 2 for bad arguments.

use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;
use tether_core::{
    CloseReason, Connection, ConnectionConfig, ConnectionState, Message, MessageStream,
    SuspendReason,
};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The event stream's URL (http or https).
    url: String,
    /// A request header sent on every attempt, as `Name: value` (repeatable). Values are never
    /// printed.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Resume from this event id: sent as `Last-Event-ID` from the first request.
    #[arg(long, value_name = "ID")]
    last_event_id: Option<String>,
    /// Exit (status 0) after this many events.
    #[arg(long, value_name = "N")]
    max_events: Option<u64>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    json: bool,
    /// Also print comment lines (heartbeats, keep-alives).
    #[arg(long)]
    comments: bool,
    /// Reconnect when no byte arrives for this many seconds (0 disables the watchdog; default:
    /// the engine's, 45 s).
    #[arg(long, value_name = "S")]
    watchdog_secs: Option<u64>,
    /// Speak HTTP/2 in clear text with prior knowledge (h2c), for plain-text HTTP/2 servers.
    #[arg(long)]
    h2c: bool,
}

/// Exit status for arguments the command refuses (clap uses 2 as well).
const USAGE: u8 = 2;

pub fn run(args: Args) -> ExitCode {
    init_tracing();
    // The engine runs on this single-threaded runtime (passed with `.runtime()`), so it cannot
    // take a step before `follow` has subscribed to its states: with the engine's own runtime a
    // fast server can make `Open` the first state seen, and `connecting` would never print.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tether tail: cannot start a runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let config = match configure(&args, runtime.handle().clone()) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("tether tail: {message}");
            return ExitCode::from(USAGE);
        }
    };
    let printer = Printer { json: args.json };
    runtime.block_on(follow(config, args.max_events, printer))
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Fails only when a subscriber is already installed: keep that one.
    let _ =
        tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter).try_init();
}

/// Turns the arguments into an engine configuration, or a one-line reason why not.
fn configure(args: &Args, runtime: tokio::runtime::Handle) -> Result<ConnectionConfig, String> {
    let mut builder = ConnectionConfig::builder(args.url.as_str())
        .runtime(runtime)
        .deliver_comments(args.comments)
        .http2_prior_knowledge(args.h2c);
    builder = crate::headers::add_headers(builder, &args.headers)?;
    if let Some(id) = &args.last_event_id {
        builder = builder.last_event_id(id.as_str());
    }
    if let Some(secs) = args.watchdog_secs {
        let watchdog = (secs > 0).then(|| Duration::from_secs(secs));
        builder = builder.watchdog(watchdog);
    }
    // `ConfigError` messages name headers but never show their values.
    builder.build().map_err(|error| error.to_string())
}

/// Why the printing loop stopped.
enum Stop {
    MaxEvents,
    Interrupted,
    Terminal(ConnectionState),
    /// Stdout is gone (e.g. `tether tail … | head`).
    OutputClosed,
}

async fn follow(config: ConnectionConfig, max_events: Option<u64>, printer: Printer) -> ExitCode {
    // Subscribed before the first await: the engine (spawned on this thread's runtime) has not
    // run yet, so every transition from `Idle` on is seen.
    let (connection, mut messages) = Connection::open(config);
    let mut states = connection.states();
    let mut counter = Counter { seen: 0, max: max_events };
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut states_done = false;
    let mut messages_done = false;

    let stop = loop {
        // Ordering: the engine sets `Open` before it delivers that connection's messages, and
        // delivers them all before the state that ends the connection. Polling states first and
        // draining pending messages before a connection-ending state keeps the printed order
        // identical to the engine's.
        tokio::select! {
            biased;
            _ = &mut ctrl_c => break Stop::Interrupted,
            state = states.next(), if !states_done => {
                let Some(state) = state else {
                    states_done = true;
                    continue;
                };
                if ends_connection(&state) {
                    if let Some(stop) = drain(&mut messages, &printer, &mut counter) {
                        break stop;
                    }
                }
                if !printer.state(&state) {
                    break Stop::OutputClosed;
                }
                if state.is_terminal() {
                    break Stop::Terminal(state);
                }
            }
            message = messages.recv(), if !messages_done => {
                let Some(message) = message else {
                    messages_done = true;
                    continue;
                };
                if let Some(stop) = handle(&message, &printer, &mut counter) {
                    break stop;
                }
            }
            else => break Stop::Terminal(connection.state()),
        }
    };

    match stop {
        Stop::MaxEvents | Stop::Interrupted => {
            connection.close();
            printer.state(&connection.state());
            ExitCode::SUCCESS
        }
        Stop::OutputClosed => {
            connection.close();
            ExitCode::SUCCESS
        }
        Stop::Terminal(ConnectionState::Failed { error }) => {
            eprintln!("tether tail: connection failed: {error}");
            ExitCode::FAILURE
        }
        Stop::Terminal(ConnectionState::Closed { .. }) => ExitCode::SUCCESS,
        Stop::Terminal(other) => {
            eprintln!("tether tail: the engine stopped in state {}", other.name());
            ExitCode::FAILURE
        }
    }
}

/// States after which the engine delivers nothing more from the current socket.
fn ends_connection(state: &ConnectionState) -> bool {
    matches!(
        state,
        ConnectionState::Reconnecting { .. }
            | ConnectionState::Suspended { .. }
            | ConnectionState::Closed { .. }
            | ConnectionState::Failed { .. }
    )
}

/// Prints every message already delivered.
fn drain(messages: &mut MessageStream, printer: &Printer, counter: &mut Counter) -> Option<Stop> {
    while let Some(message) = messages.try_recv() {
        if let Some(stop) = handle(&message, printer, counter) {
            return Some(stop);
        }
    }
    None
}

fn handle(message: &Message, printer: &Printer, counter: &mut Counter) -> Option<Stop> {
    if !printer.message(message) {
        return Some(Stop::OutputClosed);
    }
    if matches!(message, Message::Event(_)) {
        counter.seen += 1;
        if counter.max.is_some_and(|max| counter.seen >= max) {
            return Some(Stop::MaxEvents);
        }
    }
    None
}

#[derive(Debug)]
struct Counter {
    seen: u64,
    max: Option<u64>,
}

/// Writes one line per state or message; returns false once stdout is gone.
#[derive(Debug)]
struct Printer {
    json: bool,
}

impl Printer {
    fn state(&self, state: &ConnectionState) -> bool {
        if matches!(state, ConnectionState::Idle) {
            return true; // Nothing happened yet.
        }
        let line = if self.json { state_json(state) } else { state_text(state) };
        emit(&line)
    }

    fn message(&self, message: &Message) -> bool {
        let line = match (message, self.json) {
            (Message::Event(e), true) => {
                to_json(&JsonLine::Event { event_type: &e.event_type, data: &e.data, id: &e.id })
            }
            (Message::Event(e), false) => format!(
                "event type={} id={} data={}",
                quoted(&e.event_type),
                quoted(&e.id),
                quoted(&e.data)
            ),
            (Message::Comment(text), true) => to_json(&JsonLine::Comment { text }),
            (Message::Comment(text), false) => format!("comment text={}", quoted(text)),
        };
        emit(&line)
    }
}

fn emit(line: &str) -> bool {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).is_ok()
}

fn state_text(state: &ConnectionState) -> String {
    let name = state.name();
    match state {
        ConnectionState::Idle | ConnectionState::Open => format!("state: {name}"),
        ConnectionState::Connecting { attempt } => format!("state: {name} attempt={attempt}"),
        ConnectionState::Reconnecting { attempt, delay, cause } => format!(
            "state: {name} attempt={attempt} delay={} cause={} ({cause})",
            seconds(*delay),
            cause.kind()
        ),
        ConnectionState::Suspended { reason } => {
            format!("state: {name} reason={}", suspend_reason(*reason))
        }
        ConnectionState::Closed { reason } => {
            format!("state: {name} reason={}", close_reason(*reason))
        }
        ConnectionState::Failed { error } => {
            format!("state: {name} error={} ({error})", error.kind())
        }
    }
}

/// One `--json` line: `kind` first, then the fields in a fixed order.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum JsonLine<'a> {
    State(StateLine<'a>),
    Event {
        #[serde(rename = "type")]
        event_type: &'a str,
        data: &'a str,
        id: &'a str,
    },
    Comment {
        text: &'a str,
    },
}

/// A state as JSON: the phase's name and the same details as the text line.
#[derive(Debug, Default, Serialize)]
struct StateLine<'a> {
    state: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempt: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delay_ms: Option<u64>,
    /// `Reconnecting`'s cause, as [`ConnectionError::kind`](tether_core::ConnectionError::kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    cause: Option<&'a str>,
    /// `Failed`'s error, as a kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    /// The cause's or error's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// Why `Suspended` or `Closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

fn state_json(state: &ConnectionState) -> String {
    let line = match state {
        ConnectionState::Idle | ConnectionState::Open => StateLine::default(),
        ConnectionState::Connecting { attempt } => {
            StateLine { attempt: Some(*attempt), ..StateLine::default() }
        }
        ConnectionState::Reconnecting { attempt, delay, cause } => StateLine {
            attempt: Some(*attempt),
            delay_ms: Some(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)),
            cause: Some(cause.kind()),
            message: Some(cause.to_string()),
            ..StateLine::default()
        },
        ConnectionState::Suspended { reason } => {
            StateLine { reason: Some(suspend_reason(*reason)), ..StateLine::default() }
        }
        ConnectionState::Closed { reason } => {
            StateLine { reason: Some(close_reason(*reason)), ..StateLine::default() }
        }
        ConnectionState::Failed { error } => StateLine {
            error: Some(error.kind()),
            message: Some(error.to_string()),
            ..StateLine::default()
        },
    };
    to_json(&JsonLine::State(StateLine { state: state.name(), ..line }))
}

fn to_json(line: &JsonLine<'_>) -> String {
    // Plain structs of strings and numbers: serialization cannot fail.
    serde_json::to_string(line).unwrap_or_default()
}

fn suspend_reason(reason: SuspendReason) -> &'static str {
    match reason {
        SuspendReason::Background => "background",
        SuspendReason::Offline => "offline",
    }
}

fn close_reason(reason: CloseReason) -> &'static str {
    match reason {
        CloseReason::ByClient => "client",
        CloseReason::ByServer => "server",
    }
}

/// `1.2s`, `0.25s`, `30s`: millisecond precision, no trailing zeros.
fn seconds(delay: Duration) -> String {
    let text = format!("{:.3}", delay.as_secs_f64());
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}s")
}

/// A value as is when it is a plain word, else as a JSON string (so one event stays one line).
fn quoted(value: &str) -> String {
    let plain = !value.is_empty()
        && value.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '"' && c != '\\');
    if plain {
        value.to_owned()
    } else {
        serde_json::Value::from(value).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tether_core::ConnectionError;

    #[test]
    fn text_lines() {
        let reconnecting = ConnectionState::Reconnecting {
            attempt: 2,
            delay: Duration::from_millis(1200),
            cause: ConnectionError::StreamEnded,
        };
        assert_eq!(
            state_text(&reconnecting),
            "state: reconnecting attempt=2 delay=1.2s cause=stream_ended (server ended the stream)"
        );
        assert_eq!(
            state_text(&ConnectionState::Connecting { attempt: 0 }),
            "state: connecting attempt=0"
        );
        assert_eq!(seconds(Duration::from_secs(30)), "30s");
        assert_eq!(seconds(Duration::from_millis(250)), "0.25s");
        assert_eq!(quoted("tick"), "tick");
        assert_eq!(quoted("a b\nc"), r#""a b\nc""#);
        assert_eq!(quoted(""), r#""""#);
    }

    #[test]
    fn json_carries_the_same_information() {
        let failed = ConnectionState::Failed { error: ConnectionError::HttpStatus { status: 404 } };
        assert_eq!(
            state_json(&failed),
            r#"{"kind":"state","state":"failed","error":"http_status","message":"server answered HTTP 404"}"#
        );
        let reconnecting = ConnectionState::Reconnecting {
            attempt: 3,
            delay: Duration::from_millis(1500),
            cause: ConnectionError::Watchdog(Duration::from_secs(2)),
        };
        assert_eq!(
            state_json(&reconnecting),
            r#"{"kind":"state","state":"reconnecting","attempt":3,"delay_ms":1500,"cause":"watchdog","message":"no byte for 2s: connection presumed dead"}"#
        );
        let event = JsonLine::Event { event_type: "tick", data: "a\nb", id: "7" };
        assert_eq!(to_json(&event), r#"{"kind":"event","type":"tick","data":"a\nb","id":"7"}"#);
        assert_eq!(
            state_text(&failed),
            "state: failed error=http_status (server answered HTTP 404)"
        );
    }

    #[test]
    fn a_header_without_colon_is_refused_without_echo() {
        let args = Args {
            url: "http://127.0.0.1:9/events".into(),
            headers: vec!["Authorization Bearer SECRET".into()],
            last_event_id: None,
            max_events: None,
            json: false,
            comments: false,
            watchdog_secs: None,
            h2c: false,
        };
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let error = configure(&args, runtime.handle().clone()).expect_err("refused");
        assert!(!error.contains("SECRET"), "{error}");
        assert!(error.contains("-H argument #1"), "{error}");
    }
}
