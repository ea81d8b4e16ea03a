//! Hostile and broken servers: every class ends in a typed error or a documented state, never a
//! panic, and nothing already delivered is lost or delivered twice.
//!
//! Classes covered here and where (the rest live in `connection.rs`):
//! wrong / missing content type, 204, 4xx, 401/403 → `connection::fatal_statuses_...`,
//! `http_204_closes_for_good`; redirect loop → `a_redirect_loop_fails`; stall →
//! `watchdog_closes_a_silent_connection_and_resumes`; token provider error →
//! `token_provider_errors_retry_or_fail_as_they_say`; header injection in a configured id →
//! `config::tests::bad_input_is_typed` (unit). The others are below.

use crate::support::*;
use std::sync::Arc;
use std::time::Duration;
use tether_core::{
    Connection, ConnectionError, ConnectionState, ParseError, ParserLimits, TokenRequest,
};
use tether_testkit::{ResponsePlan, ServerEvent, StreamOptions, TestServer};
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn a_5xx_storm_keeps_retrying_with_capped_backoff_then_recovers() {
    let server = TestServer::start().await.expect("server");
    server.publish(ServerEvent::data("kept"));
    for i in 0..40 {
        server.enqueue(ResponsePlan::status(if i % 2 == 0 { 503 } else { 502 }));
    }
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    let mut longest = Duration::ZERO;
    for _ in 0..40 {
        let (delay, cause) = next_reconnect(&mut states).await;
        assert!(matches!(cause, ConnectionError::HttpStatus { status: 502 | 503 }));
        longest = longest.max(delay);
    }
    assert_eq!(longest, Duration::from_secs(30), "capped at 30 s");
    wait_open(&mut states).await;
    assert_eq!(next_event(&mut messages).await.data, "kept");
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn max_reconnect_attempts_gives_up_with_the_last_cause() {
    let server = TestServer::start().await.expect("server");
    for _ in 0..10 {
        server.enqueue(ResponsePlan::status(500));
    }
    let cfg = config(&server).max_reconnect_attempts(Some(3)).build().expect("config");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    let s = wait_state(&mut states, "final", ConnectionState::is_terminal).await;
    assert_eq!(
        s,
        ConnectionState::Failed {
            error: ConnectionError::GaveUp {
                attempts: 3,
                last: Box::new(ConnectionError::HttpStatus { status: 500 })
            }
        }
    );
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn reset_mid_event_drops_the_half_event_and_resumes_without_loss() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    server.publish(ServerEvent::data("whole"));
    assert_eq!(next_event(&mut messages).await.data, "whole");
    // Half of an event (its id line included), then the socket is cut.
    server.send_raw(b"id: 2\ndata: cut in ha");
    server.drop_streams();
    let (_, cause) = next_reconnect(&mut states).await;
    assert!(matches!(cause, ConnectionError::StreamEnded | ConnectionError::Transport(_)));
    wait_open(&mut states).await;
    // The id of an undispatched event never becomes the resume point.
    assert_eq!(server.requests()[1].last_event_id.as_deref(), Some("1"));
    server.publish(ServerEvent::data("cut in half"));
    let again = next_event(&mut messages).await;
    assert_eq!((again.id.as_str(), again.data.as_str()), ("2", "cut in half"));
    // The testkit's own cut: half of the last event's bytes, then an abrupt close.
    server.drop_mid_event();
    let (_, cause) = next_reconnect(&mut states).await;
    assert!(matches!(cause, ConnectionError::StreamEnded | ConnectionError::Transport(_)));
    wait_open(&mut states).await;
    assert_eq!(server.requests()[2].last_event_id.as_deref(), Some("2"));
    server.publish(ServerEvent::data("after"));
    assert_eq!(next_event(&mut messages).await.data, "after");
    assert!(messages.try_recv().is_none(), "a half event was delivered");
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn an_oversized_line_is_a_typed_error_that_reconnects() {
    let server = TestServer::start().await.expect("server");
    let limits = ParserLimits { max_line_bytes: 64 * 1024, max_event_bytes: 1 << 20 };
    let cfg = config(&server).parser_limits(limits).build().expect("config");
    let (conn, mut messages) = Connection::open(cfg);
    let mut states = conn.states();
    wait_open(&mut states).await;
    server.publish(ServerEvent::data("before"));
    assert_eq!(next_event(&mut messages).await.data, "before");
    let mut huge = b"data: ".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 2 << 20));
    huge.extend_from_slice(b"\n\n");
    server.send_raw(&huge);
    let (_, cause) = next_reconnect(&mut states).await;
    assert_eq!(cause, ConnectionError::Parse(ParseError::LineTooLong { limit: 64 * 1024 }));
    wait_open(&mut states).await;
    server.publish(ServerEvent::data("after"));
    assert_eq!(next_event(&mut messages).await.data, "after");
    assert_eq!(server.requests()[1].last_event_id.as_deref(), Some("1"));
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn an_oversized_event_is_a_typed_error_that_reconnects() {
    let server = TestServer::start().await.expect("server");
    let limits = ParserLimits { max_line_bytes: 1024, max_event_bytes: 16 * 1024 };
    let cfg = config(&server).parser_limits(limits).build().expect("config");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    wait_open(&mut states).await;
    let many_lines = "data: 0123456789abcdef0123456789abcdef\n".repeat(1000);
    server.send_raw(many_lines.as_bytes());
    let (_, cause) = next_reconnect(&mut states).await;
    assert_eq!(cause, ConnectionError::Parse(ParseError::EventTooLarge { limit: 16 * 1024 }));
    conn.close();
}

#[tokio::test]
async fn invalid_utf8_becomes_replacement_characters() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    server.send_raw(b"data: ok \xff\xfe end\ndata: \xe2\x82\n\nevent: \xc3\ndata: x\n\n");
    let first = next_event(&mut messages).await;
    assert_eq!(first.data, "ok \u{FFFD}\u{FFFD} end\n\u{FFFD}");
    let second = next_event(&mut messages).await;
    assert_eq!((second.event_type.as_str(), second.data.as_str()), ("\u{FFFD}", "x"));
    assert_eq!(conn.state(), ConnectionState::Open);
    conn.close();
}

