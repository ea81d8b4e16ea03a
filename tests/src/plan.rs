//! What the server answers to a request: [`ResponsePlan`] and, for streams, [`StreamOptions`].

/// How one response stream is written.
///
/// The stream starts with `preamble`, then `retry: <retry_ms>` (when set), then the replayed and
/// live events. `Default` is a plain chunked `text/event-stream` that stays open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamOptions {
    /// `Content-Encoding: gzip`, flushed (`Z_SYNC_FLUSH`) after every write so events arrive live.
    pub gzip: bool,
    /// Write the body one byte per write (and, chunked, one byte per chunk).
    pub dribble: bool,
    /// A `retry: N` line written before any event.
    pub retry_ms: Option<u64>,
    /// Raw bytes written first of all, e.g. a byte-order mark or a comment.
    pub preamble: Vec<u8>,
    /// End the response cleanly (final chunk, then close) after this many events.
    pub close_after: Option<usize>,
    /// No `Transfer-Encoding` and no `Content-Length`: the body ends when the socket closes.
    pub close_delimited: bool,
    /// Extra response headers, written after the standard ones.
    pub headers: Vec<(String, String)>,
}

impl StreamOptions {
    /// Sets [`gzip`](Self::gzip).
    #[must_use]
    pub fn gzip(mut self) -> Self {
        self.gzip = true;
        self
    }

    /// Sets [`dribble`](Self::dribble).
    #[must_use]
    pub fn dribble(mut self) -> Self {
        self.dribble = true;
        self
    }

    /// Sets [`retry_ms`](Self::retry_ms).
    #[must_use]
    pub fn retry_ms(mut self, ms: u64) -> Self {
        self.retry_ms = Some(ms);
        self
    }

    /// Sets [`preamble`](Self::preamble).
    #[must_use]
    pub fn preamble(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.preamble = bytes.into();
        self
    }

    /// Sets [`close_after`](Self::close_after).
    #[must_use]
    pub fn close_after(mut self, events: usize) -> Self {
        self.close_after = Some(events);
        self
    }

    /// Sets [`close_delimited`](Self::close_delimited).
    #[must_use]
    pub fn close_delimited(mut self) -> Self {
        self.close_delimited = true;
        self
    }

    /// Adds an extra response header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The answer to one request. Queue plans with [`TestServer::enqueue`](crate::TestServer::enqueue);
/// a request that finds the queue empty gets the server's default stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponsePlan {
    /// `200 OK`, `Content-Type: text/event-stream`: replay per `Last-Event-ID`, then live events.
    Stream(StreamOptions),
    /// Any status with these headers and body (`Content-Length` is added; no body for 204/304).
    Status {
        /// The status code.
        status: u16,
        /// Extra headers, e.g. `Retry-After`.
        headers: Vec<(String, String)>,
        /// The body (sent as `text/plain` unless `headers` names a `Content-Type`).
        body: String,
    },
    /// A redirect to `location` (which may be another path of this server: see
    /// [`TestServer::url_for`](crate::TestServer::url_for)).
    Redirect {
        /// 301, 302, 303, 307 or 308.
        status: u16,
        /// The `Location` header.
        location: String,
    },
    /// `200 OK` with this content type and a small body.
    WrongContentType(String),
    /// `200 OK` without a `Content-Type` and with a small SSE-looking body.
    NoContentType,
    /// Read the request, never answer (the socket stays open until the client or the server
    /// closes it).
    Hang,
    /// Read the request, close the socket without answering.
    CloseImmediately,
}

impl ResponsePlan {
    /// The default stream.
    pub fn stream() -> Self {
        Self::Stream(StreamOptions::default())
    }

    /// A stream written with `options`.
    pub fn stream_with(options: StreamOptions) -> Self {
        Self::Stream(options)
    }

    /// A response with this status, no extra headers and an empty body.
    pub fn status(status: u16) -> Self {
        Self::Status { status, headers: Vec::new(), body: String::new() }
    }

    /// A response with this status and a `Retry-After: <seconds>` header, e.g. 503 or 429.
    pub fn retry_after(status: u16, seconds: u64) -> Self {
        Self::status(status).with_header("Retry-After", seconds.to_string())
    }

    /// A redirect with this status to `location`.
    pub fn redirect(status: u16, location: impl Into<String>) -> Self {
        Self::Redirect { status, location: location.into() }
    }

    /// `200 OK` with this content type.
    pub fn wrong_content_type(content_type: impl Into<String>) -> Self {
        Self::WrongContentType(content_type.into())
    }

    /// Adds a response header to a `Status` or `Stream` plan (other plans are returned as is).
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        match &mut self {
            Self::Status { headers, .. } => headers.push((name.into(), value.into())),
            Self::Stream(options) => options.headers.push((name.into(), value.into())),
            _ => {}
        }
        self
    }

    /// Sets the body of a `Status` plan (other plans are returned as is).
    #[must_use]
    pub fn with_body(mut self, text: impl Into<String>) -> Self {
        if let Self::Status { body, .. } = &mut self {
            *body = text.into();
        }
        self
    }

    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Stream(_) => "stream",
            Self::Status { .. } => "status",
            Self::Redirect { .. } => "redirect",
            Self::WrongContentType(_) => "wrong_content_type",
            Self::NoContentType => "no_content_type",
            Self::Hang => "hang",
            Self::CloseImmediately => "close_immediately",
        }
    }
}

impl Default for ResponsePlan {
    fn default() -> Self {
        Self::stream()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_build_the_expected_plans() {
        assert_eq!(
            ResponsePlan::retry_after(503, 2).with_body("busy"),
            ResponsePlan::Status {
                status: 503,
                headers: vec![("Retry-After".into(), "2".into())],
                body: "busy".into()
            }
        );
        let plan = ResponsePlan::stream_with(StreamOptions::default().gzip().close_after(1))
            .with_header("X-A", "b");
        let ResponsePlan::Stream(opts) = plan else { panic!("not a stream") };
        assert!(opts.gzip && !opts.dribble);
        assert_eq!(opts.close_after, Some(1));
        assert_eq!(opts.headers, vec![("X-A".to_string(), "b".to_string())]);
        assert_eq!(ResponsePlan::Hang.with_body("x"), ResponsePlan::Hang);
    }
}
