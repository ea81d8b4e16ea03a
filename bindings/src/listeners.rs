//! Foreign listeners (`with_foreign`: Kotlin/Swift implement them). Each is called on a runtime
//! thread, one call at a time per watcher, in order; it should hand the value off and return
//! quickly. An exception it throws becomes `TetherError::Internal`, is logged, and the watcher
//! goes on.

use crate::error::TetherError;
use crate::types::{ConnectionState, EntityUpdate, ListUpdate, SyncSignal};

#[uniffi::export(with_foreign)]
pub trait StateListener: Send + Sync {
    fn on_state(&self, state: ConnectionState) -> Result<(), TetherError>;
}

#[uniffi::export(with_foreign)]
pub trait ListListener: Send + Sync {
    fn on_update(&self, update: ListUpdate) -> Result<(), TetherError>;
}

#[uniffi::export(with_foreign)]
pub trait EntityListener: Send + Sync {
    fn on_update(&self, update: EntityUpdate) -> Result<(), TetherError>;
}

#[uniffi::export(with_foreign)]
pub trait SignalListener: Send + Sync {
    fn on_signal(&self, signal: SyncSignal) -> Result<(), TetherError>;
}
