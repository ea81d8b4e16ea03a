//! The process-wide lifecycle and network signals, for the platform observers (Android's
//! `TetherLifecycle`/`TetherNetwork`, iOS's, the React Native module). The core decides what
//! they do; see `tether_core::set_process_app_state`.

use crate::types::{AppState, NetworkState};

/// The app moved to the foreground or the background: every client that follows the process
/// signals (the default) acts on it, and clients opened later start in it.
#[uniffi::export]
pub fn set_process_app_state(state: AppState) {
    tether_core::set_process_app_state(state.into());
}

/// The device went online or offline: every client that follows the process signals acts on
/// it, and clients opened later start in it.
#[uniffi::export]
pub fn set_process_network(state: NetworkState) {
    tether_core::set_process_network(state.into());
}
