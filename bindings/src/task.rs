//! `TaskHandle`: a watcher forwarding a core stream to a foreign listener. Cancelling (or
//! dropping, or the client's `close`) stops it; once `cancel()` returns, the listener is not
//! called again. A panic while delivering is caught here and logged: it never unwinds across
//! the FFI, and the watcher goes on.

use crate::error::TetherError;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::ThreadId;
use tokio::task::AbortHandle;

/// Delivery to one listener: the cancelled flag, and a lock held for each call so `cancel()`
/// can wait for a call under way.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    cancelled: AtomicBool,
    /// Held for the duration of each listener call.
    delivering: Mutex<()>,
    /// The thread making the current call, so a listener cancelling its own watcher from
    /// inside the call does not wait for itself.
    caller: Mutex<Option<ThreadId>>,
    abort: OnceLock<AbortHandle>,
}

impl Gate {
    /// Calls `deliver` unless cancelled; `false` means stop. A panic inside is caught and logged.
    pub(crate) fn deliver(&self, deliver: impl FnOnce() -> Result<(), TetherError>) -> bool {
        let _delivering = lock(&self.delivering);
        if self.cancelled.load(SeqCst) {
            return false;
        }
        *lock(&self.caller) = Some(std::thread::current().id());
        match catch_unwind(AssertUnwindSafe(deliver)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "listener failed"),
            Err(_) => tracing::error!("listener panicked; the panic was caught"),
        }
        *lock(&self.caller) = None;
        true
    }

    /// Stops delivery. Returns after any call under way on another thread has returned.
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, SeqCst);
        if let Some(abort) = self.abort.get() {
            abort.abort();
        }
        if *lock(&self.caller) != Some(std::thread::current().id()) {
            drop(lock(&self.delivering));
        }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(SeqCst)
    }

    fn set_abort(&self, abort: AbortHandle) {
        let _ = self.abort.set(abort);
        // A cancel that came before the handle was known still stops the task.
        if self.is_cancelled() {
            if let Some(abort) = self.abort.get() {
                abort.abort();
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Spawns `task` (given its gate) on `runtime` and returns its gate.
pub(crate) fn spawn<F, Fut>(runtime: &tokio::runtime::Handle, task: F) -> Arc<Gate>
where
    F: FnOnce(Arc<Gate>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let gate = Arc::new(Gate::default());
    let join = runtime.spawn(task(Arc::clone(&gate)));
    gate.set_abort(join.abort_handle());
    gate
}

/// A running watcher. `cancel()` (or dropping it) stops it; no listener call starts after
/// `cancel()` returns.
#[derive(Debug, uniffi::Object)]
pub struct TaskHandle {
    gate: Arc<Gate>,
}

impl TaskHandle {
    pub(crate) fn new(gate: Arc<Gate>) -> Self {
        Self { gate }
    }
}

#[uniffi::export]
impl TaskHandle {
    /// Stops the watcher. Idempotent.
    pub fn cancel(&self) {
        self.gate.cancel();
    }

    /// Whether `cancel()` was called (by the host or by the client's `close`).
    pub fn is_cancelled(&self) -> bool {
        self.gate.is_cancelled()
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.gate.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use tokio::sync::mpsc;

    fn runtime() -> tokio::runtime::Handle {
        crate::runtime::handle().expect("runtime")
    }

    /// A watcher over an mpsc channel, counting deliveries; the listener panics on value 1.
    fn watcher(
        rx: mpsc::UnboundedReceiver<u32>,
        seen: Arc<AtomicUsize>,
        done: mpsc::UnboundedSender<u32>,
    ) -> TaskHandle {
        let gate = spawn(&runtime(), move |gate| async move {
            let mut rx = rx;
            while let Some(v) = rx.recv().await {
                let (seen, done) = (Arc::clone(&seen), done.clone());
                let go_on = gate.deliver(move || {
                    seen.fetch_add(1, SeqCst);
                    let _ = done.send(v);
                    assert_ne!(v, 1, "listener panics on 1");
                    Ok(())
                });
                if !go_on {
                    break;
                }
            }
        });
        TaskHandle::new(gate)
    }

    #[test]
    fn a_panicking_listener_does_not_stop_the_watcher() {
        let (tx, rx) = mpsc::unbounded_channel();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        let seen = Arc::new(AtomicUsize::new(0));
        let handle = watcher(rx, Arc::clone(&seen), done_tx);
        for v in 0..3 {
            tx.send(v).expect("open");
        }
        let got: Vec<u32> = (0..3).map(|_| done_rx.blocking_recv().expect("delivered")).collect();
        assert_eq!(got, vec![0, 1, 2], "the value after the panic is still delivered");
        handle.cancel();
        assert!(handle.is_cancelled());
    }

    #[test]
    fn nothing_is_delivered_after_cancel_returns() {
        let (tx, rx) = mpsc::unbounded_channel();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        let seen = Arc::new(AtomicUsize::new(0));
        let handle = watcher(rx, Arc::clone(&seen), done_tx);
        tx.send(0).expect("open");
        assert_eq!(done_rx.blocking_recv(), Some(0));
        handle.cancel();
        let after = seen.load(SeqCst);
        for v in 2..100 {
            let _ = tx.send(v);
        }
        // The task was aborted: its receiver (and its `done` sender) are dropped.
        assert_eq!(done_rx.blocking_recv(), None);
        assert_eq!(seen.load(SeqCst), after);
    }

    #[test]
    fn dropping_the_handle_cancels() {
        let (tx, rx) = mpsc::unbounded_channel();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        drop(watcher(rx, Arc::new(AtomicUsize::new(0)), done_tx));
        assert_eq!(done_rx.blocking_recv(), None, "task ended");
        assert!(tx.send(5).is_err(), "receiver dropped with the task");
    }

    #[test]
    fn a_listener_may_cancel_itself_without_deadlock() {
        let (tx, rx) = mpsc::unbounded_channel::<u32>();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        let gate = spawn(&runtime(), move |gate| async move {
            let mut rx = rx;
            while let Some(v) = rx.recv().await {
                let inner = Arc::clone(&gate);
                let done = done_tx.clone();
                if !gate.deliver(move || {
                    inner.cancel();
                    let _ = done.send(v);
                    Ok(())
                }) {
                    break;
                }
            }
        });
        tx.send(7).expect("open");
        assert_eq!(done_rx.blocking_recv(), Some(7));
        assert_eq!(done_rx.blocking_recv(), None);
        assert!(gate.is_cancelled());
    }
}
