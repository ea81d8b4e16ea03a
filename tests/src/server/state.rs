//! The server's bookkeeping behind one lock: the event log, plans, records and stream queues.
//! Everything here is synchronous; the async parts only ever hold the lock briefly.

use crate::event::ServerEvent;
use crate::http::RecordedRequest;
use crate::options::{ReplayPolicy, ServerOptions};
use crate::plan::ResponsePlan;
use crate::stream::StreamCmd;
use crate::wire;
use bytes::Bytes;
use std::collections::{BTreeMap, VecDeque};
use tokio::sync::mpsc;

/// One event of the log with its wire encoding (encoded once, shared by every stream).
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) seq: u64,
    pub(crate) event: ServerEvent,
    pub(crate) wire: Bytes,
}

/// How a published event gets its `id:` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdMode {
    /// The event's own id, or the sequence number when it has none.
    AssignIfMissing,
    /// No `id:` line at all.
    Omit,
}

/// Mutable server state.
#[derive(Debug, Default)]
pub(crate) struct State {
    history: VecDeque<Entry>,
    last_seq: u64,
    plans: VecDeque<ResponsePlan>,
    requests: VecDeque<RecordedRequest>,
    pub(crate) requests_total: usize,
    /// Streams that receive publishes.
    live: BTreeMap<u64, mpsc::UnboundedSender<StreamCmd>>,
    /// Stalled streams: sockets open, nothing written; only a drop or a restart reaches them.
    stalled: BTreeMap<u64, mpsc::UnboundedSender<StreamCmd>>,
    next_stream: u64,
    pub(crate) closed_streams: usize,
    pub(crate) connections: usize,
    pub(crate) bad_requests: usize,
}

impl State {
    /// Appends an event built from its sequence number and queues it on every live stream.
    pub(crate) fn publish(
        &mut self,
        build: impl FnOnce(u64) -> ServerEvent,
        ids: IdMode,
        limit: Option<usize>,
    ) -> (u64, Bytes) {
        self.last_seq += 1;
        let seq = self.last_seq;
        let mut event = build(seq);
        match ids {
            IdMode::AssignIfMissing => {
                event.id.get_or_insert_with(|| seq.to_string());
            }
            IdMode::Omit => event.id = None,
        }
        let wire = wire::encode_event(&event);
        self.history.push_back(Entry { seq, event, wire: wire.clone() });
        if let Some(limit) = limit {
            while self.history.len() > limit {
                self.history.pop_front();
            }
        }
        (seq, wire)
    }

    pub(crate) fn history(&self) -> Vec<(u64, ServerEvent)> {
        self.history.iter().map(|e| (e.seq, e.event.clone())).collect()
    }

    pub(crate) fn history_len(&self) -> usize {
        self.history.len()
    }

    /// The wire bytes of event `seq`, if it is still in the log.
    pub(crate) fn wire_of(&self, seq: u64) -> Option<Bytes> {
        self.history.iter().find(|e| e.seq == seq).map(|e| e.wire.clone())
    }

    /// The wire bytes of the newest event, if any.
    pub(crate) fn last_wire(&self) -> Option<Bytes> {
        self.history.back().map(|e| e.wire.clone())
    }

    /// Queues `make()` on every live stream.
    pub(crate) fn to_live(&self, make: impl Fn() -> StreamCmd) {
        for tx in self.live.values() {
            let _ = tx.send(make()); // a closed queue: its stream is ending and will unregister
        }
    }

    /// Queues `make()` on every live stream and forgets them: they will not get more publishes.
    pub(crate) fn detach_live(&mut self, make: impl Fn() -> StreamCmd) {
        for (_, tx) in std::mem::take(&mut self.live) {
            let _ = tx.send(make());
        }
    }

    /// Moves every live stream to the stalled set.
    pub(crate) fn stall_live(&mut self) {
        for (id, tx) in std::mem::take(&mut self.live) {
            let _ = tx.send(StreamCmd::Stall);
            self.stalled.insert(id, tx);
        }
    }

    /// Drops every stream, live and stalled.
    pub(crate) fn drop_all(&mut self) {
        self.detach_live(|| StreamCmd::Drop);
        for (_, tx) in std::mem::take(&mut self.stalled) {
            let _ = tx.send(StreamCmd::Drop);
        }
    }

    pub(crate) fn open_streams(&self) -> usize {
        self.live.len()
    }

