//! The engine against the real test server on loopback: open, resume, HTTP policy, backoff,
//! watchdog, tokens, close and metrics. Timing tests run on tokio's paused clock.

use crate::support::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tether_core::{
    CloseReason, Connection, ConnectionError, ConnectionState, TokenError, TokenRequest,
};
use tether_testkit::{ResponsePlan, ServerEvent, StreamOptions, TestServer};
use tokio::time::Instant;

fn publish_n(server: &TestServer, from: usize, to: usize) {
    for i in from..=to {
        server.publish(ServerEvent::data(format!("e{i}")));
    }
}

#[tokio::test]
async fn opens_and_receives_events_in_order() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    server.publish(ServerEvent::data("hello").with_event("greeting"));
    server.publish(ServerEvent::data("line1\nline2"));
    let got = events(&mut messages, 2).await;
    assert_eq!(got[0].event_type, "greeting");
    assert_eq!(got[0].data, "hello");
    assert_eq!(got[0].id, "1");
    assert_eq!(got[1].event_type, "message");
    assert_eq!(got[1].data, "line1\nline2");
    assert_eq!(conn.last_event_id(), "2");
    let request = &server.requests()[0];
    assert_eq!(request.header("accept"), Some("text/event-stream"));
    assert_eq!(request.last_event_id, None);
    conn.close();
}

#[tokio::test]
async fn state_stream_starts_with_the_current_state_then_follows() {
    let server = TestServer::start().await.expect("server");
    let (conn, _messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    let first = states.next().await.expect("current state");
    assert!(matches!(first, ConnectionState::Idle | ConnectionState::Connecting { attempt: 0 }));
    wait_open(&mut states).await;
    let mut late = conn.states();
    assert_eq!(late.next().await, Some(ConnectionState::Open), "late subscriber sees current");
    conn.close();
    assert_eq!(
        states.next().await,
        Some(ConnectionState::Closed { reason: CloseReason::ByClient })
    );
    assert_eq!(states.next().await, None, "a final state ends the stream");
}

#[tokio::test(start_paused = true)]
async fn dropped_connection_resumes_from_last_event_id_without_loss_or_duplicate() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    publish_n(&server, 1, 3);
    assert_eq!(ids(&events(&mut messages, 3).await), ["1", "2", "3"]);
    server.drop_streams();
    // Published while the client is away: must be replayed on resume.
    publish_n(&server, 4, 5);
    let reconnecting = reconnecting(&mut states).await;
    assert!(matches!(
        reconnecting,
        ConnectionState::Reconnecting { attempt: 1, delay, .. } if delay == Duration::from_secs(1)
    ));
    wait_open(&mut states).await;
    publish_n(&server, 6, 6);
    assert_eq!(ids(&events(&mut messages, 3).await), ["4", "5", "6"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].last_event_id.as_deref(), Some("3"));
    assert!(messages.try_recv().is_none(), "nothing delivered twice");
    let m = conn.metrics();
    assert_eq!((m.connects, m.reconnects, m.events), (2, 1, 6));
}

#[tokio::test]
async fn preset_last_event_id_is_sent_from_the_first_request() {
    let server = TestServer::start().await.expect("server");
    publish_n(&server, 1, 4);
    let cfg = config(&server).last_event_id("2").build().expect("config");
    let (conn, mut messages) = Connection::open(cfg);
    assert_eq!(ids(&events(&mut messages, 2).await), ["3", "4"]);
    assert_eq!(server.requests()[0].last_event_id.as_deref(), Some("2"));
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn non_ascii_last_event_id_is_resent_as_its_utf8_bytes() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    server.publish(ServerEvent::data("x").with_id("événement-✓"));
    assert_eq!(next_event(&mut messages).await.id, "événement-✓");
    server.drop_streams();
    server.wait_for_requests(2).await;
    let raw = server.requests()[1].raw_last_event_id.clone();
    assert_eq!(raw.as_deref(), Some("événement-✓".as_bytes()));
    conn.close();
}

