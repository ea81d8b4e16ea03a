//! Connection configuration: one builder, defaults right for a phone on cellular.

use super::token::TokenProvider;
use crate::error::ConfigError;
use crate::parser::ParserLimits;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::sync::Arc;
use std::time::Duration;

/// How the engine connects and stays connected. Built with [`ConnectionConfig::builder`];
/// fields are private so defaults can evolve without breaking hosts.
#[derive(Clone)]
pub struct ConnectionConfig {
    pub(crate) url: url::Url,
    pub(crate) method: reqwest::Method,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) headers: HeaderMap,
    pub(crate) token_provider: Option<Arc<dyn TokenProvider>>,
    pub(crate) backoff: BackoffConfig,
    pub(crate) watchdog: Option<Duration>,
    pub(crate) heartbeat_hint: Option<HeartbeatHint>,
    pub(crate) response_timeout: Duration,
    pub(crate) max_redirects: usize,
    pub(crate) max_reconnect_attempts: Option<u32>,
    pub(crate) background_grace: Duration,
    pub(crate) follow_process_signals: bool,
    pub(crate) last_event_id: Option<String>,
    pub(crate) parser_limits: ParserLimits,
    pub(crate) message_buffer: usize,
    pub(crate) deliver_comments: bool,
    pub(crate) runtime: tokio::runtime::Handle,
    pub(crate) client: reqwest::Client,
}

impl std::fmt::Debug for ConnectionConfig {
    // Header values and the URL's query may hold credentials: only their shape is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionConfig")
            .field("origin", &self.url.origin().ascii_serialization())
            .field("method", &self.method)
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field("token_provider", &self.token_provider.is_some())
            .field("backoff", &self.backoff)
            .field("watchdog", &self.watchdog)
            .field("background_grace", &self.background_grace)
            .finish_non_exhaustive()
    }
}

/// Reconnect timing: exponential backoff with jitter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BackoffConfig {
    /// The first retry's delay (replaced by the server's `retry:` field, clamped to `retry_field_range`).
    pub(crate) initial: Duration,
    /// No delay is longer than this.
    pub(crate) max: Duration,
    /// Attempts count from zero again once a connection stayed open this long.
    pub(crate) reset_after: Duration,
    /// Fraction of each delay that is random: the delay is drawn from `[d·(1-jitter), d]`.
    pub(crate) jitter: f64,
    /// Accepted range for the server's `retry:` field.
    pub(crate) retry_field_min: Duration,
    pub(crate) retry_field_max: Duration,
    /// Longest `Retry-After` honoured.
    pub(crate) max_retry_after: Duration,
    /// Seed for the jitter; `None` draws one from the OS.
    pub(crate) seed: Option<u64>,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(30),
            reset_after: Duration::from_secs(60),
            jitter: 0.5,
            retry_field_min: Duration::from_millis(100),
            retry_field_max: Duration::from_secs(600),
            max_retry_after: Duration::from_secs(600),
            seed: None,
        }
    }
}

/// Lets the server announce its heartbeat interval in an event, so the watchdog follows the
/// server instead of a guess: when an event of type `event_type` arrives and its data is JSON with
/// a number of milliseconds at the JSON pointer `interval_ms_pointer`, the watchdog becomes twice
/// that interval (bounded to 1 s – 1 h).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatHint {
    pub event_type: String,
    pub interval_ms_pointer: String,
}

impl ConnectionConfig {
    /// Starts a configuration for the stream at `url`.
    pub fn builder(url: impl Into<String>) -> ConnectionConfigBuilder {
        ConnectionConfigBuilder::new(url.into())
    }
}

