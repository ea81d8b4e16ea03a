//! Request recording, raw header bytes, malformed requests.

use crate::client::{self, datas, raw_request, within, End};
use tether_testkit::{ResponsePlan, ServerEvent, TestServer};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[tokio::test]
async fn requests_are_recorded_with_headers_in_order() {
    let server = TestServer::start().await.expect("start");
    server.enqueue(ResponsePlan::status(202));
    let headers: [(&str, &[u8]); 3] =
        [("Authorization", b"Bearer secret"), ("X-Trace", b"abc"), ("last-event-id", b" 7 ")];
    let res = client::request(server.addr(), "POST", "/sync?v=2", &headers, b"{\"a\":1}").await;
    assert_eq!(res.status, 202);
    let requests = server.wait_for_requests(1).await;
    let req = &requests[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/sync?v=2");
    let names: Vec<&str> = req.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Host", "Authorization", "X-Trace", "last-event-id", "Content-Length"]);
    assert_eq!(req.header("AUTHORIZATION"), Some("Bearer secret"));
    assert_eq!(req.header("x-trace"), Some("abc"));
    assert_eq!(req.header("missing"), None);
    assert_eq!(req.last_event_id.as_deref(), Some("7"), "surrounding spaces trimmed");
    assert_eq!(req.body, b"{\"a\":1}");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn non_ascii_last_event_id_bytes_are_kept_raw_and_can_resume() {
    let server = TestServer::start().await.expect("start");
    server.publish(ServerEvent::data("first").with_id("é"));
    server.publish(ServerEvent::data("second"));
    let raw_garbage: &[u8] = b"\xff\xfe\x80";
    let headers: [(&str, &[u8]); 1] = [("Last-Event-ID", raw_garbage)];
    let mut res = client::request(server.addr(), "GET", "/events", &headers, b"").await;
    assert_eq!(datas(&res.events(2).await), ["first", "second"], "unknown id: whole history");
    let headers: [(&str, &[u8]); 1] = [("Last-Event-ID", "é".as_bytes())];
    let mut res = client::request(server.addr(), "GET", "/events", &headers, b"").await;
    assert_eq!(datas(&res.events(1).await), ["second"], "resumed after the UTF-8 id");

    let requests = server.wait_for_requests(2).await;
    assert_eq!(requests[0].raw_last_event_id.as_deref(), Some(raw_garbage));
    assert_eq!(requests[0].last_event_id.as_deref(), Some("\u{fffd}\u{fffd}\u{fffd}"));
    assert_eq!(requests[1].raw_last_event_id.as_deref(), Some("é".as_bytes()));
    assert_eq!(requests[1].last_event_id.as_deref(), Some("é"));
}

#[tokio::test]
async fn malformed_requests_get_400_and_the_server_keeps_serving() {
    let server = TestServer::start().await.expect("start");
    let bad: [&[u8]; 4] = [
        b"NONSENSE\r\n\r\n",
        b"GET /events HTTP/9.9\r\n\r\n",
        b"GET /events HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET /events HTTP/1.1\r\nX: a\r\n  folded: x\r\n\r\n",
    ];
    for (n, request) in bad.iter().enumerate() {
        let mut res = raw_request(server.addr(), request).await;
        assert_eq!(res.status, 400, "{}", String::from_utf8_lossy(request));
        let (body, end) = res.body().await;
        assert!(String::from_utf8_lossy(&body).starts_with("malformed request"));
        assert_eq!(end, End::Clean);
        assert_eq!(server.bad_requests(), n + 1);
    }
    assert!(server.requests().is_empty(), "malformed requests are not recorded");
    assert_eq!(client::get(&server, "/events").await.status, 200);
}

#[tokio::test]
async fn oversized_heads_get_431() {
    let server = TestServer::start().await.expect("start");
    let huge = "a".repeat(64 * 1024);
    let headers: [(&str, &[u8]); 1] = [("X-Huge", huge.as_bytes())];
    let res = client::request(server.addr(), "GET", "/events", &headers, b"").await;
    assert_eq!(res.status, 431);
    assert_eq!(server.bad_requests(), 1);
}

#[tokio::test]
async fn a_client_that_sends_nothing_is_not_a_request() {
    let server = TestServer::start().await.expect("start");
    let mut sock = within(TcpStream::connect(server.addr())).await.expect("connect");
    sock.shutdown().await.expect("half-close");
    drop(sock);
    // The next real request is request number one.
    let _res = client::get(&server, "/events").await;
    assert_eq!(server.wait_for_requests(1).await.len(), 1);
    assert_eq!(server.bad_requests(), 0);
}

#[tokio::test]
async fn subscribers_see_each_request_as_it_arrives() {
    let server = TestServer::start().await.expect("start");
    let mut feed = server.subscribe_requests();
    let _a = client::get(&server, "/a").await;
    let _b = client::resume(&server, "5").await;
    let first = within(feed.recv()).await.expect("first request");
    let second = within(feed.recv()).await.expect("second request");
    assert_eq!(first.path, "/a");
    assert_eq!(second.last_event_id.as_deref(), Some("5"));
}
