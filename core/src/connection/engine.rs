//! The engine task: one loop that connects, reads, reconnects and suspends, and is the only
//! writer of the connection state. Every wait races the host's commands, so a close, a
//! background or an offline signal is acted on wherever the engine is.

use super::backoff::Backoff;
use super::config::ConnectionConfig;
use super::lifecycle::{Command, Initial, Lifecycle, Signal};
use super::request::{build_request, describe, judge, send_error, Verdict};
use super::state::{CloseReason, ConnectionState, SuspendReason};
use super::token::{TokenError, TokenRequest};
use super::{Message, Shared};
use crate::error::ConnectionError;
use crate::parser::{Frame, Parser};
use futures_util::StreamExt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How one phase (an attempt, an open stream, a wait) ended.
#[derive(Debug)]
enum Outcome {
    /// Back off, then reconnect.
    Retry {
        error: ConnectionError,
        retry_after: Option<Duration>,
    },
    /// 401/403: refresh the token once and retry at once.
    Unauthorized(u16),
    /// The lifecycle wants the socket closed.
    Suspend,
    /// The host asked for a fresh connection now.
    Restart,
    Close(CloseReason),
    Fail(ConnectionError),
}

/// The host's commands and the lifecycle they drive; kept apart from the rest of the engine so
/// a future that borrows the engine's other fields can be raced against them.
struct Control {
    commands: mpsc::UnboundedReceiver<Command>,
    lifecycle: Lifecycle,
    /// A restart arrived while the engine could not act on it (delivering events).
    restart_pending: bool,
}

impl Control {
    /// The next signal that is not `Continue`: a command, or the background grace running out.
    async fn next_signal(&mut self) -> Signal {
        loop {
            let signal = match self.lifecycle.background_deadline() {
                Some(deadline) => tokio::select! {
                    biased;
                    command = self.commands.recv() => self.on_command(command),
                    () = tokio::time::sleep_until(deadline) => self.lifecycle.on_grace_elapsed(),
                },
                None => {
                    let command = self.commands.recv().await;
                    self.on_command(command)
                }
            };
            if signal != Signal::Continue {
                return signal;
            }
        }
    }

    fn on_command(&mut self, command: Option<Command>) -> Signal {
        // Every handle gone means nobody can close us: close.
        let command = command.unwrap_or(Command::Close);
        self.lifecycle.on_command(command, Instant::now())
    }

