//! One HTTP attempt: the client, the request, and what the response means (the HTTP policy).

use super::config::ConnectionConfig;
use crate::error::{ConfigError, ConnectionError};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use std::sync::Once;
use std::time::{Duration, SystemTime};

/// Builds the HTTP client: rustls with the Mozilla roots compiled in (no OpenSSL, no platform
/// verifier that would need a JNI `Context`), bounded redirects, HTTP/2 by ALPN, gzip.
pub(crate) fn build_client(
    max_redirects: usize,
    http2_prior_knowledge: bool,
) -> Result<reqwest::Client, ConfigError> {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // Fails only if the host already installed a provider, which is then used: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    let roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .filter_map(|der| reqwest::Certificate::from_der(der).ok());
    let limit = max_redirects;
    let mut builder = reqwest::Client::builder()
        .tls_certs_only(roots)
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > limit {
                attempt.error(TooManyRedirects(limit))
            } else {
                attempt.follow()
            }
        }))
        .no_proxy()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(0);
    if http2_prior_knowledge {
        builder = builder.http2_prior_knowledge();
    }
    builder.build().map_err(|e| ConfigError::Client(describe(&e)))
}

#[derive(Debug)]
struct TooManyRedirects(usize);

impl std::fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "more than {} redirects", self.0)
    }
}

impl std::error::Error for TooManyRedirects {}

/// The `Last-Event-ID` header value for `id`, built from its bytes (UTF-8 as the server sent it),
/// or `None` when the id is empty or holds bytes no header may carry (controls other than tab).
pub(crate) fn last_event_id_header(id: &str) -> Option<HeaderValue> {
    if id.is_empty() {
        return None;
    }
    HeaderValue::from_bytes(id.as_bytes()).ok()
}

/// Builds one attempt's request.
pub(crate) fn build_request(
    client: &reqwest::Client,
    config: &ConnectionConfig,
    token: Option<&str>,
    last_event_id: &str,
) -> Result<reqwest::Request, ConnectionError> {
    let mut headers: HeaderMap = config.headers.clone();
    headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static("text/event-stream"));
    headers.insert(reqwest::header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(token) = token {
        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            ConnectionError::TokenProvider {
                message: "token holds characters a header cannot carry".into(),
                retryable: false,
            }
        })?;
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    match last_event_id_header(last_event_id) {
        Some(value) => {
            headers.insert("last-event-id", value);
        }
        None if !last_event_id.is_empty() => {
            tracing::warn!("last event id holds control characters; resuming without it");
        }
        None => {}
    }
    let mut request = client.request(config.method.clone(), config.url.clone()).headers(headers);
    if let Some(body) = &config.body {
        request = request.body(body.clone());
    }
    request.build().map_err(|e| ConnectionError::Transport(describe(&e)))
}

/// What a response means for the connection.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// `200 text/event-stream`: read the body.
    Open,
    /// 204: the server wants no more reconnects.
    CloseForGood,
    /// 401/403: ask the token provider for a fresh token, once.
    Unauthorized(u16),
    /// 408/429/5xx: back off (at least `Retry-After`) and retry.
    Retry { error: ConnectionError, retry_after: Option<Duration> },
    /// Anything else: give up.
    Fail(ConnectionError),
}

/// The HTTP policy, in one place.
pub(crate) fn judge(status: StatusCode, headers: &HeaderMap, now: SystemTime) -> Verdict {
    let code = status.as_u16();
    match code {
        200 => match headers.get(CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes())) {
            Some(ct) if is_event_stream(&ct) => Verdict::Open,
            found => Verdict::Fail(ConnectionError::InvalidContentType {
                found: found.map(|ct| ct.into_owned()),
            }),
        },
        204 => Verdict::CloseForGood,
        401 | 403 => Verdict::Unauthorized(code),
        408 | 429 | 500..=599 => Verdict::Retry {
            error: ConnectionError::HttpStatus { status: code },
            retry_after: headers.get(RETRY_AFTER).and_then(|v| parse_retry_after(v, now)),
        },
        _ => Verdict::Fail(ConnectionError::HttpStatus { status: code }),
    }
}

