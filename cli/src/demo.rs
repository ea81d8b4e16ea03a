//! `tether demo`: the sessions story, live, against the embedded test server — with a dropped
//! connection, a server restart, a stall the watchdog must catch and a background → foreground
//! cycle — then one verdict line: `demo: sent=N received=N lost=0 reconnects=R`.

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;
use tether_core::{AppState, Connection, ConnectionConfig, ConnectionState, Message};
use tether_testkit::{run_scenario, Scenario, TestServer};
use tokio::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Passes over the sessions story (each pass creates new sessions).
    #[arg(long, default_value_t = 3)]
    passes: u32,
    /// Speed-up of the story's own timing (4 = four times faster).
    #[arg(long, default_value_t = 4)]
    speed: u64,
    /// Print the verdict line only.
    #[arg(long)]
    quiet: bool,
}

/// When each fault happens, from the start of the story.
const FAULTS: [(u64, Fault); 4] = [
    (2_000, Fault::Drop),
    (4_000, Fault::Restart),
    (6_000, Fault::Stall),
    (8_500, Fault::Background),
];

#[derive(Debug, Clone, Copy)]
enum Fault {
    Drop,
    Restart,
    Stall,
    Background,
}

const WATCHDOG: Duration = Duration::from_millis(1500);
const BACKGROUND_FOR: Duration = Duration::from_millis(1500);