/// Builder for [`ConnectionConfig`]. Every setting has a default (documented on each method);
/// errors are reported by [`build`](Self::build), all at once, never by a panic.
#[derive(Clone)]
pub struct ConnectionConfigBuilder {
    url: String,
    method: String,
    body: Option<Vec<u8>>,
    headers: Vec<(String, String)>,
    token_provider: Option<Arc<dyn TokenProvider>>,
    backoff: BackoffConfig,
    watchdog: Option<Duration>,
    heartbeat_hint: Option<HeartbeatHint>,
    response_timeout: Duration,
    max_redirects: usize,
    max_reconnect_attempts: Option<u32>,
    background_grace: Duration,
    follow_process_signals: bool,
    last_event_id: Option<String>,
    parser_limits: ParserLimits,
    message_buffer: usize,
    deliver_comments: bool,
    http2_prior_knowledge: bool,
    runtime: Option<tokio::runtime::Handle>,
}

impl std::fmt::Debug for ConnectionConfigBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionConfigBuilder").finish_non_exhaustive()
    }
}

impl ConnectionConfigBuilder {
    fn new(url: String) -> Self {
        Self {
            url,
            method: "GET".into(),
            body: None,
            headers: Vec::new(),
            token_provider: None,
            backoff: BackoffConfig::default(),
            watchdog: Some(Duration::from_secs(45)),
            heartbeat_hint: None,
            response_timeout: Duration::from_secs(30),
            max_redirects: 10,
            max_reconnect_attempts: None,
            background_grace: Duration::from_secs(1),
            follow_process_signals: true,
            last_event_id: None,
            parser_limits: ParserLimits::default(),
            message_buffer: 1024,
            deliver_comments: false,
            http2_prior_knowledge: false,
            runtime: None,
        }
    }

    /// Adds a request header sent on every attempt (default: none).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// HTTP method (default `GET`); some servers stream from `POST` or `REPORT`.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// Request body sent on every attempt (default: none).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Asked for a bearer token before every attempt, and for a fresh one after a 401/403
    /// (default: none).
    pub fn token_provider(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        self.token_provider = Some(provider);
        self
    }

    /// First reconnect delay (default 1 s).
    pub fn initial_retry_delay(mut self, delay: Duration) -> Self {
        self.backoff.initial = delay;
        self
    }

    /// Longest reconnect delay (default 30 s).
    pub fn max_retry_delay(mut self, delay: Duration) -> Self {
        self.backoff.max = delay;
        self
    }

    /// How long a connection must stay open before the backoff starts over (default 60 s).
    pub fn backoff_reset_after(mut self, after: Duration) -> Self {
        self.backoff.reset_after = after;
        self
    }

