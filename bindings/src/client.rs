//! `TetherClient`: the exported object over `tether_core::SyncClient`. Each method forwards to
//! the core; watchers forward a core stream to a foreign listener (`task.rs`).

use crate::error::TetherError;
use crate::listeners::{EntityListener, ListListener, SignalListener, StateListener};
use crate::shared;
use crate::task::{self, Gate, TaskHandle};
use crate::token::TokenAdapter;
use crate::types::{
    AppState, ClientConfig, ConnectionMetrics, ConnectionState, HydrateReport, ListItem,
    NetworkState, SyncStats,
};
use serde::Deserialize;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tether_core::{
    ConnectionConfig, DedupConfig, EntityKey, ListView, ParserLimits, Router, Storage,
    Subscription, SyncClient, SyncConfig, Version,
};

/// A live, persisted, deduplicated cache of server state, fed by one SSE connection.
#[derive(Debug, uniffi::Object)]
pub struct TetherClient {
    inner: SyncClient,
    runtime: tokio::runtime::Handle,
    /// Data watchers (lists, entities), stopped by `close`.
    watchers: Mutex<Vec<Weak<Gate>>>,
    closed: AtomicBool,
    /// What a second open of the same `instance_name` must match.
    url: shared::Url,
}

/// One entity in `hydrate`'s JSON array.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HydrateEntity {
    id: String,
    value: serde_json::Value,
    #[serde(default)]
    version: Option<i64>,
}

#[uniffi::export]
impl TetherClient {
    /// Validates the configuration and rules, opens the cache (a cold start shows the stored
    /// state at once) and starts connecting.
    ///
    /// With `instance_name` set and an open instance of that name in the process, returns
    /// that instance instead (see `ClientConfig.instance_name`).
    #[uniffi::constructor]
    pub fn open(config: ClientConfig) -> Result<Arc<Self>, TetherError> {
        match config.instance_name.clone() {
            Some(name) => shared::open_named(name, config, Self::open_new),
            None => Self::open_new(config),
        }
    }

    /// Closes the connection, writes what is pending and stops every list and entity watcher:
    /// once it returns, no list or entity listener is called again. State watchers see
    /// `Closed` and end. Idempotent.
    ///
    /// Exported as `shutdown`: in Kotlin `close()` is `AutoCloseable`'s, which frees the object
    /// (and so also shuts down); `shutdown` keeps it readable (`state()`, `get`).
    #[uniffi::method(name = "shutdown")]
    pub fn close(&self) {
        self.closed.store(true, SeqCst);
        self.inner.close();
        let watchers = std::mem::take(&mut *self.lock_watchers());
        for gate in watchers.iter().filter_map(Weak::upgrade) {
            gate.cancel();
        }
    }

    pub fn set_app_state(&self, state: AppState) {
        self.inner.connection().set_app_state(state.into());
    }

    pub fn set_network(&self, state: NetworkState) {
        self.inner.connection().set_network(state.into());
    }

    /// Drops the current stream (or attempt) and reconnects at once, resuming with
    /// `Last-Event-ID`.
    pub fn restart(&self) {
        self.inner.connection().restart();
    }

    /// The connection's counters now.
    pub fn metrics(&self) -> ConnectionMetrics {
        self.inner.connection().metrics().into()
    }

    /// The resume point now (`""` before any event id).
    pub fn last_event_id(&self) -> String {
        self.inner.connection().last_event_id()
    }

    /// The connection state now.
    pub fn state(&self) -> ConnectionState {
        self.inner.connection().state().into()
    }

    /// The state now, then every transition; ends after `Closed` or `Failed`.
    pub fn watch_state(&self, listener: Arc<dyn StateListener>) -> Arc<TaskHandle> {
        let mut states = self.inner.connection().states();
        let gate = task::spawn(&self.runtime, move |gate| async move {
            while let Some(state) = states.next().await {
                let state: ConnectionState = state.into();
                if !gate.deliver(|| listener.on_state(state)) {
                    break;
                }
            }
        });
        Arc::new(TaskHandle::new(gate))
    }

    /// The list now, then one update per batch that changes it. `view_json`: the core's
    /// `ListView` JSON (`{"kind", "filter"?, "sort"?, "limit"?}`).
    pub fn watch_list(
        &self,
        view_json: String,
        listener: Arc<dyn ListListener>,
    ) -> Result<Arc<TaskHandle>, TetherError> {
        let view: ListView = serde_json::from_str(&view_json)?;
        self.ensure_open()?;
        let updates = self.inner.watch_list(view);
        Ok(self.forward(updates, move |update| listener.on_update(update.into())))
    }

