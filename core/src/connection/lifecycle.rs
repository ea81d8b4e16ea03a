//! App lifecycle and network signals, turned into what the engine should do about them.
//!
//! Background is debounced by a grace period: the socket closes only once the app has stayed in
//! the background that long, so a quick app switch changes nothing. Foreground and a returning
//! network resume at once, without backoff. Offline parks everything at once.

use super::state::SuspendReason;
use tokio::time::Instant;

/// What the host app is doing (from the platform's lifecycle observers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppState {
    Foreground,
    Background,
}

/// What the platform's network observer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkState {
    Online,
    Offline,
}

/// A message from the [`Connection`](crate::Connection) handle to its engine task.
#[derive(Debug)]
pub(crate) enum Command {
    App(AppState),
    Network(NetworkState),
    /// Drop the current stream (or attempt) and reconnect at once.
    Restart,
    Close,
}

/// The process's signals when a connection opens (`None`: never reported, so foreground and
/// online).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Initial {
    pub(crate) app: Option<AppState>,
    pub(crate) network: Option<NetworkState>,
}

/// What the engine must do after a command or the grace timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// Nothing changes for the current phase.
    Continue,
    /// Disconnect and wait.
    Suspend(SuspendReason),
    /// Connect now, skipping any backoff.
    ResumeNow,
    /// The host asked to drop the current stream and reconnect at once.
    Restart,
    /// Stop for good.
    Close,
}

#[derive(Debug)]
pub(crate) struct Lifecycle {
    app: AppState,
    network: NetworkState,
    grace: std::time::Duration,
    /// When the background grace ends, while it runs.
    background_deadline: Option<Instant>,
    /// The grace ran out while in background.
    backgrounded: bool,
}

impl Lifecycle {
    pub(crate) fn new(grace: std::time::Duration) -> Self {
        Self {
            app: AppState::Foreground,
            network: NetworkState::Online,
            grace,
            background_deadline: None,
            backgrounded: false,
        }
    }

    /// Starts in the process's current state: already in the background means suspended from
    /// the start (the grace is for leaving the foreground, which happened before this connection).
    pub(crate) fn starting_in(mut self, initial: Initial) -> Self {
        if initial.app == Some(AppState::Background) {
            self.app = AppState::Background;
            self.backgrounded = true;
        }
        if initial.network == Some(NetworkState::Offline) {
            self.network = NetworkState::Offline;
        }
        self
    }

    pub(crate) fn background_deadline(&self) -> Option<Instant> {
        self.background_deadline
    }

    /// Why the engine must stay disconnected now, if it must.
    pub(crate) fn suspend_reason(&self) -> Option<SuspendReason> {
        if self.backgrounded {
            Some(SuspendReason::Background)
        } else if self.network == NetworkState::Offline {
            Some(SuspendReason::Offline)
        } else {
            None
        }
    }

    pub(crate) fn on_command(&mut self, command: Command, now: Instant) -> Signal {
        match command {
            Command::Close => Signal::Close,
            Command::Restart => Signal::Restart,
            Command::App(AppState::Background) => {
                if self.app != AppState::Background {
                    self.app = AppState::Background;
                    self.background_deadline = Some(now + self.grace);
                }
                Signal::Continue
            }
            Command::App(AppState::Foreground) => {
                let was_suspended = self.backgrounded;
                self.app = AppState::Foreground;
                self.background_deadline = None;
                self.backgrounded = false;
                match (was_suspended, self.network) {
                    (true, NetworkState::Online) => Signal::ResumeNow,
                    // Still parked, now for the network's sake.
                    (true, NetworkState::Offline) => Signal::Suspend(SuspendReason::Offline),
                    (false, _) => Signal::Continue,
                }
            }
            Command::Network(NetworkState::Offline) => {
                self.network = NetworkState::Offline;
                self.suspend_reason().map_or(Signal::Continue, Signal::Suspend)
            }
            Command::Network(NetworkState::Online) => {
                let was_offline = self.network == NetworkState::Offline;
                self.network = NetworkState::Online;
                if was_offline && !self.backgrounded {
                    Signal::ResumeNow
                } else {
                    Signal::Continue
                }
            }
        }
    }

    /// The background grace ran out.
    pub(crate) fn on_grace_elapsed(&mut self) -> Signal {
        self.background_deadline = None;
        if self.app == AppState::Background {
            self.backgrounded = true;
            Signal::Suspend(SuspendReason::Background)
        } else {
            Signal::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn quick_app_switch_changes_nothing() {
        let now = Instant::now();
        let mut l = Lifecycle::new(Duration::from_secs(1));
        assert_eq!(l.on_command(Command::App(AppState::Background), now), Signal::Continue);
        assert_eq!(l.background_deadline(), Some(now + Duration::from_secs(1)));
        assert_eq!(l.on_command(Command::App(AppState::Foreground), now), Signal::Continue);
        assert_eq!(l.background_deadline(), None);
        assert_eq!(l.suspend_reason(), None);
    }

    #[test]
    fn background_after_grace_then_foreground_resumes() {
        let now = Instant::now();
        let mut l = Lifecycle::new(Duration::from_secs(1));
        l.on_command(Command::App(AppState::Background), now);
        // A second Background does not push the deadline back.
        l.on_command(Command::App(AppState::Background), now + Duration::from_millis(500));
        assert_eq!(l.background_deadline(), Some(now + Duration::from_secs(1)));
        assert_eq!(l.on_grace_elapsed(), Signal::Suspend(SuspendReason::Background));
        assert_eq!(l.suspend_reason(), Some(SuspendReason::Background));
        assert_eq!(l.on_command(Command::App(AppState::Foreground), now), Signal::ResumeNow);
        assert_eq!(l.suspend_reason(), None);
    }

    #[test]
    fn offline_parks_and_online_resumes_unless_backgrounded() {
        let now = Instant::now();
        let mut l = Lifecycle::new(Duration::ZERO);
        assert_eq!(
            l.on_command(Command::Network(NetworkState::Offline), now),
            Signal::Suspend(SuspendReason::Offline)
        );
        assert_eq!(l.on_command(Command::Network(NetworkState::Online), now), Signal::ResumeNow);
        assert_eq!(l.on_command(Command::Network(NetworkState::Online), now), Signal::Continue);
        l.on_command(Command::App(AppState::Background), now);
        l.on_grace_elapsed();
        l.on_command(Command::Network(NetworkState::Offline), now);
        assert_eq!(l.suspend_reason(), Some(SuspendReason::Background));
        assert_eq!(l.on_command(Command::Network(NetworkState::Online), now), Signal::Continue);
        assert_eq!(l.on_command(Command::App(AppState::Foreground), now), Signal::ResumeNow);
    }

    #[test]
    fn foreground_while_offline_waits_for_the_network() {
        let now = Instant::now();
        let mut l = Lifecycle::new(Duration::ZERO);
        l.on_command(Command::App(AppState::Background), now);
        l.on_grace_elapsed();
        l.on_command(Command::Network(NetworkState::Offline), now);
        assert_eq!(
            l.on_command(Command::App(AppState::Foreground), now),
            Signal::Suspend(SuspendReason::Offline)
        );
        assert_eq!(l.suspend_reason(), Some(SuspendReason::Offline));
        assert_eq!(l.on_command(Command::Network(NetworkState::Online), now), Signal::ResumeNow);
    }
}