    /// Random fraction of each delay, 0.0–1.0 (default 0.5: delays fall in `[d/2, d]`).
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.backoff.jitter = jitter;
        self
    }

    /// Seed for the jitter, for reproducible runs (default: random).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.backoff.seed = Some(seed);
        self
    }

    /// Range the server's `retry:` field is clamped to (default 100 ms – 10 min).
    pub fn retry_field_range(mut self, min: Duration, max: Duration) -> Self {
        self.backoff.retry_field_min = min;
        self.backoff.retry_field_max = max;
        self
    }

    /// Longest `Retry-After` honoured on 408/429/5xx (default 10 min).
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.backoff.max_retry_after = max;
        self
    }

    /// Give up (state `Failed`) after this many consecutive failed attempts (default: never —
    /// a phone keeps trying with capped backoff while it is foregrounded and online).
    pub fn max_reconnect_attempts(mut self, attempts: Option<u32>) -> Self {
        self.max_reconnect_attempts = attempts;
        self
    }

    /// No byte for this long means a ghost connection: close and reconnect (default 45 s;
    /// `None` disables the watchdog).
    pub fn watchdog(mut self, silence: Option<Duration>) -> Self {
        self.watchdog = silence;
        self
    }

    /// Let the server announce its heartbeat interval (default: none). See [`HeartbeatHint`].
    pub fn heartbeat_hint(
        mut self,
        event_type: impl Into<String>,
        interval_ms_pointer: impl Into<String>,
    ) -> Self {
        self.heartbeat_hint = Some(HeartbeatHint {
            event_type: event_type.into(),
            interval_ms_pointer: interval_ms_pointer.into(),
        });
        self
    }

    /// Longest wait for response headers, connect included (default 30 s).
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Redirects followed per attempt (default 10).
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.max_redirects = max;
        self
    }

    /// Time in background before the socket is closed; a return to foreground within it changes
    /// nothing, so quick app switches do not reconnect (default 1 s).
    pub fn background_grace(mut self, grace: Duration) -> Self {
        self.background_grace = grace;
        self
    }

    /// Follow the process-wide lifecycle and network signals
    /// ([`set_process_app_state`](crate::set_process_app_state),
    /// [`set_process_network`](crate::set_process_network)) and start in their current state
    /// (default `true`). Turn it off for a connection that must run in the background (a
    /// background task's sync), and drive it with `set_app_state` / `set_network` alone.
    pub fn follow_process_signals(mut self, follow: bool) -> Self {
        self.follow_process_signals = follow;
        self
    }

    /// Resume from this event id: sent as `Last-Event-ID` from the first request (default: none).
    pub fn last_event_id(mut self, id: impl Into<String>) -> Self {
        self.last_event_id = Some(id.into());
        self
    }

    /// Line and event size limits (default 1 MiB each).
    pub fn parser_limits(mut self, limits: ParserLimits) -> Self {
        self.parser_limits = limits;
        self
    }

    /// Messages buffered for a slow consumer before the engine stops reading the socket
    /// (default 1024).
    pub fn message_buffer(mut self, capacity: usize) -> Self {
        self.message_buffer = capacity;
        self
    }

    /// Also deliver comment lines as [`Message::Comment`](crate::Message::Comment) (default off).
    pub fn deliver_comments(mut self, on: bool) -> Self {
        self.deliver_comments = on;
        self
    }

    /// Speak HTTP/2 without TLS negotiation (h2c) — for plain-text HTTP/2 servers (default off;
    /// over TLS, HTTP/2 is negotiated by ALPN anyway).
    pub fn http2_prior_knowledge(mut self, on: bool) -> Self {
        self.http2_prior_knowledge = on;
        self
    }

    /// Run on this tokio runtime instead of the engine's own (default: the engine's own).
    pub fn runtime(mut self, handle: tokio::runtime::Handle) -> Self {
        self.runtime = Some(handle);
        self
    }

    /// Validates everything and returns the configuration, or the first problem found.
    pub fn build(self) -> Result<ConnectionConfig, ConfigError> {
        let url = url::Url::parse(&self.url).map_err(|e| ConfigError::InvalidUrl(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ConfigError::UnsupportedScheme(url.scheme().to_string()));
        }
        let method = reqwest::Method::from_bytes(self.method.as_bytes())
            .map_err(|_| invalid("method", "not an HTTP token"))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| ConfigError::InvalidHeaderName(name.clone()))?;
            let mut header_value = HeaderValue::from_str(value)
                .map_err(|_| ConfigError::InvalidHeaderValue(name.clone()))?;
            if header_name == reqwest::header::AUTHORIZATION {
                header_value.set_sensitive(true);
            }
            headers.append(header_name, header_value);
        }
        if let Some(id) = &self.last_event_id {
            if super::request::last_event_id_header(id).is_none() && !id.is_empty() {
                return Err(ConfigError::InvalidLastEventId);
            }
        }
        let b = &self.backoff;
        if b.initial.is_zero() || b.initial > b.max {
            return Err(invalid("initial_retry_delay", "must be > 0 and <= max_retry_delay"));
        }
        if !(0.0..=1.0).contains(&b.jitter) {
            return Err(invalid("jitter", "must be within 0.0..=1.0"));
        }
        if b.retry_field_min > b.retry_field_max {
            return Err(invalid("retry_field_range", "min > max"));
        }
        if self.watchdog.is_some_and(|w| w.is_zero()) {
            return Err(invalid("watchdog", "must be > 0 (use None to disable)"));
        }
        if self.response_timeout.is_zero() {
            return Err(invalid("response_timeout", "must be > 0"));
        }
        if self.message_buffer == 0 {
            return Err(invalid("message_buffer", "must be > 0"));
        }
        if self.parser_limits.max_line_bytes == 0 || self.parser_limits.max_event_bytes == 0 {
            return Err(invalid("parser_limits", "limits must be > 0"));
        }
        if let Some(hint) = &self.heartbeat_hint {
            if !(hint.interval_ms_pointer.is_empty() || hint.interval_ms_pointer.starts_with('/')) {
                return Err(invalid("heartbeat_hint", "pointer must be empty or start with '/'"));
            }
        }
        let runtime = match self.runtime {
            Some(handle) => handle,
            None => crate::runtime::handle().map_err(ConfigError::Runtime)?,
        };
        let client = super::request::build_client(self.max_redirects, self.http2_prior_knowledge)?;
        Ok(ConnectionConfig {
            url,
            method,
            body: self.body,
            headers,
            token_provider: self.token_provider,
            backoff: self.backoff,
            watchdog: self.watchdog,
            heartbeat_hint: self.heartbeat_hint,
            response_timeout: self.response_timeout,
            max_redirects: self.max_redirects,
            max_reconnect_attempts: self.max_reconnect_attempts,
            background_grace: self.background_grace,
            follow_process_signals: self.follow_process_signals,
            last_event_id: self.last_event_id.filter(|id| !id.is_empty()),
            parser_limits: self.parser_limits,
            message_buffer: self.message_buffer,
            deliver_comments: self.deliver_comments,
            runtime,
            client,
        })
    }
}

