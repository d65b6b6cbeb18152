//! How a sync engine behaves: once or watching, how long it tries, how it backs off.

use std::time::Duration;

/// Whether the engine stops once in sync or stays connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    /// Sync until every document is in sync with the server, then stop.
    Once,
    /// Stay connected: send local changes as they are made and receive others' as they come,
    /// reconnecting after every failure, until stopped.
    Watch,
}

/// How the engine behaves.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// Once or watch.
    pub mode: SyncMode,
    /// In [`SyncMode::Once`], give up (with [`crate::ClientError::Timeout`]) after this long.
    pub timeout: Duration,
    /// The first wait before reconnecting; it doubles after each failure.
    pub min_backoff: Duration,
    /// The longest wait before reconnecting.
    pub max_backoff: Duration,
    /// How often to look for records made on this device by another program (in watch mode).
    pub local_poll: Duration,
    /// In [`SyncMode::Once`], whether to retry when the server cannot be reached at the first
    /// attempt (a laptop with no signal should hear so at once).
    pub retry_unreachable: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            mode: SyncMode::Once,
            timeout: Duration::from_secs(600),
            min_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            local_poll: Duration::from_millis(500),
            retry_unreachable: false,
        }
    }
}