#[tokio::test]
async fn a_leading_bom_is_skipped_and_a_later_one_is_just_a_character() {
    let server = TestServer::start().await.expect("server");
    server.enqueue(ResponsePlan::stream_with(
        StreamOptions::default().preamble(b"\xEF\xBB\xBFdata: first\n\n".to_vec()),
    ));
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    assert_eq!(next_event(&mut messages).await.data, "first");
    server.send_raw("\u{FEFF}data: ignored field\n\ndata: \u{FEFF}kept\n\n".as_bytes());
    assert_eq!(next_event(&mut messages).await.data, "\u{FEFF}kept");
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn hostile_retry_values_are_clamped_or_ignored() {
    for (line, expected) in [
        ("retry: 99999999999999999999999999\n", Duration::from_secs(600)),
        ("retry: 0\n", Duration::from_millis(100)),
        ("retry: -5\n", Duration::from_secs(1)),
        ("retry: 1e3\n", Duration::from_secs(1)),
        ("retry: 12 34\n", Duration::from_secs(1)),
        ("retry:\n", Duration::from_secs(1)),
    ] {
        let server = TestServer::start().await.expect("server");
        let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
        let mut states = conn.states();
        wait_open(&mut states).await;
        server.send_raw(line.as_bytes());
        server.publish(ServerEvent::data("marker"));
        next_event(&mut messages).await;
        server.drop_streams();
        let (delay, _) = next_reconnect(&mut states).await;
        assert_eq!(delay, expected, "{line:?}");
        conn.close();
    }
}

#[tokio::test(start_paused = true)]
async fn an_id_with_nul_is_ignored_and_the_previous_id_resumes() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    server.send_raw(b"id: good\ndata: a\n\nid: ba\x00d\ndata: b\n\n");
    let got = events(&mut messages, 2).await;
    assert_eq!(ids(&got), ["good", "good"]);
    server.drop_streams();
    server.wait_for_requests(2).await;
    assert_eq!(server.requests()[1].last_event_id.as_deref(), Some("good"));
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn an_id_no_header_may_carry_is_not_sent_and_nothing_breaks() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    // A control character: legal in SSE, illegal in an HTTP header.
    server.send_raw(b"id: evil\x01X-Injected: yes\ndata: a\n\n");
    assert_eq!(next_event(&mut messages).await.id, "evil\u{1}X-Injected: yes");
    server.drop_streams();
    wait_open(&mut states).await;
    let second = &server.requests()[1];
    assert_eq!(second.last_event_id, None);
    assert_eq!(second.header("x-injected"), None);
    conn.close();
}