#[tokio::test]
async fn http_204_closes_for_good() {
    let server = TestServer::start().await.expect("server");
    server.enqueue(ResponsePlan::status(204));
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    let state = wait_state(&mut states, "final", ConnectionState::is_terminal).await;
    assert_eq!(state, ConnectionState::Closed { reason: CloseReason::ByServer });
    assert!(messages.recv().await.is_none());
    assert_eq!(server.requests().len(), 1, "no reconnect after 204");
}

#[tokio::test]
async fn fatal_statuses_and_content_types_fail_with_typed_errors() {
    let cases: Vec<(ResponsePlan, ConnectionError)> = vec![
        (ResponsePlan::status(404), ConnectionError::HttpStatus { status: 404 }),
        (ResponsePlan::status(400), ConnectionError::HttpStatus { status: 400 }),
        (ResponsePlan::status(410), ConnectionError::HttpStatus { status: 410 }),
        (
            ResponsePlan::WrongContentType("application/json".into()),
            ConnectionError::InvalidContentType { found: Some("application/json".into()) },
        ),
        (ResponsePlan::NoContentType, ConnectionError::InvalidContentType { found: None }),
        (ResponsePlan::status(401), ConnectionError::Unauthorized { status: 401 }),
        (ResponsePlan::status(403), ConnectionError::Unauthorized { status: 403 }),
    ];
    for (plan, expected) in cases {
        let server = TestServer::start().await.expect("server");
        server.enqueue(plan.clone());
        let (conn, _messages) = Connection::open(config(&server).build().expect("config"));
        let mut states = conn.states();
        let state = wait_state(&mut states, "final", ConnectionState::is_terminal).await;
        assert_eq!(state, ConnectionState::Failed { error: expected }, "plan {plan:?}");
        assert_eq!(server.requests().len(), 1, "plan {plan:?}: no retry");
    }
}

