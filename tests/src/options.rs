//! [`ServerOptions`]: how a [`TestServer`](crate::TestServer) is started.

use crate::plan::StreamOptions;
use std::time::Duration;

/// What a stream request without a known `Last-Event-ID` is replayed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReplayPolicy {
    /// The whole history, then live events (a fresh client catches up).
    #[default]
    All,
    /// Only live events (a server without a replay buffer).
    None,
}

/// Start-up options. `Default`: ephemeral port on 127.0.0.1, [`ReplayPolicy::All`], no keepalive,
/// plain chunked streams, unbounded history and request log, 32 KiB request heads, 1 MiB bodies.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Port on 127.0.0.1; `0` picks an ephemeral one. The port survives
    /// [`restart`](crate::TestServer::restart).
    pub port: u16,
    /// Replay for requests without a known `Last-Event-ID`.
    pub replay: ReplayPolicy,
    /// Period of the `: keepalive` comment on open streams; change it later with
    /// [`set_keepalive`](crate::TestServer::set_keepalive).
    pub keepalive: Option<Duration>,
    /// How a stream is written when the plan queue is empty.
    pub stream: StreamOptions,
    /// Keep only the newest N events; an evicted id counts as unknown for resume.
    pub history_limit: Option<usize>,
    /// Keep only the newest N recorded requests (counts keep counting all of them).
    pub request_log_limit: Option<usize>,
    /// Largest request line + headers accepted; larger gets `431`.
    pub max_request_head: usize,
    /// Largest `Content-Length` body accepted; larger gets `413`.
    pub max_request_body: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            port: 0,
            replay: ReplayPolicy::All,
            keepalive: None,
            stream: StreamOptions::default(),
            history_limit: None,
            request_log_limit: None,
            max_request_head: 32 * 1024,
            max_request_body: 1024 * 1024,
        }
    }
}

impl ServerOptions {
    /// Sets [`port`](Self::port).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets [`replay`](Self::replay).
    #[must_use]
    pub fn replay(mut self, replay: ReplayPolicy) -> Self {
        self.replay = replay;
        self
    }

    /// Sets [`keepalive`](Self::keepalive).
    #[must_use]
    pub fn keepalive(mut self, every: Option<Duration>) -> Self {
        self.keepalive = every;
        self
    }

    /// Sets [`stream`](Self::stream).
    #[must_use]
    pub fn stream(mut self, stream: StreamOptions) -> Self {
        self.stream = stream;
        self
    }

    /// Sets [`history_limit`](Self::history_limit).
    #[must_use]
    pub fn history_limit(mut self, events: usize) -> Self {
        self.history_limit = Some(events);
        self
    }

    /// Sets [`request_log_limit`](Self::request_log_limit).
    #[must_use]
    pub fn request_log_limit(mut self, requests: usize) -> Self {
        self.request_log_limit = Some(requests);
        self
    }
}
