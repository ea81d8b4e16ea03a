//! Idle cost: what an open, quiet stream costs between heartbeats — thread wakeups and CPU time
//! per heartbeat comment — for Tether's `Connection`, Tether's `SyncClient` (connection + cache)
//! and the peer, reqwest + eventsource-stream on a current-thread runtime, measured in one run
//! against the same loopback server. A phone keeps such a stream open for hours: every wakeup
//! costs battery.
//!
//! Wakeups are counted as context switches (voluntary + involuntary) of the contender's own
//! threads (`/proc/self/task/*/status`, threads named `tether` or `peer`), CPU as their
//! `schedstat` run time. The server runs in this process on threads of its own (not counted).
//! Heartbeats come every 100 ms instead of 15 s: the cost per heartbeat is the same, the run
//! shorter. Linux only. Run: `cargo bench -p tether-core --bench idle`.

use futures_util::StreamExt;
use std::sync::mpsc;
use std::time::Duration;
use tether_core::{Connection, ConnectionConfig, ConnectionState, Router, SyncClient, SyncConfig};
use tether_testkit::{ServerOptions, TestServer};

const HEARTBEAT: Duration = Duration::from_millis(100);
const BEATS: u32 = 50;
const RULES: &str = include_str!("../../tests/fixtures/sync/sessions.rules.json");

/// Context switches and CPU time of this process's threads whose name starts with a prefix.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    switches: u64,
    cpu_ns: u64,
}

impl Cost {
    fn of_threads(prefix: &str) -> Cost {
        let mut total = Cost::default();
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return total };
        for task in tasks.flatten() {
            let path = task.path();
            let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
            if !comm.trim_end().starts_with(prefix) {
                continue;
            }
            let status = std::fs::read_to_string(path.join("status")).unwrap_or_default();
            for line in status.lines() {
                if let Some(rest) = line
                    .strip_prefix("voluntary_ctxt_switches:")
                    .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
                {
                    total.switches += rest.trim().parse::<u64>().unwrap_or(0);
                }
            }
            let sched = std::fs::read_to_string(path.join("schedstat")).unwrap_or_default();
            total.cpu_ns +=
                sched.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0);
        }
        total
    }

    fn since(self, before: Cost) -> Cost {
        Cost {
            switches: self.switches.saturating_sub(before.switches),
            cpu_ns: self.cpu_ns.saturating_sub(before.cpu_ns),
        }
    }
}

/// The cost of `BEATS` heartbeats on the threads named `prefix`, after two to settle.
fn measure_quiet(prefix: &str) -> Cost {
    std::thread::sleep(HEARTBEAT * 2);
    let before = Cost::of_threads(prefix);
    std::thread::sleep(HEARTBEAT * BEATS);
    Cost::of_threads(prefix).since(before)
}

/// A keepalive-only server on its own thread (not counted); returns its URL and a stopper.
fn start_server() -> (String, mpsc::Sender<()>) {
    let (url_tx, url_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            runtime.block_on(async move {
                let options = ServerOptions::default().keepalive(Some(HEARTBEAT));
                let server = TestServer::start_with(options).await.expect("server");
                url_tx.send(server.url()).expect("url");
                let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
            });
        })
        .expect("server thread");
    (url_rx.recv().expect("server url"), stop_tx)
}

fn wait_open(connection: &Connection) {
    let runtime = tether_core::runtime().expect("runtime");
    let mut states = connection.states();
    runtime.block_on(async {
        while let Some(state) = states.next().await {
            if state == ConnectionState::Open {
                return;
            }
        }
        panic!("the connection ended before opening");
    });
}

fn tether_connection(url: &str) -> (Cost, u64) {
    let config = ConnectionConfig::builder(url).build().expect("config");
    let (connection, _messages) = Connection::open(config);
    wait_open(&connection);
    let comments_before = connection.metrics().comments;
    let cost = measure_quiet("tether");
    let comments = connection.metrics().comments - comments_before;
    connection.close();
    (cost, comments)
}

fn tether_sync_client(url: &str) -> (Cost, u64) {
    let config = ConnectionConfig::builder(url).build().expect("config");
    let router = Router::from_json(RULES).expect("rules");
    let client = SyncClient::open(SyncConfig::new(config, router)).expect("client");
    let _sessions = client.watch_list(tether_core::ListView::new("session"));
    wait_open(client.connection());
    let comments_before = client.connection().metrics().comments;
    let cost = measure_quiet("tether");
    let comments = client.connection().metrics().comments - comments_before;
    client.close();
    (cost, comments)
}

/// reqwest + eventsource-stream on a current-thread runtime in a thread named `peer`.
fn peer(url: &str) -> Cost {
    let url = url.to_string();
    let (open_tx, open_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("peer".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("peer runtime");
            runtime.block_on(async move {
                use eventsource_stream::Eventsource;
                let response = reqwest::Client::new().get(&url).send().await.expect("peer get");
                open_tx.send(()).expect("open");
                let mut events = response.bytes_stream().eventsource();
                let stop = tokio::task::spawn_blocking(move || stop_rx.recv());
                tokio::select! {
                    _ = async { while events.next().await.is_some() {} } => {}
                    _ = stop => {}
                }
            });
        })
        .expect("peer thread");
    open_rx.recv().expect("peer opened");
    let cost = measure_quiet("peer");
    let _ = stop_tx.send(());
    let _ = thread.join();
    cost
}

fn main() {
    // The peer's reqwest needs a rustls provider; Tether installs ring's on first use too.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (url, stop_server) = start_server();
    let (connection, connection_comments) = tether_connection(&url);
    let (sync, sync_comments) = tether_sync_client(&url);
    let peer = peer(&url);
    let _ = stop_server.send(());

    for (name, comments) in [("Connection", connection_comments), ("SyncClient", sync_comments)] {
        // A stream that missed heartbeats would measure less work than it should.
        assert!(comments + 2 >= u64::from(BEATS), "{name} saw only {comments} heartbeats");
    }
    let per_beat =
        |c: Cost| (c.switches as f64 / f64::from(BEATS), c.cpu_ns as f64 / 1e3 / f64::from(BEATS));
    let (peer_wakeups, peer_cpu) = per_beat(peer);
    println!(
        "Idle cost per heartbeat ({BEATS} heartbeats every {} ms, one run each)\n",
        HEARTBEAT.as_millis()
    );
    println!(
        "| contender | wakeups / heartbeat | CPU µs / heartbeat | wakeups vs peer | CPU vs peer |"
    );
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, cost) in [
        ("Tether `Connection` (2-worker runtime)", connection),
        ("Tether `SyncClient` (connection + cache + a list subscriber)", sync),
        ("reqwest + eventsource-stream, current-thread runtime", peer),
    ] {
        let (wakeups, cpu) = per_beat(cost);
        println!(
            "| {name} | {wakeups:.2} | {cpu:.1} | {:.2}× | {:.2}× |",
            wakeups / peer_wakeups.max(f64::EPSILON),
            cpu / peer_cpu.max(f64::EPSILON)
        );
    }
}