#[tokio::test(start_paused = true)]
async fn retryable_statuses_back_off_and_honour_retry_after() {
    let server = TestServer::start().await.expect("server");
    server.enqueue(ResponsePlan::status(500));
    server.enqueue(ResponsePlan::retry_after(503, 7));
    server.enqueue(ResponsePlan::status(429));
    server.enqueue(ResponsePlan::status(408));
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let start = Instant::now();
    let mut states = conn.states();
    let mut delays = Vec::new();
    while delays.len() < 4 {
        match reconnecting(&mut states).await {
            ConnectionState::Reconnecting { delay, cause, .. } => {
                assert!(matches!(cause, ConnectionError::HttpStatus { .. }));
                delays.push(delay.as_secs());
            }
            _ => unreachable!(),
        }
    }
    // 1 s, then Retry-After 7 s beats the 2 s backoff, then 4 s, 8 s.
    assert_eq!(delays, [1, 7, 4, 8]);
    wait_open(&mut states).await;
    assert!(start.elapsed() >= Duration::from_secs(20));
    server.publish(ServerEvent::data("finally"));
    assert_eq!(next_event(&mut messages).await.data, "finally");
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn backoff_grows_to_the_cap_and_resets_after_a_long_open_connection() {
    let server = TestServer::start().await.expect("server");
    for _ in 0..7 {
        server.enqueue(ResponsePlan::CloseImmediately);
    }
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    let mut delays = Vec::new();
    while delays.len() < 7 {
        if let ConnectionState::Reconnecting { delay, cause, .. } = reconnecting(&mut states).await
        {
            assert!(matches!(cause, ConnectionError::Transport(_)), "{cause:?}");
            delays.push(delay.as_secs());
        }
    }
    assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30]);
    wait_open(&mut states).await;
    // A short-lived open does not reset the backoff...
    server.drop_streams();
    let s = reconnecting(&mut states).await;
    assert!(matches!(s, ConnectionState::Reconnecting { delay, .. } if delay.as_secs() == 30));
    wait_open(&mut states).await;
    // ...but one that stayed open 60 s does.
    server.publish(ServerEvent::data("a"));
    next_event(&mut messages).await;
    tokio::time::advance(Duration::from_secs(61)).await;
    server.publish(ServerEvent::data("b"));
    next_event(&mut messages).await;
    server.drop_streams();
    let s = reconnecting(&mut states).await;
    assert!(
        matches!(s, ConnectionState::Reconnecting { attempt: 1, delay, .. } if delay.as_secs() == 1)
    );
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn server_retry_field_replaces_the_initial_delay() {
    let server = TestServer::start().await.expect("server");
    server.enqueue(ResponsePlan::stream_with(StreamOptions::default().retry_ms(250)));
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    // The retry line precedes the event on the wire: once the event is here, so was the retry.
    server.publish(ServerEvent::data("x"));
    next_event(&mut messages).await;
    server.drop_streams();
    let s = reconnecting(&mut states).await;
    assert!(
        matches!(s, ConnectionState::Reconnecting { delay, .. } if delay == Duration::from_millis(250)),
        "{s:?}"
    );
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn watchdog_closes_a_silent_connection_and_resumes() {
    let server = TestServer::start().await.expect("server");
    let cfg = config(&server).watchdog(Some(Duration::from_secs(45))).build().expect("config");
    let (conn, mut messages) = Connection::open(cfg);
    let mut states = conn.states();
    wait_open(&mut states).await;
    server.publish(ServerEvent::data("before"));
    next_event(&mut messages).await;
    let silent_from = Instant::now();
    server.stall_streams();
    server.publish(ServerEvent::data("during the stall"));
    let s = reconnecting(&mut states).await;
    assert!(matches!(
        s,
        ConnectionState::Reconnecting { cause: ConnectionError::Watchdog(d), .. } if d == Duration::from_secs(45)
    ));
    assert!(silent_from.elapsed() >= Duration::from_secs(45));
    assert_eq!(next_event(&mut messages).await.data, "during the stall");
    assert_eq!(server.requests()[1].last_event_id.as_deref(), Some("1"));
    assert_eq!(conn.metrics().watchdog_timeouts, 1);
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn comments_keep_the_watchdog_quiet() {
    let server = TestServer::start().await.expect("server");
    let cfg = config(&server).watchdog(Some(Duration::from_secs(10))).build().expect("config");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    wait_open(&mut states).await;
    server.set_keepalive(Some(Duration::from_secs(5)));
    // Two minutes of paused-clock time: the keep-alive timers fire along the way.
    tokio::time::sleep_until(Instant::now() + Duration::from_secs(120)).await;
    assert_eq!(conn.state(), ConnectionState::Open);
    assert_eq!(server.requests().len(), 1);
    assert!(conn.metrics().comments >= 20, "{:?}", conn.metrics());
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn server_announced_heartbeat_interval_sets_the_watchdog() {
    let server = TestServer::start().await.expect("server");
    let cfg = config(&server)
        .watchdog(Some(Duration::from_secs(300)))
        .heartbeat_hint("heartbeat", "/interval_ms")
        .build()
        .expect("config");
    let (conn, mut messages) = Connection::open(cfg);
    let mut states = conn.states();
    wait_open(&mut states).await;
    server.publish(ServerEvent::data(r#"{"interval_ms":5000}"#).with_event("heartbeat"));
    next_event(&mut messages).await;
    let silent_from = Instant::now();
    server.stall_streams();
    let s = reconnecting(&mut states).await;
    assert!(matches!(
        s,
        ConnectionState::Reconnecting { cause: ConnectionError::Watchdog(d), .. } if d == Duration::from_secs(10)
    ));
    let waited = silent_from.elapsed();
    assert!(waited >= Duration::from_secs(10) && waited < Duration::from_secs(300));
    conn.close();
}

/// Hands out `old-N` tokens, then `fresh-N` once asked to refresh; records every request.
#[derive(Debug, Default)]
struct Tokens {
    asked: Mutex<Vec<TokenRequest>>,
    refreshed: AtomicUsize,
}

impl Tokens {
    fn provider(self: &Arc<Self>) -> Arc<dyn tether_core::TokenProvider> {
        let me = Arc::clone(self);
        Arc::new(move |request: TokenRequest| {
            let me = Arc::clone(&me);
            async move {
                me.asked.lock().expect("lock").push(request);
                if request == TokenRequest::Refresh {
                    me.refreshed.fetch_add(1, Ordering::SeqCst);
                }
                let n = me.refreshed.load(Ordering::SeqCst);
                Ok(Some(if n == 0 { "old".to_string() } else { format!("fresh-{n}") }))
            }
        })
    }
}

#[tokio::test]
async fn unauthorized_asks_for_a_fresh_token_once_and_retries_at_once() {
    let server = TestServer::start().await.expect("server");
    server.enqueue(ResponsePlan::status(401));
    let tokens = Arc::new(Tokens::default());
    let cfg = config(&server).token_provider(tokens.provider()).build().expect("config");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    wait_open(&mut states).await;
    let requests = server.requests();
    assert_eq!(requests[0].header("authorization"), Some("Bearer old"));
    assert_eq!(requests[1].header("authorization"), Some("Bearer fresh-1"));
    assert_eq!(*tokens.asked.lock().expect("lock"), [TokenRequest::Current, TokenRequest::Refresh]);
    conn.close();
}

#[tokio::test]
async fn a_second_refusal_after_refresh_fails() {
    let server = TestServer::start().await.expect("server");
    server.enqueue(ResponsePlan::status(401));
    server.enqueue(ResponsePlan::status(403));
    let tokens = Arc::new(Tokens::default());
    let cfg = config(&server).token_provider(tokens.provider()).build().expect("config");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    let s = wait_state(&mut states, "final", ConnectionState::is_terminal).await;
    assert_eq!(s, ConnectionState::Failed { error: ConnectionError::Unauthorized { status: 403 } });
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn token_provider_errors_retry_or_fail_as_they_say() {
    let server = TestServer::start().await.expect("server");
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let provider = Arc::new(move |_: TokenRequest| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            match n {
                0 => Err(TokenError { message: "auth server busy".into(), retryable: true }),
                _ => Err(TokenError { message: "logged out".into(), retryable: false }),
            }
        }
    });
    let cfg = config(&server).token_provider(provider).build().expect("config");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    let s = reconnecting(&mut states).await;
    assert!(matches!(
        s,
        ConnectionState::Reconnecting {
            cause: ConnectionError::TokenProvider { retryable: true, .. },
            ..
        }
    ));
    let s = wait_state(&mut states, "final", ConnectionState::is_terminal).await;
    assert_eq!(
        s,
        ConnectionState::Failed {
            error: ConnectionError::TokenProvider {
                message: "logged out".into(),
                retryable: false
            }
        }
    );
    assert!(server.requests().is_empty(), "no request without a token");
}

#[tokio::test]
async fn redirects_are_followed_and_authorization_is_dropped_across_origins() {
    let target = TestServer::start().await.expect("target");
    let front = TestServer::start().await.expect("front");
    // Same origin first, then to another port (another origin).
    front.enqueue(ResponsePlan::redirect(307, front.url_for("/moved")));
    front.enqueue(ResponsePlan::redirect(302, target.url_for("/elsewhere")));
    let cfg = config(&front).header("Authorization", "Bearer secret").build().expect("config");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    wait_open(&mut states).await;
    let front_requests = front.requests();
    assert_eq!(front_requests.len(), 2);
    assert_eq!(front_requests[1].path, "/moved");
    assert_eq!(front_requests[1].header("authorization"), Some("Bearer secret"));
    let target_requests = target.requests();
    assert_eq!(target_requests[0].path, "/elsewhere");
    assert_eq!(target_requests[0].header("authorization"), None, "credential leaked");
    conn.close();
}

#[tokio::test]
async fn a_redirect_loop_fails() {
    let server = TestServer::start().await.expect("server");
    for _ in 0..20 {
        server.enqueue(ResponsePlan::redirect(302, server.url_for("/loop")));
    }
    let cfg = config(&server).max_redirects(5).build().expect("config");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    let s = wait_state(&mut states, "final", ConnectionState::is_terminal).await;
    assert_eq!(
        s,
        ConnectionState::Failed { error: ConnectionError::TooManyRedirects { limit: 5 } }
    );
    assert_eq!(server.requests().len(), 6);
}

#[tokio::test]
async fn close_is_idempotent_and_nothing_is_delivered_after_it() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    publish_n(&server, 1, 200);
    next_event(&mut messages).await;
    conn.close();
    conn.close();
    assert!(messages.recv().await.is_none(), "an event was delivered after close");
    assert_eq!(conn.state(), ConnectionState::Closed { reason: CloseReason::ByClient });
    server.wait_for_closed_streams(1).await;
}

#[tokio::test]
async fn dropping_the_handle_closes_the_socket() {
    let server = TestServer::start().await.expect("server");
    let (conn, _messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    drop(conn);
    server.wait_for_closed_streams(1).await;
}

#[tokio::test]
async fn gzip_and_one_byte_writes_deliver_the_same_events() {
    for options in [StreamOptions::default().gzip(), StreamOptions::default().dribble()] {
        let server = TestServer::start().await.expect("server");
        publish_n(&server, 1, 20);
        server.enqueue(ResponsePlan::stream_with(options.clone()));
        let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
        let got = events(&mut messages, 20).await;
        let expected: Vec<String> = (1..=20).map(|i| format!("e{i}")).collect();
        assert_eq!(datas(&got), expected, "{options:?}");
        conn.close();
    }
}

#[tokio::test]
async fn custom_method_body_and_headers_are_sent() {
    let server = TestServer::start().await.expect("server");
    let cfg = config(&server)
        .method("POST")
        .body(r#"{"filter":"mine"}"#)
        .header("X-Tenant", "acme")
        .build()
        .expect("config");
    let (conn, mut messages) = Connection::open(cfg);
    server.publish(ServerEvent::data("ok"));
    next_event(&mut messages).await;
    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.body, br#"{"filter":"mine"}"#);
    assert_eq!(request.header("x-tenant"), Some("acme"));
    conn.close();
}

#[test]
fn runs_on_its_own_runtime_when_the_host_has_none() {
    // A plain thread with no tokio runtime, like a mobile host app.
    let server_rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = server_rt.block_on(TestServer::start()).expect("server");
    let url = server.url();
    let received = std::thread::spawn(move || {
        let cfg = tether_core::ConnectionConfig::builder(url).build().expect("config");
        let (conn, mut messages) = Connection::open(cfg);
        let event = futures_block_on(async { next_event(&mut messages).await });
        conn.close();
        event
    });
    server_rt.block_on(async {
        server.wait_for_open_streams(1).await;
        server.publish(ServerEvent::data("from a runtime-less host"));
    });
    let event = received.join().expect("client thread");
    assert_eq!(event.data, "from a runtime-less host");
}

fn futures_block_on<F: std::future::Future>(f: F) -> F::Output {
    // A throwaway current-thread runtime only to wait; the engine runs on its own runtime.
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[tokio::test(start_paused = true)]
async fn restart_reconnects_at_once_and_resumes() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    server.publish(ServerEvent::data("a"));
    next_event(&mut messages).await;
    let at = Instant::now();
    conn.restart();
    let next = wait_state(&mut states, "connecting", |s| !matches!(s, ConnectionState::Open)).await;
    assert_eq!(next, ConnectionState::Connecting { attempt: 0 }, "no backoff, no error state");
    wait_open(&mut states).await;
    assert_eq!(at.elapsed(), Duration::ZERO);
    server.wait_for_closed_streams(1).await;
    assert_eq!(server.requests()[1].last_event_id.as_deref(), Some("1"));
    server.publish(ServerEvent::data("b"));
    assert_eq!(next_event(&mut messages).await.data, "b");
    conn.close();
}