    /// Runs `work` to completion unless a signal in `stop_on` arrives first. Signals not in
    /// `stop_on` are still applied to the lifecycle (and so seen by later phases).
    async fn race<F: Future>(&mut self, work: F, stop_on: StopOn) -> Result<F::Output, Signal> {
        tokio::pin!(work);
        loop {
            tokio::select! {
                biased;
                signal = self.next_signal() => {
                    if stop_on.stops(signal) {
                        return Err(signal);
                    }
                    self.restart_pending |= signal == Signal::Restart;
                }
                output = &mut work => return Ok(output),
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum StopOn {
    /// Only `Close` interrupts (delivering already-parsed events).
    Close,
    /// `Close`, `Suspend` and `Restart` interrupt (connecting, reading).
    CloseOrSuspend,
    /// Everything interrupts (waiting out a backoff).
    Any,
}

impl StopOn {
    fn stops(self, signal: Signal) -> bool {
        match (self, signal) {
            (_, Signal::Continue) => false,
            (_, Signal::Close) => true,
            (Self::Close, _) => false,
            (Self::CloseOrSuspend, Signal::Suspend(_) | Signal::Restart) => true,
            (Self::CloseOrSuspend, Signal::ResumeNow) => false,
            (Self::Any, _) => true,
        }
    }
}

pub(crate) struct Engine {
    config: ConnectionConfig,
    shared: Arc<Shared>,
    messages: mpsc::Sender<Message>,
    control: Control,
    backoff: Backoff,
    parser: Parser,
    watchdog: Option<Duration>,
    token_refreshed: bool,
    attempts: u64,
}

impl Engine {
    pub(crate) fn new(
        config: ConnectionConfig,
        shared: Arc<Shared>,
        messages: mpsc::Sender<Message>,
        commands: mpsc::UnboundedReceiver<Command>,
        initial: Initial,
    ) -> Self {
        let parser = match &config.last_event_id {
            Some(id) => Parser::with_last_event_id(config.parser_limits, id),
            None => Parser::new(config.parser_limits),
        };
        Self {
            backoff: Backoff::new(config.backoff),
            control: Control {
                commands,
                lifecycle: Lifecycle::new(config.background_grace).starting_in(initial),
                restart_pending: false,
            },
            watchdog: config.watchdog,
            config,
            shared,
            messages,
            parser,
            token_refreshed: false,
            attempts: 0,
        }
    }

    pub(crate) async fn run(mut self) {
        self.shared.metrics.disconnected(Instant::now());
        let mut token_request = TokenRequest::Current;
        loop {
            if let Some(reason) = self.control.lifecycle.suspend_reason() {
                if !self.stay_suspended(reason).await {
                    return self.finish(ConnectionState::Closed { reason: CloseReason::ByClient });
                }
                self.backoff.reset();
            }
            self.control.restart_pending = false;
            let outcome = self.attempt(token_request).await;
            token_request = TokenRequest::Current;
            let (error, retry_after) = match outcome {
                Outcome::Suspend => continue,
                Outcome::Restart => {
                    self.backoff.reset();
                    continue;
                }
                Outcome::Close(reason) => {
                    return self.finish(ConnectionState::Closed { reason });
                }
                Outcome::Fail(error) => return self.finish(ConnectionState::Failed { error }),
                Outcome::Unauthorized(status) => {
                    if self.config.token_provider.is_some() && !self.token_refreshed {
                        self.token_refreshed = true;
                        token_request = TokenRequest::Refresh;
                        continue;
                    }
                    let error = ConnectionError::Unauthorized { status };
                    return self.finish(ConnectionState::Failed { error });
                }
                Outcome::Retry { error, retry_after } => (error, retry_after),
            };
            if let Some(max) = self.config.max_reconnect_attempts {
                if self.backoff.failures() >= max {
                    let attempts = self.backoff.failures();
                    let error = ConnectionError::GaveUp { attempts, last: Box::new(error) };
                    return self.finish(ConnectionState::Failed { error });
                }
            }
            let delay = self.backoff.next_delay(retry_after);
            tracing::debug!(cause = error.kind(), ?delay, "reconnecting");
            let attempt = self.backoff.failures();
            self.set_state(ConnectionState::Reconnecting { attempt, delay, cause: error });
            match self.control.race(tokio::time::sleep(delay), StopOn::Any).await {
                Ok(()) | Err(Signal::Suspend(_)) | Err(Signal::Continue) => {}
                Err(Signal::ResumeNow | Signal::Restart) => self.backoff.reset(),
                Err(Signal::Close) => {
                    return self.finish(ConnectionState::Closed { reason: CloseReason::ByClient });
                }
            }
        }
    }

    fn finish(&self, state: ConnectionState) {
        tracing::debug!(state = state.name(), "engine stopped");
        self.shared.metrics.disconnected(Instant::now());
        self.set_state(state);
    }

    fn set_state(&self, state: ConnectionState) {
        self.shared.state.set(state);
    }

    /// Waits while the lifecycle says so. Returns false when closed meanwhile.
    async fn stay_suspended(&mut self, mut reason: SuspendReason) -> bool {
        self.shared.metrics.disconnected(Instant::now());
        loop {
            self.set_state(ConnectionState::Suspended { reason });
            if self.control.next_signal().await == Signal::Close {
                return false;
            }
            match self.control.lifecycle.suspend_reason() {
                Some(next) => reason = next,
                None => return true,
            }
        }
    }

    /// One attempt: token, request, response policy, and if it opens, the stream.
    async fn attempt(&mut self, token_request: TokenRequest) -> Outcome {
        self.set_state(ConnectionState::Connecting { attempt: self.backoff.failures() });
        self.shared.metrics.attempt(self.attempts == 0);
        self.attempts += 1;
        let timeout = self.config.response_timeout;

        let token = match self.config.token_provider.clone() {
            None => None,
            Some(provider) => {
                let ask = tokio::time::timeout(timeout, provider.token(token_request));
                match self.control.race(ask, StopOn::CloseOrSuspend).await {
                    Err(signal) => return interrupted(signal),
                    Ok(Err(_elapsed)) => {
                        return token_failure(TokenError {
                            message: format!("no token within {timeout:?}"),
                            retryable: true,
                        })
                    }
                    Ok(Ok(Err(error))) => return token_failure(error),
                    Ok(Ok(Ok(token))) => token,
                }
            }
        };

        let last_event_id = self.parser.last_event_id().to_owned();
        let request = match build_request(
            &self.config.client,
            &self.config,
            token.as_deref(),
            &last_event_id,
        ) {
            Ok(request) => request,
            Err(error) => return Outcome::Fail(error),
        };
        let send = tokio::time::timeout(timeout, self.config.client.execute(request));
        let response = match self.control.race(send, StopOn::CloseOrSuspend).await {
            Err(signal) => return interrupted(signal),
            Ok(Err(_elapsed)) => {
                return Outcome::Retry {
                    error: ConnectionError::ResponseTimeout(timeout),
                    retry_after: None,
                }
            }
            Ok(Ok(Err(error))) => {
                let error = send_error(&error, self.config.max_redirects);
                return match error {
                    ConnectionError::Transport(_) => Outcome::Retry { error, retry_after: None },
                    other => Outcome::Fail(other),
                };
            }
            Ok(Ok(Ok(response))) => response,
        };
        tracing::debug!(status = response.status().as_u16(), "response");
        match judge(response.status(), response.headers(), SystemTime::now()) {
            Verdict::Open => self.stream(response).await,
            Verdict::CloseForGood => Outcome::Close(CloseReason::ByServer),
            Verdict::Unauthorized(status) => Outcome::Unauthorized(status),
            Verdict::Retry { error, retry_after } => Outcome::Retry { error, retry_after },
            Verdict::Fail(error) => Outcome::Fail(error),
        }
    }

    /// Reads an open stream until it ends, breaks, goes silent, or the lifecycle stops it.
    async fn stream(&mut self, response: reqwest::Response) -> Outcome {
        let opened_at = Instant::now();
        self.token_refreshed = false;
        self.shared.metrics.opened(opened_at);
        self.set_state(ConnectionState::Open);
        self.parser.reset();
        let mut body = response.bytes_stream();
        let outcome = loop {
            let watchdog = self.watchdog;
            let read = async {
                match watchdog {
                    Some(limit) => tokio::time::timeout(limit, body.next()).await.ok(),
                    None => Some(body.next().await),
                }
            };
            let chunk = match self.control.race(read, StopOn::CloseOrSuspend).await {
                Err(signal) => break interrupted(signal),
                Ok(chunk) => chunk,
            };
            let bytes = match chunk {
                None => {
                    let silence = watchdog.unwrap_or_default();
                    self.shared.metrics.watchdog_timeout();
                    tracing::debug!(?silence, "watchdog: ghost connection");
                    break retry(ConnectionError::Watchdog(silence));
                }
                Some(None) => break retry(ConnectionError::StreamEnded),
                Some(Some(Err(error))) => {
                    break retry(ConnectionError::Transport(describe(&error)))
                }
                Some(Some(Ok(bytes))) => bytes,
            };
            self.shared.metrics.bytes(bytes.len());
            let (batch, parsed) = self.parse(&bytes);
            if let Err(signal) = self.deliver(batch).await {
                break interrupted(signal);
            }
            if let Err(error) = parsed {
                break retry(ConnectionError::Parse(error));
            }
            if self.control.lifecycle.suspend_reason().is_some() {
                break Outcome::Suspend;
            }
            if std::mem::take(&mut self.control.restart_pending) {
                break Outcome::Restart;
            }
        };
        self.parser.finish();
        let now = Instant::now();
        self.shared.metrics.disconnected(now);
        if now.saturating_duration_since(opened_at) >= self.backoff.reset_after() {
            self.backoff.reset();
        }
        outcome
    }

    /// Parses one chunk into messages, applying `retry:` and heartbeat hints on the way.
    fn parse(&mut self, bytes: &[u8]) -> (Vec<Message>, Result<(), crate::parser::ParseError>) {
        let mut batch = Vec::new();
        let mut server_retry = None;
        let deliver_comments = self.config.deliver_comments;
        let metrics = &self.shared.metrics;
        let result = self.parser.feed(bytes, &mut |frame| match frame {
            Frame::Event(event) => {
                metrics.event();
                batch.push(Message::Event(event.to_owned()));
            }
            Frame::Comment(text) => {
                metrics.comment();
                if deliver_comments {
                    batch.push(Message::Comment(text.to_owned()));
                }
            }
            Frame::Retry(ms) => server_retry = Some(ms),
        });
        if let Some(ms) = server_retry {
            self.backoff.set_server_retry(ms);
        }
        self.shared.set_last_event_id(self.parser.last_event_id());
        if let Some(hint) = &self.config.heartbeat_hint {
            let announced = batch.iter().rev().find_map(|message| match message {
                Message::Event(e) if e.event_type == hint.event_type => {
                    announced_interval(&e.data, &hint.interval_ms_pointer)
                }
                _ => None,
            });
            if let Some(interval) = announced {
                let watchdog =
                    (interval * 2).clamp(Duration::from_secs(1), Duration::from_secs(3600));
                tracing::debug!(?watchdog, "server announced its heartbeat");
                self.watchdog = Some(watchdog);
            }
        }
        (batch, result)
    }

    /// Hands parsed messages to the consumer, waiting for room (backpressure). Only `Close`
    /// interrupts: events already read are never dropped because the app went to background.
    async fn deliver(&mut self, batch: Vec<Message>) -> Result<(), Signal> {
        for message in batch {
            if self.shared.is_closed() {
                return Err(Signal::Close);
            }
            // Room now (the usual case): no wait, so nothing to race against the commands,
            // which stay queued for the next race.
            let message = match self.messages.try_reserve() {
                Ok(permit) => {
                    permit.send(message);
                    continue;
                }
                Err(mpsc::error::TrySendError::Closed(())) => return Err(Signal::Close),
                Err(mpsc::error::TrySendError::Full(())) => message,
            };
            match self.control.race(self.messages.reserve(), StopOn::Close).await? {
                Ok(permit) => permit.send(message),
                // The consumer dropped its stream: nobody listens any more.
                Err(_) => return Err(Signal::Close),
            }
        }
        Ok(())
    }
}

fn retry(error: ConnectionError) -> Outcome {
    Outcome::Retry { error, retry_after: None }
}

fn interrupted(signal: Signal) -> Outcome {
    match signal {
        Signal::Close => Outcome::Close(CloseReason::ByClient),
        Signal::Restart => Outcome::Restart,
        Signal::Suspend(_) | Signal::ResumeNow | Signal::Continue => Outcome::Suspend,
    }
}

fn token_failure(error: TokenError) -> Outcome {
    let retryable = error.retryable;
    let error = ConnectionError::TokenProvider { message: error.message, retryable };
    if retryable {
        Outcome::Retry { error, retry_after: None }
    } else {
        Outcome::Fail(error)
    }
}

/// The interval a heartbeat event announces, in milliseconds at `pointer` of its JSON data.
fn announced_interval(data: &str, pointer: &str) -> Option<Duration> {
    let value: serde_json::Value = serde_json::from_str(data).ok()?;
    let ms = value.pointer(pointer)?.as_u64()?;
    (ms > 0).then(|| Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_interval_is_read_from_the_pointer() {
        let data = r#"{"type":"heartbeat","data":{"interval_ms":15000}}"#;
        assert_eq!(announced_interval(data, "/data/interval_ms"), Some(Duration::from_secs(15)));
        assert_eq!(announced_interval(data, "/missing"), None);
        assert_eq!(announced_interval("not json", "/data/interval_ms"), None);
        assert_eq!(announced_interval(r#"{"i":-5}"#, "/i"), None);
        assert_eq!(announced_interval(r#"{"i":0}"#, "/i"), None);
    }

    #[test]
    fn stop_rules() {
        use SuspendReason::Background;
        assert!(StopOn::Close.stops(Signal::Close));
        assert!(!StopOn::Close.stops(Signal::Suspend(Background)));
        assert!(StopOn::CloseOrSuspend.stops(Signal::Suspend(Background)));
        assert!(!StopOn::CloseOrSuspend.stops(Signal::ResumeNow));
        assert!(StopOn::CloseOrSuspend.stops(Signal::Restart));
        assert!(!StopOn::Close.stops(Signal::Restart));
        assert!(StopOn::Any.stops(Signal::ResumeNow));
    }
}