#[tokio::test]
async fn garbage_bytes_do_not_break_the_stream() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    let mut rng = fastrand::Rng::with_seed(42);
    let garbage: Vec<u8> = (0..64 * 1024).map(|_| rng.u8(..)).collect();
    server.send_raw(&garbage);
    // Whatever the garbage left half-open is ended by two blank lines; then a clean event.
    server.send_raw(b"\n\n\n");
    server.publish(ServerEvent::data("clean"));
    loop {
        let event = next_event(&mut messages).await;
        if event.data == "clean" {
            break;
        }
    }
    assert_eq!(conn.state(), ConnectionState::Open);
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn an_empty_body_reconnects() {
    let server = TestServer::start().await.expect("server");
    server.enqueue(ResponsePlan::stream_with(StreamOptions::default().close_after(0)));
    let (conn, _messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    let (_, cause) = next_reconnect(&mut states).await;
    assert_eq!(cause, ConnectionError::StreamEnded);
    wait_open(&mut states).await;
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_times_out_and_retries() {
    let server = TestServer::start().await.expect("server");
    server.enqueue(ResponsePlan::Hang);
    let cfg = config(&server).response_timeout(Duration::from_secs(20)).build().expect("config");
    let started = Instant::now();
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    let (_, cause) = next_reconnect(&mut states).await;
    assert_eq!(cause, ConnectionError::ResponseTimeout(Duration::from_secs(20)));
    assert!(started.elapsed() >= Duration::from_secs(20));
    wait_open(&mut states).await;
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn a_server_restart_is_survived_with_resume() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    server.publish(ServerEvent::data("one"));
    next_event(&mut messages).await;
    server.restart().await;
    server.publish(ServerEvent::data("two"));
    assert_eq!(next_event(&mut messages).await.data, "two");
    assert_eq!(
        server.requests().last().and_then(|r| r.last_event_id.clone()).as_deref(),
        Some("1")
    );
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn connection_refused_is_retried() {
    // Bind and release a port so nothing listens on it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let cfg = tether_core::ConnectionConfig::builder(format!("http://127.0.0.1:{port}/events"))
        .runtime(tokio::runtime::Handle::current())
        .jitter(0.0)
        .build()
        .expect("config");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    let (_, cause) = next_reconnect(&mut states).await;
    assert!(
        matches!(cause, ConnectionError::Transport(ref m) if m.starts_with("connect")),
        "{cause:?}"
    );
    conn.close();
}

#[tokio::test]
async fn a_token_no_header_can_carry_fails_without_sending_it() {
    let server = TestServer::start().await.expect("server");
    let provider = Arc::new(|_: TokenRequest| async { Ok(Some("abc\r\nX-Evil: 1".to_string())) });
    let cfg = config(&server).token_provider(provider).build().expect("config");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    let s = wait_state(&mut states, "final", ConnectionState::is_terminal).await;
    assert!(matches!(
        s,
        ConnectionState::Failed { error: ConnectionError::TokenProvider { retryable: false, .. } }
    ));
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_slow_consumer_gets_backpressure_not_loss() {
    let server = TestServer::start().await.expect("server");
    let cfg = config(&server).message_buffer(4).build().expect("config");
    let (conn, mut messages) = Connection::open(cfg);
    let mut states = conn.states();
    wait_open(&mut states).await;
    for i in 0..2000 {
        server.publish(ServerEvent::data(format!("{i}")));
    }
    for i in 0..2000 {
        let event = next_event(&mut messages).await;
        assert_eq!(event.data, i.to_string());
        if i % 100 == 0 {
            tokio::task::yield_now().await;
        }
    }
    assert_eq!(server.requests().len(), 1);
    conn.close();
}

#[tokio::test]
async fn error_messages_carry_no_credentials() {
    let server = TestServer::start().await.expect("server");
    server.enqueue(ResponsePlan::status(404));
    let url = server.url_for("/events?access_token=SECRET-QUERY");
    let cfg = tether_core::ConnectionConfig::builder(url)
        .runtime(tokio::runtime::Handle::current())
        .header("Authorization", "Bearer SECRET-HEADER")
        .build()
        .expect("config");
    let shown = format!("{cfg:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    let s = wait_state(&mut states, "final", ConnectionState::is_terminal).await;
    let shown = format!(
        "{s:?} {}",
        match &s {
            ConnectionState::Failed { error } => error.to_string(),
            _ => String::new(),
        }
    );
    assert!(!shown.contains("SECRET"), "{shown}");
}
