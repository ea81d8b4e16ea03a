//! `tether sync`: follow an endpoint into a local Tether cache (the real `SyncClient`: dedup,
//! router, store, SQLite) and watch it live.
//!
//! Stdout, one line each:
//! - `progress applied_total=N applied=N duplicates=N stale=N`: first the stored total, then one
//!   line per change of `applied_total` (checked every 20 ms, like the views). `applied_total`
//!   counts every event ever applied to this cache, across restarts (persisted with the data);
//!   `applied`, `duplicates` (by id or by content) and `stale` count since this start.
//! - `state: …`: connection state changes (as `tether tail` prints them).
//! - `{"view": i, "kind": …, "items": [{"id", "value"}…], "added", "removed", "updated"}`: list
//!   view number `i` (in `--view` order), first as it is, then after each change.
//! - `signal: …`: resync requests, discontinuities, unmatched events, route errors, logouts.
//! - `{"dump": {"<kind>/<id>": value, …}}` (with `--dump`, before a successful exit): every
//!   cached entity of every kind the rules or views name, keys sorted.
//!
//! `--quiet` keeps only progress lines and the dump. Header values are never printed.
//!
//! Exit codes: 0 after `--until-applied`, on Ctrl-C, or when the server closes for good; 1 when
//! the connection fails for good (or closes before `--until-applied` is reached); 2 for bad
//! arguments, rules or views; 3 when the cache file cannot be used.

mod lines;

use lines::{dump_line, progress_line, signal_text, state_text, view_line};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tether_core::{
    ConnectionConfig, ConnectionState, ListSubscription, ListView, Router, Storage, SyncClient,
    SyncConfig, SyncError, SyncSignal, SyncStats,
};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The event stream's URL (http or https).
    url: String,
    /// The routing rules (JSON; schema in docs/rules.md).
    #[arg(long, value_name = "FILE")]
    rules: PathBuf,
    /// Keep the cache in this SQLite file (created if missing): a restart shows the stored state
    /// and resumes the stream from it. Default: in memory.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// A list view to print as it changes (repeatable), e.g.
    /// '{"kind":"session","sort":[{"path":"/updatedAt","descending":true}]}'.
    #[arg(long = "view", value_name = "JSON")]
    views: Vec<String>,
    /// A request header sent on every attempt, as `Name: value` (repeatable). Values are never
    /// printed.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Exit (status 0) once the cache has applied this many events in total, across restarts.
    #[arg(long, value_name = "N")]
    until_applied: Option<u64>,
    /// Before a successful exit, print every cached entity as one JSON line.
    #[arg(long)]
    dump: bool,
    /// Print only progress lines and the dump (no states, views or signals).
    #[arg(long)]
    quiet: bool,
}

/// Bad arguments, rules or views (clap uses 2 as well).
const USAGE: u8 = 2;
/// The cache file cannot be used.
const STORAGE: u8 = 3;
/// How often progress (and `--until-applied`) is checked.
const PROGRESS_EVERY: Duration = Duration::from_millis(20);

pub fn run(args: Args) -> ExitCode {
    init_tracing();
    // The client runs on this single-threaded runtime, so nothing happens before `watch` has
    // subscribed to the states: every transition is printed.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tether sync: cannot start a runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let setup = match Setup::from_args(&args, runtime.handle().clone()) {
        Ok(setup) => setup,
        Err(message) => {
            eprintln!("tether sync: {message}");
            return ExitCode::from(USAGE);
        }
    };
    let client = match SyncClient::open(setup.config) {
        Ok(client) => client,
        Err(SyncError::Storage(error)) => {
            eprintln!("tether sync: cannot use the cache file ({}): {error}", error.kind());
            return ExitCode::from(STORAGE);
        }
    };
    let options = Options { until_applied: args.until_applied, dump: args.dump, quiet: args.quiet };
    runtime.block_on(watch(client, setup.views, setup.kinds, options))
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Fails only when a subscriber is already installed: keep that one.
    let _ =
        tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter).try_init();
}

/// Everything the arguments ask for, checked before anything is opened.
#[derive(Debug)]
struct Setup {
    config: SyncConfig,
    views: Vec<ListView>,
    /// The kinds `--dump` prints: those of the rules and the views.
    kinds: BTreeSet<String>,
}

impl Setup {
    fn from_args(args: &Args, runtime: tokio::runtime::Handle) -> Result<Setup, String> {
        let shown = args.rules.display();
        let rules = std::fs::read_to_string(&args.rules)
            .map_err(|e| format!("cannot read the rules file {shown}: {e}"))?;
        let router = Router::from_json(&rules).map_err(|e| format!("bad rules in {shown}: {e}"))?;
        let mut kinds = kinds_in_rules(&rules);
        let views = args
            .views
            .iter()
            .enumerate()
            .map(|(index, json)| {
                serde_json::from_str::<ListView>(json)
                    .map_err(|e| format!("--view #{} is not a list view: {e}", index + 1))
            })
            .collect::<Result<Vec<_>, _>>()?;
        kinds.extend(views.iter().map(|view| view.kind.clone()));
        let builder = ConnectionConfig::builder(args.url.as_str()).runtime(runtime);
        let builder = crate::headers::add_headers(builder, &args.headers)?;
        // `ConfigError` messages name headers but never show their values.
        let connection = builder.build().map_err(|error| error.to_string())?;
        let storage = match &args.db {
            Some(path) => Storage::File(path.clone()),
            None => Storage::InMemory,
        };
        let config = SyncConfig::new(connection, router).storage(storage);
        Ok(Setup { config, views, kinds })
    }
}

