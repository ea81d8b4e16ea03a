//! `tether serve`: the scriptable test server (tether-testkit) as a mock backend on 127.0.0.1.
//!
//! Prints the stream URL on stdout, plays a scenario (default: the built-in sessions story),
//! logs each request to stderr (method, path without its query, `Last-Event-ID`; never header
//! values or query strings, which may carry credentials) and serves until Ctrl-C.
//!
//! Exit codes: 0 after Ctrl-C; 1 when the port cannot be bound; 2 for a bad scenario file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tether_testkit::{
    run_scenario, RecordedRequest, ReplayPolicy, Scenario, ServerOptions, TestServer,
};
use tokio::sync::broadcast::{self, error::RecvError};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// A scenario JSON file (format: tests/README.md); default: the built-in sessions story.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Write a `: keepalive` comment on open streams every N milliseconds.
    #[arg(long, value_name = "N")]
    keepalive_ms: Option<u64>,
    /// Play the scenario forever (ids and session names stay unique per pass).
    #[arg(long = "loop")]
    looping: bool,
    /// Clients without a known Last-Event-ID get only live events (default: the whole history).
    #[arg(long)]
    no_replay: bool,
}

/// Exit status for a scenario file that cannot be used.
const USAGE: u8 = 2;

/// Requests kept in memory: a long-running server must not grow without bound.
const REQUEST_LOG_LIMIT: usize = 1000;

pub fn run(args: Args) -> ExitCode {
    init_tracing();
    let mut scenario = match &args.scenario {
        None => Scenario::sessions_demo(),
        Some(path) => match Scenario::from_file(path) {
            Ok(scenario) => scenario,
            Err(error) => {
                eprintln!("tether serve: {}: {error}", path.display());
                return ExitCode::from(USAGE);
            }
        },
    };
    scenario.looping |= args.looping;
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(runtime) => runtime,
            Err(error) => {
                eprintln!("tether serve: cannot start a runtime: {error}");
                return ExitCode::FAILURE;
            }
        };
    runtime.block_on(serve(&args, scenario))
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Fails only when a subscriber is already installed: keep that one.
    let _ =
        tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter).try_init();
}

async fn serve(args: &Args, scenario: Scenario) -> ExitCode {
    let options = ServerOptions::default()
        .port(args.port)
        .keepalive(args.keepalive_ms.map(Duration::from_millis))
        .replay(if args.no_replay { ReplayPolicy::None } else { ReplayPolicy::All })
        .request_log_limit(REQUEST_LOG_LIMIT);
    let server = match TestServer::start_with(options).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("tether serve: cannot listen on 127.0.0.1:{}: {error}", args.port);
            return ExitCode::FAILURE;
        }
    };
    println!("{}", server.url());
    eprintln!(
        "tether serve: scenario {} ({} steps, {}), any path streams; Ctrl-C to stop",
        scenario.name.as_deref().unwrap_or("(unnamed)"),
        scenario.steps.len(),
        if scenario.looping {
            "looping".to_string()
        } else {
            format!("{} pass(es)", scenario.repeat)
        },
    );

    let logger = tokio::spawn(log_requests(server.subscribe_requests()));
    let player = {
        let server = server.clone();
        tokio::spawn(async move {
            run_scenario(&server, &scenario).await;
            eprintln!("tether serve: scenario done; still serving its history");
        })
    };
    let stopped = tokio::signal::ctrl_c().await;
    player.abort();
    logger.abort();
    server.shutdown().await;
    match stopped {
        Ok(()) => {
            eprintln!("tether serve: stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("tether serve: cannot wait for Ctrl-C: {error}");
            ExitCode::FAILURE
        }
    }
}

/// One stderr line per request.
async fn log_requests(mut requests: broadcast::Receiver<RecordedRequest>) {
    loop {
        match requests.recv().await {
            Ok(request) => eprintln!("{}", request_line(&request)),
            Err(RecvError::Lagged(missed)) => eprintln!("({missed} requests not shown)"),
            Err(RecvError::Closed) => return,
        }
    }
}

/// `GET /events last-event-id="7"`: the query string is cut, header values never shown.
fn request_line(request: &RecordedRequest) -> String {
    let path = match request.path.split_once('?') {
        Some((path, _)) => format!("{path}?…"),
        None => request.path.clone(),
    };
    let last_event_id = match &request.last_event_id {
        Some(id) => format!("{id:?}"),
        None => "-".to_string(),
    };
    format!("{} {path} last-event-id={last_event_id}", request.method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_hide_queries_and_headers() {
        let request = RecordedRequest {
            method: "GET".into(),
            path: "/events?token=secret".into(),
            headers: vec![("Authorization".into(), "Bearer secret".into())],
            last_event_id: Some("7".into()),
            raw_last_event_id: Some(b"7".to_vec()),
            body: Vec::new(),
        };
        let line = request_line(&request);
        assert_eq!(line, "GET /events?… last-event-id=\"7\"");
        assert!(!line.contains("secret"));
    }
}
