//! What every request handler and connection shares: the stores, the hub of loaded documents,
//! the live connections per device, the limits and the shutdown signal.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use clubsync_protocol::{Limits, PeerId, StorageId};
use tokio_util::sync::CancellationToken;
use tokio_util::task::{TaskTracker, task_tracker::TaskTrackerToken};

use crate::documents::{ConnId, DocumentHub, Outbound, Outbox, OutboxLimits};
use crate::http_connections::HttpLimits;
use crate::identity::{DeviceId, IdentityStore};
use crate::join_rate::JoinRate;
use crate::metrics::Metrics;

/// What a revoked device is told when its connections are closed.
pub const REVOKED_REASON: &str =
    "this device was revoked by a coordinator; ask them for a new invite if that is a mistake";

/// Shared server state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Clubs, devices, invites, the document registry.
    pub identity: Arc<IdentityStore>,
    /// Loaded documents.
    pub hub: DocumentHub,
    /// Live connections, by device, so revoking a device can close them at once.
    pub live: LiveConnections,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Limits on what one connection may send.
    pub limits: Limits,
    /// Messages one connection may send per second.
    pub messages_per_second: u32,
    /// The server's peer id in the protocol.
    pub peer_id: PeerId,
    /// The server's storage id (stable across restarts).
    pub storage_id: StorageId,
    /// Cancelled when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Connection limits and liveness (pings, write timeout); the defaults unless the server
    /// was configured otherwise.
    pub http: HttpLimits,
    /// How often `/api/join` may be tried, per address and in all.
    pub joins: Arc<JoinRate>,
    /// The token `/metrics` asks for (`None`: loopback clients only).
    pub metrics_token: Option<String>,
    /// How much may wait for one connection before it counts as fallen behind.
    pub outbox: OutboxLimits,
    next_conn: Arc<AtomicU64>,
}

impl AppState {
    /// Shared state around the given parts.
    pub fn new(
        identity: Arc<IdentityStore>,
        hub: DocumentHub,
        metrics: Arc<Metrics>,
        limits: Limits,
        messages_per_second: u32,
        storage_id: StorageId,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            identity,
            hub,
            live: LiveConnections::default(),
            metrics,
            limits,
            messages_per_second,
            peer_id: PeerId::random(),
            storage_id,
            shutdown,
            http: HttpLimits::default(),
            joins: Arc::new(JoinRate::default()),
            metrics_token: None,
            outbox: OutboxLimits::default(),
            next_conn: Arc::new(AtomicU64::new(1)),
        }
    }

    /// A new connection number.
    pub fn next_conn_id(&self) -> ConnId {
        self.next_conn.fetch_add(1, Relaxed)
    }
}

/// The open connections of each device.
#[derive(Clone, Default)]
pub struct LiveConnections {
    /// A std mutex: held only to insert, remove or copy out senders.
    inner: Arc<Mutex<HashMap<DeviceId, HashMap<ConnId, Outbox>>>>,
    /// One token per open connection, so shutdown can wait for the last one.
    tracker: TaskTracker,
}

impl LiveConnections {
    /// A token held by a connection task for as long as it runs.
    pub fn track(&self) -> TaskTrackerToken {
        self.tracker.token()
    }

    /// Waits until every tracked connection has ended.
    pub async fn wait_all_closed(&self) {
        self.tracker.close();
        self.tracker.wait().await;
    }

    /// Records a connection of a device, unless the device already has `max` open: the count
    /// and the insert are one step, so connections racing through the upgrade cannot pass the
    /// cap together. False when refused.
    pub fn register(&self, device: DeviceId, conn: ConnId, outbox: Outbox, max: usize) -> bool {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let conns = map.entry(device).or_default();
        if conns.len() >= max {
            return false;
        }
        conns.insert(conn, outbox);
        true
    }

    /// Forgets a closed connection.
    pub fn unregister(&self, device: DeviceId, conn: ConnId) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(conns) = map.get_mut(&device) {
            conns.remove(&conn);
            if conns.is_empty() {
                map.remove(&device);
            }
        }
    }

    /// How many connections a device has open.
    pub fn count(&self, device: DeviceId) -> usize {
        let map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&device).map_or(0, HashMap::len)
    }

    /// Ends every connection of a device with an error that says why. Returns how many.
    pub fn refuse_device(&self, device: DeviceId, reason: &str) -> usize {
        let map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Some(conns) = map.get(&device) else {
            return 0;
        };
        for outbox in conns.values() {
            let _ = outbox.send(Outbound::Refuse(reason.to_owned()));
        }
        conns.len()
    }
}