    /// Records a request and takes the plan that answers it.
    pub(crate) fn record(
        &mut self,
        request: RecordedRequest,
        options: &ServerOptions,
    ) -> ResponsePlan {
        self.requests.push_back(request);
        self.requests_total += 1;
        if let Some(limit) = options.request_log_limit {
            while self.requests.len() > limit {
                self.requests.pop_front();
            }
        }
        self.plans.pop_front().unwrap_or_else(|| ResponsePlan::Stream(options.stream.clone()))
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.iter().cloned().collect()
    }

    pub(crate) fn enqueue(&mut self, plan: ResponsePlan) {
        self.plans.push_back(plan);
    }

    /// Registers a live stream and queues its replay: the events after `last_event_id` when
    /// that id is in the log (its newest occurrence), otherwise what `policy` says.
    pub(crate) fn open_stream(
        &mut self,
        last_event_id: Option<&[u8]>,
        policy: ReplayPolicy,
    ) -> (u64, mpsc::UnboundedReceiver<StreamCmd>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let resume = last_event_id.and_then(|wanted| {
            self.history
                .iter()
                .rposition(|e| e.event.id.as_deref().map(str::as_bytes) == Some(wanted))
        });
        let start = match (resume, policy) {
            (Some(found), _) => found + 1,
            (None, ReplayPolicy::All) => 0,
            (None, ReplayPolicy::None) => self.history.len(),
        };
        for entry in self.history.range(start..) {
            let _ = tx.send(StreamCmd::Event(entry.wire.clone()));
        }
        self.next_stream += 1;
        let id = self.next_stream;
        self.live.insert(id, tx);
        (id, rx)
    }

    /// Forgets a stream whose socket closed.
    pub(crate) fn close_stream(&mut self, id: u64) {
        self.live.remove(&id);
        self.stalled.remove(&id);
        self.closed_streams += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(rx: &mut mpsc::UnboundedReceiver<StreamCmd>) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(cmd) = rx.try_recv() {
            if let StreamCmd::Event(b) = cmd {
                out.push(String::from_utf8_lossy(&b).into_owned());
            }
        }
        out
    }

    fn publish(state: &mut State, data: &str) -> u64 {
        state.publish(|_| ServerEvent::data(data), IdMode::AssignIfMissing, None).0
    }

    #[test]
    fn ids_are_assigned_from_the_sequence() {
        let mut s = State::default();
        assert_eq!(publish(&mut s, "a"), 1);
        s.publish(|_| ServerEvent::data("b").with_id("x"), IdMode::AssignIfMissing, None);
        s.publish(|_| ServerEvent::data("c").with_id("y"), IdMode::Omit, None);
        let ids: Vec<_> = s.history().into_iter().map(|(_, e)| e.id).collect();
        assert_eq!(ids, vec![Some("1".into()), Some("x".into()), None]);
    }

    #[test]
    fn replay_follows_last_event_id_then_policy() {
        let mut s = State::default();
        for d in ["a", "b", "c"] {
            publish(&mut s, d);
        }
        let (_, mut rx) = s.open_stream(Some(b"1"), ReplayPolicy::None);
        assert_eq!(drain(&mut rx), vec!["id: 2\ndata: b\n\n", "id: 3\ndata: c\n\n"]);
        let (_, mut rx) = s.open_stream(Some(b"nope"), ReplayPolicy::All);
        assert_eq!(drain(&mut rx).len(), 3);
        let (_, mut rx) = s.open_stream(None, ReplayPolicy::None);
        assert!(drain(&mut rx).is_empty());
        let (_, mut rx) = s.open_stream(Some(b"3"), ReplayPolicy::All);
        assert!(drain(&mut rx).is_empty());
    }

    #[test]
    fn history_limit_evicts_and_evicted_ids_are_unknown() {
        let mut s = State::default();
        for d in ["a", "b", "c"] {
            s.publish(|_| ServerEvent::data(d), IdMode::AssignIfMissing, Some(2));
        }
        assert_eq!(s.history_len(), 2);
        let (_, mut rx) = s.open_stream(Some(b"1"), ReplayPolicy::None);
        assert!(drain(&mut rx).is_empty());
    }

    #[test]
    fn stalled_streams_skip_publishes_but_get_dropped() {
        let mut s = State::default();
        let (_, mut rx) = s.open_stream(None, ReplayPolicy::All);
        s.stall_live();
        assert_eq!(s.open_streams(), 0);
        publish(&mut s, "a");
        s.to_live(|| StreamCmd::Raw(Bytes::from_static(b"x")));
        assert!(matches!(rx.try_recv(), Ok(StreamCmd::Stall)));
        assert!(rx.try_recv().is_err());
        s.drop_all();
        assert!(matches!(rx.try_recv(), Ok(StreamCmd::Drop)));
    }
}
