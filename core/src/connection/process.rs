//! Process-wide app lifecycle and network signals.
//!
//! A process has one app lifecycle and one network, so one native observer per process (the
//! Android and iOS layers, the React Native module) reports them here, and every connection
//! that follows them (the default, [`follow_process_signals`]) acts on them: connections opened
//! by native screens and by JavaScript alike, and connections opened later, which start in the
//! current state (a client opened while the app is in the background waits for the foreground
//! instead of connecting). Per-connection [`Connection::set_app_state`] still works; the last
//! signal a connection received wins.
//!
//! [`follow_process_signals`]: crate::ConnectionConfigBuilder::follow_process_signals
//! [`Connection::set_app_state`]: crate::Connection::set_app_state

use super::lifecycle::{AppState, Command, NetworkState};
use std::sync::OnceLock;
use tokio::sync::{mpsc, watch};

/// The process's last reported signals; `None` until an observer reported one.
struct Signals {
    app: watch::Sender<Option<AppState>>,
    network: watch::Sender<Option<NetworkState>>,
}

fn signals() -> &'static Signals {
    static SIGNALS: OnceLock<Signals> = OnceLock::new();
    SIGNALS.get_or_init(|| Signals {
        app: watch::Sender::new(None),
        network: watch::Sender::new(None),
    })
}

/// Reports the app's foreground/background state to every connection that follows the
/// process's signals, now and later.
pub fn set_process_app_state(state: AppState) {
    signals().app.send_replace(Some(state));
}

/// Reports the device's network state to every connection that follows the process's
/// signals, now and later.
pub fn set_process_network(state: NetworkState) {
    signals().network.send_replace(Some(state));
}

/// The last reported app and network states (`None`: never reported).
pub fn process_signals() -> (Option<AppState>, Option<NetworkState>) {
    let signals = signals();
    (*signals.app.borrow(), *signals.network.borrow())
}

/// One connection's subscription to the process's signals.
pub(crate) struct ProcessSignals {
    app: watch::Receiver<Option<AppState>>,
    network: watch::Receiver<Option<NetworkState>>,
}

impl ProcessSignals {
    /// Subscribes, and returns the current values: a change after this call is never missed.
    pub(crate) fn subscribe() -> (Self, Option<AppState>, Option<NetworkState>) {
        let signals = signals();
        let mut app = signals.app.subscribe();
        let mut network = signals.network.subscribe();
        let current_app = *app.borrow_and_update();
        let current_network = *network.borrow_and_update();
        (Self { app, network }, current_app, current_network)
    }

    /// Forwards every later change to the engine as a command, until the engine has stopped.
    pub(crate) async fn forward(mut self, commands: mpsc::UnboundedSender<Command>) {
        loop {
            let command = tokio::select! {
                () = commands.closed() => return,
                changed = self.app.changed() => match changed {
                    Ok(()) => self.app.borrow_and_update().map(Command::App),
                    Err(_) => return,
                },
                changed = self.network.changed() => match changed {
                    Ok(()) => self.network.borrow_and_update().map(Command::Network),
                    Err(_) => return,
                },
            };
            if let Some(command) = command {
                if commands.send(command).is_err() {
                    return;
                }
            }
        }
    }
}
