//! `TaskHandle`: a watcher forwarding a core stream to a foreign listener. Cancelling (or
//! dropping, or the client's `close`) stops it; once `cancel()` returns, the listener is not
//! called again (unless the host turned waiting off, see `set_wait_on_cancel`). A panic while delivering is caught here and logged: it never unwinds across
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
#[derive(Debug)]
pub(crate) struct Gate {
    cancelled: AtomicBool,
    /// Off for hosts whose listener calls run on the thread that cancels (JavaScript): there,
    /// waiting for a call under way would wait for the waiting thread itself.
    waits: AtomicBool,
    /// Held for the duration of each listener call.
    delivering: Mutex<()>,
    /// The thread making the current call, so a listener cancelling its own watcher from
    /// inside the call does not wait for itself.
    caller: Mutex<Option<ThreadId>>,
    abort: OnceLock<AbortHandle>,
}

impl Default for Gate {
    fn default() -> Self {
        Self {
            cancelled: AtomicBool::new(false),
            waits: AtomicBool::new(true),
            delivering: Mutex::new(()),
            caller: Mutex::new(None),
            abort: OnceLock::new(),
        }
    }
}

impl Gate {
    /// Calls `deliver` unless cancelled; `false` means stop. A panic inside is caught and logged.
    pub(crate) fn deliver(&self, deliver: impl FnOnce() -> Result<(), TetherError>) -> bool {
        let _delivering = lock(&self.delivering);
        if self.cancelled.load(SeqCst) {
            return false;
        }
        *lock(&self.caller) = Some(std::thread::current().id());
        match off_the_worker(|| catch_unwind(AssertUnwindSafe(deliver))) {
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
        if self.waits.load(SeqCst) && *lock(&self.caller) != Some(std::thread::current().id()) {
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

/// Runs a listener call so that it cannot stall the runtime: a call may block as long as the
/// host takes (JavaScript hosts run it on their one JS thread, which may be busy), and on a
/// runtime worker it would hold up the connection engine's tasks — e.g. closing the socket when
/// the app goes to the background. On the multi-thread runtime, `block_in_place` hands this
/// worker's other tasks to another thread for the duration of the call.
fn off_the_worker<R>(call: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(call)
        }
        _ => call(),
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

    /// `false`: `cancel()`, the client's `shutdown` and dropping the handle stop the watcher
    /// without waiting for a listener call under way. For JavaScript hosts, which run every
    /// listener call on their one JS thread while the core's thread waits for it: a cancel
    /// from that thread must not wait for that call. A call already under way may then
    /// still arrive after `cancel()` returns; the host drops it. Default `true`.
    pub fn set_wait_on_cancel(&self, wait: bool) {
        self.gate.waits.store(wait, SeqCst);
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

    /// A watcher whose listener blocks until `release` is sent, after telling `entered`.
    fn blocking_watcher(
        rx: mpsc::UnboundedReceiver<u32>,
        entered: std::sync::mpsc::Sender<u32>,
        release: std::sync::mpsc::Receiver<()>,
    ) -> TaskHandle {
        let release = Arc::new(Mutex::new(release));
        let gate = spawn(&runtime(), move |gate| async move {
            let mut rx = rx;
            while let Some(v) = rx.recv().await {
                let (entered, release) = (entered.clone(), Arc::clone(&release));
                let go_on = gate.deliver(move || {
                    let _ = entered.send(v);
                    let _ = lock(&release).recv();
                    Ok(())
                });
                if !go_on {
                    break;
                }
            }
        });
        TaskHandle::new(gate)
    }

    /// What JavaScript hosts need: the thread that would run the blocked call cancels, so
    /// cancel must not wait for it.
    #[test]
    fn without_waiting_cancel_returns_while_a_call_is_blocked() {
        let (tx, rx) = mpsc::unbounded_channel();
        let (entered_tx, entered_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel();
        let handle = blocking_watcher(rx, entered_tx, release_rx);
        handle.set_wait_on_cancel(false);
        tx.send(1).expect("open");
        assert_eq!(entered_rx.recv().expect("call under way"), 1);
        let (cancelled_tx, cancelled_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            handle.cancel();
            let _ = cancelled_tx.send(());
            handle
        });
        assert!(
            cancelled_rx.recv_timeout(std::time::Duration::from_secs(30)).is_ok(),
            "cancel waited for the blocked call"
        );
        release_tx.send(()).expect("release");
    }

    /// The default keeps the guarantee: cancel returns only after the call under way.
    #[test]
    fn by_default_cancel_waits_for_a_call_under_way() {
        let (tx, rx) = mpsc::unbounded_channel();
        let (entered_tx, entered_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel();
        let handle = blocking_watcher(rx, entered_tx, release_rx);
        tx.send(1).expect("open");
        assert_eq!(entered_rx.recv().expect("call under way"), 1);
        let (cancelled_tx, cancelled_rx) = std::sync::mpsc::channel();
        let canceller = std::thread::spawn(move || {
            handle.cancel();
            let _ = cancelled_tx.send(());
        });
        assert!(
            cancelled_rx.recv_timeout(std::time::Duration::from_millis(200)).is_err(),
            "cancel returned while the call was still blocked"
        );
        release_tx.send(()).expect("release");
        cancelled_rx.recv().expect("cancel returns once the call is done");
        canceller.join().expect("canceller");
    }

    /// Listener calls that block do not stall the runtime: four watchers blocked in their
    /// listeners at once (the runtime has two workers), and another task still runs.
    #[test]
    fn blocked_listeners_do_not_stall_the_runtime() {
        let limit = std::time::Duration::from_secs(30);
        let mut watchers = Vec::new();
        for n in 0..4 {
            let (tx, rx) = mpsc::unbounded_channel();
            let (entered_tx, entered_rx) = std::sync::mpsc::channel();
            let (release_tx, release_rx) = std::sync::mpsc::channel();
            let handle = blocking_watcher(rx, entered_tx, release_rx);
            tx.send(n).expect("open");
            assert_eq!(
                entered_rx.recv_timeout(limit).ok(),
                Some(n),
                "watcher {n} never ran: blocked listener calls stall the runtime"
            );
            // Dropped in this order on a failed assertion: releasing first, so no cancel waits.
            watchers.push((release_tx, tx, handle));
        }
        let (ran_tx, ran_rx) = std::sync::mpsc::channel();
        runtime().spawn(async move {
            let _ = ran_tx.send(());
        });
        assert!(ran_rx.recv_timeout(limit).is_ok(), "a plain task did not run");
        for (release, _, _) in &watchers {
            release.send(()).expect("release");
        }
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
