//! Playing a [`Scenario`] against a server, with every delay a `tokio::time` sleep.

use super::template::{render_json, render_text, Vars};
use super::{Action, Data, Publish, Scenario};
use crate::event::ServerEvent;
use crate::plan::ResponsePlan;
use crate::server::TestServer;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Plays `scenario` on `server`: for each pass, each step sleeps `after_ms` and then acts.
/// Returns after the last pass; never returns when the scenario loops (cancel it by dropping or
/// aborting the future). A looping scenario whose steps take no time at all is played once.
pub async fn run_scenario(server: &TestServer, scenario: &Scenario) {
    let clock = Clock::start(scenario.epoch_ms);
    let looping = scenario.looping && scenario.pass_duration_ms() > 0;
    if scenario.looping && !looping {
        tracing::warn!("a looping scenario needs some delay between steps; playing it once");
    }
    let passes = if scenario.looping { u64::MAX } else { u64::from(scenario.repeat) };
    tracing::debug!(name = ?scenario.name, passes, "scenario starts");
    for iteration in 1..=passes {
        for step in &scenario.steps {
            if step.after_ms > 0 {
                tokio::time::sleep(Duration::from_millis(step.after_ms)).await;
            }
            apply(server, &step.action, iteration, &clock).await;
        }
        if scenario.looping && !looping {
            break;
        }
        tokio::task::yield_now().await;
    }
    tracing::debug!(name = ?scenario.name, "scenario done");
}

/// `{{timestamp}}`: a wall-clock base advanced by `tokio::time`.
#[derive(Debug)]
struct Clock {
    base_ms: u64,
    started: Instant,
}

impl Clock {
    fn start(epoch_ms: Option<u64>) -> Self {
        let wall = || {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0)
        };
        Self { base_ms: epoch_ms.unwrap_or_else(wall), started: Instant::now() }
    }

    fn now_ms(&self) -> u64 {
        let elapsed = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.base_ms.saturating_add(elapsed)
    }
}

async fn apply(server: &TestServer, action: &Action, iteration: u64, clock: &Clock) {
    tracing::debug!(action = action.name(), iteration, "scenario step");
    match action {
        Action::Publish(publish) => {
            let now_ms = clock.now_ms();
            server.publish_with(|seq| build_event(publish, seq, iteration, now_ms));
        }
        Action::Drop => server.drop_streams(),
        Action::DropMidEvent => server.drop_mid_event(),
        Action::Close => server.close_streams(),
        Action::Stall => server.stall_streams(),
        Action::Restart { down_ms } => {
            if let Err(e) = server.try_restart(Duration::from_millis(*down_ms)).await {
                tracing::error!(error = %e, "scenario restart: cannot listen again");
            }
        }
        Action::Raw { text, times } => server.send_raw(text.repeat(*times).as_bytes()),
        Action::Resend { seq } => server.resend(*seq),
        Action::Status { code, headers, body } => server.enqueue(ResponsePlan::Status {
            status: *code,
            headers: headers.clone(),
            body: body.clone(),
        }),
        Action::Redirect { code, location } => {
            server.enqueue(ResponsePlan::redirect(*code, location.clone()));
        }
        Action::Hang => server.enqueue(ResponsePlan::Hang),
        Action::CloseImmediately => server.enqueue(ResponsePlan::CloseImmediately),
        Action::WrongContentType { content_type } => {
            server.enqueue(ResponsePlan::WrongContentType(content_type.clone()));
        }
        Action::Keepalive { every_ms } => {
            server.set_keepalive(every_ms.map(Duration::from_millis));
        }
    }
}

/// The event a publish step sends as log entry `seq`.
fn build_event(publish: &Publish, seq: u64, iteration: u64, now_ms: u64) -> ServerEvent {
    let seq_text = seq.to_string();
    let base = Vars { id: &seq_text, seq, iteration, now_ms };
    let id = publish.id.as_deref().map_or_else(|| seq_text.clone(), |t| render_text(t, &base));
    let vars = Vars { id: &id, ..base };
    let data = match &publish.data {
        Data::Text(text) => render_text(text, &vars),
        Data::Json(json) => render_json(json, &vars),
    };
    ServerEvent { id: Some(id.clone()), event: publish.event.clone(), data }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_ids_and_payloads_from_placeholders() {
        let publish = Publish {
            event: Some("e".into()),
            id: Some("evt-{{seq}}".into()),
            data: Data::Json(r#"{"id":"{{id}}","n":"{{iteration}}","t":"{{timestamp}}"}"#.into()),
        };
        let ev = build_event(&publish, 4, 2, 99);
        assert_eq!(ev.id.as_deref(), Some("evt-4"));
        assert_eq!(ev.event.as_deref(), Some("e"));
        assert_eq!(ev.data, r#"{"id":"evt-4","n":2,"t":99}"#);
        let plain = Publish { event: None, id: None, data: Data::Text("#{{id}}".into()) };
        assert_eq!(build_event(&plain, 9, 1, 0).data, "#9");
    }
}