    /// The entity now (`json` is `None` if absent), then one update per batch that changes it.
    pub fn watch_entity(
        &self,
        kind: String,
        id: String,
        listener: Arc<dyn EntityListener>,
    ) -> Result<Arc<TaskHandle>, TetherError> {
        self.ensure_open()?;
        let updates = self.inner.watch_entity(EntityKey::new(kind, id));
        Ok(self.forward(updates, move |update| listener.on_update(update.into())))
    }

    /// Signals for the host (resync, discontinuity, unmatched events, errors), from now on.
    pub fn watch_signals(
        &self,
        listener: Arc<dyn SignalListener>,
    ) -> Result<Arc<TaskHandle>, TetherError> {
        self.ensure_open()?;
        let signals = self.inner.signals();
        Ok(self.forward(signals, move |signal| listener.on_signal(signal.into())))
    }

    /// The list now (`view_json` as for `watch_list`), read at once: what a screen shows on its
    /// first frame, before the watcher's first delivery arrives.
    pub fn list(&self, view_json: String) -> Result<Vec<ListItem>, TetherError> {
        let view: ListView = serde_json::from_str(&view_json)?;
        Ok(self.inner.list(&view).into_iter().map(ListItem::from).collect())
    }

    /// The entity now, as JSON.
    pub fn get(&self, kind: String, id: String) -> Option<String> {
        self.inner.get(&EntityKey::new(kind, id)).map(|v| v.to_string())
    }

    /// Seeds or refreshes `kind` from the host's own fetch, under the version guard.
    /// `entities_json`: `[{"id": "…", "value": {…}, "version": 123?}]`.
    pub fn hydrate(
        &self,
        kind: String,
        entities_json: String,
    ) -> Result<HydrateReport, TetherError> {
        let entities: Vec<HydrateEntity> = serde_json::from_str(&entities_json)?;
        let entities =
            entities.into_iter().map(|e| (e.id, e.value, e.version.map(Version))).collect();
        Ok(self.inner.hydrate(&kind, entities).into())
    }

    /// Logout: wipes the cache, dedup ids, resume point and the file's contents.
    pub fn clear(&self) -> Result<(), TetherError> {
        Ok(self.inner.clear()?)
    }

    /// Counters since open.
    pub fn stats(&self) -> SyncStats {
        self.inner.stats().into()
    }
}

impl TetherClient {
    /// Opens a new client (`open` without the name lookup).
    fn open_new(config: ClientConfig) -> Result<Arc<Self>, TetherError> {
        let runtime = crate::runtime::handle()
            .map_err(|e| TetherError::from(tether_core::ConfigError::Runtime(e)))?;
        let ms = Duration::from_millis;
        let url = config.url.clone();
        let mut builder = ConnectionConfig::builder(config.url)
            .runtime(runtime.clone())
            .follow_process_signals(config.follow_process_signals);
        for (name, value) in config.headers {
            builder = builder.header(name, value);
        }
        if let Some(provider) = config.token_provider {
            builder = builder.token_provider(Arc::new(TokenAdapter(provider)));
        }
        if let Some(method) = config.method {
            builder = builder.method(method);
        }
        if let Some(body) = config.body {
            builder = builder.body(body);
        }
        if let Some(v) = config.jitter {
            builder = builder.jitter(v);
        }
        if let Some(v) = config.backoff_reset_after_ms {
            builder = builder.backoff_reset_after(ms(v));
        }
        if let Some(v) = config.max_retry_after_ms {
            builder = builder.max_retry_after(ms(v));
        }
        if let Some(v) = config.response_timeout_ms {
            builder = builder.response_timeout(ms(v));
        }
        if let Some(v) = config.max_redirects {
            builder = builder.max_redirects(v as usize);
        }
        if let Some(v) = config.watchdog_ms {
            builder = builder.watchdog(Some(ms(v)));
        }
        if let Some(v) = config.initial_retry_ms {
            builder = builder.initial_retry_delay(ms(v));
        }
        if let Some(v) = config.max_retry_ms {
            builder = builder.max_retry_delay(ms(v));
        }
        builder = builder.max_reconnect_attempts(config.max_reconnect_attempts);
        if let Some(v) = config.background_grace_ms {
            builder = builder.background_grace(ms(v));
        }
        if let Some(id) = config.last_event_id {
            builder = builder.last_event_id(id);
        }
        if config.max_line_bytes.is_some() || config.max_event_bytes.is_some() {
            let default = ParserLimits::default();
            builder = builder.parser_limits(ParserLimits {
                max_line_bytes: size(config.max_line_bytes, default.max_line_bytes),
                max_event_bytes: size(config.max_event_bytes, default.max_event_bytes),
            });
        }
        let connection = builder.build()?;
        let router = Router::from_json(&config.rules_json)?;
        let mut sync = SyncConfig::new(connection, router)
            .recover_unreadable_storage(config.recover_unreadable_storage);
        if let Some(path) = config.sqlite_path {
            sync = sync.storage(Storage::File(path.into()));
        }
        if let Some(name) = config.stream_name {
            sync = sync.stream_name(name);
        }
        if let Some(v) = config.batch_window_ms {
            sync = sync.batch_window(ms(v));
        }
        if let Some(capacity) = config.dedup_id_capacity {
            let default = DedupConfig::default();
            sync = sync.dedup(DedupConfig {
                id_capacity: size(Some(capacity), default.id_capacity),
                ..default
            });
        }
        let inner = SyncClient::open(sync)?;
        Ok(Arc::new(Self {
            inner,
            url: shared::Url(url),
            runtime,
            watchers: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        }))
    }

