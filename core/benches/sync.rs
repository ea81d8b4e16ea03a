//! Sync throughput (issue 4): Tether's `SyncClient` taking a loopback SSE stream into its cache,
//! against peers measured in the same run on the same bytes, plus cold start, resident memory and
//! catch-up after background. A plain program (`harness = false`): it prints Markdown tables and
//! exits non-zero when a contender saw the wrong events or the cache ended up wrong. Missed goals
//! are printed, not turned into a failure: this is a measurement, not a test.
//!
//! Run with `scripts/bench-sync` (installs the Node peer's deps with `npm ci`, then
//! `cargo bench -p tether-core --bench sync`). `TETHER_BENCH_RUNS=N` changes the number of runs
//! of the fast measurements (default 5; the Node peer and the memory children run 3 times, or N
//! when N is smaller). `TETHER_SYNC_BENCH_ONLY=tether,a,b,stages,cold,rss,catchup` (any subset)
//! runs only those parts, e.g. under `perf`.
//!
//! - **Corpus**: 200,000 typed envelopes of the sessions rules
//!   (`tests/fixtures/sync/sessions.rules.json`), each with an SSE id: 500 `session.created`,
//!   then `session.updated` merges cycling over those 500 sessions; 216 bytes an event on
//!   average (43 MB).
//! - **Server**: a raw `tokio::net::TcpListener` on 127.0.0.1, on its own thread and
//!   current-thread runtime, writing one prebuilt HTTP/1.1 response (chunked
//!   `text/event-stream`, 16 KiB chunks) and closing. A request carrying `Last-Event-ID` (a
//!   client reconnecting after the end) gets `204`, which tells SSE clients to stop. Every
//!   contender gets the same bytes. The clock starts when the server starts writing.
//! - **Tether**: `SyncClient` on its own runtime (the product default), default 16 ms batch
//!   window, a list subscription on `session` drained by the bench, `stats()` polled every
//!   0.5 ms; the clock stops when `applied == N` and a final `flush()` (the last SQLite batch)
//!   has returned.
//! - **(a)**: `reqwest` 0.13 + `eventsource-stream` 0.2.3 counting events, on a 2-worker tokio
//!   runtime (the same shape as Tether's).
//! - **(b)**: `node bench/node/peer.mjs <url> <N>`: npm `eventsource` + `JSON.parse` + TanStack
//!   Query `setQueryData` on a detail key and a 500-item list key; it times itself from `open`.
//! - **Cold start**: a SQLite file holding 10,000 sessions and 10,000 dedup ids (written by a
//!   `SyncClient` from 10,000 streamed `session.created` events); time `SyncClient::open` +
//!   `list()` returning 10,000.
//! - **Memory**: a fresh child process (this program again, `TETHER_SYNC_BENCH_CHILD=rss-…`)
//!   reads `VmRSS` once the client is connected and the server is holding the body back, then
//!   again after those 10,000 events are applied and flushed.
//!   Diagnostic children: the `Store` alone, the `Dedup` alone, the client with a zero batch
//!   window.
//! - **Catch-up**: against `tether-testkit`'s `TestServer` (it resumes from `Last-Event-ID`):
//!   background with zero grace, 1,000 updates published while suspended, foreground; time until
//!   all 1,000 are applied.
//! - **Where the time goes**: the client's steps (parse, dedup, route, apply, and per batch take
//!   changes, list diff, write batch, SQLite) run one by one through the public APIs on the same
//!   corpus, in one thread, so each step's cost per event can be read off.