fn invalid(name: &'static str, reason: &str) -> ConfigError {
    ConfigError::InvalidSetting { name, reason: reason.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_build() {
        let config = ConnectionConfig::builder("https://example.com/events").build();
        let config = config.expect("defaults are valid");
        assert_eq!(config.backoff.initial, Duration::from_secs(1));
        assert_eq!(config.backoff.max, Duration::from_secs(30));
        assert_eq!(config.watchdog, Some(Duration::from_secs(45)));
    }

    #[test]
    fn bad_input_is_typed() {
        let err = |b: ConnectionConfigBuilder| b.build().expect_err("must be refused");
        assert!(matches!(err(ConnectionConfig::builder("not a url")), ConfigError::InvalidUrl(_)));
        assert!(matches!(
            err(ConnectionConfig::builder("ftp://x/y")),
            ConfigError::UnsupportedScheme(_)
        ));
        assert!(matches!(
            err(ConnectionConfig::builder("http://x/").header("bad name", "v")),
            ConfigError::InvalidHeaderName(_)
        ));
        assert!(matches!(
            err(ConnectionConfig::builder("http://x/").header("X-A", "a\r\nInjected: 1")),
            ConfigError::InvalidHeaderValue(_)
        ));
        assert_eq!(
            err(ConnectionConfig::builder("http://x/").last_event_id("1\r\nX-Evil: 1")),
            ConfigError::InvalidLastEventId
        );
        assert!(matches!(
            err(ConnectionConfig::builder("http://x/").jitter(1.5)),
            ConfigError::InvalidSetting { name: "jitter", .. }
        ));
        assert!(matches!(
            err(ConnectionConfig::builder("http://x/").initial_retry_delay(Duration::ZERO)),
            ConfigError::InvalidSetting { name: "initial_retry_delay", .. }
        ));
    }

    #[test]
    fn debug_hides_secrets() {
        let config = ConnectionConfig::builder("https://example.com/e?token=SECRET")
            .header("Authorization", "Bearer SECRET")
            .build()
            .expect("valid");
        let shown = format!("{config:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