/// The `kind` of every rule (the client has no "every entity" reader: `--dump` lists these).
fn kinds_in_rules(rules: &str) -> BTreeSet<String> {
    let parsed: serde_json::Value = serde_json::from_str(rules).unwrap_or_default();
    let rules = parsed.get("rules").and_then(|r| r.as_array()).map(Vec::as_slice).unwrap_or(&[]);
    rules
        .iter()
        .filter_map(|rule| rule.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .collect()
}

#[derive(Debug, Clone, Copy)]
struct Options {
    until_applied: Option<u64>,
    dump: bool,
    quiet: bool,
}

/// Why the loop stopped.
enum Stop {
    /// `--until-applied` reached, Ctrl-C, or the server closed for good.
    Done,
    Failed(String),
    /// The server closed for good before `--until-applied` was reached.
    ClosedEarly(u64),
    /// Stdout is gone (e.g. `tether sync … | head`).
    OutputClosed,
}

async fn watch(
    client: SyncClient,
    views: Vec<ListView>,
    kinds: BTreeSet<String>,
    options: Options,
) -> ExitCode {
    let mut states = client.connection().states();
    let mut signals = client.signals();
    let mut lists: Vec<(String, ListSubscription)> =
        views.into_iter().map(|view| (view.kind.clone(), client.watch_list(view))).collect();
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let (mut states_done, mut signals_done) = (false, false);
    let out = Out { quiet: options.quiet };
    // The stored total first, as the cache was opened: `stats()` may already count events of
    // this run.
    let at_open =
        SyncStats { applied_total: client.applied_total_at_open(), ..SyncStats::default() };
    let mut printed_total = Some(at_open.applied_total);

    let stop = if !out.always(&progress_line(&at_open)) {
        Stop::OutputClosed
    } else {
        loop {
            tokio::select! {
                biased;
                _ = &mut ctrl_c => break Stop::Done,
                state = states.next(), if !states_done => {
                    let Some(state) = state else {
                        states_done = true;
                        continue;
                    };
                    if !out.detail(&state_text(&state)) {
                        break Stop::OutputClosed;
                    }
                    match state {
                        ConnectionState::Failed { error } => {
                            break Stop::Failed(format!("{} ({error})", error.kind()));
                        }
                        ConnectionState::Closed { .. } => {
                            client.flush();
                            let total = client.stats().applied_total;
                            match options.until_applied {
                                Some(n) if total < n => break Stop::ClosedEarly(total),
                                _ => break Stop::Done,
                            }
                        }
                        _ => {}
                    }
                }
                _ = tick.tick() => {
                    if options.until_applied.is_some() {
                        client.flush();
                    }
                    if !print_views(&mut lists, out) {
                        break Stop::OutputClosed;
                    }
                    let stats = client.stats();
                    if printed_total != Some(stats.applied_total) {
                        printed_total = Some(stats.applied_total);
                        if !out.always(&progress_line(&stats)) {
                            break Stop::OutputClosed;
                        }
                    }
                    if options.until_applied.is_some_and(|n| stats.applied_total >= n) {
                        break Stop::Done;
                    }
                }
                signal = signals.recv(), if !signals_done => match signal {
                    Some(SyncSignal::StorageError { message }) => {
                        eprintln!("tether sync: warning: a cache write failed (kept in memory, \
                                   retried with the next batch): {message}");
                    }
                    Some(signal) => {
                        if !out.detail(&signal_text(&signal)) {
                            break Stop::OutputClosed;
                        }
                    }
                    None => signals_done = true,
                },
            }
        }
    };

    client.close();
    let stats = client.stats();
    if !matches!(stop, Stop::OutputClosed) {
        print_views(&mut lists, out);
        if printed_total != Some(stats.applied_total) {
            out.always(&progress_line(&stats));
        }
    }
    match stop {
        Stop::Done => {
            if options.dump {
                out.always(&dump_line(&client, &kinds));
            }
            ExitCode::SUCCESS
        }
        Stop::OutputClosed => ExitCode::SUCCESS,
        Stop::Failed(error) => {
            eprintln!("tether sync: connection failed: {error}");
            ExitCode::FAILURE
        }
        Stop::ClosedEarly(total) => {
            eprintln!(
                "tether sync: the server closed the stream for good after {total} applied events \
                 (--until-applied {})",
                options.until_applied.unwrap_or_default()
            );
            ExitCode::FAILURE
        }
    }
}

/// Prints every list update that is ready, view by view; false once stdout is gone.
fn print_views(lists: &mut [(String, ListSubscription)], out: Out) -> bool {
    for (index, (kind, list)) in lists.iter_mut().enumerate() {
        while let Some(update) = list.try_recv() {
            if !out.detail(&view_line(index, kind, update)) {
                return false;
            }
        }
    }
    true
}

/// Writes lines to stdout; each call returns false once stdout is gone.
#[derive(Debug, Clone, Copy)]
struct Out {
    quiet: bool,
}

impl Out {
    /// Progress and the dump: printed even with `--quiet`.
    fn always(&self, line: &str) -> bool {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}").and_then(|()| out.flush()).is_ok()
    }

    /// States, views and signals: not with `--quiet`.
    fn detail(&self, line: &str) -> bool {
        self.quiet || line.is_empty() || self.always(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_every_rule_that_names_one() {
        let rules = r#"{"version": 1, "rules": [
            {"match": {"event": "a"}, "op": "upsert", "kind": "todo", "id": "/id", "payload": ""},
            {"match": {"event": "b"}, "op": "delete", "kind": "user", "id": "/id"},
            {"match": {"event": "c"}, "op": "merge", "kind": "todo", "id": "/id", "payload": ""},
            {"match": {"event": "d"}, "op": "clear_all"}]}"#;
        let kinds: Vec<String> = kinds_in_rules(rules).into_iter().collect();
        assert_eq!(kinds, ["todo", "user"]);
        assert!(kinds_in_rules("not json").is_empty());
    }
}