use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use tether_core::{
    AppState, ConnectionConfig, ConnectionState, Dedup, DedupConfig, Event, Frame, ListTracker,
    ListView, Parser, ParserLimits, Persistence, Routed, Router, Storage, Store, StoreLimits,
    SuspendReason, SyncClient, SyncConfig, SyncStats, WriteBatch,
};
use tether_testkit::{ServerEvent, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

/// Events in the throughput corpus.
const EVENTS: usize = 200_000;
/// Sessions the throughput corpus creates and then updates.
const SESSIONS: usize = 500;
/// Entities (and dedup ids) for cold start and memory.
const ENTITIES: usize = 10_000;
/// Events published while the app is in background.
const CATCH_UP: usize = 1_000;
/// Envelope timestamps (the rules' version, epoch ms) are `BASE_MS + sequence number`.
const BASE_MS: u64 = 1_732_363_200_000;
/// HTTP chunk size of the raw server's body.
const CHUNK: usize = 16 * 1024;
const RULES: &str = include_str!("../../tests/fixtures/sync/sessions.rules.json");
/// Longest wait for any one run before it counts as stuck.
const STUCK: Duration = Duration::from_secs(180);

// ----- corpus -----

/// `session.created` for session `k`, as event number `seq` (1-based).
fn created(seq: u64, k: usize) -> String {
    format!(
        "{{\"id\":\"evt_{seq}\",\"type\":\"session.created\",\"timestamp\":{},\"data\":{{\
         \"sessionId\":\"s_{k}\",\"userId\":\"u_{}\",\"startedAt\":\"{}\",\
         \"metadata\":{{\"source\":\"mobile\",\"title\":\"Session {k}\"}}}}}}",
        BASE_MS + seq,
        k % 97,
        iso(seq),
    )
}

/// `session.updated` of session `k`, as event number `seq`.
fn updated(seq: u64, k: usize) -> String {
    let status = ["active", "paused", "buffering"][(seq % 3) as usize];
    format!(
        "{{\"id\":\"evt_{seq}\",\"type\":\"session.updated\",\"timestamp\":{},\"data\":{{\
         \"sessionId\":\"s_{k}\",\"updates\":{{\"duration\":{},\"progress\":{},\
         \"status\":\"{status}\"}},\"updatedAt\":\"{}\"}}}}",
        BASE_MS + seq,
        seq % 3600,
        seq % 101,
        iso(seq),
    )
}

/// A plausible ISO time that moves with `seq`.
fn iso(seq: u64) -> String {
    format!(
        "2024-11-23T{:02}:{:02}:{:02}.{:03}Z",
        12 + (seq / 3_600_000) % 12,
        (seq / 60_000) % 60,
        (seq / 1000) % 60,
        seq % 1000
    )
}

/// The SSE text of events `1..=count`, built by `data(seq)`.
fn sse(count: usize, data: impl Fn(u64) -> String) -> Vec<u8> {
    let mut out = Vec::with_capacity(count * 210);
    for seq in 1..=count as u64 {
        out.extend_from_slice(format!("id: {seq}\ndata: {}\n\n", data(seq)).as_bytes());
    }
    out
}

/// The throughput corpus: 500 creates, then updates cycling over the 500 sessions.
fn throughput_corpus() -> Vec<u8> {
    sse(EVENTS, |seq| {
        let i = (seq - 1) as usize;
        if i < SESSIONS {
            created(seq, i)
        } else {
            updated(seq, i % SESSIONS)
        }
    })
}

/// 10,000 creates of distinct sessions.
fn entities_corpus() -> Vec<u8> {
    sse(ENTITIES, |seq| created(seq, (seq - 1) as usize))
}

// ----- the raw loopback server -----

const HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
const GONE: &[u8] = b"HTTP/1.1 204 No Content\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

/// One prebuilt `text/event-stream` response served to every stream request.
struct RawServer {
    addr: SocketAddr,
    /// When the server last started writing a full response.
    started: Arc<Mutex<Option<Instant>>>,
    /// When set, the body waits for [`RawServer::release`] after the head is written.
    gate: Option<Arc<Notify>>,
}

impl RawServer {
    fn start(sse: &[u8], gated: bool) -> std::io::Result<RawServer> {
        let mut body = Vec::with_capacity(sse.len() + sse.len() / CHUNK * 8 + 16);
        for chunk in sse.chunks(CHUNK) {
            body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            body.extend_from_slice(chunk);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"0\r\n\r\n");
        let body = Bytes::from(body);
        let listener = StdListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let started = Arc::new(Mutex::new(None));
        let gate = gated.then(|| Arc::new(Notify::new()));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (started_in, gate_in) = (Arc::clone(&started), gate.clone());
        std::thread::Builder::new().name("raw-sse-server".into()).spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                while let Ok((socket, _)) = listener.accept().await {
                    let _ = socket.set_nodelay(true);
                    tokio::spawn(serve(socket, body.clone(), started_in.clone(), gate_in.clone()));
                }
            });
        })?;
        Ok(RawServer { addr, started, gate })
    }

    fn url(&self) -> String {
        format!("http://{}/events", self.addr)
    }

    fn reset(&self) {
        *self.started.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn started(&self) -> Option<Instant> {
        *self.started.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn release(&self) {
        if let Some(gate) = &self.gate {
            gate.notify_one();
        }
    }
}

async fn serve(
    mut socket: tokio::net::TcpStream,
    body: Bytes,
    started: Arc<Mutex<Option<Instant>>>,
    gate: Option<Arc<Notify>>,
) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    if String::from_utf8_lossy(&head).to_ascii_lowercase().contains("\r\nlast-event-id:") {
        let _ = socket.write_all(GONE).await;
        let _ = socket.shutdown().await;
        return;
    }
    if let Some(gate) = gate {
        if socket.write_all(HEAD).await.is_err() {
            return;
        }
        gate.notified().await;
        *started.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    } else {
        *started.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        if socket.write_all(HEAD).await.is_err() {
            return;
        }
    }
    let _ = socket.write_all(&body).await;
    let _ = socket.shutdown().await;
}

/// A URL nothing listens on: clients opened on it stay disconnected (and retry in background).
fn dead_url() -> Result<String, String> {
    let listener = StdListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    drop(listener);
    Ok(format!("http://{addr}/events"))
}

// ----- helpers -----

fn sync_config(url: &str, storage: Storage) -> Result<SyncConfig, String> {
    let connection = ConnectionConfig::builder(url).build().map_err(|e| e.to_string())?;
    let router = Router::from_json(RULES).map_err(|e| e.to_string())?;
    Ok(SyncConfig::new(connection, router).storage(storage))
}

/// Polls `stats()` until `applied >= target`, draining `drain` on the way.
fn wait_applied(
    client: &SyncClient,
    target: u64,
    poll: Duration,
    mut drain: impl FnMut(),
) -> Result<SyncStats, String> {
    let deadline = Instant::now() + STUCK;
    loop {
        drain();
        let stats = client.stats();
        if stats.applied >= target {
            return Ok(stats);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "stuck at {} of {target} applied (state {})",
                stats.applied,
                client.connection().state().name()
            ));
        }
        std::thread::sleep(poll);
    }
}

