//! The device sync engine: keeps one club's documents on this device in sync with its server.
//!
//! [`SyncEngine::run`] connects (TLS or not, the device token in the upgrade request: see
//! `transport`) and runs a [`DeviceSync`] over every document of the club: the sans-IO state
//! machine that decides everything while connected (the protocol's client session, what to
//! store, when a document is in sync). This shell performs its effects against the device store:
//! a received change is committed to the store before the session goes on, so a crash never loses
//! what the device acknowledged. The club document's index brings new documents into the sync as
//! they appear.
//!
//! The connection is retried with exponential backoff and jitter until the engine is stopped
//! ([`SyncMode::Watch`]) or everything is in sync ([`SyncMode::Once`]). A device the server
//! refuses for good (revoked, unknown token) stops at once with [`ClientError::Revoked`] or
//! [`ClientError::TokenRefused`]: retrying cannot help. Progress goes out as [`SyncEvent`]s.

mod device_sync;
mod events;
mod options;
mod refusal;
mod transport;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use clubsync_core::store::{DocumentStore, StoredSize};
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::{DocumentId, PeerId, StorageId};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

pub use device_sync::{DeviceEffects, DeviceInput, DeviceSync};
pub use events::{SyncEvent, SyncSummary};
pub use options::{SyncMode, SyncOptions};
use transport::Ws;

use crate::clock::now_ms;
use crate::error::ClientError;
use crate::home::{DeviceHome, Membership};

/// A document in sync is compacted once it has this many stored chunks, or once this many
/// changes arrived for it on the connection: one chunk can hold thousands of changes, and loading
/// replays each of them (measured: 1.0-1.5 s to open a 25,000-donation collection stored as 5 to
/// 8 chunks, 0.3 s from one snapshot).
const COMPACT_AFTER_CHUNKS: u64 = 64;
const COMPACT_AFTER_CHANGES: usize = 1_000;

/// How long the server may take to answer `join`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// How a connection ended without an error.
enum Ended {
    /// Everything is in sync (once mode).
    InSync,
    /// Asked to stop.
    Stopped,
}

/// A connection error, and whether the connection had been established first.
struct Failure {
    error: ClientError,
    joined: bool,
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        Self {
            error,
            joined: false,
        }
    }
}

/// The sync engine of one club on one device.
pub struct SyncEngine {
    home: DeviceHome,
    membership: Membership,
    options: SyncOptions,
    events: Option<mpsc::UnboundedSender<SyncEvent>>,
    summary: SyncSummary,
    /// Documents rebuilt after a refusal in this run: each is rebuilt once, so a refusal that
    /// a rebuild cannot cure waits with the usual backoff instead of looping.
    rebuilt: BTreeSet<DocumentId>,
}

impl SyncEngine {
    /// An engine for `membership`'s club, over the device directory `home`.
    pub fn new(home: DeviceHome, membership: Membership, options: SyncOptions) -> Self {
        Self {
            home,
            membership,
            options,
            events: None,
            summary: SyncSummary::default(),
            rebuilt: BTreeSet::new(),
        }
    }

