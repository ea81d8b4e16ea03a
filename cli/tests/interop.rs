//! Interop: the real `tether` binary against servers from other ecosystems.
//!
//! - Python: sse-starlette on uvicorn (`tests/interop/starlette_app.py`).
//! - nginx as a reverse proxy (buffering, gzip, HTTP/2 cleartext) in front of `tether serve`.
//!
//! Needs nginx and the pinned Python packages: `scripts/interop-deps`. When they are missing the
//! tests fail with that hint; they never skip. See `tests/interop/README.md`.

mod support;

use serde_json::Value;
use std::time::Duration;
use support::{tail, Nginx, NginxVariant, Starlette, TetherServe};

/// Longest any single `tether tail` run may take before the test fails.
const RUN: Duration = Duration::from_secs(30);

/// `(type, id, data)` of event `i` of the starlette app's fixed sequence (see its docstring).
fn starlette_event(i: u32) -> (String, String, String) {
    let event_type = if i.is_multiple_of(2) { "tick" } else { "message" };
    let data = match i % 3 {
        1 => format!(r#"{{"n":{i},"text":"héllo wörld"}}"#),
        2 => format!("tick {i}"),
        _ => format!("line {i}.1\n\nline {i}.3"),
    };
    (event_type.to_owned(), format!("e{i}"), data)
}

fn starlette_events(range: std::ops::RangeInclusive<u32>) -> Vec<(String, String, String)> {
    range.map(starlette_event).collect()
}

fn state_names(states: &[Value]) -> Vec<&str> {
    states.iter().map(|s| s["state"].as_str().unwrap_or_default()).collect()
}

/// The causes of every `reconnecting` state, in order.
fn reconnect_causes(states: &[Value]) -> Vec<&str> {
    states
        .iter()
        .filter(|s| s["state"] == "reconnecting")
        .map(|s| s["cause"].as_str().unwrap_or_default())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// sse-starlette on uvicorn
// ---------------------------------------------------------------------------------------------

/// Every event exact (ids, names, multi-line data with an empty line, UTF-8, JSON), the comment
/// delivered, `--max-events` exits 0, for each of the three line ends sse-starlette can write.
#[test]
fn starlette_events_exact_for_every_line_end() {
    let server = Starlette::start();
    for sep in ["crlf", "lf", "cr"] {
        let url = server.url(&format!("/events?n=7&sep={sep}"));
        let run = tail(&[&url, "--json", "--comments", "--max-events", "7"], RUN);
        run.assert_exit(0);
        assert_eq!(run.events(), starlette_events(1..=7), "sep={sep}\n{}", run.report());
        let comments = run.of_kind("comment");
        assert_eq!(comments.len(), 1, "sep={sep}\n{}", run.report());
        // The engine hands over the comment as written after the colon (leading space kept).
        assert_eq!(comments[0]["text"], " hello from sse-starlette", "{}", run.report());
        let states = run.states();
        assert_eq!(state_names(&states), ["connecting", "open", "closed"], "{}", run.report());
        assert_eq!(states[0]["attempt"], 0);
        assert_eq!(states[2]["reason"], "client", "--max-events closes from the client side");
    }
}

/// The server ends the response after every 3 events (the SSE way to ask for a reconnect); the
/// engine reconnects with `Last-Event-ID`, the server resumes after it, and at the end answers
/// 204: every event exactly once, in order, then `closed reason=server` and exit 0.
#[test]
fn starlette_resumes_after_clean_end_without_loss_or_duplicate() {
    let server = Starlette::start();
    let url = server.url("/events?n=10&drop_after=3&drop_mode=end");
    let run = tail(&[&url, "--json"], RUN);
    run.assert_exit(0);
    assert_eq!(run.events(), starlette_events(1..=10), "{}", run.report());
    let states = run.states();
    // Connections e1-3, e4-6, e7-9, e10; each ends; the fifth request gets 204.
    assert_eq!(reconnect_causes(&states), ["stream_ended"; 4], "{}", run.report());
    assert_eq!(state_names(&states).iter().filter(|s| **s == "open").count(), 4);
    let last = states.last().expect("a final state");
    assert_eq!((&last["state"], &last["reason"]), (&"closed".into(), &"server".into()));
    // The server's `retry: 100` sets the base delay: 100 ms, doubling, jittered down to half.
    for s in states.iter().filter(|s| s["state"] == "reconnecting") {
        let delay = s["delay_ms"].as_u64().expect("delay_ms");
        assert!(delay <= 800, "retry: 100 was not honoured: {s}\n{}", run.report());
    }
}

/// Same, but uvicorn cuts the socket mid-stream (chunked body never finished): a transport
/// error for the engine, which resumes without loss or duplicate.
#[test]
fn starlette_resumes_after_broken_connection() {
    let server = Starlette::start();
    let url = server.url("/events?n=10&drop_after=3&drop_mode=abort");
    let run = tail(&[&url, "--json"], RUN);
    run.assert_exit(0);
    assert_eq!(run.events(), starlette_events(1..=10), "{}", run.report());
    let states = run.states();
    assert_eq!(
        reconnect_causes(&states),
        ["transport", "transport", "transport", "stream_ended"],
        "{}",
        run.report()
    );
    assert!(server.server.log().contains("dropped after e3"), "{}", server.server.log());
}

/// `--last-event-id` is sent from the first request: the server resumes after it.
#[test]
fn starlette_last_event_id_flag_resumes_from_it() {
    let server = Starlette::start();
    let url = server.url("/events?n=10");
    let run = tail(&[&url, "--json", "--last-event-id", "e7"], RUN);
    run.assert_exit(0);
    assert_eq!(run.events(), starlette_events(8..=10), "{}", run.report());
}

/// sse-starlette's own `: ping` comments (every 0.3 s) keep a 1 s watchdog quiet while events
/// come only every 1.5 s: no reconnect, every event, pings delivered with `--comments`.
#[test]
fn starlette_pings_keep_the_watchdog_quiet() {
    let server = Starlette::start();
    let url = server.url("/events?n=3&gap=1.5&ping=0.3");
    let run =
        tail(&[&url, "--json", "--comments", "--watchdog-secs", "1", "--max-events", "3"], RUN);
    run.assert_exit(0);
    assert_eq!(run.events(), starlette_events(1..=3), "{}", run.report());
    assert_eq!(reconnect_causes(&run.states()), Vec::<&str>::new(), "{}", run.report());
    let pings = run
        .of_kind("comment")
        .iter()
        .filter(|c| c["text"].as_str().is_some_and(|t| t.starts_with(" ping - ")))
        .count();
    assert!(pings >= 3, "expected sse-starlette pings\n{}", run.report());
}

/// Text output: one line per event, data quoted so a multi-line event stays on one line.
#[test]
fn starlette_text_output() {
    let server = Starlette::start();
    let url = server.url("/events?n=3");
    let run = tail(&[&url, "--max-events", "3"], RUN);
    run.assert_exit(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "state: connecting attempt=0",
            "state: open",
            r#"event type=message id=e1 data="{\"n\":1,\"text\":\"héllo wörld\"}""#,
            r#"event type=tick id=e2 data="tick 2""#,
            r#"event type=message id=e3 data="line 3.1\n\nline 3.3""#,
            "state: closed reason=client",
        ],
        "{}",
        run.report()
    );
}

/// `-H` headers reach the server; their values appear nowhere in the output, even at trace level.
#[test]
fn starlette_headers_sent_but_values_never_printed() {
    let server = Starlette::start();
    let url = server.url("/whoami");
    for json in [true, false] {
        let mut args = vec![
            "tail",
            url.as_str(),
            "-H",
            "Authorization: Bearer s3cret-token",
            "-H",
            "X-Tether-Test: hidden-value",
        ];
        if json {
            args.push("--json");
        }
        let run = support::tether(&args, &[("RUST_LOG", "trace")], RUN);
        run.assert_exit(0);
        for secret in ["s3cret-token", "hidden-value"] {
            assert!(!run.stdout.contains(secret), "{secret} printed\n{}", run.report());
            assert!(!run.stderr.contains(secret), "{secret} logged\n{}", run.report());
        }
        let seen_line = run.stdout.lines().find(|l| l.contains("whoami")).unwrap_or_default();
        assert!(
            seen_line.contains(r#"\"authorization\": true"#)
                && seen_line.contains(r#"\"x_tether_test\": true"#)
                && seen_line.contains(r#"\"accept\": \"text/event-stream\""#),
            "{}",
            run.report()
        );
    }
}

/// A 404 is final: `state: failed`, the error on stderr, exit 1.
#[test]
fn starlette_404_fails_with_exit_1() {
    let server = Starlette::start();
    let run = tail(&[&server.url("/missing"), "--json"], RUN);
    run.assert_exit(1);
    let last = run.states().pop().expect("a state");
    assert_eq!(last["state"], "failed", "{}", run.report());
    assert_eq!(last["error"], "http_status");
    assert!(run.stderr.contains("HTTP 404"), "{}", run.report());
}

/// Bad arguments: one line on stderr, exit 2, and a header argument is never echoed.
#[test]
fn tail_usage_errors_exit_2() {
    let cases: [(&[&str], &str); 4] = [
        (&["http://127.0.0.1:9/", "-H", "Authorization Bearer s3cret"], "-H argument #1"),
        (&["not a url"], "invalid URL"),
        (&["ftp://127.0.0.1/events"], "not http or https"),
        (&["http://127.0.0.1:9/", "-H", "Bad Name: s3cret"], "invalid header name"),
    ];
    for (args, expected) in cases {
        let run = tail(args, RUN);
        run.assert_exit(2);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.report());
        assert!(run.stderr.contains(expected), "{}", run.report());
        assert!(!run.stderr.contains("s3cret"), "{}", run.report());
        assert!(run.stdout.is_empty(), "{}", run.report());
    }
}

// ---------------------------------------------------------------------------------------------
// nginx in front of `tether serve`
// ---------------------------------------------------------------------------------------------

/// How long both scenarios wait before their first step: nginx and the client must be up by
/// then (`TetherServe::assert_client_was_early` checks it). Correctness does not depend on it —
/// the testkit replays its history to a late client — but the timing assertions do.
const LEAD: Duration = Duration::from_millis(3000);

/// Six `update` events 250 ms apart (two data lines each), then a clean end of the stream (and
/// another much later, so a client that came too late still ends and reports why).
const PACED_THEN_END: &str = r#"{
  "name": "paced-then-end",
  "steps": [
    { "after_ms": 3000, "event": "update", "data": "payload {{seq}}\nsecond line" },
    { "after_ms": 250, "event": "update", "data": "payload {{seq}}\nsecond line" },
    { "after_ms": 250, "event": "update", "data": "payload {{seq}}\nsecond line" },
    { "after_ms": 250, "event": "update", "data": "payload {{seq}}\nsecond line" },
    { "after_ms": 250, "event": "update", "data": "payload {{seq}}\nsecond line" },
    { "after_ms": 250, "event": "update", "data": "payload {{seq}}\nsecond line" },
    { "after_ms": 100, "action": "close" },
    { "after_ms": 8000, "action": "close" }
  ]
}"#;

/// Three events, the upstream socket dropped, three more: the client must resume through nginx.
const DROP_IN_THE_MIDDLE: &str = r#"{
  "name": "drop-in-the-middle",
  "steps": [
    { "after_ms": 3000, "event": "update", "data": "payload {{seq}}\nsecond line" },
    { "after_ms": 100, "event": "update", "data": "payload {{seq}}\nsecond line" },
    { "after_ms": 100, "event": "update", "data": "payload {{seq}}\nsecond line" },
    { "after_ms": 100, "action": "drop" },
    { "after_ms": 300, "event": "update", "data": "payload {{seq}}\nsecond line" },
    { "after_ms": 100, "event": "update", "data": "payload {{seq}}\nsecond line" },
    { "after_ms": 100, "event": "update", "data": "payload {{seq}}\nsecond line" }
  ]
}"#;

/// The events both scenarios publish: ids are the testkit's sequence numbers.
fn served_events(n: u32) -> Vec<(String, String, String)> {
    (1..=n)
        .map(|i| ("update".to_owned(), i.to_string(), format!("payload {i}\nsecond line")))
        .collect()
}

/// How far apart the first and the last event arrived.
/// The events arrived over time, not in one burst at the end (nginx did not buffer them).
fn assert_live(run: &support::TailRun) {
    let spread = spread(run);
    assert!(spread >= Duration::from_millis(700), "not live: {spread:?}\n{}", run.report());
}

/// A raw request through nginx asking for gzip: the response head, and the body decompressed
/// once it contains `until`. Fails unless the response really is gzip-encoded.
fn gzipped_stream(port: u16, path: &str, until: &str) -> (String, String) {
    let (head, body) = support::raw_get(
        port,
        path,
        &[("Accept", "text/event-stream"), ("Accept-Encoding", "gzip")],
        Duration::from_secs(10),
        |_, body| support::gunzip_partial(&support::dechunk(body)).contains(until),
    );
    assert_eq!(support::header(&head, "Content-Encoding"), Some("gzip"), "{head}");
    let text = support::gunzip_partial(&support::dechunk(&body));
    (head, text)
}

fn spread(run: &support::TailRun) -> Duration {
    let times = run.event_times();
    match (times.first(), times.last()) {
        (Some(first), Some(last)) => *last - *first,
        _ => Duration::ZERO,
    }
}

/// nginx's defaults for a proxied SSE stream, `proxy_buffering on` and `gzip on` (with
/// `text/event-stream` in `gzip_types`): the gzip filter holds everything — the response
/// headers included — until the upstream ends the response. Tether still gets every event
/// intact, decompressed, but all at once at the end instead of live.
#[test]
fn nginx_buffering_gzip_holds_events_until_upstream_ends_then_all_intact() {
    let upstream = TetherServe::start(PACED_THEN_END);
    let nginx = Nginx::start(
        upstream.port,
        NginxVariant { http2: false, proxy_buffering: true, gzip: true },
    );
    let run = tail(&[&nginx.url("/events"), "--json", "--max-events", "6"], RUN);
    run.assert_exit(0);
    upstream.assert_client_was_early(&run, LEAD);
    assert_eq!(run.events(), served_events(6), "{}", run.report());
    // Held: the six events, published over 1.25 s, arrive within one flush.
    assert!(
        spread(&run) < Duration::from_millis(300),
        "not held: {:?}\n{}",
        spread(&run),
        run.report()
    );
    // …and so were the headers: `open` arrives with the events, after the upstream ended.
    let open_at = run
        .lines()
        .iter()
        .zip(&run.line_times)
        .find(|(line, _)| line["state"] == "open")
        .map(|(_, at)| *at)
        .expect("an open state");
    assert!(run.event_times()[0] - open_at < Duration::from_millis(300), "{}", run.report());
    assert!(open_at >= Duration::from_millis(1000), "headers were not held\n{}", run.report());
    // Tether asked for gzip and nginx compressed the stream (the ratio is only logged for a
    // response that completed, as this one did).
    let log = nginx.wait_access_log(1);
    let first = log.lines().next().unwrap_or_default();
    assert!(first.contains(r#"accept_encoding="gzip""#), "{log}");
    assert!(!first.contains("gzip_ratio=-"), "not compressed: {log}");
}

/// The recommended setups: `proxy_buffering off` in nginx, or `X-Accel-Buffering: no` from the
/// upstream. With gzip still on, nginx then flushes the compressor after every upstream chunk:
/// events arrive live (spread over the 1.25 s they were published in), intact, and the bytes on
/// the wire are really gzip (checked with a raw HTTP/1.1 client).
#[test]
fn nginx_unbuffered_gzip_streams_live_and_compressed() {
    let upstream = TetherServe::start(PACED_THEN_END);
    let nginx = Nginx::start(
        upstream.port,
        NginxVariant { http2: false, proxy_buffering: false, gzip: true },
    );
    let run = tail(&[&nginx.url("/events"), "--json", "--max-events", "6"], RUN);
    run.assert_exit(0);
    upstream.assert_client_was_early(&run, LEAD);
    assert_eq!(run.events(), served_events(6), "{}", run.report());
    assert_live(&run);

    // The wire: a fresh request replays the history (the testkit's default) through nginx.
    let (_head, text) = gzipped_stream(nginx.port, "/events", "payload 6");
    for i in 1..=6 {
        assert!(text.contains(&format!("id: {i}\n")), "event {i} missing in {text:?}");
    }
    assert!(text.contains("data: payload 6\ndata: second line\n"), "{text:?}");
}

/// HTTP/2 end to end: nginx listens h2c (`listen … http2`), `tether tail --h2c` speaks HTTP/2
/// with prior knowledge, gzip on. The upstream socket drops after 3 events; nginx resets the
/// HTTP/2 stream, Tether reconnects with `Last-Event-ID: 3` and gets 4–6: in order, no loss, no
/// duplicate, every request logged as HTTP/2.0.
#[test]
fn nginx_h2c_end_to_end_with_resume() {
    let upstream = TetherServe::start(DROP_IN_THE_MIDDLE);
    let nginx = Nginx::start(
        upstream.port,
        NginxVariant { http2: true, proxy_buffering: false, gzip: true },
    );
    let run = tail(&[&nginx.url("/events"), "--json", "--h2c", "--max-events", "6"], RUN);
    run.assert_exit(0);
    upstream.assert_client_was_early(&run, LEAD);
    assert_eq!(run.events(), served_events(6), "{}", run.report());
    let states = run.states();
    let causes = reconnect_causes(&states);
    assert!(!causes.is_empty(), "the drop did not reach the client\n{}", run.report());
    // nginx logs a request when it ends: the resumed one ends when `tether` exits.
    let log = nginx.wait_access_log(2);
    assert!(log.lines().all(|l| l.contains("proto=HTTP/2.0")), "{log}");
    assert!(log.contains(r#"last_event_id="3""#), "no resume from 3 seen by nginx: {log}");
}

/// The other recommended setup: the upstream sends `X-Accel-Buffering: no`, as sse-starlette does
/// by default. nginx keeps `proxy_buffering on` and `gzip on`, yet streams that response live,
/// compressed, flushing after every event.
#[test]
fn nginx_honours_x_accel_buffering_from_sse_starlette() {
    let upstream = Starlette::start();
    let nginx = Nginx::start(
        upstream.port,
        NginxVariant { http2: false, proxy_buffering: true, gzip: true },
    );
    // Paced per connection by the app itself (`gap`): no dependence on start-up timing.
    let url = nginx.url("/events?n=4&gap=0.3");
    let run = tail(&[&url, "--json", "--max-events", "4"], RUN);
    run.assert_exit(0);
    assert_eq!(run.events(), starlette_events(1..=4), "{}", run.report());
    assert_live(&run);
    let (head, text) = gzipped_stream(nginx.port, "/events?n=4&gap=0.3", "id: e4");
    assert_eq!(support::header(&head, "X-Accel-Buffering"), None, "nginx consumes it: {head}");
    assert!(
        text.contains("id: e3\r\ndata: line 3.1\r\ndata: \r\ndata: line 3.3\r\n\r\n"),
        "{text:?}"
    );
}
