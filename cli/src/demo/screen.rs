//! What the demo shows as it happens: connection states and the live session list.

use serde_json::Value;
use std::io::Write;
use tether_core::{ConnectionState, ListSubscription, StateStream};

/// Prints progress lines unless `--quiet`; flushes so the story shows as it happens.
#[derive(Debug, Clone, Copy)]
pub(super) struct Screen {
    quiet: bool,
}

impl Screen {
    pub(super) fn new(quiet: bool) -> Self {
        Self { quiet }
    }

    pub(super) fn say(&self, text: String) {
        if !self.quiet {
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{text}");
            let _ = stdout.flush();
        }
    }

    /// Follows one app launch: its connection states and its session list.
    pub(super) async fn follow(self, mut list: ListSubscription, mut states: StateStream) {
        let mut states_done = false;
        loop {
            tokio::select! {
                state = states.next(), if !states_done => match state {
                    Some(state) => self.say(format!("  ● {}", describe(&state))),
                    None => states_done = true,
                },
                update = list.recv() => {
                    let Some(update) = update else { return };
                    for (id, value) in &update.items {
                        if update.added.contains(id) || update.updated.contains(id) {
                            self.say(format!("  ▸ {}", row(id, value)));
                        }
                    }
                    for id in &update.removed {
                        self.say(format!("  ▸ {id:<10} removed"));
                    }
                }
            }
        }
    }

    /// The final list.
    pub(super) fn table(&self, items: &[(String, Value)]) {
        for (id, value) in items {
            self.say(format!("  {}", row(id, value)));
        }
    }
}

fn row(id: &str, session: &Value) -> String {
    let title = session["metadata"]["title"].as_str().unwrap_or("");
    let status = session["status"].as_str().unwrap_or("?");
    let progress = session["progress"].as_u64().unwrap_or(0);
    format!("{id:<10} {title:<16} {status:<10} {}", bar(progress))
}

pub(super) fn bar(progress: u64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_is_ten_cells() {
        assert_eq!(bar(0), "[░░░░░░░░░░]   0%");
        assert_eq!(bar(55), "[█████░░░░░]  55%");
        assert_eq!(bar(250), "[██████████] 250%");
    }
}