/// Every event applied once, none dropped or refused.
fn check_stats(stats: &SyncStats, applied: u64) -> Result<(), String> {
    let clean = stats.applied == applied
        && stats.duplicate_ids == 0
        && stats.duplicate_signatures == 0
        && stats.stale == 0
        && stats.tombstoned == 0
        && stats.unmatched == 0
        && stats.route_errors == 0
        && stats.store_errors == 0
        && stats.storage_errors == 0;
    if clean {
        Ok(())
    } else {
        Err(format!("expected {applied} clean applies, got {stats:?}"))
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn vm_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

// ----- 1. Tether into the store -----

/// One run: seconds from the server's first byte to `applied == N` and the last batch written.
fn tether_run(server: &RawServer, storage: Storage) -> Result<f64, String> {
    let config = sync_config(&server.url(), storage)?;
    server.reset();
    let client = SyncClient::open(config).map_err(|e| e.to_string())?;
    let mut list = client.watch_list(ListView::new("session"));
    let mut items = 0;
    let stats = wait_applied(&client, EVENTS as u64, Duration::from_micros(500), || {
        while let Some(update) = list.try_recv() {
            items = update.items.len();
        }
    })?;
    client.flush();
    let end = Instant::now();
    let start = server.started().ok_or("the server never started writing")?;
    check_stats(&stats, EVENTS as u64)?;
    while let Some(update) = list.try_recv() {
        items = update.items.len();
    }
    client.close();
    if items != SESSIONS {
        return Err(format!("the list subscription shows {items} sessions, not {SESSIONS}"));
    }
    Ok(end.duration_since(start).as_secs_f64())
}

// ----- 1b. Tether's transport alone: `Connection`, no cache -----

fn connection_run(server: &RawServer) -> Result<f64, String> {
    let config = ConnectionConfig::builder(server.url()).build().map_err(|e| e.to_string())?;
    let runtime = tether_core::runtime().map_err(|e| e.to_string())?;
    server.reset();
    let (connection, mut messages) = tether_core::Connection::open(config);
    let count = runtime.block_on(async {
        let mut count = 0usize;
        while let Some(message) = messages.recv().await {
            std::hint::black_box(&message);
            count += 1;
            if count == EVENTS {
                break;
            }
        }
        count
    });
    let end = Instant::now();
    connection.close();
    if count != EVENTS {
        return Err(format!("Tether's Connection saw {count} events, not {EVENTS}"));
    }
    let start = server.started().ok_or("the server never started writing")?;
    Ok(end.duration_since(start).as_secs_f64())
}

// ----- 2. peer (a): reqwest + eventsource-stream -----

fn peer_a_run(
    runtime: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    server: &RawServer,
) -> Result<f64, String> {
    server.reset();
    let count = runtime.block_on(async {
        let response = client.get(server.url()).send().await.map_err(|e| e.to_string())?;
        let mut events = response.bytes_stream().eventsource();
        let mut count = 0usize;
        while let Some(event) = events.next().await {
            let event = event.map_err(|e| e.to_string())?;
            std::hint::black_box(&event);
            count += 1;
            if count == EVENTS {
                break;
            }
        }
        Ok::<usize, String>(count)
    })?;
    let end = Instant::now();
    if count != EVENTS {
        return Err(format!("reqwest + eventsource-stream saw {count} events, not {EVENTS}"));
    }
    let start = server.started().ok_or("the server never started writing")?;
    Ok(end.duration_since(start).as_secs_f64())
}

// ----- 3. peer (b): Node -----

fn node_peer() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/node");
    dir.join("node_modules/eventsource").is_dir().then(|| dir.join("peer.mjs"))
}

/// Events/s as the Node peer reports it.
fn peer_b_run(script: &Path, server: &RawServer) -> Result<f64, String> {
    let output = std::process::Command::new("node")
        .arg(script)
        .arg(server.url())
        .arg(EVENTS.to_string())
        .output()
        .map_err(|e| format!("node: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "node peer failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let field = |name: &str| {
        stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|v| v.parse::<f64>().ok())
    };
    let (Some(events), Some(rate), Some(sessions)) =
        (field("events="), field("events_per_s="), field("sessions="))
    else {
        return Err(format!("node peer printed no result: {stdout}"));
    };
    if events as usize != EVENTS || sessions as usize != SESSIONS {
        return Err(format!("node peer saw the wrong data: {stdout}"));
    }
    Ok(rate)
}

// ----- 4. cold start -----

struct ColdStart {
    /// `open` + `list()`, ms.
    total_ms: f64,
    /// `ConnectionConfig::build` + router (not in `total_ms`), ms.
    config_ms: f64,
    /// `Persistence::open` alone (quick_check, schema, WAL), ms.
    persist_open_ms: f64,
    /// `Persistence::load` alone (reads and parses every row), ms.
    persist_load_ms: f64,
    /// `list()` alone, ms.
    list_ms: f64,
    file_kb: u64,
}

/// Fills `path` with 10,000 sessions and 10,000 dedup ids through a `SyncClient`.
fn fill_cache(path: &Path) -> Result<(), String> {
    let server = RawServer::start(&entities_corpus(), false).map_err(|e| e.to_string())?;
    let client = SyncClient::open(sync_config(&server.url(), Storage::File(path.into()))?)
        .map_err(|e| e.to_string())?;
    let stats = wait_applied(&client, ENTITIES as u64, Duration::from_millis(1), || {})?;
    check_stats(&stats, ENTITIES as u64)?;
    client.close();
    drop(client);
    // Let the applier task finish its last flush and drop its SQLite connection.
    std::thread::sleep(Duration::from_millis(100));
    Ok(())
}

fn cold_start_run(path: &Path, url: &str) -> Result<ColdStart, String> {
    let view = ListView::new("session");
    let t = Instant::now();
    let config = sync_config(url, Storage::File(path.into()))?;
    let config_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let client = SyncClient::open(config).map_err(|e| e.to_string())?;
    let opened = t.elapsed();
    let items = client.list(&view);
    let total_ms = t.elapsed().as_secs_f64() * 1e3;
    let list_ms = total_ms - opened.as_secs_f64() * 1e3;
    if items.len() != ENTITIES {
        return Err(format!("cold start listed {} sessions, not {ENTITIES}", items.len()));
    }
    client.close();
    drop(client);
    std::thread::sleep(Duration::from_millis(50));
    // The same file through the persistence layer alone, for the phase breakdown.
    let t = Instant::now();
    let persistence = Persistence::open(path).map_err(|e| e.to_string())?;
    let persist_open_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let snapshot = persistence.load("default").map_err(|e| e.to_string())?;
    let persist_load_ms = t.elapsed().as_secs_f64() * 1e3;
    if snapshot.entities.len() != ENTITIES || snapshot.dedup_ids.len() != ENTITIES {
        return Err(format!(
            "the file holds {} entities and {} dedup ids",
            snapshot.entities.len(),
            snapshot.dedup_ids.len()
        ));
    }
    drop(persistence);
    let file_kb = std::fs::metadata(path).map(|m| m.len() / 1024).unwrap_or(0);
    Ok(ColdStart { total_ms, config_ms, persist_open_ms, persist_load_ms, list_ms, file_kb })
}

// ----- 5. resident memory (child process) -----

const CHILD_ENV: &str = "TETHER_SYNC_BENCH_CHILD";

/// In a fresh process: RSS once connected with nothing received, and after 10,000 creates.
/// `rss-store` and `rss-dedup` measure the store and the dedup window alone (no client, no
/// runtime, one thread), for the breakdown.
fn rss_child(mode: &str) -> Result<(), String> {
    match mode {
        "rss-store" => return rss_store_child(),
        "rss-dedup" => return rss_dedup_child(),
        _ => {}
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let storage = match mode {
        "rss-file" | "rss-file-window0" => Storage::File(dir.path().join("rss.sqlite3")),
        "rss-memory" => Storage::InMemory,
        other => return Err(format!("unknown child mode {other}")),
    };
    let server = RawServer::start(&entities_corpus(), true).map_err(|e| e.to_string())?;
    let mut config = sync_config(&server.url(), storage)?;
    if mode == "rss-file-window0" {
        // Diagnostic: a flush after every socket read, so no batch holds many entities.
        config = config.batch_window(Duration::ZERO);
    }
    let client = SyncClient::open(config).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + STUCK;
    while client.connection().state() != ConnectionState::Open {
        if Instant::now() > deadline {
            return Err("never connected".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(100));
    let before = vm_rss_kb().ok_or("no VmRSS")?;
    server.release();
    let stats = wait_applied(&client, ENTITIES as u64, Duration::from_millis(1), || {})?;
    check_stats(&stats, ENTITIES as u64)?;
    client.flush();
    std::thread::sleep(Duration::from_millis(100));
    let after = vm_rss_kb().ok_or("no VmRSS")?;
    let listed = client.list(&ListView::new("session")).len();
    if listed != ENTITIES {
        return Err(format!("{listed} sessions in the cache"));
    }
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .unwrap_or_default();
    println!("rss before_kb={before} after_kb={after} ({peak})");
    Ok(())
}

/// The store alone: 10,000 created sessions routed and applied, changes taken per 2,048.
fn rss_store_child() -> Result<(), String> {
    let router = Router::from_json(RULES).map_err(|e| e.to_string())?;
    let data: Vec<String> =
        (1..=ENTITIES as u64).map(|seq| created(seq, seq as usize - 1)).collect();
    let mut store = Store::new(StoreLimits::default());
    let before = vm_rss_kb().ok_or("no VmRSS")?;
    for (i, data) in data.iter().enumerate() {
        let event =
            tether_core::EventRef { event_type: "message", data, id: "", has_own_id: false };
        let Routed::Op { op, .. } = router.route(&event) else {
            return Err("not routed".into());
        };
        store.apply(&op).map_err(|e| e.to_string())?;
        if (i + 1) % STAGE_BATCH == 0 {
            drop(store.take_changes());
        }
    }
    drop(store.take_changes());
    let after = vm_rss_kb().ok_or("no VmRSS")?;
    if store.len() != ENTITIES {
        return Err(format!("{} entities", store.len()));
    }
    println!("rss before_kb={before} after_kb={after}");
    Ok(())
}

/// The dedup window alone: 10,000 ids, changes taken per 2,048.
fn rss_dedup_child() -> Result<(), String> {
    let ids: Vec<String> = (1..=ENTITIES).map(|seq| seq.to_string()).collect();
    let now = tokio::time::Instant::now();
    let mut dedup = Dedup::new(DedupConfig::default());
    let before = vm_rss_kb().ok_or("no VmRSS")?;
    for (i, id) in ids.iter().enumerate() {
        dedup.check(Some(id), "message", "", now);
        if (i + 1) % STAGE_BATCH == 0 {
            drop(dedup.take_changes());
        }
    }
    drop(dedup.take_changes());
    let after = vm_rss_kb().ok_or("no VmRSS")?;
    if dedup.remembered_ids() != ENTITIES {
        return Err(format!("{} ids", dedup.remembered_ids()));
    }
    println!("rss before_kb={before} after_kb={after}");
    Ok(())
}

/// RSS growth in MB (10^6 bytes) reported by a fresh child.
fn rss_run(mode: &str) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output =
        std::process::Command::new(exe).env(CHILD_ENV, mode).output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "{mode} child failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let field = |name: &str| {
        stdout
            .split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|v| v.parse::<u64>().ok())
    };
    match (field("before_kb="), field("after_kb=")) {
        (Some(before), Some(after)) => Ok(after.saturating_sub(before) as f64 * 1024.0 / 1e6),
        _ => Err(format!("{mode} child printed no result: {stdout}")),
    }
}

// ----- 6. catch-up after background -----

struct CatchUp {
    /// Foreground → `Open` (reconnect: TCP, request, response head), ms.
    open_ms: f64,
    /// Foreground → all 1,000 applied, ms.
    applied_ms: f64,
    /// Foreground → applied and the batch written to SQLite (`flush()` returned), ms.
    flushed_ms: f64,
}

fn catch_up(runs: usize, dir: &Path) -> Result<Vec<CatchUp>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("testkit")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let server = runtime.block_on(TestServer::start()).map_err(|e| e.to_string())?;
    for k in 0..SESSIONS {
        server.publish_with(|seq| ServerEvent::data(created(seq, k)));
    }
    let connection = ConnectionConfig::builder(server.url())
        .background_grace(Duration::ZERO)
        .build()
        .map_err(|e| e.to_string())?;
    let router = Router::from_json(RULES).map_err(|e| e.to_string())?;
    let config =
        SyncConfig::new(connection, router).storage(Storage::File(dir.join("catch-up.sqlite3")));
    let client = SyncClient::open(config).map_err(|e| e.to_string())?;
    wait_applied(&client, SESSIONS as u64, Duration::from_millis(1), || {})?;
    let poll = Duration::from_micros(100);
    let mut results = Vec::new();
    for _ in 0..runs {
        client.connection().set_app_state(AppState::Background);
        let deadline = Instant::now() + STUCK;
        while client.connection().state()
            != (ConnectionState::Suspended { reason: SuspendReason::Background })
        {
            if Instant::now() > deadline {
                return Err("never suspended".into());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        runtime.block_on(server.wait_for_open_streams(0));
        let target = client.stats().applied + CATCH_UP as u64;
        for _ in 0..CATCH_UP {
            server.publish_with(|seq| ServerEvent::data(updated(seq, seq as usize % SESSIONS)));
        }
        let t = Instant::now();
        client.connection().set_app_state(AppState::Foreground);
        let mut open_at = None;
        let stats = wait_applied(&client, target, poll, || {
            if open_at.is_none() && client.connection().state() == ConnectionState::Open {
                open_at = Some(t.elapsed());
            }
        })?;
        let applied = t.elapsed();
        client.flush();
        let flushed = t.elapsed();
        check_stats(&stats, target)?;
        let open = open_at.unwrap_or(applied);
        results.push(CatchUp {
            open_ms: open.as_secs_f64() * 1e3,
            applied_ms: applied.as_secs_f64() * 1e3,
            flushed_ms: flushed.as_secs_f64() * 1e3,
        });
    }
    client.close();
    runtime.block_on(server.shutdown());
    Ok(results)
}

// ----- where the time goes: the client's steps one by one, one thread, no network -----

/// Events per flush in the stage breakdown (≈ 16 ms of events at 128 k events/s).
const STAGE_BATCH: usize = 2048;

/// Seconds per stage over the whole corpus, in pipeline order; `dedup` for several batch sizes.
struct Stages {
    parse: f64,
    dedup: Vec<(usize, f64)>,
    route: f64,
    apply: f64,
    take_changes: f64,
    tracker: f64,
    batch_build: f64,
    sqlite_entities: f64,
    sqlite_dedup: f64,
    batches: usize,
}

/// The steps `SyncClient` takes per event (engine: parse and copy out; applier: dedup, route,
/// apply; per batch: take changes, list diff, build the write batch, SQLite), timed one by one
/// through the public APIs. SQLite is a file (WAL) in `dir`; entities and dedup ids are written
/// in two transactions per batch (the client writes one) so their costs can be told apart.
fn stages(corpus: &[u8], dir: &Path) -> Result<Stages, String> {
    let t = Instant::now();
    let mut parser = Parser::new(ParserLimits::default());
    let mut events: Vec<Event> = Vec::with_capacity(EVENTS);
    for chunk in corpus.chunks(CHUNK) {
        parser
            .feed(chunk, &mut |frame| {
                if let Frame::Event(event) = frame {
                    events.push(event.to_owned());
                }
            })
            .map_err(|e| e.to_string())?;
    }
    let parse = t.elapsed().as_secs_f64();
    if events.len() != EVENTS {
        return Err(format!("parsed {} events", events.len()));
    }

    let now = tokio::time::Instant::now();
    let mut dedup_times = Vec::new();
    let mut id_changes = Vec::new();
    for batch in [512, STAGE_BATCH, 8192] {
        let mut dedup = Dedup::new(DedupConfig::default());
        let mut changes = Vec::new();
        let t = Instant::now();
        for (i, event) in events.iter().enumerate() {
            std::hint::black_box(dedup.check(Some(&event.id), &event.event_type, &event.data, now));
            if (i + 1) % batch == 0 || i + 1 == events.len() {
                changes.push(dedup.take_changes());
            }
        }
        dedup_times.push((batch, t.elapsed().as_secs_f64()));
        if batch == STAGE_BATCH {
            id_changes = changes;
        }
    }

    let router = Router::from_json(RULES).map_err(|e| e.to_string())?;
    let t = Instant::now();
    for event in &events {
        std::hint::black_box(router.route(&event.as_event_ref()));
    }
    let route = t.elapsed().as_secs_f64();

    let mut persistence =
        Persistence::open(&dir.join("stages.sqlite3")).map_err(|e| e.to_string())?;
    let mut store = Store::new(StoreLimits::default());
    let (mut tracker, _) = ListTracker::new(ListView::new("session"), &store);
    let (mut take_changes, mut tracker_time, mut batch_build) = (0.0, 0.0, 0.0);
    let (mut sqlite_entities, mut sqlite_dedup) = (0.0, 0.0);
    let mut id_changes = id_changes.into_iter();
    let t_all = Instant::now();
    for (i, event) in events.iter().enumerate() {
        match router.route(&event.as_event_ref()) {
            Routed::Op { op, .. } => {
                store.apply(&op).map_err(|e| e.to_string())?;
            }
            other => return Err(format!("event {} not routed: {other:?}", event.id)),
        }
        if (i + 1) % STAGE_BATCH != 0 && i + 1 != events.len() {
            continue;
        }
        let t = Instant::now();
        let changes = store.take_changes();
        let ids = id_changes.next().ok_or("dedup batches out of step")?;
        take_changes += t.elapsed().as_secs_f64();
        let t = Instant::now();
        std::hint::black_box(tracker.update(&store, &changes));
        tracker_time += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let entities = WriteBatch {
            upserts: changes
                .upserted
                .iter()
                .map(|(k, e)| (k.clone(), e.value.clone(), e.version))
                .collect(),
            last_event_id: Some(event.id.clone()),
            applied_delta: STAGE_BATCH as u64,
            ..WriteBatch::default()
        };
        let dedup_batch = WriteBatch {
            dedup_added: ids.added,
            dedup_evicted: ids.evicted,
            ..WriteBatch::default()
        };
        batch_build += t.elapsed().as_secs_f64();
        let t = Instant::now();
        persistence.write("default", &entities).map_err(|e| e.to_string())?;
        sqlite_entities += t.elapsed().as_secs_f64();
        let t = Instant::now();
        persistence.write("default", &dedup_batch).map_err(|e| e.to_string())?;
        sqlite_dedup += t.elapsed().as_secs_f64();
        let t = Instant::now();
        drop((entities, dedup_batch, changes));
        batch_build += t.elapsed().as_secs_f64();
    }
    let flush_parts = take_changes + tracker_time + batch_build + sqlite_entities + sqlite_dedup;
    let route_and_apply = t_all.elapsed().as_secs_f64() - flush_parts;
    Ok(Stages {
        parse,
        dedup: dedup_times,
        route,
        apply: route_and_apply - route,
        take_changes,
        tracker: tracker_time,
        batch_build,
        sqlite_entities,
        sqlite_dedup,
        batches: EVENTS.div_ceil(STAGE_BATCH),
    })
}

fn print_stages(all: &[Stages]) {
    let us = |f: &dyn Fn(&Stages) -> f64| median(all.iter().map(f).collect()) / EVENTS as f64 * 1e6;
    let dedup_at = |batch: usize| {
        us(&|s: &Stages| s.dedup.iter().find(|(b, _)| *b == batch).map_or(0.0, |(_, t)| *t))
    };
    let dedup = dedup_at(STAGE_BATCH);
    let rows: [(&str, f64); 6] = [
        ("dedup `check` (+ `take_changes` per batch)", dedup),
        ("route (JSON parse + op)", us(&|s: &Stages| s.route)),
        ("store `apply` (merge, version guard, change record)", us(&|s: &Stages| s.apply)),
        ("flush: list diff (`ListTracker::update`, 500-item view)", us(&|s: &Stages| s.tracker)),
        ("flush: SQLite, entities + resume point", us(&|s: &Stages| s.sqlite_entities)),
        (
            "flush: SQLite, dedup ids (a 64-slot row rewritten per 64 ids)",
            us(&|s: &Stages| s.sqlite_dedup),
        ),
    ];
    // Public-API steps the client no longer takes: it reads changed keys and writes entities
    // from its store by reference (no copies). Shown, not counted.
    let copies: [(&str, f64); 2] = [
        (
            "(public API only) `Store::take_changes`, which copies every changed entity",
            us(&|s: &Stages| s.take_changes),
        ),
        (
            "(public API only) build + drop a `WriteBatch`, another copy of each",
            us(&|s: &Stages| s.batch_build),
        ),
    ];
    let total: f64 = rows.iter().map(|(_, v)| v).sum();
    println!(
        "\nWhere the time goes: the client's steps one by one through the public APIs, one thread, \
         no network, same corpus, a flush every {STAGE_BATCH} events ({} batches), SQLite file \
         (WAL). Median of {} runs.\n",
        all.first().map_or(0, |s| s.batches),
        all.len()
    );
    println!("| step | µs/event | share of the applier |");
    println!("| --- | ---: | ---: |");
    println!(
        "| engine task: parse + copy out (`to_owned`) | {:.3} | (other task) |",
        us(&|s: &Stages| s.parse)
    );
    for (name, v) in rows {
        println!("| {name} | {v:.3} | {:.0}% |", v / total * 100.0);
    }
    println!(
        "| **applier total** | **{total:.3}** | → at most {:.3} M events/s on one core |",
        1.0 / total
    );
    for (name, v) in copies {
        println!("| {name} | {v:.3} | not in the client |");
    }
    let by_batch: Vec<String> =
        [512, STAGE_BATCH, 8192].iter().map(|&b| format!("{b}: {:.3}", dedup_at(b))).collect();
    println!("\ndedup µs/event by events per batch (flush): {}", by_batch.join(", "));
}

// ----- main -----

fn main() -> ExitCode {
    if let Ok(mode) = std::env::var(CHILD_ENV) {
        return match rss_child(&mode) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("sync bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runs = std::env::var("TETHER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(5);
    let slow_runs = runs.min(3);
    let only = std::env::var("TETHER_SYNC_BENCH_ONLY").ok();
    let part = |name: &str| only.as_deref().is_none_or(|o| o.split(',').any(|p| p.trim() == name));
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    let mut ok = true;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;

    let corpus = throughput_corpus();
    let bytes = corpus.len();
    let server = RawServer::start(&corpus, false).map_err(|e| e.to_string())?;
    println!(
        "Sync, {cores} cores, load average {load} at start. Corpus: {EVENTS} events, {bytes} bytes ({:.0} B/event), {SESSIONS} \
         sessions; raw loopback HTTP/1.1 server, {} KiB chunks. Medians of {runs} runs \
         ({slow_runs} for Node and memory). MB = 10^6 bytes.\n",
        bytes as f64 / EVENTS as f64,
        CHUNK / 1024
    );

    // 1. Tether.
    let mut tether_memory = Vec::new();
    let mut tether_file = Vec::new();
    for run in (0..runs).filter(|_| part("tether")) {
        match tether_run(&server, Storage::InMemory) {
            Ok(secs) => tether_memory.push(secs),
            Err(e) => {
                eprintln!("tether (in-memory): {e}");
                ok = false;
            }
        }
        let path = dir.path().join(format!("throughput-{run}.sqlite3"));
        match tether_run(&server, Storage::File(path)) {
            Ok(secs) => tether_file.push(secs),
            Err(e) => {
                eprintln!("tether (file): {e}");
                ok = false;
            }
        }
    }

    // 1b. Tether's transport alone.
    let mut connection = Vec::new();
    for _ in (0..runs).filter(|_| part("connection")) {
        match connection_run(&server) {
            Ok(secs) => connection.push(secs),
            Err(e) => {
                eprintln!("tether (connection): {e}");
                ok = false;
            }
        }
    }

    // 2. Peer (a).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let http = reqwest::Client::builder().build().map_err(|e| e.to_string())?;
    let mut peer_a = Vec::new();
    for _ in (0..runs).filter(|_| part("a")) {
        match peer_a_run(&runtime, &http, &server) {
            Ok(secs) => peer_a.push(secs),
            Err(e) => {
                eprintln!("peer (a): {e}");
                ok = false;
            }
        }
    }
    drop(http);
    drop(runtime);

    // 3. Peer (b).
    let mut peer_b = Vec::new();
    let node = node_peer();
    if let Some(script) = node.as_ref().filter(|_| part("b")) {
        for _ in 0..slow_runs {
            match peer_b_run(script, &server) {
                Ok(rate) => peer_b.push(rate),
                Err(e) => {
                    eprintln!("peer (b): {e}");
                    ok = false;
                }
            }
        }
    }

    let rate = |secs: &[f64]| (!secs.is_empty()).then(|| EVENTS as f64 / median(secs.to_vec()));
    let tm = rate(&tether_memory);
    let tf = rate(&tether_file);
    let pa = rate(&peer_a);
    let tc = rate(&connection);
    let pb = (!peer_b.is_empty()).then(|| median(peer_b.clone()));
    let mb_per_event = bytes as f64 / EVENTS as f64 / 1e6;
    let cell = |r: Option<f64>, f: &dyn Fn(f64) -> String| r.map_or("—".to_string(), f);
    println!("| contender | work per event | M events/s | MB/s | Tether (file) / this |");
    println!("| --- | --- | ---: | ---: | ---: |");
    let rows: [(&str, &str, Option<f64>); 5] = [
        (
            "Tether `SyncClient`, SQLite file (WAL)",
            "parse, dedup, route, merge, list diff, SQLite batch",
            tf,
        ),
        ("Tether `SyncClient`, in-memory SQLite", "the same, SQLite in memory", tm),
        ("Tether `Connection` (transport only, no cache)", "parse, deliver", tc),
        ("(a) reqwest 0.13 + eventsource-stream 0.2.3", "parse, count", pa),
        (
            "(b) Node: eventsource 4.1.1 + JSON.parse + TanStack setQueryData",
            "parse, JSON, detail + 500-item list update",
            pb,
        ),
    ];
    for (name, work, r) in rows {
        println!(
            "| {name} | {work} | {} | {} | {} |",
            cell(r, &|r| format!("{:.3}", r / 1e6)),
            cell(r, &|r| format!("{:.0}", r * mb_per_event)),
            cell(r.zip(tf).map(|(r, t)| t / r), &|v| format!("{v:.1}×")),
        );
    }
    if let (Some(c), Some(a)) = (tc, pa) {
        println!(
            "\nTransport: Tether's `Connection` delivers {:.2} M events/s = {:.2}× reqwest + \
             eventsource-stream (PEERS: LaunchDarkly's client 2.0–2.4 M events/s).",
            c / 1e6,
            c / a
        );
    }
    if node.is_none() {
        println!("\n(b) not run: `bench/node/node_modules` is missing (run `scripts/bench-sync`).");
    }

    // Where the time goes.
    let mut stage_runs = Vec::new();
    for _ in (0..runs).filter(|_| part("stages")) {
        match stages(&corpus, dir.path()) {
            Ok(s) => stage_runs.push(s),
            Err(e) => {
                eprintln!("stages: {e}");
                ok = false;
            }
        }
    }
    drop(corpus);
    if !stage_runs.is_empty() {
        print_stages(&stage_runs);
    }

    // 4. Cold start.
    println!();
    let cache = dir.path().join("cold.sqlite3");
    let mut cold = Vec::new();
    match (part("cold").then(|| fill_cache(&cache).and_then(|()| dead_url()))).transpose() {
        Ok(None) => {}
        Ok(Some(url)) => {
            for _ in 0..runs {
                match cold_start_run(&cache, &url) {
                    Ok(c) => cold.push(c),
                    Err(e) => {
                        eprintln!("cold start: {e}");
                        ok = false;
                    }
                }
            }
        }
        Err(e) => {
            eprintln!("cold start: {e}");
            ok = false;
        }
    }

    // 5. Memory.
    let mut rss_file = Vec::new();
    let mut rss_memory = Vec::new();
    let mut rss_store = Vec::new();
    let mut rss_dedup = Vec::new();
    let mut rss_window0 = Vec::new();
    for _ in (0..slow_runs).filter(|_| part("rss")) {
        for (mode, into) in [
            ("rss-file", &mut rss_file),
            ("rss-memory", &mut rss_memory),
            ("rss-store", &mut rss_store),
            ("rss-dedup", &mut rss_dedup),
            ("rss-file-window0", &mut rss_window0),
        ] {
            match rss_run(mode) {
                Ok(mb) => into.push(mb),
                Err(e) => {
                    eprintln!("{e}");
                    ok = false;
                }
            }
        }
    }

    // 6. Catch-up.
    let catch = match if part("catchup") { catch_up(runs, dir.path()) } else { Ok(Vec::new()) } {
        Ok(c) => c,
        Err(e) => {
            eprintln!("catch-up: {e}");
            ok = false;
            Vec::new()
        }
    };

    // Goals.
    let med = |values: Vec<f64>| (!values.is_empty()).then(|| median(values));
    let cold_total = med(cold.iter().map(|c| c.total_ms).collect());
    let catch_applied = med(catch.iter().map(|c| c.applied_ms).collect());
    let rss_f = med(rss_file.clone());
    let rss_m = med(rss_memory.clone());
    let verdict = |met: Option<bool>| match met {
        Some(true) => "met",
        Some(false) => "**missed**",
        None => "not measured",
    };
    println!("| goal | measured | target | |");
    println!("| --- | ---: | ---: | --- |");
    let vs_b = tf.zip(pb).map(|(t, b)| t / b);
    println!(
        "| into the cache vs (b), SQLite file | {} | ≥ 10× | {} |",
        cell(vs_b, &|v| format!("{v:.1}×")),
        verdict(vs_b.map(|v| v >= 10.0))
    );
    let behind_a = tf.zip(pa).map(|(t, a)| a / t);
    println!(
        "| (a) / Tether (file): within 2× of bare parsing | {} | ≤ 2× | {} |",
        cell(behind_a, &|v| format!("{v:.2}×")),
        verdict(behind_a.map(|v| v <= 2.0))
    );
    let behind_a_mem = tm.zip(pa).map(|(t, a)| a / t);
    println!(
        "| (a) / Tether (in-memory SQLite) | {} | ≤ 2× | {} |",
        cell(behind_a_mem, &|v| format!("{v:.2}×")),
        verdict(behind_a_mem.map(|v| v <= 2.0))
    );
    println!(
        "| into the cache (file), absolute (PEERS.md) | {} M ev/s | ≥ 1 M ev/s | {} |",
        cell(tf, &|t| format!("{:.3}", t / 1e6)),
        verdict(tf.map(|t| t >= 1e6))
    );
    println!(
        "| cold start: `open` + `list()` of {ENTITIES} from SQLite | {} ms | < 50 ms | {} |",
        cell(cold_total, &|v| format!("{v:.1}")),
        verdict(cold_total.map(|v| v < 50.0))
    );
    println!(
        "| RSS growth, {ENTITIES} entities + {ENTITIES} dedup ids, SQLite file | {} MB | < 16 MB | {} |",
        cell(rss_f, &|v| format!("{v:.1}")),
        verdict(rss_f.map(|v| v < 16.0))
    );
    println!(
        "| RSS growth, the same, in-memory SQLite | {} MB | < 16 MB | {} |",
        cell(rss_m, &|v| format!("{v:.1}")),
        verdict(rss_m.map(|v| v < 16.0))
    );
    println!(
        "| catch-up: foreground → {CATCH_UP} applied | {} ms | < 50 ms | {} |",
        cell(catch_applied, &|v| format!("{v:.1}")),
        verdict(catch_applied.map(|v| v < 50.0))
    );

    println!("\nDetails (medians):");
    let secs = |v: &[f64]| med(v.to_vec()).map_or("—".into(), |s| format!("{:.3} s", s));
    println!(
        "- whole corpus: Tether file {}, Tether in-memory {}, (a) {}",
        secs(&tether_file),
        secs(&tether_memory),
        secs(&peer_a)
    );
    if let Some(c) = cold.first() {
        let m = |f: fn(&ColdStart) -> f64| med(cold.iter().map(f).collect()).unwrap_or(0.0);
        println!(
            "- cold start: `open` + `list()` {:.1} ms, of which `list()` {:.1} ms; the same file \
             through `Persistence` alone: open {:.1} ms, load {:.1} ms; building the \
             `ConnectionConfig` (outside the figure) {:.1} ms; file {} KiB",
            m(|c| c.total_ms),
            m(|c| c.list_ms),
            m(|c| c.persist_open_ms),
            m(|c| c.persist_load_ms),
            m(|c| c.config_ms),
            c.file_kb
        );
    }
    if !catch.is_empty() {
        let m = |f: fn(&CatchUp) -> f64| med(catch.iter().map(f).collect()).unwrap_or(0.0);
        println!(
            "- catch-up ({} cycles on one client, SQLite file, testkit server): foreground → \
             `Open` {:.1} ms, → all applied {:.1} ms, → written to SQLite {:.1} ms",
            catch.len(),
            m(|c| c.open_ms),
            m(|c| c.applied_ms),
            m(|c| c.flushed_ms)
        );
    }
    let all = |v: &[f64]| v.iter().map(|x| format!("{x:.1}")).collect::<Vec<_>>().join(", ");
    println!(
        "- RSS growth per child (MB): client with SQLite file [{}], client with in-memory SQLite \
         [{}]; breakdown, one thread, no client: `Store` alone with the {ENTITIES} sessions [{}], \
         `Dedup` alone with {ENTITIES} ids [{}]; client with SQLite file and a zero batch window \
         (a flush per socket read) [{}]",
        all(&rss_file),
        all(&rss_memory),
        all(&rss_store),
        all(&rss_dedup),
        all(&rss_window0)
    );

    println!(
        "\nchecks: {}",
        if ok { "every contender saw every event; caches complete" } else { "FAILED (see stderr)" }
    );
    Ok(ok)
}
