//! Faults on open streams: drop, cut mid-event, stall, resend, raw bytes.

use crate::client::{self, datas, ids, End, Piece};
use tether_testkit::{ServerEvent, TestServer};

async fn connected(server: &TestServer) -> client::Response {
    let res = client::get(server, "/events").await;
    assert_eq!(res.status, 200);
    server.wait_for_open_streams(1).await;
    res
}

#[tokio::test]
async fn drop_streams_closes_abruptly_and_the_client_can_resume() {
    let server = TestServer::start().await.expect("start");
    let mut res = connected(&server).await;
    server.publish(ServerEvent::data("a"));
    server.drop_streams();
    assert_eq!(server.open_streams(), 0, "detached at once");
    server.publish(ServerEvent::data("b")); // after the drop: not on the dropped stream
    let (events, end) = res.remaining_events().await;
    assert_eq!(datas(&events), ["a"]);
    assert_eq!(end, End::Abrupt, "no final chunk");
    server.wait_for_closed_streams(1).await;

    let mut again = client::resume(&server, "1").await;
    assert_eq!(datas(&again.events(1).await), ["b"]);
}

#[tokio::test]
async fn drop_mid_event_writes_half_an_event_then_closes() {
    let server = TestServer::start().await.expect("start");
    let mut res = connected(&server).await;
    server.publish(ServerEvent::data("0123456789").with_id("1"));
    let whole = b"id: 1\ndata: 0123456789\n\n";
    assert_eq!(res.next_piece().await, Piece::Data(whole.to_vec()));
    server.drop_mid_event();
    assert_eq!(res.next_piece().await, Piece::Data(whole[..whole.len() / 2].to_vec()));
    assert_eq!(res.next_piece().await, Piece::End(End::Abrupt));
    server.wait_for_closed_streams(1).await;
}

#[tokio::test]
async fn drop_mid_event_on_an_empty_log_cuts_a_placeholder() {
    let server = TestServer::start().await.expect("start");
    let mut res = connected(&server).await;
    server.drop_mid_event();
    let (body, end) = res.body().await;
    assert!(!body.is_empty() && !body.ends_with(b"\n\n"), "{:?}", String::from_utf8_lossy(&body));
    assert_eq!(end, End::Abrupt);
}

#[tokio::test]
async fn publish_and_cut_delivers_the_event_whole_on_resume() {
    let server = TestServer::start().await.expect("start");
    let mut res = connected(&server).await;
    server.publish(ServerEvent::data("first"));
    assert_eq!(server.publish_and_cut(ServerEvent::data("second, cut")), 2);
    let (body, end) = res.body().await;
    let text = String::from_utf8_lossy(&body).into_owned();
    assert!(text.starts_with("id: 1\ndata: first\n\nid: 2\nda"), "{text:?}");
    assert!(!text.contains("second, cut"));
    assert_eq!(end, End::Abrupt);
    let mut again = client::resume(&server, "1").await;
    assert_eq!(datas(&again.events(1).await), ["second, cut"]);
}

#[tokio::test]
async fn stalled_streams_go_silent_but_stay_open() {
    let server = TestServer::start().await.expect("start");
    let mut res = connected(&server).await;
    server.publish(ServerEvent::data("before"));
    server.stall_streams();
    assert_eq!(server.open_streams(), 0, "a stalled stream gets no publishes");
    server.publish(ServerEvent::data("after"));
    server.send_raw(b": raw\n\n");
    assert_eq!(server.closed_streams(), 0, "socket still open");
    // A new client is served normally while the stalled one stays silent.
    let mut other = connected(&server).await;
    assert_eq!(datas(&other.events(2).await), ["before", "after"]);
    // Drop reaches stalled streams: everything the stalled client got is from before the stall.
    server.drop_streams();
    let (events, end) = res.remaining_events().await;
    assert_eq!(datas(&events), ["before"]);
    assert_eq!(end, End::Abrupt);
    server.wait_for_closed_streams(2).await;
}

#[tokio::test]
async fn a_stalled_stream_closes_when_the_client_hangs_up() {
    let server = TestServer::start().await.expect("start");
    let res = connected(&server).await;
    server.stall_streams();
    drop(res);
    server.wait_for_closed_streams(1).await;
}

#[tokio::test]
async fn resend_writes_a_logged_event_again() {
    let server = TestServer::start().await.expect("start");
    let mut res = connected(&server).await;
    server.publish(ServerEvent::data("one"));
    server.publish(ServerEvent::data("two"));
    server.resend(1);
    server.resend(99); // not in the log: nothing
    server.publish(ServerEvent::data("three"));
    let events = res.events(4).await;
    assert_eq!(ids(&events), ["1", "2", "1", "3"]);
    assert_eq!(server.history().len(), 3, "a resend is not a new event");
}

#[tokio::test]
async fn send_raw_writes_bytes_as_they_are_and_records_nothing() {
    let server = TestServer::start().await.expect("start");
    let mut res = connected(&server).await;
    let raw: &[&[u8]] =
        &[b": a comment\n\n", b"retry: 2500\n\n", b"\xff\xfegarbage\r\n", b"data: x\n\n"];
    for bytes in raw {
        server.send_raw(bytes);
    }
    for bytes in raw {
        assert_eq!(res.next_piece().await, Piece::Data(bytes.to_vec()));
    }
    assert!(server.history().is_empty());
}

#[tokio::test]
async fn send_raw_carries_a_line_over_one_mebibyte() {
    let server = TestServer::start().await.expect("start");
    let mut res = connected(&server).await;
    let size = 1024 * 1024 + 512 * 1024;
    let mut line = b"data: ".to_vec();
    line.extend(std::iter::repeat_n(b'x', size));
    line.extend_from_slice(b"\n\n");
    server.send_raw(&line);
    server.publish(ServerEvent::data("after the big one"));
    let events = res.events(2).await;
    assert_eq!(events[0].data.len(), size);
    assert!(events[0].data.bytes().all(|b| b == b'x'));
    assert_eq!(events[1].data, "after the big one");
}