    pub(crate) fn url(&self) -> &str {
        &self.url.0
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(SeqCst)
    }

    fn ensure_open(&self) -> Result<(), TetherError> {
        if self.closed.load(SeqCst) {
            Err(TetherError::Closed)
        } else {
            Ok(())
        }
    }

    /// Hands every item of `subscription` to `deliver` on the runtime until the handle is
    /// cancelled or the subscription ends (the watch_* methods differ only in what they deliver).
    fn forward<T, D>(&self, mut subscription: Subscription<T>, deliver: D) -> Arc<TaskHandle>
    where
        T: Send + 'static,
        D: Fn(T) -> Result<(), TetherError> + Send + Sync + 'static,
    {
        let gate = task::spawn(&self.runtime, move |gate| async move {
            while let Some(item) = subscription.recv().await {
                if !gate.deliver(|| deliver(item)) {
                    break;
                }
            }
        });
        self.track(gate)
    }

    fn track(&self, gate: Arc<Gate>) -> Arc<TaskHandle> {
        let mut watchers = self.lock_watchers();
        watchers.retain(|w| w.upgrade().is_some_and(|g| !g.is_cancelled()));
        watchers.push(Arc::downgrade(&gate));
        drop(watchers);
        // A close that raced with this call still stops the watcher.
        if self.closed.load(SeqCst) {
            gate.cancel();
        }
        Arc::new(TaskHandle::new(gate))
    }

    fn lock_watchers(&self) -> std::sync::MutexGuard<'_, Vec<Weak<Gate>>> {
        self.watchers.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A size from the FFI's `u64`, saturating on 32-bit targets.
fn size(value: Option<u64>, default: usize) -> usize {
    value.map_or(default, |v| usize::try_from(v).unwrap_or(usize::MAX))
}

impl Drop for TetherClient {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::shared_client;
    use crate::types::ListUpdate;
    use std::sync::mpsc;

    const RULES: &str = r#"{"version": 1, "rules": []}"#;

    fn config(url: &str, rules: &str) -> ClientConfig {
        ClientConfig {
            url: url.into(),
            headers: Default::default(),
            rules_json: rules.into(),
            token_provider: None,
            sqlite_path: None,
            recover_unreadable_storage: false,
            stream_name: None,
            batch_window_ms: None,
            watchdog_ms: None,
            initial_retry_ms: None,
            max_retry_ms: None,
            max_reconnect_attempts: None,
            background_grace_ms: None,
            last_event_id: None,
            max_line_bytes: None,
            max_event_bytes: None,
            dedup_id_capacity: None,
            method: None,
            body: None,
            jitter: None,
            backoff_reset_after_ms: None,
            max_retry_after_ms: None,
            response_timeout_ms: None,
            max_redirects: None,
            // The process-wide signals are global: unit tests running in parallel must not
            // see each other's (the Kotlin suite and core/tests/process.rs cover them).
            follow_process_signals: false,
            instance_name: None,
        }
    }

    /// Nothing listens on port 1: the client retries in the background; the cache works.
    fn offline_client() -> Arc<TetherClient> {
        TetherClient::open(config("http://127.0.0.1:1/events", RULES)).expect("valid")
    }

