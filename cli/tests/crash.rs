//! Exactly-once across SIGKILL: `tether sync --db` is killed over and over, mid-stream, while a
//! publisher streams upserts, single-field merges, deletes and re-creations with duplicates and
//! dropped connections in between. The cache's data, dedup ids, resume point and
//! `applied_total` are written in one SQLite transaction, so after every restart the cache must
//! pick up exactly where its last committed batch left it: the final cache equals the server's
//! history folded once, and `applied_total` equals the history's length (an event applied twice
//! would push it above, a lost one would leave it below).
//!
//! Nothing sleeps: the test waits on the child's stdout lines and on the publisher task, every
//! wait bounded. `TETHER_CRASH_SEED=<n>` replays a run; `TETHER_CRASH_RESEND_NEWEST=1` shows a
//! core limitation (see `crash_history.rs`).

#[path = "support/crash_child.rs"]
mod crash_child;
#[path = "support/crash_history.rs"]
mod crash_history;

use crash_child::{Progress, SyncChild};
use crash_history::{fold, publish, EVENTS};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tether_testkit::{ServerEvent, TestServer};

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/crash/rules.json");
const KILLS: usize = 24;
/// Runs killed at least (the kills stop early only if a run already has every event).
const KILLS_REQUIRED: usize = 20;
/// Kills that must land mid-stream: after progress since the previous one, before the end.
const MID_STREAM_KILLS_REQUIRED: usize = 15;
/// Any single wait (a line, an exit, the publisher).
const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn sigkill_at_random_points_loses_nothing_and_applies_nothing_twice() {
    let started = Instant::now();
    let seed = std::env::var("TETHER_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x7e7e_2024_u64);
    eprintln!("crash test seed: {seed} (TETHER_CRASH_SEED)");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = runtime.block_on(TestServer::start()).expect("test server");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("cache.db");
    let db = db.to_str().expect("utf-8 temp path");
    let url = server.url();
    let args = ["--rules", RULES, "--db", db, "--quiet"];
    let mut child_args = vec![url.as_str()];
    child_args.extend_from_slice(&args);

    let publisher = runtime.spawn(publish(server.clone(), seed));

    // Random kill targets, spread over the run.
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x6b69_6c6c);
    let mut targets: Vec<u64> = (0..KILLS).map(|_| rng.u64(EVENTS / 50..EVENTS * 9 / 10)).collect();
    targets.sort_unstable();

    let mut kills: Vec<Kill> = Vec::new();
    let mut warnings = 0;
    let mut previous_seen = 0;
    for target in targets {
        let first_request = server.request_count();
        let mut child = SyncChild::spawn(&child_args);
        // The first line is the committed total the restart found in the file.
        let restored = child.next_progress(LIMIT);
        assert!(
            restored.applied_total >= previous_seen,
            "the restart found applied_total={} but {previous_seen} was committed before the kill",
            restored.applied_total
        );
        // Past the target, and progress made by this run. A run that has it all (the publisher
        // is done) can make no more: it ends the kills.
        let mut at_kill = restored;
        while at_kill.applied_total < EVENTS
            && (at_kill.applied_total < target || at_kill.applied_total <= restored.applied_total)
        {
            at_kill = child.next_progress(LIMIT);
        }
        let ended = child.kill();
        warnings += assert_quiet_stderr(&ended.stderr, "a killed run");
        kills.push(Kill { target, restored, at_kill, previous: previous_seen, first_request });
        previous_seen = at_kill.applied_total;
        if at_kill.applied_total >= EVENTS {
            break;
        }
    }

    let published = runtime
        .block_on(async { tokio::time::timeout(LIMIT, publisher).await })
        .expect("the publisher finishes")
        .expect("the publisher does not panic");
    let history = server.history();
    assert_eq!(history.len() as u64, EVENTS);
    assert_eq!(published.events, EVENTS);

    // The last run: everything, then the dump.
    let until = EVENTS.to_string();
    let mut last_args = child_args.clone();
    last_args.extend_from_slice(&["--until-applied", &until, "--dump"]);
    let mut child = SyncChild::spawn(&last_args);
    let ended = child.wait_exit(LIMIT);
    assert!(ended.status.success(), "last run failed: {}\n{}", ended.status, ended.stderr);
    warnings += assert_quiet_stderr(&ended.stderr, "the last run");
    let last = ended
        .stdout
        .iter()
        .rev()
        .find_map(|line| Progress::parse(line))
        .unwrap_or_else(|| panic!("no progress line in {:?}", ended.stdout));
    let dump_line = ended
        .stdout
        .iter()
        .find(|line| line.starts_with("{\"dump\""))
        .unwrap_or_else(|| panic!("no dump line in {:?}", ended.stdout));
    let dump: Value = serde_json::from_str(dump_line).expect("the dump is JSON");

    // (b) Every event of the history applied exactly once, across every restart.
    assert_eq!(
        last.applied_total,
        EVENTS,
        "applied_total after {} kills (above: applied twice; below: lost)",
        kills.len()
    );
    // (a) The cache equals the history folded once; resent duplicates changed nothing.
    let truth = fold(&history);
    let dump = dump["dump"].as_object().expect("dump object");
    let dumped: BTreeMap<String, Value> =
        dump.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if dumped != truth {
        let mut differences = Vec::new();
        for key in truth.keys().chain(dumped.keys()).collect::<std::collections::BTreeSet<_>>() {
            if truth.get(key) != dumped.get(key) {
                differences.push(format!(
                    "{key}: expected {:?}, cached {:?}",
                    truth.get(key),
                    dumped.get(key)
                ));
            }
        }
        panic!("the cache differs from the history:\n{}", differences.join("\n"));
    }

    // Every kill made progress; enough of them landed strictly inside the stream.
    let mid_stream = kills
        .iter()
        .filter(|k| k.at_kill.applied_total > k.previous && k.at_kill.applied_total < EVENTS)
        .count();
    let duplicates: u64 = kills.iter().map(|k| k.at_kill.duplicates).sum::<u64>() + last.duplicates;
    let requests = server.requests();
    let resumed = requests.iter().filter(|r| r.last_event_id.is_some()).count();
    eprintln!(
        "crash test: {} kills, {mid_stream} mid-stream; kill points {:?}; restored {:?}; \
         {} resends and {} drops published; duplicates dropped by the children: {duplicates}; \
         {} requests, {resumed} with Last-Event-ID; {warnings} stderr lines; {:?}",
        kills.len(),
        kills.iter().map(|k| k.at_kill.applied_total).collect::<Vec<_>>(),
        kills.iter().map(|k| k.restored.applied_total).collect::<Vec<_>>(),
        published.resends,
        published.drops,
        requests.len(),
        started.elapsed()
    );
    // The resume point each restart sent, against the events its cache held: events are
    // applied in history order, so a cache holding `T` events should resume after `e<T>`.
    // Ahead would skip events; behind only replays duplicates (see the report below).
    let mut rewound = Vec::new();
    for kill in kills.iter().skip(1) {
        let request = &requests[kill.first_request];
        let id = request.last_event_id.as_deref().unwrap_or("e0");
        let resumed_after: u64 = id.trim_start_matches('e').parse().expect("ids are e<seq>");
        let held = kill.restored.applied_total;
        assert!(resumed_after <= held, "resumed after {id} with only {held} events applied");
        if resumed_after < held {
            rewound.push((held, resumed_after));
        }
    }
    eprintln!(
        "crash test: {} restarts resumed from behind their data (applied, resumed after): \
         {rewound:?}",
        rewound.len()
    );
    assert!(kills.len() >= KILLS_REQUIRED, "only {} kills: {kills:?}", kills.len());
    assert!(
        mid_stream >= MID_STREAM_KILLS_REQUIRED,
        "only {mid_stream} of {} kills landed mid-stream: {kills:?}",
        kills.len()
    );
    // Every run after the first resumed from a stored event id: the file's resume point works.
    assert!(requests.len() > kills.len(), "one request per run at least");
    assert!(
        requests.iter().skip(1).all(|r| r.last_event_id.is_some()),
        "a restart connected without Last-Event-ID"
    );
    runtime.block_on(server.shutdown());
}

