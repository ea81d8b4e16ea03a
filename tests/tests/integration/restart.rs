//! Restart on the same port and shutdown.

use crate::client::{self, datas, End};
use std::time::Duration;
use tether_testkit::{ResponsePlan, ServerEvent, TestServer};
use tokio::net::TcpStream;

#[tokio::test]
async fn restart_closes_everything_and_serves_again_on_the_same_port() {
    let server = TestServer::start().await.expect("start");
    let addr = server.addr();
    server.publish(ServerEvent::data("one"));
    server.publish(ServerEvent::data("two"));
    let mut res = client::get(&server, "/events").await;
    assert_eq!(datas(&res.events(2).await), ["one", "two"]);
    server.enqueue(ResponsePlan::status(503)); // plans survive a restart

    server.restart().await;
    assert_eq!(server.addr(), addr);
    assert_eq!(res.body().await.1, End::Abrupt, "the open stream was cut");
    assert_eq!(server.closed_streams(), 1, "restart returns once every connection is closed");
    assert_eq!(server.open_streams(), 0);

    assert_eq!(client::get(&server, "/events").await.status, 503);
    let mut res = client::resume(&server, "1").await;
    assert_eq!(res.status, 200);
    server.publish(ServerEvent::data("three"));
    assert_eq!(datas(&res.events(2).await), ["two", "three"], "history survived");
    assert_eq!(server.history().len(), 3);
    assert_eq!(server.requests().len(), 3, "records survived");
}

#[tokio::test(start_paused = true)]
async fn restart_after_refuses_connections_while_down() {
    client::paused_clock();
    let server = TestServer::start().await.expect("start");
    let res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    let restarting = server.clone();
    let restart = tokio::spawn(async move {
        restarting.restart_after(Duration::from_secs(5)).await;
    });
    // The stream closes only after the listener is gone.
    server.wait_for_closed_streams(1).await;
    let refused = TcpStream::connect(server.addr()).await;
    assert!(refused.is_err(), "nobody listens while the server is down");
    restart.await.expect("restart task");
    drop(res);
    assert_eq!(client::get(&server, "/events").await.status, 200);
}

#[tokio::test]
async fn shutdown_is_final_but_the_records_stay() {
    let server = TestServer::start().await.expect("start");
    let mut res = client::get(&server, "/events").await;
    server.wait_for_open_streams(1).await;
    server.shutdown().await;
    assert_eq!(res.body().await.1, End::Abrupt);
    assert!(TcpStream::connect(server.addr()).await.is_err());
    server.restart().await; // no effect after shutdown
    assert!(TcpStream::connect(server.addr()).await.is_err());
    assert_eq!(server.publish(ServerEvent::data("still logged")), 1);
    assert_eq!(server.requests().len(), 1);
}
