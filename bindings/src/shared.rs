//! Named instances: one client per `instance_name` per process, so native screens (Kotlin,
//! Swift) and React Native's JavaScript, which share one library image, also share one core
//! client, one connection and one cache file.

use crate::client::TetherClient;
use crate::error::TetherError;
use crate::types::ClientConfig;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// The URL a named instance was opened with. Its `Debug` hides it: a query may carry a token.
pub(crate) struct Url(pub(crate) String);

impl std::fmt::Debug for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Url(..)")
    }
}

type Instances = HashMap<String, Weak<TetherClient>>;

fn instances() -> std::sync::MutexGuard<'static, Instances> {
    static INSTANCES: OnceLock<Mutex<Instances>> = OnceLock::new();
    INSTANCES.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner())
}

fn live(instances: &Instances, name: &str) -> Option<Arc<TetherClient>> {
    instances.get(name).and_then(Weak::upgrade).filter(|client| !client.is_closed())
}

/// Returns the open instance named `name`, or opens one with `open` and registers it. The
/// registry stays locked while opening, so two racing opens of one name make one client.
pub(crate) fn open_named(
    name: String,
    config: ClientConfig,
    open: impl FnOnce(ClientConfig) -> Result<Arc<TetherClient>, TetherError>,
) -> Result<Arc<TetherClient>, TetherError> {
    let mut instances = instances();
    if let Some(client) = live(&instances, &name) {
        if client.url() != config.url {
            return Err(TetherError::Config {
                reason: format!("instance {name:?} is already open with another URL"),
            });
        }
        return Ok(client);
    }
    let client = open(config)?;
    instances.retain(|_, weak| weak.strong_count() > 0);
    instances.insert(name, Arc::downgrade(&client));
    Ok(client)
}

/// The open client named `name` (`ClientConfig.instance_name`), if there is one.
#[uniffi::export]
pub fn shared_client(name: String) -> Option<Arc<TetherClient>> {
    live(&instances(), &name)
}
