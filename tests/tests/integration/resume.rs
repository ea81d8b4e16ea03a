//! Resume semantics: `Last-Event-ID`, the replay policy, and ordering of replay vs live events.

use crate::client::{self, datas, ids};
use tether_testkit::{ReplayPolicy, ServerEvent, ServerOptions, TestServer};

fn publish_n(server: &TestServer, n: usize) {
    for i in 1..=n {
        server.publish(ServerEvent::data(format!("e{i}")));
    }
}

#[tokio::test]
async fn last_event_id_replays_exactly_the_missing_events_then_live_ones() {
    let server = TestServer::start().await.expect("start");
    publish_n(&server, 5);
    let mut res = client::resume(&server, "2").await;
    assert_eq!(res.status, 200);
    server.wait_for_open_streams(1).await;
    server.publish(ServerEvent::data("e6"));
    let events = res.events(4).await;
    assert_eq!(ids(&events), ["3", "4", "5", "6"]);
    assert_eq!(datas(&events), ["e3", "e4", "e5", "e6"]);
    assert_eq!(server.requests()[0].last_event_id.as_deref(), Some("2"));
}

#[tokio::test]
async fn resume_from_the_newest_id_replays_nothing() {
    let server = TestServer::start().await.expect("start");
    publish_n(&server, 3);
    let mut res = client::resume(&server, "3").await;
    server.wait_for_open_streams(1).await;
    server.publish(ServerEvent::data("live"));
    assert_eq!(datas(&res.events(1).await), ["live"]);
}

#[tokio::test]
async fn resume_works_with_custom_ids() {
    let server = TestServer::start().await.expect("start");
    for id in ["a", "b", "c"] {
        server.publish(ServerEvent::data(id).with_id(format!("evt-{id}")));
    }
    let mut res = client::resume(&server, "evt-a").await;
    assert_eq!(ids(&res.events(2).await), ["evt-b", "evt-c"]);
}

#[tokio::test]
async fn unknown_id_gets_the_whole_history_by_default() {
    let server = TestServer::start().await.expect("start");
    publish_n(&server, 2);
    let mut res = client::resume(&server, "999").await;
    assert_eq!(datas(&res.events(2).await), ["e1", "e2"]);
}

#[tokio::test]
async fn replay_policy_none_sends_only_live_events_but_still_resumes() {
    let server = TestServer::start_with(ServerOptions::default().replay(ReplayPolicy::None))
        .await
        .expect("start");
    publish_n(&server, 3);
    let mut fresh = client::get(&server, "/events").await;
    let mut unknown = client::resume(&server, "nope").await;
    let mut resumed = client::resume(&server, "1").await;
    server.wait_for_open_streams(3).await;
    server.publish(ServerEvent::data("live"));
    assert_eq!(datas(&fresh.events(1).await), ["live"]);
    assert_eq!(datas(&unknown.events(1).await), ["live"]);
    assert_eq!(datas(&resumed.events(3).await), ["e2", "e3", "live"]);
}

#[tokio::test]
async fn an_id_evicted_by_the_history_limit_counts_as_unknown() {
    let server =
        TestServer::start_with(ServerOptions::default().history_limit(2).replay(ReplayPolicy::All))
            .await
            .expect("start");
    publish_n(&server, 4);
    assert_eq!(server.history().iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), [3, 4]);
    let mut res = client::resume(&server, "1").await;
    assert_eq!(datas(&res.events(2).await), ["e3", "e4"], "whole (retained) history");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replay_and_live_events_never_interleave_out_of_order() {
    let server = TestServer::start().await.expect("start");
    publish_n(&server, 500);
    let publisher = server.clone();
    // Live publishes race with the replay of the first 500 events.
    let task = tokio::spawn(async move {
        publisher.wait_for_requests(1).await;
        for i in 501..=1000 {
            publisher.publish(ServerEvent::data(format!("e{i}")));
            if i % 50 == 0 {
                tokio::task::yield_now().await;
            }
        }
    });
    let mut res = client::resume(&server, "10").await;
    let events = res.events(990).await;
    task.await.expect("publisher");
    let seqs: Vec<u64> =
        events.iter().map(|e| e.id.as_deref().and_then(|i| i.parse().ok()).unwrap_or(0)).collect();
    let expected: Vec<u64> = (11..=1000).collect();
    assert_eq!(seqs, expected);
}
