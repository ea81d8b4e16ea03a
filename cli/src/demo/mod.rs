//! `tether demo`: the sessions story, live, from the embedded test server into a Tether cache
//! on SQLite — through a dropped connection, a server restart, a stall the watchdog must catch,
//! repeated and stale events, a background → foreground cycle and an app kill (a cold start from
//! the SQLite file). It ends with two verdict lines:
//!
//! ```text
//! demo: sent=N received=N lost=0 reconnects=R
//! demo: sent=N applied=N lost=0 duplicates_dropped=D stale_dropped=S store_matches_server=yes
//! ```
//!
//! and a non-zero exit when anything was lost, applied twice, or the cache differs from the
//! server's log folded through the same rules.

mod faults;
mod screen;
mod truth;

use faults::{Fault, FAULTS};
use screen::Screen;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tether_core::{
    AppState, ConnectionConfig, ListView, Router, Storage, SyncClient, SyncConfig, SyncStats,
};
use tether_testkit::{run_scenario, Scenario, TestServer};
use tokio::time::Instant;

const RULES: &str = include_str!("../../../tests/fixtures/sync/sessions.rules.json");
const WATCHDOG: Duration = Duration::from_millis(1500);

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Passes over the sessions story (each pass creates new sessions).
    #[arg(long, default_value_t = 3)]
    passes: u32,
    /// Speed-up of the story's own timing (4 = four times faster).
    #[arg(long, default_value_t = 4)]
    speed: u64,
    /// The cache file (default: a fresh temporary file, removed at the end).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Print the verdict lines only.
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("demo: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(play(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("demo: {message}");
            ExitCode::FAILURE
        }
    }
}

fn duplicates_of(stats: &SyncStats) -> u64 {
    stats.duplicate_ids + stats.duplicate_signatures
}

fn sessions() -> ListView {
    ListView::new("session").with_sort("/metadata/title", false)
}

/// One app launch: a sync client on the cache file, its screen, and the app-state channel.
struct App {
    client: SyncClient,
    screen: tokio::task::JoinHandle<()>,
}

impl App {
    fn launch(server: &TestServer, db: &std::path::Path, screen: Screen) -> Result<App, String> {
        let connection = ConnectionConfig::builder(server.url())
            .runtime(tokio::runtime::Handle::current())
            .watchdog(Some(WATCHDOG))
            .initial_retry_delay(Duration::from_millis(250))
            .max_retry_delay(Duration::from_secs(2))
            .background_grace(Duration::from_millis(300))
            .build()
            .map_err(|e| format!("config: {e}"))?;
        let router = Router::from_json(RULES).map_err(|e| format!("rules: {e}"))?;
        let config = SyncConfig::new(connection, router).storage(Storage::File(db.to_path_buf()));
        let client = SyncClient::open(config).map_err(|e| format!("cache: {e}"))?;
        let list = client.watch_list(sessions());
        let states = client.connection().states();
        let screen = tokio::spawn(screen.follow(list, states));
        Ok(App { client, screen })
    }

    /// Closes (flushing what is pending) and stops its screen.
    fn quit(self) -> (SyncStats, tether_core::Metrics) {
        let stats = self.client.stats();
        let metrics = self.client.connection().metrics();
        self.client.close();
        self.screen.abort();
        (stats, metrics)
    }
}

async fn play(args: Args) -> Result<bool, String> {
    let screen = Screen::new(args.quiet);
    let server = TestServer::start().await.map_err(|e| format!("test server: {e}"))?;
    let temp = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let db = args.db.clone().unwrap_or_else(|| temp.path().join("tether-demo.db"));
    screen.say(format!("tether demo: embedded server at {}, cache {}", server.url(), db.display()));

    let story = faults::scaled(Scenario::sessions_demo(), args.passes.max(1), args.speed.max(1));
    let story = {
        let server = server.clone();
        tokio::spawn(async move { run_scenario(&server, &story).await })
    };
    let mut app = App::launch(&server, &db, screen)?;
    let mut reconnects = 0;
    let mut earlier = SyncStats::default();
    let start = Instant::now();
    for (at_ms, fault) in FAULTS {
        tokio::time::sleep_until(start + Duration::from_millis(at_ms)).await;
        screen.say(format!("  ⚡ {}", fault.describe(WATCHDOG)));
        match fault {
            Fault::AppKill => {
                let (stats, metrics) = app.quit();
                reconnects += metrics.reconnects;
                earlier = stats;
                app = App::launch(&server, &db, screen)?;
                let cached = app.client.list(&sessions()).len();
                screen.say(format!(
                    "  ↺ cold start: {cached} sessions shown from SQLite at once; resuming after {}",
                    app.client.connection().last_event_id()
                ));
                // The new launch's reconnect count starts at zero: its first connect resumes.
                reconnects += 1;
            }
            Fault::Background(away) => {
                app.client.connection().set_app_state(AppState::Background);
                tokio::time::sleep(away).await;
                screen.say("  ▶ app returns to foreground".to_string());
                app.client.connection().set_app_state(AppState::Foreground);
            }
            other => other.inject(&server).await,
        }
    }
    story.await.map_err(|e| format!("story: {e}"))?;

    // Wait for the cache to take the whole log into account (bounded).
    let sent = server.history().len() as u64;
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.client.stats().applied_total < sent && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.client.flush();
    let cache = app.client.list(&sessions());
    let truth = truth::fold(&server.history(), RULES, &sessions())?;
    let (stats, metrics) = app.quit();
    reconnects += metrics.reconnects;
    // Distinct events that reached the cache; repeats are counted on the next line.
    let received =
        earlier.received + stats.received - duplicates_of(&earlier) - duplicates_of(&stats);
    let duplicates = duplicates_of(&earlier) + duplicates_of(&stats);
    let stale = earlier.stale + stats.stale;

    screen.say(String::new());
    screen.table(&cache);
    let applied = stats.applied_total;
    let lost = sent.saturating_sub(applied);
    let matches = cache == truth && applied == sent;
    println!("demo: sent={sent} received={received} lost={lost} reconnects={reconnects}");
    println!(
        "demo: sent={sent} applied={applied} lost={lost} duplicates_dropped={duplicates} \
         stale_dropped={stale} store_matches_server={}",
        if matches { "yes" } else { "no" }
    );
    Ok(matches && lost == 0)
}
