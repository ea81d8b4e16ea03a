//! Scenarios: a timed script of publishes and faults, written in JSON or built in Rust, played
//! against a [`TestServer`](crate::TestServer) by [`run_scenario`].
//!
//! ```json
//! { "name": "tiny", "repeat": 2,
//!   "steps": [
//!     { "after_ms": 500, "action": "publish", "id": "evt-{{seq}}",
//!       "data": {"id": "{{id}}", "type": "session.created", "timestamp": "{{timestamp}}"} },
//!     { "after_ms": 1000, "action": "drop" },
//!     { "after_ms": 0, "action": "status", "code": 503, "headers": {"Retry-After": "1"} }
//!   ] }
//! ```
//!
//! The format is described in full in `tests/README.md`.

mod repr;
mod run;
mod sessions;
mod template;

pub use run::run_scenario;

use serde::{Deserialize, Serialize};

/// A list of steps, played once, `repeat` times, or forever (`loop`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A label for logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the scenario shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How many passes over the steps (default 1; ignored when `looping`).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub repeat: u32,
    /// Play the steps forever (JSON: `"loop": true`).
    #[serde(default, rename = "loop", skip_serializing_if = "is_false")]
    pub looping: bool,
    /// Unix milliseconds that `{{timestamp}}` starts from; default: the wall clock at start.
    /// Either way it then advances with `tokio::time` (so a paused clock gives exact values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch_ms: Option<u64>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One step: wait `after_ms` since the previous step (a `tokio::time` sleep), then act.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "repr::StepRepr", into = "repr::StepRepr")]
pub struct Step {
    /// Delay since the previous step, in milliseconds.
    pub after_ms: u64,
    /// What the step does.
    pub action: Action,
}

impl Step {
    /// A step that acts `after_ms` after the previous one.
    pub fn new(after_ms: u64, action: Action) -> Self {
        Self { after_ms, action }
    }
}

/// What a step does. The JSON name of each action is in its doc, with the fields it takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `publish` (`event`?, `id`?, `data`): append an event to the log and send it.
    Publish(Publish),
    /// `drop`: [`TestServer::drop_streams`](crate::TestServer::drop_streams).
    Drop,
    /// `drop_mid_event`: [`TestServer::drop_mid_event`](crate::TestServer::drop_mid_event).
    DropMidEvent,
    /// `close`: [`TestServer::close_streams`](crate::TestServer::close_streams).
    Close,
    /// `stall`: [`TestServer::stall_streams`](crate::TestServer::stall_streams).
    Stall,
    /// `restart` (`down_ms`?): [`TestServer::restart_after`](crate::TestServer::restart_after).
    Restart {
        /// How long the port stays closed.
        down_ms: u64,
    },
    /// `raw` (`text`, `times`?): `text` repeated `times` (default 1) times, written raw.
    Raw {
        /// The bytes, as UTF-8 text (JSON escapes like `\n` or `\u0000` work).
        text: String,
        /// How many copies (e.g. to build an oversized line).
        times: usize,
    },
    /// `resend` (`seq`): write logged event `seq` again.
    Resend {
        /// The sequence number to resend.
        seq: u64,
    },
    /// `status` (`code`, `headers`?, `body`?): queue a plain status answer for the next request.
    Status {
        /// The status code.
        code: u16,
        /// Extra headers, e.g. `Retry-After`.
        headers: Vec<(String, String)>,
        /// The body.
        body: String,
    },
    /// `redirect` (`code`? = 307, `location`): queue a redirect for the next request.
    Redirect {
        /// The status code.
        code: u16,
        /// The `Location` header.
        location: String,
    },
    /// `hang`: queue an answer that never comes.
    Hang,
    /// `close_immediately`: queue a close without an answer.
    CloseImmediately,
    /// `wrong_content_type` (`content_type`? = `application/json`): queue a 200 that is not a
    /// stream.
    WrongContentType {
        /// The content type to answer with.
        content_type: String,
    },
    /// `keepalive` (`every_ms`; 0 or absent: off):
    /// [`TestServer::set_keepalive`](crate::TestServer::set_keepalive).
    Keepalive {
        /// The period in milliseconds.
        every_ms: Option<u64>,
    },
}

