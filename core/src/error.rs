//! The core's error types. Messages never carry a token, a header value or a payload.

use crate::parser::ParseError;
use std::time::Duration;
use thiserror::Error;

/// A configuration the engine refuses to start with.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    #[error("URL scheme {0:?} is not http or https")]
    UnsupportedScheme(String),
    #[error("invalid header name {0:?}")]
    InvalidHeaderName(String),
    /// The value is not shown: it may be a credential.
    #[error("invalid value for header {0:?}")]
    InvalidHeaderValue(String),
    #[error("the preset last event id cannot be sent as a header (control characters)")]
    InvalidLastEventId,
    #[error("invalid setting {name}: {reason}")]
    InvalidSetting { name: &'static str, reason: String },
    #[error("HTTP client could not be built: {0}")]
    Client(String),
    #[error("the engine's runtime could not start: {0}")]
    Runtime(String),
}

/// Why a connection attempt or an open stream ended. Carried by `Reconnecting` (the cause of the
/// retry) and `Failed` (the cause of giving up).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConnectionError {
    /// Could not connect, or the socket broke (refused, reset, TLS, DNS).
    #[error("transport error: {0}")]
    Transport(String),
    /// No response headers within the response timeout.
    #[error("no response within {0:?}")]
    ResponseTimeout(Duration),
    /// The server answered with a status the policy treats as given (retryable or fatal).
    #[error("server answered HTTP {status}")]
    HttpStatus { status: u16 },
    /// 401/403 even after asking the token provider for a fresh token.
    #[error("unauthorized: HTTP {status} after a token refresh")]
    Unauthorized { status: u16 },
    /// 200 without `text/event-stream`.
    #[error("content type {found:?} is not text/event-stream")]
    InvalidContentType { found: Option<String> },
    #[error("more than {limit} redirects")]
    TooManyRedirects { limit: usize },
    #[error("redirect refused: {0}")]
    Redirect(String),
    /// The stream broke a parser limit (a line or an event too large).
    #[error("stream refused: {0}")]
    Parse(#[from] ParseError),
    /// The server closed the stream normally; SSE reconnects.
    #[error("server ended the stream")]
    StreamEnded,
    /// No byte arrived for the watchdog interval: a ghost connection.
    #[error("no byte for {0:?}: connection presumed dead")]
    Watchdog(Duration),
    /// The host's token provider failed.
    #[error("token provider failed: {message}")]
    TokenProvider { message: String, retryable: bool },
    /// `max_reconnect_attempts` was reached.
    #[error("gave up after {attempts} attempts; last error: {last}")]
    GaveUp { attempts: u32, last: Box<ConnectionError> },
}

impl ConnectionError {
    /// A short stable name for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Transport(_) => "transport",
            Self::ResponseTimeout(_) => "response_timeout",
            Self::HttpStatus { .. } => "http_status",
            Self::Unauthorized { .. } => "unauthorized",
            Self::InvalidContentType { .. } => "invalid_content_type",
            Self::TooManyRedirects { .. } => "too_many_redirects",
            Self::Redirect(_) => "redirect",
            Self::Parse(_) => "parse",
            Self::StreamEnded => "stream_ended",
            Self::Watchdog(_) => "watchdog",
            Self::TokenProvider { .. } => "token_provider",
            Self::GaveUp { .. } => "gave_up",
        }
    }
}
