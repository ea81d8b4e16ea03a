//! How a stream is written: dribbled bytes, gzip, close-delimited bodies, preamble and `retry:`.

use crate::client::{self, datas, drain_events, End, Piece};
use flate2::write::GzDecoder;
use std::io::Write;
use tether_testkit::{ResponsePlan, ServerEvent, ServerOptions, StreamOptions, TestServer};

#[tokio::test]
async fn dribble_sends_one_byte_per_chunk() {
    let server = TestServer::start().await.expect("start");
    server.enqueue(ResponsePlan::stream_with(StreamOptions::default().dribble()));
    let mut res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    server.publish(ServerEvent::data("héllo").with_event("greeting"));
    let wire = "id: 1\nevent: greeting\ndata: héllo\n\n".as_bytes();
    let mut got = Vec::new();
    let mut chunks = 0;
    while got.len() < wire.len() {
        match res.next_piece().await {
            Piece::Data(d) => {
                assert_eq!(d.len(), 1, "one byte per chunk");
                chunks += 1;
                got.extend(d);
            }
            Piece::End(end) => panic!("ended early: {end:?}"),
        }
    }
    assert_eq!(got, wire);
    assert_eq!(chunks, wire.len());
}

#[tokio::test]
async fn gzip_streams_are_decodable_event_by_event() {
    let server = TestServer::start().await.expect("start");
    server.enqueue(ResponsePlan::stream_with(StreamOptions::default().gzip()));
    let mut res = client::get(&server, "/events").await;
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    server.wait_for_open_streams(1).await;
    let mut decoder = GzDecoder::new(Vec::new());

    for (n, text) in ["first", "second"].iter().enumerate() {
        server.publish(ServerEvent::data(*text));
        let Piece::Data(compressed) = res.next_piece().await else { panic!("stream ended") };
        decoder.write_all(&compressed).expect("valid gzip");
        decoder.flush().expect("flush");
        let mut plain = String::from_utf8(decoder.get_ref().clone()).expect("utf-8");
        let events = drain_events(&mut plain, usize::MAX);
        assert_eq!(events.len(), n + 1, "event {n} decodable as soon as it arrives");
        assert_eq!(events[n].data, *text);
    }
    server.close_streams();
    let (rest, end) = res.body().await;
    assert_eq!(end, End::Clean);
    decoder.write_all(&rest).expect("trailer");
    let plain = decoder.finish().expect("complete gzip member");
    assert_eq!(plain, b"id: 1\ndata: first\n\nid: 2\ndata: second\n\n");
}

#[tokio::test]
async fn gzip_and_dribble_together() {
    let server = TestServer::start().await.expect("start");
    server.enqueue(ResponsePlan::stream_with(
        StreamOptions::default().gzip().dribble().close_after(1),
    ));
    server.publish(ServerEvent::data("tiny pieces"));
    let mut res = client::get(&server, "/events").await;
    let mut compressed = Vec::new();
    loop {
        match res.next_piece().await {
            Piece::Data(d) => {
                assert_eq!(d.len(), 1);
                compressed.extend(d);
            }
            Piece::End(end) => {
                assert_eq!(end, End::Clean);
                break;
            }
        }
    }
    let mut decoder = GzDecoder::new(Vec::new());
    decoder.write_all(&compressed).expect("gzip");
    assert_eq!(decoder.finish().expect("complete"), b"id: 1\ndata: tiny pieces\n\n");
}

#[tokio::test]
async fn close_delimited_streams_have_no_framing() {
    let server = TestServer::start().await.expect("start");
    server.enqueue(ResponsePlan::stream_with(StreamOptions::default().close_delimited()));
    let mut res = client::get(&server, "/events").await;
    assert_eq!(res.header("transfer-encoding"), None);
    assert_eq!(res.header("content-length"), None);
    server.wait_for_open_streams(1).await;
    server.publish(ServerEvent::data("raw body"));
    server.close_streams();
    let (body, end) = res.body().await;
    assert_eq!(body, b"id: 1\ndata: raw body\n\n");
    assert_eq!(end, End::Clean);
}

#[tokio::test]
async fn preamble_then_retry_come_before_any_event() {
    let server = TestServer::start().await.expect("start");
    server.publish(ServerEvent::data("replayed"));
    let options = StreamOptions::default().preamble("\u{feff}: hello\n\n").retry_ms(1500);
    server.enqueue(ResponsePlan::stream_with(options));
    let mut res = client::get(&server, "/events").await;
    assert_eq!(res.next_piece().await, Piece::Data("\u{feff}: hello\n\n".as_bytes().to_vec()));
    assert_eq!(res.next_piece().await, Piece::Data(b"retry: 1500\n\n".to_vec()));
    assert_eq!(datas(&res.events(1).await), ["replayed"]);
}

#[tokio::test]
async fn server_options_set_the_default_stream() {
    let options = ServerOptions::default().stream(StreamOptions::default().retry_ms(10));
    let server = TestServer::start_with(options).await.expect("start");
    for _ in 0..2 {
        let mut res = client::get(&server, "/events").await;
        assert_eq!(res.next_piece().await, Piece::Data(b"retry: 10\n\n".to_vec()));
    }
}
