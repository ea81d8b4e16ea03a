//! Keepalive comments, on a paused clock: time only moves when the server's timers fire.

use crate::client::{self, Piece, PAUSED_SAFETY};
use std::time::Duration;
use tether_testkit::{ServerEvent, ServerOptions, TestServer};
use tokio::time::Instant;

const KEEPALIVE: &[u8] = b": keepalive\n\n";

#[tokio::test(start_paused = true)]
async fn keepalive_comments_arrive_at_the_period() {
    client::paused_clock();
    let options = ServerOptions::default().keepalive(Some(Duration::from_secs(15)));
    let server = TestServer::start_with(options).await.expect("start");
    let mut res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    let start = Instant::now();
    for n in 1..=3u32 {
        assert_eq!(res.next_piece().await, Piece::Data(KEEPALIVE.to_vec()));
        assert_eq!(start.elapsed(), Duration::from_secs(15) * n);
    }
    // Events do not move the keepalive schedule.
    server.publish(ServerEvent::data("event"));
    assert_eq!(res.next_piece().await, Piece::Data(b"id: 1\ndata: event\n\n".to_vec()));
    assert_eq!(res.next_piece().await, Piece::Data(KEEPALIVE.to_vec()));
    assert_eq!(start.elapsed(), Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn set_keepalive_changes_and_stops_the_comments() {
    client::paused_clock();
    let server = TestServer::start().await.expect("start");
    let mut res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    let start = Instant::now();
    server.set_keepalive(Some(Duration::from_secs(5)));
    assert_eq!(res.next_piece().await, Piece::Data(KEEPALIVE.to_vec()));
    assert_eq!(start.elapsed(), Duration::from_secs(5));

    server.set_keepalive(None);
    let quiet = tokio::time::timeout(PAUSED_SAFETY / 2, res.next_piece()).await;
    assert!(quiet.is_err(), "no comment once keepalive is off: {quiet:?}");
}

#[tokio::test(start_paused = true)]
async fn stalled_streams_send_no_keepalive() {
    client::paused_clock();
    let options = ServerOptions::default().keepalive(Some(Duration::from_secs(1)));
    let server = TestServer::start_with(options).await.expect("start");
    let mut res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    assert_eq!(res.next_piece().await, Piece::Data(KEEPALIVE.to_vec()));
    server.stall_streams();
    let quiet = tokio::time::timeout(Duration::from_secs(600), res.next_piece()).await;
    assert!(quiet.is_err(), "a stalled stream is silent: {quiet:?}");
    assert_eq!(server.closed_streams(), 0);
}