    /// Panics on the first update, then forwards.
    struct Panicky(Mutex<bool>, mpsc::Sender<ListUpdate>);
    impl ListListener for Panicky {
        fn on_update(&self, update: ListUpdate) -> Result<(), TetherError> {
            let first = std::mem::replace(&mut *self.0.lock().expect("lock"), false);
            assert!(!first, "listener panics on its first update");
            self.1.send(update).map_err(|e| TetherError::Internal { reason: e.to_string() })
        }
    }

    #[test]
    fn one_instance_per_name_until_it_is_shut_down() {
        let named = |url: &str| {
            let mut c = config(url, RULES);
            c.instance_name = Some("unit-test-shared".into());
            c
        };
        assert!(shared_client("unit-test-shared".into()).is_none());
        let first = TetherClient::open(named("http://127.0.0.1:1/a")).expect("first");
        let second = TetherClient::open(named("http://127.0.0.1:1/a")).expect("second");
        assert!(Arc::ptr_eq(&first, &second), "the same name opens the same instance");
        let found = shared_client("unit-test-shared".into()).expect("registered");
        assert!(Arc::ptr_eq(&first, &found));
        let other_url = TetherClient::open(named("http://127.0.0.1:1/b")).expect_err("refused");
        assert!(matches!(other_url, TetherError::Config { .. }), "{other_url:?}");
        let unnamed = offline_client();
        assert!(!Arc::ptr_eq(&first, &unnamed), "no name, no sharing");

        first.close();
        assert!(shared_client("unit-test-shared".into()).is_none(), "closed is not shared");
        let reopened = TetherClient::open(named("http://127.0.0.1:1/b")).expect("reopened");
        assert!(!Arc::ptr_eq(&first, &reopened));
        reopened.close();
        unnamed.close();
    }

    #[test]
    fn open_maps_errors() {
        let err = |c| TetherClient::open(c).expect_err("refused");
        assert!(matches!(err(config("not a url", RULES)), TetherError::Config { .. }));
        assert!(matches!(err(config("ftp://x/", RULES)), TetherError::Config { .. }));
        assert!(matches!(err(config("http://x/", "{")), TetherError::Rules { .. }));
        let mut bad_header = config("http://x/", RULES);
        bad_header.headers.insert("bad name".into(), "v".into());
        assert!(matches!(err(bad_header), TetherError::Config { .. }));
        let mut dir = config("http://x/", RULES);
        dir.sqlite_path = Some("/nonexistent-dir/x/y.db".into());
        assert!(matches!(err(dir), TetherError::Storage { .. }));
    }