    /// Progress events from now on.
    pub fn subscribe(&mut self) -> mpsc::UnboundedReceiver<SyncEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.events = Some(tx);
        rx
    }

    /// The device directory, back.
    pub fn into_home(self) -> DeviceHome {
        self.home
    }

    /// Syncs until in sync ([`SyncMode::Once`]) or until `stop` is cancelled.
    pub async fn run(&mut self, stop: CancellationToken) -> Result<SyncSummary, ClientError> {
        if let Some(reason) = &self.membership.refused {
            return Err(ClientError::Revoked(reason.clone()));
        }
        let deadline = Instant::now() + self.options.timeout;
        let mut backoff = self.options.min_backoff;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.emit(SyncEvent::Connecting {
                server: self.membership.server.to_string(),
                attempt,
            });
            let outcome = self.connection(&stop, deadline).await;
            match outcome {
                Ok(ended) => {
                    self.summary.in_sync = matches!(ended, Ended::InSync);
                    self.summary.documents =
                        self.home.documents_of(&self.membership.club_id)?.len();
                    return Ok(self.summary.clone());
                }
                Err(Failure { error, .. }) if error.is_final() => {
                    let reason = error.to_string();
                    self.home.mark_refused(&self.membership.club_id, &reason)?;
                    if matches!(error, ClientError::Revoked(_)) {
                        // A revoked device (lost, stolen, its member gone) keeps nothing of the
                        // club: the coordinator's revocation reaches it here.
                        let erased = self.home.erase_club(&self.membership.club_id)?;
                        warn!(club = %self.membership.club_id, erased, "this device was revoked: erased the club's records from it");
                        self.emit(SyncEvent::Erased { documents: erased });
                    }
                    return Err(error);
                }
                Err(Failure { error, joined }) => {
                    if joined {
                        backoff = self.options.min_backoff;
                    }
                    if let Some(rebuilt) = self.rebuild_if_refused(&error)? {
                        // Rebuilt: the next connection sends what the server can accept.
                        self.emit(rebuilt);
                        continue;
                    }
                    let once = self.options.mode == SyncMode::Once;
                    if once && matches!(error, ClientError::Timeout(_)) {
                        return Err(error);
                    }
                    if once
                        && attempt == 1
                        && !self.options.retry_unreachable
                        && matches!(error, ClientError::Unreachable { .. })
                    {
                        return Err(error);
                    }
                    let wait = jittered(backoff);
                    backoff = (backoff * 2).min(self.options.max_backoff);
                    if once && Instant::now() + wait > deadline {
                        return Err(ClientError::Timeout(self.options.timeout));
                    }
                    self.emit(SyncEvent::Disconnected {
                        reason: error.to_string(),
                        retry_in: wait,
                    });
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.cancelled() => return Ok(self.summary.clone()),
                    }
                }
            }
        }
    }

    fn emit(&self, event: SyncEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.send(event);
        }
    }

    /// One connection, from upgrade to its end.
    async fn connection(
        &mut self,
        stop: &CancellationToken,
        deadline: Instant,
    ) -> Result<Ended, Failure> {
        let mut ws = transport::upgrade(&self.membership).await?;
        self.summary.connections += 1;
        let storage_id = self.home.storage_id()?;
        let (device, join) =
            DeviceSync::connect(PeerId::random(), storage_id, self.membership.club_document);
        let mut conn = Connection {
            device,
            known_sizes: BTreeMap::new(),
            server_storage: None,
            data_version: self
                .home
                .store()
                .data_version()
                .map_err(ClientError::from)?,
        };
        self.send(&mut ws, join).await?;
        conn.server_storage = self.handshake(&mut ws, &mut conn).await?;
        let result = self.exchange(&mut ws, &mut conn, stop, deadline).await;
        // Whatever happened, keep what both sides are known to share for the next connection.
        if let Err(e) = self.save_sync_states(&conn) {
            warn!(%e, "could not save sync states; the next sync starts from scratch");
        }
        match result {
            Ok(ended) => {
                transport::close(&mut ws, conn.device.leave_frame()).await;
                Ok(ended)
            }
            Err(error) => Err(Failure {
                error,
                joined: true,
            }),
        }
    }

    /// Waits for `peer`; returns the server's storage id.
    async fn handshake(
        &mut self,
        ws: &mut Ws,
        conn: &mut Connection,
    ) -> Result<Option<StorageId>, Failure> {
        let answer = tokio::time::timeout(HANDSHAKE_TIMEOUT, transport::next_binary(ws))
            .await
            .map_err(|_| {
                ClientError::Connection(format!("no answer to join within {HANDSHAKE_TIMEOUT:?}"))
            })??;
        let mut effects = conn.device.handle(DeviceInput::Frame(answer));
        let joined = effects.joined.take();
        self.perform(ws, conn, effects).await?;
        joined.ok_or_else(|| {
            ClientError::Connection("the server did not answer join with peer".into()).into()
        })
    }

    /// Syncs every document until in sync (once), stopped, or the connection fails.
    async fn exchange(
        &mut self,
        ws: &mut Ws,
        conn: &mut Connection,
        stop: &CancellationToken,
        deadline: Instant,
    ) -> Result<Ended, ClientError> {
        let club = self.membership.club_id.clone();
        let index = self.home.club_index(&self.membership)?;
        self.home.track(&club, &index)?;
        let ids = self.home.documents_of(&club)?;
        for id in &ids {
            self.open_document(ws, conn, *id).await?;
        }
        self.emit(SyncEvent::Connected {
            documents: ids.len(),
        });
        let watch = self.options.mode == SyncMode::Watch;
        let mut poll = tokio::time::interval(self.options.local_poll);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let deadline = tokio::time::Instant::from_std(deadline);
        loop {
            if !watch && conn.device.all_in_sync() {
                self.emit(SyncEvent::AllSynced);
                return Ok(Ended::InSync);
            }
            tokio::select! {
                _ = stop.cancelled() => return Ok(Ended::Stopped),
                _ = tokio::time::sleep_until(deadline), if !watch => {
                    return Err(ClientError::Timeout(self.options.timeout));
                }
                _ = poll.tick(), if watch => self.pick_up_local_changes(ws, conn).await?,
                frame = transport::next_binary(ws) => {
                    let effects = conn.device.handle(DeviceInput::Frame(frame?));
                    self.perform(ws, conn, effects).await?;
                }
            }
        }
    }

    /// Brings a document into the sync: from the store, resuming a saved sync state.
    async fn open_document(
        &mut self,
        ws: &mut Ws,
        conn: &mut Connection,
        id: DocumentId,
    ) -> Result<(), ClientError> {
        let effects = self.open_input(conn, id)?;
        self.perform(ws, conn, effects).await
    }

    fn open_input(
        &mut self,
        conn: &mut Connection,
        id: DocumentId,
    ) -> Result<DeviceEffects, ClientError> {
        let size = self.home.store().stored_size(&id)?;
        let doc = self.home.store().load(&id)?.unwrap_or_default();
        let saved = match &conn.server_storage {
            Some(server) => self.home.store().load_sync_state(&id, server)?,
            None => None,
        };
        conn.known_sizes.insert(id, size);
        Ok(conn.device.handle(DeviceInput::Open {
            id,
            doc: Box::new(doc),
            saved,
        }))
    }

    /// Performs what the device sync asks, in its order: a chunk is stored before anything the
    /// session says after it.
    async fn perform(
        &mut self,
        ws: &mut Ws,
        conn: &mut Connection,
        effects: DeviceEffects,
    ) -> Result<(), ClientError> {
        let mut work = std::collections::VecDeque::from([effects]);
        while let Some(mut effects) = work.pop_front() {
            let stored = match effects.store.take() {
                Some((id, chunk)) => {
                    self.home.store_mut().append_chunk(&id, &chunk)?;
                    true
                }
                None => false,
            };
            for frame in std::mem::take(&mut effects.frames) {
                self.send(ws, frame).await?;
            }
            for event in std::mem::take(&mut effects.events) {
                if let SyncEvent::Received { changes, bytes, .. } = &event {
                    self.summary.received_changes += changes;
                    self.summary.received_bytes += bytes;
                }
                self.emit(event);
            }
            let now = Timestamp::from_millis(now_ms());
            for (id, heads) in &effects.server_heads {
                self.home.record_server_heads(id, heads, now)?;
            }
            for id in &effects.unavailable {
                self.home.record_unavailable(id, true)?;
                if conn.device.holds_records(id) && !self.summary.refused_documents.contains(id) {
                    self.summary.refused_documents.push(*id);
                }
            }
            for (id, received) in &effects.synced {
                self.compact_if_large(*id, *received);
                if let (Some(server), Some(state)) =
                    (&conn.server_storage, conn.device.sync_state(id))
                {
                    self.home.store_mut().save_sync_state(id, server, state)?;
                }
            }
            if let Some(reason) = effects.closed {
                return Err(ClientError::Connection(reason));
            }
            if effects.club_changed {
                let index = self.home.club_index(&self.membership)?;
                let new = self.home.track(&self.membership.club_id, &index)?;
                if !new.is_empty() {
                    self.emit(SyncEvent::Discovered {
                        documents: new.len(),
                    });
                }
                for id in new {
                    conn.known_sizes.insert(id, StoredSize::default());
                    work.push_back(conn.device.handle(DeviceInput::Open {
                        id,
                        doc: Box::default(),
                        saved: None,
                    }));
                }
            }
            if stored {
                work.push_front(conn.device.handle(DeviceInput::Stored));
            }
        }
        Ok(())
    }

    /// Looks for records another program made on this device (`clubsync collection donate`
    /// while `clubsync sync --watch` runs) and offers them to the server.
    async fn pick_up_local_changes(
        &mut self,
        ws: &mut Ws,
        conn: &mut Connection,
    ) -> Result<(), ClientError> {
        let version = self.home.store().data_version()?;
        if version == conn.data_version {
            return Ok(());
        }
        conn.data_version = version;
        let club = self.membership.club_id.clone();
        for id in self.home.documents_of(&club)? {
            if !conn.device.has_document(&id) {
                debug!(document = %id, "a new document was made on this device");
                self.open_document(ws, conn, id).await?;
                continue;
            }
            let size = self.home.store().stored_size(&id)?;
            if conn.known_sizes.get(&id) == Some(&size) {
                continue;
            }
            conn.known_sizes.insert(id, size);
            let Some(stored) = self.home.store().load(&id)? else {
                continue;
            };
            let effects = conn.device.handle(DeviceInput::Local {
                id,
                stored: Box::new(stored),
            });
            self.perform(ws, conn, effects).await?;
        }
        Ok(())
    }

    /// Folds a document's stored chunks into one snapshot when loading them would be slow (see
    /// [`COMPACT_AFTER_CHUNKS`]). A failure only costs speed.
    fn compact_if_large(&mut self, id: DocumentId, received_changes: usize) {
        let chunks = match self.home.store().stored_size(&id) {
            Ok(size) => size.chunks,
            Err(_) => return,
        };
        let worth_it = chunks >= COMPACT_AFTER_CHUNKS
            || (chunks > 1 && received_changes >= COMPACT_AFTER_CHANGES);
        if worth_it && let Err(e) = self.home.store_mut().compact(&id) {
            warn!(document = %id, %e, "compaction failed; the chunks stay as they are");
        }
    }

    fn save_sync_states(&mut self, conn: &Connection) -> Result<(), ClientError> {
        let Some(server) = &conn.server_storage else {
            return Ok(());
        };
        for id in conn.device.documents() {
            if let Some(state) = conn.device.sync_state(id) {
                self.home.store_mut().save_sync_state(id, server, state)?;
            }
        }
        Ok(())
    }

    /// Sends a frame, counting its bytes.
    async fn send(&mut self, ws: &mut Ws, frame: Vec<u8>) -> Result<(), ClientError> {
        let bytes = frame.len();
        transport::send(ws, frame).await?;
        self.summary.sent_bytes += bytes;
        self.emit(SyncEvent::Sent { bytes });
        Ok(())
    }
}

/// The state of one connection: the device sync and what the shell knows of the store.
struct Connection {
    device: DeviceSync,
    /// What the store held of each document when it was last read into the sync.
    known_sizes: BTreeMap<DocumentId, StoredSize>,
    server_storage: Option<StorageId>,
    data_version: i64,
}

/// `wait`, less up to half of it at random, so devices cut off together do not return together.
fn jittered(wait: Duration) -> Duration {
    let fraction: f64 = rand::random_range(0.5..=1.0);
    wait.mul_f64(fraction)
}
