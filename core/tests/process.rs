//! Process-wide lifecycle and network signals (`set_process_app_state`, `set_process_network`)
//! against the real test server, on a paused clock. The signals are process-global, so these
//! tests live in their own test binary and take turns through `TURN`.

#[path = "integration/support.rs"]
#[allow(dead_code)]
mod support;

use std::time::Duration;
use support::*;
use tether_core::{
    process_signals, set_process_app_state, set_process_network, AppState, Connection,
    ConnectionState, NetworkState, SuspendReason,
};
use tether_testkit::{ServerEvent, TestServer};
use tokio::sync::{Mutex, MutexGuard};
use tokio::time::Instant;

static TURN: Mutex<()> = Mutex::const_new(());

/// Takes this test's turn and starts it from a foreground, online process.
async fn turn() -> MutexGuard<'static, ()> {
    let guard = TURN.lock().await;
    set_process_app_state(AppState::Foreground);
    set_process_network(NetworkState::Online);
    guard
}

fn suspended(reason: SuspendReason) -> impl FnMut(&ConnectionState) -> bool {
    move |s| *s == ConnectionState::Suspended { reason }
}

#[tokio::test(start_paused = true)]
async fn one_background_signal_suspends_every_following_connection_and_foreground_resumes_them() {
    let _turn = turn().await;
    let server = TestServer::start().await.expect("server");
    let grace = Duration::from_secs(2);
    let (a, mut a_messages) =
        Connection::open(config(&server).background_grace(grace).build().expect("a"));
    let (b, mut b_messages) =
        Connection::open(config(&server).background_grace(grace).build().expect("b"));
    let (mut a_states, mut b_states) = (a.states(), b.states());
    wait_open(&mut a_states).await;
    wait_open(&mut b_states).await;
    server.publish(ServerEvent::data("first"));
    assert_eq!(next_event(&mut a_messages).await.data, "first");
    assert_eq!(next_event(&mut b_messages).await.data, "first");

    let backgrounded_at = Instant::now();
    set_process_app_state(AppState::Background);
    wait_state(&mut a_states, "a suspended", suspended(SuspendReason::Background)).await;
    wait_state(&mut b_states, "b suspended", suspended(SuspendReason::Background)).await;
    assert!(backgrounded_at.elapsed() >= grace, "the per-connection grace still applies");
    server.wait_for_closed_streams(2).await;
    server.publish(ServerEvent::data("missed"));

    set_process_app_state(AppState::Foreground);
    wait_open(&mut a_states).await;
    wait_open(&mut b_states).await;
    assert_eq!(next_event(&mut a_messages).await.data, "missed");
    assert_eq!(next_event(&mut b_messages).await.data, "missed");
    let resumed: Vec<_> = server.requests()[2..].iter().map(|r| r.last_event_id.clone()).collect();
    assert_eq!(resumed, [Some("1".to_string()), Some("1".to_string())]);
    a.close();
    b.close();
}

#[tokio::test(start_paused = true)]
async fn a_connection_opened_in_the_background_waits_for_the_foreground_without_a_request() {
    let _turn = turn().await;
    let server = TestServer::start().await.expect("server");
    set_process_app_state(AppState::Background);
    assert_eq!(process_signals(), (Some(AppState::Background), Some(NetworkState::Online)));
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_state(&mut states, "suspended", suspended(SuspendReason::Background)).await;
    tokio::time::sleep_until(Instant::now() + Duration::from_secs(3600)).await;
    assert!(server.requests().is_empty(), "no request while the app is in the background");

    server.publish(ServerEvent::data("waiting"));
    set_process_app_state(AppState::Foreground);
    wait_open(&mut states).await;
    assert_eq!(next_event(&mut messages).await.data, "waiting");
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn offline_parks_every_following_connection_and_online_resumes_at_once() {
    let _turn = turn().await;
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    set_process_network(NetworkState::Offline);
    wait_state(&mut states, "offline", suspended(SuspendReason::Offline)).await;
    // Opened while offline: parked from the start.
    let (late, _late_messages) = Connection::open(config(&server).build().expect("late"));
    let mut late_states = late.states();
    wait_state(&mut late_states, "late offline", suspended(SuspendReason::Offline)).await;
    assert_eq!(server.requests().len(), 1);

    server.publish(ServerEvent::data("while offline"));
    let online_at = Instant::now();
    set_process_network(NetworkState::Online);
    wait_open(&mut states).await;
    wait_open(&mut late_states).await;
    assert_eq!(online_at.elapsed(), Duration::ZERO, "online must not back off");
    assert_eq!(next_event(&mut messages).await.data, "while offline");
    conn.close();
    late.close();
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_does_not_follow_ignores_the_process_signals() {
    let _turn = turn().await;
    let server = TestServer::start().await.expect("server");
    let cfg = config(&server).follow_process_signals(false).background_grace(Duration::ZERO);
    let (conn, mut messages) = Connection::open(cfg.build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    set_process_app_state(AppState::Background);
    set_process_network(NetworkState::Offline);
    tokio::time::sleep_until(Instant::now() + Duration::from_secs(60)).await;
    assert_eq!(conn.state(), ConnectionState::Open);
    server.publish(ServerEvent::data("still live"));
    assert_eq!(next_event(&mut messages).await.data, "still live");
    // Its own signals still work.
    conn.set_app_state(AppState::Background);
    wait_state(&mut states, "suspended", suspended(SuspendReason::Background)).await;
    conn.close();
}
