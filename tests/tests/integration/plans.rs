//! Every `ResponsePlan`, and the queue that hands them out in order.

use crate::client::{self, datas, within, End, Piece};
use tether_testkit::{ResponsePlan, ServerEvent, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn status_plans_answer_with_status_headers_and_body() {
    let server = TestServer::start().await.expect("start");
    server.enqueue(ResponsePlan::retry_after(503, 2).with_body("busy"));
    server.enqueue(ResponsePlan::status(401).with_header("WWW-Authenticate", "Bearer"));
    server.enqueue(ResponsePlan::status(404));
    server.enqueue(ResponsePlan::status(204));

    let mut res = client::get(&server, "/events").await;
    assert_eq!(res.status, 503);
    assert_eq!(res.header("retry-after"), Some("2"));
    assert_eq!(res.header("connection"), Some("close"));
    assert_eq!(res.body().await, (b"busy".to_vec(), End::Clean));

    let mut res = client::get(&server, "/events").await;
    assert_eq!(res.status, 401);
    assert_eq!(res.header("www-authenticate"), Some("Bearer"));
    assert_eq!(res.body().await, (Vec::new(), End::Clean));

    assert_eq!(client::get(&server, "/events").await.status, 404);

    let res = client::get(&server, "/events").await;
    assert_eq!(res.status, 204);
    assert_eq!(res.header("content-length"), None, "204 carries no body length");

    let res = client::get(&server, "/events").await;
    assert_eq!(res.status, 200, "an empty queue means the default stream");
    assert_eq!(server.wait_for_requests(5).await.len(), 5);
}

#[tokio::test]
async fn redirect_then_the_target_streams() {
    let server = TestServer::start().await.expect("start");
    server.publish(ServerEvent::data("moved here"));
    server.enqueue(ResponsePlan::redirect(307, server.url_for("/moved")));
    let res = client::get(&server, "/events").await;
    assert_eq!(res.status, 307);
    let location = res.header("location").expect("location").to_string();
    assert_eq!(location, server.url_for("/moved"));
    let path = location.trim_start_matches(&format!("http://{}", server.addr())).to_string();
    let mut res = client::get(&server, &path).await;
    assert_eq!(res.status, 200);
    assert_eq!(datas(&res.events(1).await), ["moved here"]);
    assert_eq!(server.requests()[1].path, "/moved");
}

#[tokio::test]
async fn wrong_and_missing_content_types() {
    let server = TestServer::start().await.expect("start");
    server.enqueue(ResponsePlan::wrong_content_type("application/json"));
    server.enqueue(ResponsePlan::NoContentType);
    let mut res = client::get(&server, "/events").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    let (body, end) = res.body().await;
    assert!(!body.is_empty());
    assert_eq!(end, End::Clean);

    let mut res = client::get(&server, "/events").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), None);
    assert!(!res.body().await.0.is_empty());
    assert_eq!(server.open_streams(), 0, "neither is a stream");
}

#[tokio::test(start_paused = true)]
async fn hang_reads_the_request_and_never_answers() {
    client::paused_clock();
    let server = TestServer::start().await.expect("start");
    server.enqueue(ResponsePlan::Hang);
    let mut sock = TcpStream::connect(server.addr()).await.expect("connect");
    sock.write_all(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("send");
    server.wait_for_requests(1).await;
    let mut buf = [0u8; 16];
    // On the paused clock the timeout fires only once nothing else can happen.
    let read = tokio::time::timeout(std::time::Duration::from_secs(600), sock.read(&mut buf)).await;
    assert!(read.is_err(), "no answer, socket open: {read:?}");
    drop(sock);
    // The hung connection ends when the client goes; shutdown does not wait on it forever.
    server.shutdown().await;
}

#[tokio::test]
async fn close_immediately_closes_without_an_answer() {
    let server = TestServer::start().await.expect("start");
    server.enqueue(ResponsePlan::CloseImmediately);
    let mut sock = within(TcpStream::connect(server.addr())).await.expect("connect");
    sock.write_all(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("send");
    let mut buf = Vec::new();
    let _ = within(sock.read_to_end(&mut buf)).await; // EOF or reset, both without bytes
    assert!(buf.is_empty(), "got {:?}", String::from_utf8_lossy(&buf));
    assert_eq!(server.requests().len(), 1, "the request was recorded");
}

#[tokio::test]
async fn stream_plan_headers_and_head_requests() {
    let server = TestServer::start().await.expect("start");
    server.enqueue(ResponsePlan::stream().with_header("X-Stream", "yes"));
    let res = client::get(&server, "/events").await;
    assert_eq!(res.header("x-stream"), Some("yes"));

    let mut res = client::request(server.addr(), "HEAD", "/events", &[], b"").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("text/event-stream"));
    // A HEAD answer has no body; the server closes after the head.
    let mut rest = Vec::new();
    let piece = res.next_piece().await;
    if let Piece::Data(d) = piece {
        rest = d;
    }
    assert!(rest.is_empty());
}
