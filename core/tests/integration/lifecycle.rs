//! App lifecycle and network signals against the real test server, on a paused clock.

use crate::support::*;
use std::time::Duration;
use tether_core::{AppState, Connection, ConnectionState, NetworkState, SuspendReason};
use tether_testkit::{ServerEvent, TestServer};
use tokio::time::Instant;

fn suspended(reason: SuspendReason) -> impl FnMut(&ConnectionState) -> bool {
    move |s| *s == ConnectionState::Suspended { reason }
}

#[tokio::test(start_paused = true)]
async fn background_closes_after_the_grace_and_foreground_resumes_at_once() {
    let server = TestServer::start().await.expect("server");
    let cfg = config(&server).background_grace(Duration::from_secs(5)).build().expect("config");
    let (conn, mut messages) = Connection::open(cfg);
    let mut states = conn.states();
    wait_open(&mut states).await;
    server.publish(ServerEvent::data("a"));
    next_event(&mut messages).await;

    let backgrounded_at = Instant::now();
    conn.set_app_state(AppState::Background);
    wait_state(&mut states, "suspended", suspended(SuspendReason::Background)).await;
    assert!(backgrounded_at.elapsed() >= Duration::from_secs(5), "closed before the grace");
    server.wait_for_closed_streams(1).await;
    // Missed while in background.
    server.publish(ServerEvent::data("b"));
    server.publish(ServerEvent::data("c"));
    // An hour in background: no reconnect attempt at all.
    tokio::time::sleep_until(Instant::now() + Duration::from_secs(3600)).await;
    assert_eq!(server.requests().len(), 1);

    let foregrounded_at = Instant::now();
    conn.set_app_state(AppState::Foreground);
    let s =
        wait_state(&mut states, "connecting", |s| matches!(s, ConnectionState::Connecting { .. }))
            .await;
    assert_eq!(s, ConnectionState::Connecting { attempt: 0 });
    wait_open(&mut states).await;
    assert_eq!(foregrounded_at.elapsed(), Duration::ZERO, "foreground must not back off");
    assert_eq!(datas(&events(&mut messages, 2).await), ["b", "c"]);
    assert_eq!(server.requests()[1].last_event_id.as_deref(), Some("1"));
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn a_quick_app_switch_keeps_the_connection() {
    let server = TestServer::start().await.expect("server");
    let cfg = config(&server).background_grace(Duration::from_secs(2)).build().expect("config");
    let (conn, mut messages) = Connection::open(cfg);
    let mut states = conn.states();
    wait_open(&mut states).await;
    for _ in 0..10 {
        conn.set_app_state(AppState::Background);
        tokio::time::sleep_until(Instant::now() + Duration::from_millis(1500)).await;
        conn.set_app_state(AppState::Foreground);
    }
    tokio::time::sleep_until(Instant::now() + Duration::from_secs(10)).await;
    assert_eq!(conn.state(), ConnectionState::Open);
    assert_eq!(server.requests().len(), 1, "flapping must not reconnect");
    server.publish(ServerEvent::data("still here"));
    assert_eq!(next_event(&mut messages).await.data, "still here");
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn offline_parks_retries_and_online_reconnects_at_once() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    conn.set_network(NetworkState::Offline);
    wait_state(&mut states, "suspended", suspended(SuspendReason::Offline)).await;
    server.wait_for_closed_streams(1).await;
    server.publish(ServerEvent::data("missed"));
    tokio::time::sleep_until(Instant::now() + Duration::from_secs(600)).await;
    assert_eq!(server.requests().len(), 1, "no retries while offline");
    let online_at = Instant::now();
    conn.set_network(NetworkState::Online);
    wait_open(&mut states).await;
    assert_eq!(online_at.elapsed(), Duration::ZERO);
    assert_eq!(next_event(&mut messages).await.data, "missed");
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn going_offline_during_backoff_parks_the_retry() {
    let server = TestServer::start().await.expect("server");
    let (conn, _messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    for _ in 0..3 {
        server.enqueue(tether_testkit::ResponsePlan::CloseImmediately);
    }
    server.drop_streams();
    reconnecting(&mut states).await;
    conn.set_network(NetworkState::Offline);
    wait_state(&mut states, "suspended", suspended(SuspendReason::Offline)).await;
    let before = server.requests().len();
    tokio::time::sleep_until(Instant::now() + Duration::from_secs(600)).await;
    assert_eq!(server.requests().len(), before);
    conn.set_network(NetworkState::Online);
    let s =
        wait_state(&mut states, "connecting", |s| matches!(s, ConnectionState::Connecting { .. }))
            .await;
    assert_eq!(s, ConnectionState::Connecting { attempt: 0 }, "online resets the backoff");
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn background_wins_over_offline_and_foreground_waits_for_the_network() {
    let server = TestServer::start().await.expect("server");
    let cfg = config(&server).background_grace(Duration::ZERO).build().expect("config");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    wait_open(&mut states).await;
    conn.set_app_state(AppState::Background);
    wait_state(&mut states, "suspended", suspended(SuspendReason::Background)).await;
    conn.set_network(NetworkState::Offline);
    conn.set_app_state(AppState::Foreground);
    wait_state(&mut states, "suspended offline", suspended(SuspendReason::Offline)).await;
    tokio::time::sleep_until(Instant::now() + Duration::from_secs(60)).await;
    assert_eq!(server.requests().len(), 1);
    conn.set_network(NetworkState::Online);
    wait_open(&mut states).await;
    assert_eq!(server.requests().len(), 2);
    conn.close();
}

#[tokio::test(start_paused = true)]
async fn close_while_suspended_is_final() {
    let server = TestServer::start().await.expect("server");
    let (conn, mut messages) = Connection::open(config(&server).build().expect("config"));
    let mut states = conn.states();
    wait_open(&mut states).await;
    conn.set_network(NetworkState::Offline);
    wait_state(&mut states, "suspended", suspended(SuspendReason::Offline)).await;
    conn.close();
    conn.set_network(NetworkState::Online);
    assert!(messages.recv().await.is_none());
    assert!(conn.state().is_terminal());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn time_disconnected_is_measured() {
    let server = TestServer::start().await.expect("server");
    let cfg = config(&server).background_grace(Duration::ZERO).build().expect("config");
    let (conn, _messages) = Connection::open(cfg);
    let mut states = conn.states();
    wait_open(&mut states).await;
    let before = conn.metrics().disconnected;
    conn.set_app_state(AppState::Background);
    wait_state(&mut states, "suspended", suspended(SuspendReason::Background)).await;
    tokio::time::sleep_until(Instant::now() + Duration::from_secs(90)).await;
    conn.set_app_state(AppState::Foreground);
    wait_open(&mut states).await;
    let away = conn.metrics().disconnected - before;
    assert_eq!(away, Duration::from_secs(90));
    conn.close();
}
