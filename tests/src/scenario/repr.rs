//! The JSON shape of a step: one flat object, `action` naming what it does, and only the fields
//! that action uses (anything else is an error, so typos do not pass silently).

use super::template::minify_json;
use super::{Action, Data, Publish, Step};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StepRepr {
    #[serde(default)]
    after_ms: u64,
    #[serde(default = "publish_name")]
    action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    headers: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    times: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    every_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    down_ms: Option<u64>,
}

fn publish_name() -> String {
    "publish".to_string()
}

impl StepRepr {
    fn blank(after_ms: u64, action: &str) -> Self {
        Self {
            after_ms,
            action: action.to_string(),
            event: None,
            id: None,
            data: None,
            code: None,
            headers: None,
            body: None,
            location: None,
            content_type: None,
            text: None,
            times: None,
            seq: None,
            every_ms: None,
            down_ms: None,
        }
    }

    /// The optional fields that are present, by JSON name.
    fn present(&self) -> Vec<&'static str> {
        let fields = [
            ("event", self.event.is_some()),
            ("id", self.id.is_some()),
            ("data", self.data.is_some()),
            ("code", self.code.is_some()),
            ("headers", self.headers.is_some()),
            ("body", self.body.is_some()),
            ("location", self.location.is_some()),
            ("content_type", self.content_type.is_some()),
            ("text", self.text.is_some()),
            ("times", self.times.is_some()),
            ("seq", self.seq.is_some()),
            ("every_ms", self.every_ms.is_some()),
            ("down_ms", self.down_ms.is_some()),
        ];
        fields.into_iter().filter(|(_, present)| *present).map(|(name, _)| name).collect()
    }
}

/// The fields each action may carry.
fn allowed(action: &str) -> Option<&'static [&'static str]> {
    Some(match action {
        "publish" => &["event", "id", "data"],
        "drop" | "drop_mid_event" | "close" | "stall" | "hang" | "close_immediately" => &[],
        "restart" => &["down_ms"],
        "raw" => &["text", "times"],
        "resend" => &["seq"],
        "status" => &["code", "headers", "body"],
        "redirect" => &["code", "location"],
        "wrong_content_type" => &["content_type"],
        "keepalive" => &["every_ms"],
        _ => return None,
    })
}

fn required<T>(value: Option<T>, action: &str, field: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("action `{action}` needs `{field}`"))
}

impl TryFrom<StepRepr> for Step {
    type Error = String;

    fn try_from(r: StepRepr) -> Result<Self, String> {
        let action = r.action.as_str();
        let allowed = allowed(action).ok_or_else(|| format!("unknown action `{action}`"))?;
        if let Some(extra) = r.present().into_iter().find(|f| !allowed.contains(f)) {
            return Err(format!("`{extra}` does not apply to action `{action}`"));
        }
        let action = match action {
            "publish" => Action::Publish(Publish {
                event: r.event,
                id: r.id,
                data: data_from_raw(&required(r.data, action, "data")?)?,
            }),
            "drop" => Action::Drop,
            "drop_mid_event" => Action::DropMidEvent,
            "close" => Action::Close,
            "stall" => Action::Stall,
            "hang" => Action::Hang,
            "close_immediately" => Action::CloseImmediately,
            "restart" => Action::Restart { down_ms: r.down_ms.unwrap_or(0) },
            "raw" => {
                Action::Raw { text: required(r.text, action, "text")?, times: r.times.unwrap_or(1) }
            }
            "resend" => Action::Resend { seq: required(r.seq, action, "seq")? },
            "status" => Action::Status {
                code: required(r.code, action, "code")?,
                headers: r.headers.unwrap_or_default().into_iter().collect(),
                body: r.body.unwrap_or_default(),
            },
            "redirect" => Action::Redirect {
                code: r.code.unwrap_or(307),
                location: required(r.location, action, "location")?,
            },
            "wrong_content_type" => Action::WrongContentType {
                content_type: r.content_type.unwrap_or_else(|| "application/json".to_string()),
            },
            "keepalive" => Action::Keepalive { every_ms: r.every_ms.filter(|ms| *ms > 0) },
            _ => return Err(format!("unknown action `{action}`")),
        };
        Ok(Step { after_ms: r.after_ms, action })
    }
}

impl From<Step> for StepRepr {
    fn from(step: Step) -> Self {
        let mut r = StepRepr::blank(step.after_ms, step.action.name());
        match step.action {
            Action::Publish(p) => {
                r.event = p.event;
                r.id = p.id;
                r.data = Some(data_to_raw(&p.data));
            }
            Action::Drop
            | Action::DropMidEvent
            | Action::Close
            | Action::Stall
            | Action::Hang
            | Action::CloseImmediately => {}
            Action::Restart { down_ms } => r.down_ms = (down_ms > 0).then_some(down_ms),
            Action::Raw { text, times } => {
                r.text = Some(text);
                r.times = (times != 1).then_some(times);
            }
            Action::Resend { seq } => r.seq = Some(seq),
            Action::Status { code, headers, body } => {
                r.code = Some(code);
                r.headers = (!headers.is_empty()).then(|| headers.into_iter().collect());
                r.body = (!body.is_empty()).then_some(body);
            }
            Action::Redirect { code, location } => {
                r.code = Some(code);
                r.location = Some(location);
            }
            Action::WrongContentType { content_type } => r.content_type = Some(content_type),
            Action::Keepalive { every_ms } => r.every_ms = Some(every_ms.unwrap_or(0)),
        }
        r
    }
}

/// A JSON string is text as is; any other JSON value is kept as compact JSON text.
fn data_from_raw(raw: &RawValue) -> Result<Data, String> {
    let text = raw.get();
    if text.starts_with('"') {
        serde_json::from_str::<String>(text).map(Data::Text).map_err(|e| e.to_string())
    } else {
        Ok(Data::Json(minify_json(text)))
    }
}

fn data_to_raw(data: &Data) -> Box<RawValue> {
    let text = match data {
        Data::Text(text) => serde_json::Value::from(text.as_str()).to_string(),
        Data::Json(json) => json.clone(),
    };
    RawValue::from_string(text.clone()).unwrap_or_else(|_| {
        // Not valid JSON after all: keep it, as a string.
        let quoted = serde_json::Value::from(text).to_string();
        RawValue::from_string(quoted).unwrap_or_else(|_| Box::<RawValue>::default())
    })
}