/// `text/event-stream`, any case, parameters allowed.
fn is_event_stream(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default();
    essence.trim().eq_ignore_ascii_case("text/event-stream")
}

/// `Retry-After` as delta-seconds or an HTTP date (a past date means "now").
fn parse_retry_after(value: &HeaderValue, now: SystemTime) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(text).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// What went wrong in a transport error, with its causes but without the URL (it may carry a
/// credential in its query).
pub(crate) fn describe(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = String::new();
    let mut cause: Option<&dyn std::error::Error> = error.source();
    text.push_str(if error.is_connect() {
        "connect"
    } else if error.is_timeout() {
        "timeout"
    } else if error.is_body() || error.is_decode() {
        "body"
    } else if error.is_request() {
        "request"
    } else {
        "http"
    });
    while let Some(err) = cause {
        text.push_str(": ");
        text.push_str(&err.to_string());
        cause = err.source();
    }
    text
}

/// Maps a failed `send()`.
pub(crate) fn send_error(error: &reqwest::Error, max_redirects: usize) -> ConnectionError {
    if error.is_redirect() {
        use std::error::Error as _;
        let mut cause = error.source();
        while let Some(err) = cause {
            if err.downcast_ref::<TooManyRedirects>().is_some() {
                return ConnectionError::TooManyRedirects { limit: max_redirects };
            }
            cause = err.source();
        }
        return ConnectionError::Redirect(describe(error));
    }
    ConnectionError::Transport(describe(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("test header"));
        }
        map
    }

    fn judge_now(code: u16, pairs: &[(&'static str, &str)]) -> Verdict {
        let status = StatusCode::from_u16(code).expect("test status");
        judge(status, &headers(pairs), SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000))
    }

    #[test]
    fn policy_table() {
        assert_eq!(judge_now(200, &[("content-type", "text/event-stream")]), Verdict::Open);
        assert_eq!(
            judge_now(200, &[("content-type", "Text/Event-Stream; charset=utf-8")]),
            Verdict::Open
        );
        assert_eq!(
            judge_now(200, &[("content-type", "text/plain")]),
            Verdict::Fail(ConnectionError::InvalidContentType { found: Some("text/plain".into()) })
        );
        assert_eq!(
            judge_now(200, &[]),
            Verdict::Fail(ConnectionError::InvalidContentType { found: None })
        );
        assert_eq!(judge_now(204, &[]), Verdict::CloseForGood);
        assert_eq!(judge_now(401, &[]), Verdict::Unauthorized(401));
        assert_eq!(judge_now(403, &[]), Verdict::Unauthorized(403));
        for code in [408, 429, 500, 502, 503, 504, 599] {
            assert!(matches!(judge_now(code, &[]), Verdict::Retry { retry_after: None, .. }));
        }
        for code in [400, 404, 405, 410, 418, 300, 304] {
            assert_eq!(
                judge_now(code, &[]),
                Verdict::Fail(ConnectionError::HttpStatus { status: code })
            );
        }
    }

    #[test]
    fn retry_after_forms() {
        let retry = |value: &str| match judge_now(503, &[("retry-after", value)]) {
            Verdict::Retry { retry_after, .. } => retry_after,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(retry("7"), Some(Duration::from_secs(7)));
        assert_eq!(retry(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(retry("soon"), None);
        assert_eq!(retry("-5"), None);
        // 1,000,000 s after the epoch is Mon, 12 Jan 1970 13:46:40 GMT.
        assert_eq!(retry("Mon, 12 Jan 1970 13:47:40 GMT"), Some(Duration::from_secs(60)));
        assert_eq!(retry("Thu, 01 Jan 1970 00:00:00 GMT"), Some(Duration::ZERO));
    }

    #[test]
    fn last_event_id_header_is_bytes_not_lossy() {
        assert_eq!(last_event_id_header(""), None);
        assert_eq!(last_event_id_header("42").expect("ascii").as_bytes(), b"42");
        let value = last_event_id_header("évé-✓").expect("utf-8 is sent as bytes");
        assert_eq!(value.as_bytes(), "évé-✓".as_bytes());
        assert_eq!(last_event_id_header("a\u{1}b"), None);
    }
}
