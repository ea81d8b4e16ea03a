//! [`ServerEvent`]: one event of the server's log, before it is put on the wire.

/// One Server-Sent Event as the test server publishes it.
///
/// `id: None` asks the server to assign the event's sequence number as its id (`"1"`, `"2"`, …);
/// [`TestServer::history`](crate::TestServer::history) returns events with the id they were sent
/// with. `event: None` leaves the SSE event name out (clients see `message`). `data` may hold
/// several lines; each becomes its own `data:` line on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ServerEvent {
    /// The SSE `id:` field; `None` = assigned by the server from the sequence number.
    pub id: Option<String>,
    /// The SSE `event:` field; `None` = no field (the client's default, `message`).
    pub event: Option<String>,
    /// The payload; split on line breaks into `data:` lines.
    pub data: String,
}

impl ServerEvent {
    /// An event with this payload, no name and a server-assigned id.
    pub fn data(data: impl Into<String>) -> Self {
        Self { id: None, event: None, data: data.into() }
    }

    /// An event whose payload is `value` serialized as compact JSON.
    pub fn json(value: &serde_json::Value) -> Self {
        Self::data(value.to_string())
    }

    /// Sets the SSE event name.
    #[must_use]
    pub fn with_event(mut self, event: impl Into<String>) -> Self {
        self.event = Some(event.into());
        self
    }

    /// Sets the SSE id (instead of the server-assigned sequence number).
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_set_fields() {
        let ev = ServerEvent::data("x").with_event("e").with_id("7");
        assert_eq!(ev.id.as_deref(), Some("7"));
        assert_eq!(ev.event.as_deref(), Some("e"));
        assert_eq!(ev.data, "x");
        let ev = ServerEvent::json(&serde_json::json!({"a": 1}));
        assert_eq!(ev.data, r#"{"a":1}"#);
    }
}