impl Action {
    /// The JSON name of the action.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Publish(_) => "publish",
            Self::Drop => "drop",
            Self::DropMidEvent => "drop_mid_event",
            Self::Close => "close",
            Self::Stall => "stall",
            Self::Restart { .. } => "restart",
            Self::Raw { .. } => "raw",
            Self::Resend { .. } => "resend",
            Self::Status { .. } => "status",
            Self::Redirect { .. } => "redirect",
            Self::Hang => "hang",
            Self::CloseImmediately => "close_immediately",
            Self::WrongContentType { .. } => "wrong_content_type",
            Self::Keepalive { .. } => "keepalive",
        }
    }
}

/// An event to publish. `id` and `data` may use placeholders: `{{id}}`, `{{seq}}`,
/// `{{iteration}}`, `{{timestamp}}`, `{{iso_time}}` (`{{id}}` only in `data`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publish {
    /// The SSE event name; `None`: `message`.
    pub event: Option<String>,
    /// The SSE id; `None`: the sequence number.
    pub id: Option<String>,
    /// The payload.
    pub data: Data,
}

/// A payload: text as is, or JSON (compact text; JSON-aware placeholders).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Data {
    /// Sent as written (JSON: a string value).
    Text(String),
    /// Compact JSON text (JSON: any non-string value, compacted with its key order kept).
    Json(String),
}

impl Scenario {
    /// Parses a scenario from JSON text.
    pub fn from_json(text: &str) -> Result<Scenario, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Reads and parses a scenario file.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> std::io::Result<Scenario> {
        let text = std::fs::read_to_string(path)?;
        Self::from_json(&text).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    /// The scenario as pretty JSON (payloads stay compact, one line each).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Sum of the step delays of one pass, in milliseconds.
    pub fn pass_duration_ms(&self) -> u64 {
        self.steps.iter().map(|s| s.after_ms).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_action() {
        let s = Scenario::from_json(
            r#"{"name":"all","repeat":3,"epoch_ms":5,"steps":[
                {"after_ms":1,"data":{"b": 1, "a": [1, 2]}},
                {"action":"publish","event":"e","id":"x","data":"text"},
                {"action":"drop"},{"action":"drop_mid_event"},{"action":"close"},
                {"action":"stall"},{"action":"restart","down_ms":50},
                {"action":"raw","text":": hi\n","times":2},{"action":"resend","seq":1},
                {"action":"status","code":503,"headers":{"Retry-After":"1"},"body":"busy"},
                {"action":"redirect","location":"/x"},{"action":"hang"},
                {"action":"close_immediately"},{"action":"wrong_content_type"},
                {"action":"keepalive","every_ms":0}
            ]}"#,
        )
        .expect("valid scenario");
        assert_eq!(s.repeat, 3);
        assert_eq!(s.steps.len(), 15);
        assert_eq!(
            s.steps[0].action,
            Action::Publish(Publish {
                event: None,
                id: None,
                data: Data::Json(r#"{"b":1,"a":[1,2]}"#.into())
            })
        );
        assert_eq!(
            s.steps[9].action,
            Action::Status {
                code: 503,
                headers: vec![("Retry-After".into(), "1".into())],
                body: "busy".into()
            }
        );
        assert_eq!(s.steps[10].action, Action::Redirect { code: 307, location: "/x".into() });
        assert_eq!(s.steps[14].action, Action::Keepalive { every_ms: None });
        let again = Scenario::from_json(&s.to_json_pretty()).expect("round trip");
        assert_eq!(again, s);
    }

    #[test]
    fn rejects_mistakes_with_a_reason() {
        for (json, why) in [
            (r#"{"steps":[{"action":"explode"}]}"#, "unknown action"),
            (r#"{"steps":[{"action":"drop","code":1}]}"#, "does not apply"),
            (r#"{"steps":[{"action":"status"}]}"#, "needs `code`"),
            (r#"{"steps":[{"after_ms":1}]}"#, "needs `data`"),
            (r#"{"steps":[{"action":"drop","typo":1}]}"#, "unknown field"),
            (r#"{"steps":[],"lop":true}"#, "unknown field"),
        ] {
            let err = Scenario::from_json(json).expect_err(json).to_string();
            assert!(err.contains(why), "{json}: {err}");
        }
    }
}