pub fn run(args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("demo: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(play(args)) {
        Ok(verdict) if verdict.passed() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("demo: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Verdict {
    sent: usize,
    received: usize,
    lost: usize,
    duplicates: usize,
    out_of_order: usize,
}

impl Verdict {
    fn passed(&self) -> bool {
        self.lost == 0 && self.duplicates == 0 && self.out_of_order == 0 && self.sent > 0
    }
}

async fn play(args: Args) -> Result<Verdict, String> {
    let out = Printer { quiet: args.quiet };
    let server = TestServer::start().await.map_err(|e| format!("test server: {e}"))?;
    out.line(format!("tether demo: embedded server at {}", server.url()));
    let scenario = scaled(Scenario::sessions_demo(), args.passes.max(1), args.speed.max(1));

    let config = ConnectionConfig::builder(server.url())
        .runtime(tokio::runtime::Handle::current())
        .watchdog(Some(WATCHDOG))
        .initial_retry_delay(Duration::from_millis(250))
        .max_retry_delay(Duration::from_secs(2))
        .background_grace(Duration::from_millis(300))
        .build()
        .map_err(|e| format!("config: {e}"))?;
    let (connection, mut messages) = Connection::open(config);

    let mut states = connection.states();
    let state_printer = out;
    tokio::spawn(async move {
        while let Some(state) = states.next().await {
            state_printer.line(format!("  ● {}", describe(&state)));
        }
    });

    let story = {
        let server = server.clone();
        let scenario = scenario.clone();
        tokio::spawn(async move { run_scenario(&server, &scenario).await })
    };
    let (app_tx, mut app_rx) = tokio::sync::mpsc::unbounded_channel();
    let faults = tokio::spawn(inject_faults(server.clone(), out, Instant::now(), app_tx));

    let mut received: Vec<String> = Vec::new();
    let mut sessions: BTreeMap<String, Session> = BTreeMap::new();
    let mut story_done_at: Option<Instant> = None;
    loop {
        if story_done_at.is_none() && story.is_finished() && faults.is_finished() {
            story_done_at = Some(Instant::now());
        }
        if let Some(done) = story_done_at {
            let sent = server.history().len();
            if received.len() >= sent || done.elapsed() > Duration::from_secs(20) {
                break;
            }
        }
        let next = tokio::select! {
            message = messages.recv() => message,
            Some(app) = app_rx.recv() => {
                connection.set_app_state(app);
                continue;
            }
            // Re-check the end condition now and then while nothing arrives.
            () = tokio::time::sleep(Duration::from_millis(200)) => continue,
        };
        let Some(Message::Event(event)) = next else { continue };
        received.push(event.id.clone());
        let Ok(envelope) = serde_json::from_str::<Value>(&event.data) else {
            out.line(format!("  ▸ {:<8} (not JSON) {}", event.id, event.data.len()));
            continue;
        };
        show(&out, &event.id, &envelope, &mut sessions);
    }

    let history: Vec<String> =
        server.history().into_iter().filter_map(|(_, e)| e.id).collect::<Vec<_>>();
    let verdict = judge(&history, &received);
    let metrics = connection.metrics();
    connection.close();
    out.line(String::new());
    for (id, session) in &sessions {
        out.line(format!("  {id:<12} {:<10} {}", session.status, bar(session.progress)));
    }
    out.line(format!(
        "  connects={} bytes={} watchdog_timeouts={} disconnected={:.1}s",
        metrics.connects,
        metrics.bytes,
        metrics.watchdog_timeouts,
        metrics.disconnected.as_secs_f64()
    ));
    let order = if verdict.out_of_order == 0 {
        String::new()
    } else {
        format!(" out_of_order={}", verdict.out_of_order)
    };
    let dups = if verdict.duplicates == 0 {
        String::new()
    } else {
        format!(" duplicates={}", verdict.duplicates)
    };
    println!(
        "demo: sent={} received={} lost={} reconnects={}{dups}{order}",
        verdict.sent, verdict.received, verdict.lost, metrics.reconnects
    );
    Ok(verdict)
}

/// Plays the faults on their schedule; app-state changes go to the consumer loop through `app`.
async fn inject_faults(
    server: TestServer,
    out: Printer,
    start: Instant,
    app: tokio::sync::mpsc::UnboundedSender<AppState>,
) {
    for (at_ms, fault) in FAULTS {
        tokio::time::sleep_until(start + Duration::from_millis(at_ms)).await;
        match fault {
            Fault::Drop => {
                out.line("  ⚡ server drops the connection".to_string());
                server.drop_streams();
            }
            Fault::Restart => {
                out.line("  ⚡ server restarts (down 600 ms)".to_string());
                server.restart_after(Duration::from_millis(600)).await;
            }
            Fault::Stall => {
                out.line(format!(
                    "  ⚡ server stalls: the socket stays open, nothing arrives (watchdog {:.1}s)",
                    WATCHDOG.as_secs_f64()
                ));
                server.stall_streams();
            }
            Fault::Background => {
                out.line("  ⏸ app goes to background".to_string());
                let _ = app.send(AppState::Background);
                tokio::time::sleep(BACKGROUND_FOR).await;
                out.line("  ▶ app returns to foreground".to_string());
                let _ = app.send(AppState::Foreground);
            }
        }
    }
}

/// The story `passes` times, its timing divided by `speed`.
fn scaled(mut scenario: Scenario, passes: u32, speed: u64) -> Scenario {
    scenario.repeat = passes;
    for step in &mut scenario.steps {
        step.after_ms /= speed;
    }
    scenario
}

/// Compares what arrived with the server's log: every id once, in the log's order.
fn judge(history: &[String], received: &[String]) -> Verdict {
    let mut seen = std::collections::HashSet::new();
    let duplicates = received.iter().filter(|id| !seen.insert(id.as_str())).count();
    let lost = history.iter().filter(|id| !seen.contains(id.as_str())).count();
    let position: std::collections::HashMap<&str, usize> =
        history.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let mut out_of_order = 0;
    let mut last = None;
    for id in received {
        let Some(&at) = position.get(id.as_str()) else {
            out_of_order += 1; // an id the server never sent
            continue;
        };
        if last.is_some_and(|prev| at <= prev) {
            out_of_order += 1;
        }
        last = Some(at);
    }
    Verdict { sent: history.len(), received: received.len(), lost, duplicates, out_of_order }
}

#[derive(Debug, Default)]
struct Session {
    status: String,
    progress: u64,
}

/// One line per event; the session table keeps each session's latest status and progress.
fn show(out: &Printer, id: &str, envelope: &Value, sessions: &mut BTreeMap<String, Session>) {
    let kind = envelope["type"].as_str().unwrap_or("?");
    let data = &envelope["data"];
    let session_id = data["sessionId"].as_str().unwrap_or("").to_string();
    let line = match kind {
        "session.created" => {
            let title = data["metadata"]["title"].as_str().unwrap_or("");
            sessions.insert(session_id.clone(), Session { status: "active".into(), progress: 0 });
            format!("created   {session_id:<10} \"{title}\"")
        }
        "session.updated" => {
            let updates = &data["updates"];
            let progress = updates["progress"].as_u64().unwrap_or(0);
            let status = updates["status"].as_str().unwrap_or("active").to_string();
            let entry = sessions.entry(session_id.clone()).or_default();
            entry.progress = progress;
            entry.status = status.clone();
            format!("updated   {session_id:<10} {} {status}", bar(progress))
        }
        "session.completed" => {
            let entry = sessions.entry(session_id.clone()).or_default();
            entry.progress = 100;
            entry.status = "completed".into();
            format!("completed {session_id:<10} {}", bar(100))
        }
        "session.deleted" => {
            sessions.remove(&session_id);
            format!("deleted   {session_id}")
        }
        "heartbeat" => "heartbeat".to_string(),
        other => format!("{other} (unknown type)"),
    };
    out.line(format!("  ▸ {id:<8} {line}"));
}

fn bar(progress: u64) -> String {
    let filled = (progress.min(100) / 10) as usize;
    format!("[{}{}] {progress:>3}%", "█".repeat(filled), "░".repeat(10 - filled))
}

fn describe(state: &ConnectionState) -> String {
    match state {
        ConnectionState::Connecting { attempt } => format!("connecting (attempt {attempt})"),
        ConnectionState::Reconnecting { attempt, delay, cause } => format!(
            "reconnecting: attempt {attempt} in {:.2}s because {cause}",
            delay.as_secs_f64()
        ),
        ConnectionState::Suspended { reason } => format!("suspended ({reason:?})"),
        ConnectionState::Closed { reason } => format!("closed ({reason:?})"),
        ConnectionState::Failed { error } => format!("failed: {error}"),
        other => other.name().to_string(),
    }
}

/// Prints progress lines unless `--quiet`; flushes so the story shows as it happens.
#[derive(Debug, Clone, Copy)]
struct Printer {
    quiet: bool,
}

impl Printer {
    fn line(&self, text: String) {
        if !self.quiet {
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{text}");
            let _ = stdout.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn judge_counts_loss_duplicates_and_disorder() {
        let history = ids(&["1", "2", "3", "4"]);
        let ok = judge(&history, &ids(&["1", "2", "3", "4"]));
        assert!(ok.passed());
        let lost = judge(&history, &ids(&["1", "2", "4"]));
        assert_eq!((lost.lost, lost.duplicates, lost.out_of_order), (1, 0, 0));
        assert!(!lost.passed());
        let dup = judge(&history, &ids(&["1", "2", "2", "3", "4"]));
        assert_eq!((dup.lost, dup.duplicates), (0, 1));
        assert!(!dup.passed());
        let swapped = judge(&history, &ids(&["1", "3", "2", "4"]));
        assert_eq!(swapped.out_of_order, 1);
        assert!(!swapped.passed());
        let foreign = judge(&history, &ids(&["1", "2", "3", "4", "x"]));
        assert!(!foreign.passed());
    }

    #[test]
    fn bar_is_ten_cells() {
        assert_eq!(bar(0), "[░░░░░░░░░░]   0%");
        assert_eq!(bar(55), "[█████░░░░░]  55%");
        assert_eq!(bar(250), "[██████████] 250%");
    }
}