/// The command around the crash test's core: exit codes, views, the dump, header secrecy.
#[test]
fn sync_command_exit_codes_views_dump_and_header_secrecy() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = runtime.block_on(TestServer::start()).expect("test server");
    let url = server.url();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name).to_str().expect("utf-8 temp path").to_owned();
    let run = |args: &[&str]| SyncChild::spawn(args).wait_exit(LIMIT);
    let code = |args: &[&str]| run(args).status.code();

    // 2: rules, views and headers the command refuses, before any connection.
    std::fs::write(path("bad.json"), r#"{"version": 1, "rules": [{"match": {}}]}"#).expect("write");
    assert_eq!(code(&[&url, "--rules", &path("missing.json")]), Some(2));
    assert_eq!(code(&[&url, "--rules", &path("bad.json")]), Some(2));
    assert_eq!(
        code(&[&url, "--rules", RULES, "--view", r#"{"kind": "item", "sorty": []}"#]),
        Some(2)
    );
    assert_eq!(code(&[&url, "--rules", RULES, "-H", "Authorization Bearer hunter2"]), Some(2));
    assert_eq!(code(&["not a url", "--rules", RULES]), Some(2));
    assert_eq!(server.request_count(), 0);
    // 3: a cache file that is not a database (the typed error is printed).
    std::fs::write(path("junk.db"), "not a database").expect("write");
    let junk = run(&[&url, "--rules", RULES, "--db", &path("junk.db")]);
    assert_eq!(junk.status.code(), Some(3), "{}", junk.stderr);
    assert!(junk.stderr.contains("corrupt"), "{}", junk.stderr);
    // 1: a refused connection; the header's value is sent but never printed.
    server.enqueue(tether_testkit::ResponsePlan::status(404));
    let refused = run(&[&url, "--rules", RULES, "-H", "Authorization: Bearer hunter2"]);
    assert_eq!(refused.status.code(), Some(1), "{}", refused.stderr);
    assert!(refused.stderr.contains("404"), "{}", refused.stderr);
    let sent = server.requests().last().map(|r| format!("{:?}", r.headers)).unwrap_or_default();
    assert!(sent.contains("hunter2"), "the header was sent: {sent}");
    let printed = format!("{}{}", refused.stdout.join("\n"), refused.stderr);
    assert!(!printed.contains("hunter2"), "a header value was printed:\n{printed}");

    // 0: views as they change, then the dump.
    server.publish_with(|seq| put(seq, "b", 1));
    server.publish_with(|seq| put(seq, "a", 2));
    let view = r#"{"kind": "item", "sort": [{"path": "/n", "descending": true}]}"#;
    let db = path("cache.db");
    let done = run(&[
        &url,
        "--rules",
        RULES,
        "--db",
        &db,
        "--view",
        view,
        "--until-applied",
        "2",
        "--dump",
    ]);
    assert!(done.status.success(), "{}", done.stderr);
    let views: Vec<Value> = done
        .stdout
        .iter()
        .filter(|line| line.starts_with("{\"view\""))
        .map(|line| serde_json::from_str(line).expect("view lines are JSON"))
        .collect();
    let ids = |line: &Value| -> Vec<String> {
        let items = line["items"].as_array().expect("items");
        items.iter().map(|item| item["id"].as_str().expect("id").to_owned()).collect()
    };
    assert_eq!(views.first().map(ids), Some(vec![]), "the list as it was first: {:?}", done.stdout);
    assert_eq!(
        views.last().map(ids),
        Some(vec!["a".to_owned(), "b".to_owned()]),
        "{:?}",
        done.stdout
    );
    let dump = done.stdout.last().expect("the dump comes last");
    assert_eq!(dump, r#"{"dump":{"item/a":{"n":2},"item/b":{"n":1}}}"#);
    let progress = done.stdout.iter().rev().find_map(|line| Progress::parse(line));
    assert_eq!(progress.map(|p| p.applied_total), Some(2));
    // A restart resumes: only the new event is applied.
    server.publish_with(|seq| put(seq, "c", 3));
    let again = run(&[&url, "--rules", RULES, "--db", &db, "--until-applied", "3", "--quiet"]);
    assert!(again.status.success(), "{}", again.stderr);
    let first = again.stdout.first().and_then(|line| Progress::parse(line));
    let last = again.stdout.last().and_then(|line| Progress::parse(line));
    assert_eq!(first.map(|p| (p.applied_total, p.applied)), Some((2, 0)), "{:?}", again.stdout);
    assert_eq!(last.map(|p| (p.applied_total, p.applied)), Some((3, 1)), "{:?}", again.stdout);
    assert!(again.stdout.iter().all(|line| line.starts_with("progress ")), "--quiet");
    runtime.block_on(server.shutdown());
}

fn put(seq: u64, id: &str, n: u64) -> ServerEvent {
    let body = json!({"id": id, "v": seq, "value": {"n": n}});
    ServerEvent::json(&body).with_event("item.put").with_id(format!("e{seq}"))
}

#[derive(Debug)]
#[allow(dead_code)] // Read through `Debug` in failure messages.
struct Kill {
    target: u64,
    restored: Progress,
    at_kill: Progress,
    previous: u64,
    /// Its first request's index in the server's request log.
    first_request: usize,
}

/// No error-level line on stderr (tracing's `ERROR`, or the command's own error lines);
/// returns how many other lines (warnings) there were.
fn assert_quiet_stderr(stderr: &str, run: &str) -> usize {
    for line in stderr.lines() {
        assert!(
            !line.contains("ERROR") && !line.starts_with("tether sync:"),
            "{run} printed an error: {line}\n--- stderr\n{stderr}"
        );
    }
    if !stderr.is_empty() {
        eprintln!("{run} printed on stderr:\n{stderr}");
    }
    stderr.lines().count()
}