    #[test]
    fn the_other_options_reach_the_core_and_are_validated() {
        let err = |c| TetherClient::open(c).expect_err("refused");
        let mut zero_line = config("http://x/", RULES);
        zero_line.max_line_bytes = Some(0);
        assert!(matches!(err(zero_line), TetherError::Config { .. }));
        let mut retry = config("http://x/", RULES);
        (retry.initial_retry_ms, retry.max_retry_ms) = (Some(5_000), Some(1_000));
        assert!(matches!(err(retry), TetherError::Config { .. }));
        let mut id = config("http://x/", RULES);
        id.last_event_id = Some("1\r\nX-Evil: 1".into());
        assert!(matches!(err(id), TetherError::Config { .. }));
        let mut jitter = config("http://x/", RULES);
        jitter.jitter = Some(1.5);
        assert!(matches!(err(jitter), TetherError::Config { .. }));
        let mut method = config("http://x/", RULES);
        method.method = Some("NOT A METHOD".into());
        assert!(matches!(err(method), TetherError::Config { .. }));
        let mut all = config("http://127.0.0.1:1/events", RULES);
        all.method = Some("POST".into());
        all.body = Some(r#"{"topics":["sessions"]}"#.into());
        all.jitter = Some(0.0);
        all.backoff_reset_after_ms = Some(5_000);
        all.max_retry_after_ms = Some(60_000);
        all.response_timeout_ms = Some(2_000);
        all.max_redirects = Some(0);
        all.max_retry_ms = Some(2_000);
        all.max_reconnect_attempts = Some(3);
        all.background_grace_ms = Some(0);
        all.last_event_id = Some("evt-9".into());
        all.max_event_bytes = Some(4096);
        all.dedup_id_capacity = Some(10);
        all.stream_name = Some("s".into());
        let client = TetherClient::open(all).expect("valid");
        assert_eq!(client.last_event_id(), "evt-9");
        assert_eq!(client.metrics().connects, 0);
    }

    #[test]
    fn a_corrupt_cache_file_is_storage_unless_recovery_is_asked() {
        let path =
            std::env::temp_dir().join(format!("tether-ffi-corrupt-{}.db", std::process::id()));
        std::fs::write(&path, vec![0x5a_u8; 8192]).expect("write");
        let mut corrupt = config("http://127.0.0.1:1/events", RULES);
        corrupt.sqlite_path = Some(path.to_string_lossy().into_owned());
        let refused = TetherClient::open(corrupt.clone()).expect_err("corrupt");
        assert!(matches!(refused, TetherError::Storage { .. }), "{refused:?}");
        corrupt.recover_unreadable_storage = true;
        let client = TetherClient::open(corrupt).expect("recovered");
        client.close();
        drop(client);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_panicking_list_listener_keeps_its_watcher() {
        let client = offline_client();
        let (tx, rx) = mpsc::channel();
        let handle = client
            .watch_list(r#"{"kind": "session"}"#.into(), Arc::new(Panicky(Mutex::new(true), tx)))
            .expect("watch");
        // The first update (the empty list) panicked inside the listener; the next arrives.
        let report = client
            .hydrate("session".into(), r#"[{"id": "a", "value": {"n": 1}, "version": 2}]"#.into())
            .expect("hydrate");
        assert_eq!(report.applied, 1);
        let update = rx.recv_timeout(Duration::from_secs(5)).expect("delivered after the panic");
        assert_eq!(update.added, vec!["a".to_string()]);
        assert_eq!(update.items[0].json, r#"{"n":1}"#);
        assert_eq!(client.get("session".into(), "a".into()).as_deref(), Some(r#"{"n":1}"#));
        handle.cancel();
    }

    #[test]
    fn close_stops_watchers_and_refuses_new_ones() {
        let client = offline_client();
        let (tx, rx) = mpsc::channel();
        let handle = client
            .watch_list(r#"{"kind": "session"}"#.into(), Arc::new(Panicky(Mutex::new(false), tx)))
            .expect("watch");
        assert!(rx.recv_timeout(Duration::from_secs(5)).expect("first value").items.is_empty());
        client.close();
        assert!(handle.is_cancelled());
        client.hydrate("session".into(), r#"[{"id": "b", "value": {}}]"#.into()).expect("ok");
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err(), "nothing after close");
        assert!(matches!(client.state(), ConnectionState::Closed { .. }));
        let (tx, _rx) = mpsc::channel();
        let again =
            client.watch_list(r#"{"kind": "x"}"#.into(), Arc::new(Panicky(Mutex::new(false), tx)));
        assert_eq!(again.err(), Some(TetherError::Closed));
    }

    #[test]
    fn bad_view_and_hydrate_json_are_config_errors() {
        let client = offline_client();
        let (tx, _rx) = mpsc::channel();
        let listener = Arc::new(Panicky(Mutex::new(false), tx));
        let bad_view = client.watch_list(r#"{"kind": "s", "sortt": []}"#.into(), listener);
        assert!(matches!(bad_view.err(), Some(TetherError::Config { .. })));
        let bad = client.hydrate("s".into(), r#"{"id": "a"}"#.into());
        assert!(matches!(bad, Err(TetherError::Config { .. })));
        let bad_list = client.list(r#"{"kind": "s", "sortt": []}"#.into());
        assert!(matches!(bad_list, Err(TetherError::Config { .. })));
    }

    #[test]
    fn list_reads_the_view_now_in_its_order() {
        let client = offline_client();
        let view = r#"{"kind": "s", "sort": [{"path": "/n"}]}"#;
        assert_eq!(client.list(view.into()).expect("empty"), vec![]);
        let entities = r#"[{"id": "b", "value": {"n": 2}}, {"id": "a", "value": {"n": 1}}]"#;
        client.hydrate("s".into(), entities.into()).expect("hydrate");
        let items = client.list(view.into()).expect("list");
        let got: Vec<(&str, &str)> =
            items.iter().map(|i| (i.id.as_str(), i.json.as_str())).collect();
        assert_eq!(got, [("a", r#"{"n":1}"#), ("b", r#"{"n":2}"#)]);
        client.close();
        assert_eq!(client.list(view.into()).expect("readable after close").len(), 2);
    }
}
