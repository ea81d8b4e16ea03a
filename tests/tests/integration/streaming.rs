//! The default stream: head, live publishes, replay to new clients, clean and client-side ends.

use crate::client::{self, datas, ids, End};
use tether_testkit::{ResponsePlan, ServerEvent, StreamOptions, TestServer};

#[tokio::test]
async fn stream_head_and_live_events_in_wire_format() {
    let server = TestServer::start().await.expect("start");
    assert_eq!(server.url(), format!("http://127.0.0.1:{}/events", server.addr().port()));
    let mut res = client::get(&server, "/events").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("text/event-stream"));
    assert_eq!(res.header("transfer-encoding"), Some("chunked"));
    assert_eq!(res.header("cache-control"), Some("no-cache"));
    server.wait_for_open_streams(1).await;

    assert_eq!(server.publish(ServerEvent::data(r#"{"n":1}"#).with_event("update")), 1);
    assert_eq!(server.publish(ServerEvent::data("a\nb").with_id("x")), 2);
    let first = res.next_piece().await;
    assert_eq!(
        first,
        client::Piece::Data(b"id: 1\nevent: update\ndata: {\"n\":1}\n\n".to_vec()),
        "one chunk per event, in SSE wire format"
    );
    let events = res.events(1).await;
    assert_eq!(events[0].id.as_deref(), Some("x"));
    assert_eq!(events[0].data, "a\nb");

    let history = server.history();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].0, 1);
    assert_eq!(history[0].1.id.as_deref(), Some("1"), "history shows the assigned id");
    assert_eq!(history[1].1.id.as_deref(), Some("x"));
}

#[tokio::test]
async fn any_path_serves_the_stream() {
    let server = TestServer::start().await.expect("start");
    assert!(server.url_for("feed").ends_with("/feed"));
    server.publish(ServerEvent::data("hello"));
    let mut res = client::get(&server, "/some/other/path?x=1").await;
    assert_eq!(res.status, 200);
    assert_eq!(datas(&res.events(1).await), ["hello"]);
    assert_eq!(server.requests()[0].path, "/some/other/path?x=1");
}

#[tokio::test]
async fn every_client_gets_every_event_and_new_clients_catch_up() {
    let server = TestServer::start().await.expect("start");
    let mut a = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    server.publish(ServerEvent::data("one"));
    let mut b = client::get(&server, "/events").await;
    server.wait_for_open_streams(2).await;
    server.publish(ServerEvent::data("two"));
    assert_eq!(datas(&a.events(2).await), ["one", "two"]);
    assert_eq!(datas(&b.events(2).await), ["one", "two"], "replay of the whole history");
}

#[tokio::test]
async fn publish_without_id_writes_no_id_line() {
    let server = TestServer::start().await.expect("start");
    let mut res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    server.publish_without_id(ServerEvent::data("anon").with_id("ignored"));
    server.publish_with(|seq| ServerEvent::data(format!("seq {seq}")).with_id(format!("e{seq}")));
    assert_eq!(res.next_piece().await, client::Piece::Data(b"data: anon\n\n".to_vec()));
    let events = res.events(1).await;
    assert_eq!(ids(&events), ["e2"]);
    assert_eq!(datas(&events), ["seq 2"]);
    assert_eq!(server.history()[0].1.id, None);
}

#[tokio::test]
async fn close_after_ends_the_response_cleanly() {
    let server = TestServer::start().await.expect("start");
    for n in 1..=3 {
        server.publish(ServerEvent::data(format!("e{n}")));
    }
    server.enqueue(ResponsePlan::stream_with(StreamOptions::default().close_after(2)));
    let mut res = client::get(&server, "/events").await;
    let (events, end) = res.remaining_events().await;
    assert_eq!(datas(&events), ["e1", "e2"]);
    assert_eq!(end, End::Clean, "final chunk written");
    server.wait_for_closed_streams(1).await;
    assert_eq!(server.open_streams(), 0);

    server.enqueue(ResponsePlan::stream_with(StreamOptions::default().close_after(0)));
    let (body, end) = client::get(&server, "/events").await.body().await;
    assert!(body.is_empty());
    assert_eq!(end, End::Clean);
}

#[tokio::test]
async fn close_streams_ends_every_open_stream_cleanly() {
    let server = TestServer::start().await.expect("start");
    let mut res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    server.publish(ServerEvent::data("last"));
    server.close_streams();
    assert_eq!(server.open_streams(), 0, "detached at once");
    let (events, end) = res.remaining_events().await;
    assert_eq!(datas(&events), ["last"], "events queued before the close are written first");
    assert_eq!(end, End::Clean);
    server.wait_for_closed_streams(1).await;
}

#[tokio::test]
async fn a_client_hanging_up_counts_as_a_closed_stream() {
    let server = TestServer::start().await.expect("start");
    let res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    assert_eq!(server.closed_streams(), 0);
    drop(res);
    server.wait_for_closed_streams(1).await;
    server.wait_for_open_streams(0).await;
    server.publish(ServerEvent::data("nobody listens"));
    assert_eq!(server.history().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_on_a_multi_thread_runtime() {
    let server = TestServer::start().await.expect("start");
    let mut res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    let publisher = server.clone();
    let task = tokio::spawn(async move {
        for n in 0..50 {
            publisher.publish(ServerEvent::data(n.to_string()));
        }
    });
    let events = res.events(50).await;
    task.await.expect("publisher task");
    let expected: Vec<String> = (0..50).map(|n| n.to_string()).collect();
    assert_eq!(datas(&events), expected);
    assert!(format!("{server:?}").contains("events: 50"));
}
