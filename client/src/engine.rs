//! The device sync engine: keeps one club's documents on this device in sync with its server.
//!
//! [`SyncEngine::run`] connects (TLS or not, the device token in the upgrade request), runs the
//! client side of protocol "1" ([`ClientSession`]) over every document of the club, and carries
//! out its actions against the device store: a received change is committed to the store before
//! the session goes on, so a crash never loses what the device acknowledged. The club document's
//! index brings new documents into the sync as they appear.
//!
//! The connection is retried with exponential backoff and jitter until the engine is stopped
//! ([`SyncMode::Watch`]) or everything is in sync ([`SyncMode::Once`]). A device the server
//! refuses for good (revoked, unknown token) stops at once with [`ClientError::Revoked`] or
//! [`ClientError::TokenRefused`]: retrying cannot help. Progress goes out as [`SyncEvent`]s.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use automerge::{Automerge, ChangeHash};
use clubsync_core::store::{DocumentStore, StoredSize};
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::message::PeerMetadata;
use clubsync_protocol::{ClientAction, ClientSession, DocumentId, Limits, PeerId, StorageId};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::address::BoxedStream;
use crate::address::Refusal;
use crate::clock::now_ms;
use crate::error::ClientError;
use crate::home::{DeviceHome, Membership, pending_changes};

/// A document in sync is compacted once it has this many stored chunks, or once this many
/// changes arrived for it on the connection: one chunk can hold thousands of changes, and loading
/// replays each of them (measured: 1.0-1.5 s to open a 25,000-donation collection stored as 5 to
/// 8 chunks, 0.3 s from one snapshot).
const COMPACT_AFTER_CHUNKS: u64 = 64;
const COMPACT_AFTER_CHANGES: usize = 1_000;

/// How long the server may take to answer `join`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

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
    /// In [`SyncMode::Once`], give up (with [`ClientError::Timeout`]) after this long.
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

/// What the engine is doing, for a progress display.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SyncEvent {
    /// Connecting (the first attempt is 1).
    Connecting {
        /// The server.
        server: String,
        /// Which attempt.
        attempt: u32,
    },
    /// Connected and joined; syncing this many documents.
    Connected {
        /// Documents in the sync.
        documents: usize,
    },
    /// Changes from the server were saved on this device.
    Received {
        /// The document.
        document: DocumentId,
        /// How many changes.
        changes: usize,
        /// Their size in bytes.
        bytes: usize,
    },
    /// Bytes sent to the server.
    Sent {
        /// How many.
        bytes: usize,
    },
    /// The server confirmed heads of a document: this many of the device's changes to it are
    /// still not on the server.
    Pending {
        /// The document.
        document: DocumentId,
        /// Changes not yet on the server.
        changes: usize,
    },
    /// A document is in sync: the server has confirmed every change of it on this device.
    DocumentSynced {
        /// The document.
        document: DocumentId,
    },
    /// The club's index listed documents this device did not have yet.
    Discovered {
        /// How many.
        documents: usize,
    },
    /// The server does not have a document, or will not share it.
    Unavailable {
        /// The document.
        document: DocumentId,
    },
    /// Every document is in sync.
    AllSynced,
    /// The connection ended; the engine tries again after `retry_in`.
    Disconnected {
        /// Why.
        reason: String,
        /// When it tries again.
        retry_in: Duration,
    },
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct SyncSummary {
    /// Documents in the sync at the end.
    pub documents: usize,
    /// Changes received and saved.
    pub received_changes: usize,
    /// Bytes received.
    pub received_bytes: usize,
    /// Bytes sent.
    pub sent_bytes: usize,
    /// Connections made.
    pub connections: u32,
    /// The run ended with every document in sync (rather than stopped).
    pub in_sync: bool,
    /// Documents with records on this device that the server refused (not a clubsync document,
    /// no access): their records stay on this device only.
    pub refused_documents: Vec<DocumentId>,
}

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

type Ws = WebSocketStream<BoxedStream>;

/// The sync engine of one club on one device.
pub struct SyncEngine {
    home: DeviceHome,
    membership: Membership,
    options: SyncOptions,
    events: Option<mpsc::UnboundedSender<SyncEvent>>,
    summary: SyncSummary,
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
                    return Err(error);
                }
                Err(Failure { error, joined }) => {
                    if joined {
                        backoff = self.options.min_backoff;
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
        let mut ws = self.upgrade().await?;
        self.summary.connections += 1;
        let storage_id = self.home.storage_id()?;
        let metadata = PeerMetadata {
            storage_id: Some(storage_id),
            is_ephemeral: false,
        };
        let (session, join) = ClientSession::connect(PeerId::random(), metadata, Limits::default());
        let mut conn = Connection {
            session,
            docs: BTreeMap::new(),
            known_sizes: BTreeMap::new(),
            in_sync: BTreeSet::new(),
            unavailable: BTreeSet::new(),
            received_since_compaction: BTreeMap::new(),
            server_storage: None,
            data_version: self
                .home
                .store()
                .data_version()
                .map_err(ClientError::from)?,
        };
        send(&mut ws, join, &mut self.summary, &self.events).await?;
        let server_storage = self.handshake(&mut ws, &mut conn).await?;
        conn.server_storage = server_storage;
        let result = self.exchange(&mut ws, &mut conn, stop, deadline).await;
        // Whatever happened, keep what both sides are known to share for the next connection.
        if let Err(e) = self.save_sync_states(&conn) {
            warn!(%e, "could not save sync states; the next sync starts from scratch");
        }
        match result {
            Ok(ended) => {
                let leave = conn.session.leave_frame();
                let _ = ws.send(WsMessage::Binary(leave.into())).await;
                let _ = ws.close(None).await;
                Ok(ended)
            }
            Err(error) => Err(Failure {
                error,
                joined: true,
            }),
        }
    }

    /// The websocket upgrade, with the device token.
    async fn upgrade(&mut self) -> Result<Ws, Failure> {
        let address = &self.membership.server;
        let stream = address.open(&self.membership.trust()?).await?;
        let mut request = address
            .sync_url()
            .into_client_request()
            .map_err(|e| ClientError::Connection(e.to_string()))?;
        let bearer = HeaderValue::from_str(&format!("Bearer {}", self.membership.token))
            .map_err(|_| ClientError::TokenRefused("the stored token is not text".into()))?;
        request.headers_mut().insert("authorization", bearer);
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(Limits::default().max_frame_bytes))
            .max_frame_size(Some(Limits::default().max_frame_bytes));
        match tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await {
            Ok((ws, _)) => Ok(ws),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                let status = response.status();
                let refusal = response
                    .body()
                    .as_deref()
                    .and_then(|b| serde_json::from_slice::<Refusal>(b).ok());
                let message = refusal
                    .as_ref()
                    .map(|r| r.message.clone())
                    .unwrap_or_else(|| format!("HTTP {status}"));
                Err(
                    match (status.as_u16(), refusal.as_ref().map(|r| r.error.as_str())) {
                        (401, Some("revoked")) => ClientError::Revoked(message),
                        (401, _) => ClientError::TokenRefused(message),
                        _ => ClientError::Refused(message),
                    }
                    .into(),
                )
            }
            Err(e) => Err(ClientError::Unreachable {
                address: address.to_string(),
                detail: e.to_string(),
            }
            .into()),
        }
    }

    /// Waits for `peer`; returns the server's storage id.
    async fn handshake(
        &mut self,
        ws: &mut Ws,
        conn: &mut Connection,
    ) -> Result<Option<StorageId>, Failure> {
        let answer = tokio::time::timeout(HANDSHAKE_TIMEOUT, next_binary(ws))
            .await
            .map_err(|_| {
                ClientError::Connection(format!("no answer to join within {HANDSHAKE_TIMEOUT:?}"))
            })??;
        for action in conn.session.receive_frame(&answer) {
            match action {
                ClientAction::Joined { metadata, .. } => {
                    return Ok(metadata.and_then(|m| m.storage_id));
                }
                ClientAction::Send(frame) => {
                    send(ws, frame, &mut self.summary, &self.events).await?;
                }
                ClientAction::Close(e) => return Err(ClientError::Connection(e.to_string()).into()),
                _ => {}
            }
        }
        Err(ClientError::Connection("the server did not answer join with peer".into()).into())
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
            if !watch && conn.all_in_sync() {
                self.emit(SyncEvent::AllSynced);
                return Ok(Ended::InSync);
            }
            tokio::select! {
                _ = stop.cancelled() => return Ok(Ended::Stopped),
                _ = tokio::time::sleep_until(deadline), if !watch => {
                    return Err(ClientError::Timeout(self.options.timeout));
                }
                _ = poll.tick(), if watch => self.pick_up_local_changes(ws, conn).await?,
                frame = next_binary(ws) => {
                    let frame = frame?;
                    let actions = conn.session.receive_frame(&frame);
                    self.carry_out(ws, conn, actions).await?;
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
        let size = self.home.store().stored_size(&id)?;
        let doc = self.home.store().load(&id)?.unwrap_or_default();
        if let Some(server) = &conn.server_storage
            && let Some(state) = self.home.store().load_sync_state(&id, server)?
        {
            conn.session.resume_document(id, state);
        }
        conn.known_sizes.insert(id, size);
        let actions = conn.session.sync_document(id, &doc);
        conn.docs.insert(id, doc);
        self.carry_out(ws, conn, actions).await
    }

    /// Carries out a session's actions (see `clubsync_protocol::client`).
    async fn carry_out(
        &mut self,
        ws: &mut Ws,
        conn: &mut Connection,
        actions: Vec<ClientAction>,
    ) -> Result<(), ClientError> {
        let mut queue: std::collections::VecDeque<ClientAction> = actions.into();
        while let Some(action) = queue.pop_front() {
            match action {
                ClientAction::Send(frame) => {
                    send(ws, frame, &mut self.summary, &self.events).await?;
                }
                ClientAction::Sync {
                    document_id,
                    message,
                } => {
                    let more = self.apply(conn, document_id, message).await?;
                    queue.extend(more);
                }
                ClientAction::Unavailable(id) => {
                    conn.unavailable.insert(id);
                    self.home.record_unavailable(&id, true)?;
                    let has_records = conn
                        .docs
                        .get(&id)
                        .is_some_and(|d| !d.get_heads().is_empty());
                    if has_records && !self.summary.refused_documents.contains(&id) {
                        self.summary.refused_documents.push(id);
                    }
                    self.emit(SyncEvent::Unavailable { document: id });
                }
                ClientAction::Ephemeral(_) | ClientAction::Joined { .. } => {}
                ClientAction::Report(e) => warn!(%e, "the server sent something odd"),
                ClientAction::Close(e) => return Err(ClientError::Connection(e.to_string())),
            }
        }
        Ok(())
    }

    /// Applies one sync message: saves its changes, then lets the session answer.
    async fn apply(
        &mut self,
        conn: &mut Connection,
        id: DocumentId,
        message: automerge::sync::Message,
    ) -> Result<Vec<ClientAction>, ClientError> {
        let doc = conn.docs.entry(id).or_default();
        let receipt = match conn.session.apply(id, message, doc) {
            Ok(receipt) => receipt,
            Err(e) => {
                // The document in memory may hold part of a bad message: only the store is sure.
                conn.docs.remove(&id);
                return Err(ClientError::Connection(e.to_string()));
            }
        };
        if !receipt.changes.is_empty() {
            self.home.store_mut().append_chunk(&id, &receipt.changes)?;
            self.summary.received_changes += receipt.change_count;
            self.summary.received_bytes += receipt.changes.len();
            self.emit(SyncEvent::Received {
                document: id,
                changes: receipt.change_count,
                bytes: receipt.changes.len(),
            });
            conn.unavailable.remove(&id);
            *conn.received_since_compaction.entry(id).or_default() += receipt.change_count;
        }
        let doc = conn.docs.entry(id).or_default();
        let mut actions = conn.session.committed(id, doc);
        self.note_server_heads(conn, id)?;
        if id == self.membership.club_document && receipt.change_count > 0 {
            let index = self.home.club_index(&self.membership)?;
            let new = self.home.track(&self.membership.club_id, &index)?;
            if !new.is_empty() {
                self.emit(SyncEvent::Discovered {
                    documents: new.len(),
                });
            }
            for new_id in new {
                let doc = conn.docs.entry(new_id).or_default();
                actions.extend(conn.session.sync_document(new_id, doc));
                conn.known_sizes.insert(new_id, StoredSize::default());
            }
        }
        Ok(actions)
    }

    /// Records what the server has confirmed of a document, and whether it is now in sync.
    fn note_server_heads(
        &mut self,
        conn: &mut Connection,
        id: DocumentId,
    ) -> Result<(), ClientError> {
        let Some(heads) = conn.session.server_heads(&id).map(<[ChangeHash]>::to_vec) else {
            return Ok(());
        };
        let doc = conn.docs.entry(id).or_default();
        let pending = pending_changes(doc, &heads);
        let synced = pending == 0 && same_heads(&heads, &doc.get_heads());
        self.emit(SyncEvent::Pending {
            document: id,
            changes: pending,
        });
        self.home
            .record_server_heads(&id, &heads, Timestamp::from_millis(now_ms()))?;
        if synced && conn.in_sync.insert(id) {
            self.emit(SyncEvent::DocumentSynced { document: id });
            let received = conn.received_since_compaction.remove(&id).unwrap_or(0);
            self.compact_if_large(id, received);
            if let (Some(server), Some(state)) =
                (&conn.server_storage, conn.session.sync_state(&id))
            {
                self.home.store_mut().save_sync_state(&id, server, state)?;
            }
        } else if !synced {
            conn.in_sync.remove(&id);
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
            if !conn.docs.contains_key(&id) {
                debug!(document = %id, "a new document was made on this device");
                self.open_document(ws, conn, id).await?;
                continue;
            }
            let size = self.home.store().stored_size(&id)?;
            if conn.known_sizes.get(&id) == Some(&size) {
                continue;
            }
            conn.known_sizes.insert(id, size);
            let Some(mut stored) = self.home.store().load(&id)? else {
                continue;
            };
            let doc = conn.docs.entry(id).or_default();
            let before = doc.get_heads();
            doc.merge(&mut stored)
                .map_err(|e| ClientError::Connection(format!("merging local records: {e}")))?;
            if doc.get_heads() != before {
                conn.in_sync.remove(&id);
                let actions = conn.session.sync_document(id, doc);
                self.carry_out(ws, conn, actions).await?;
            }
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
        for id in conn.docs.keys() {
            if let Some(state) = conn.session.sync_state(id) {
                self.home.store_mut().save_sync_state(id, server, state)?;
            }
        }
        Ok(())
    }
}

/// The state of one connection.
struct Connection {
    session: ClientSession,
    docs: BTreeMap<DocumentId, Automerge>,
    /// What the store held of each document when it was last read into `docs`.
    known_sizes: BTreeMap<DocumentId, StoredSize>,
    in_sync: BTreeSet<DocumentId>,
    unavailable: BTreeSet<DocumentId>,
    /// Changes received per document since it was last compacted.
    received_since_compaction: BTreeMap<DocumentId, usize>,
    server_storage: Option<StorageId>,
    data_version: i64,
}

impl Connection {
    /// Every document is either in sync or not available on the server.
    fn all_in_sync(&self) -> bool {
        self.docs
            .keys()
            .all(|id| self.in_sync.contains(id) || self.unavailable.contains(id))
    }
}

fn same_heads(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    let a: BTreeSet<_> = a.iter().collect();
    let b: BTreeSet<_> = b.iter().collect();
    a == b
}

async fn send(
    ws: &mut Ws,
    frame: Vec<u8>,
    summary: &mut SyncSummary,
    events: &Option<mpsc::UnboundedSender<SyncEvent>>,
) -> Result<(), ClientError> {
    let bytes = frame.len();
    ws.send(WsMessage::Binary(frame.into()))
        .await
        .map_err(|e| ClientError::Connection(format!("sending: {e}")))?;
    summary.sent_bytes += bytes;
    if let Some(tx) = events {
        let _ = tx.send(SyncEvent::Sent { bytes });
    }
    Ok(())
}

/// The next binary frame; pings and pongs are skipped, a close is an error. Cancel-safe.
async fn next_binary(ws: &mut Ws) -> Result<Vec<u8>, ClientError> {
    loop {
        match ws.next().await {
            Some(Ok(WsMessage::Binary(bytes))) => return Ok(bytes.into()),
            Some(Ok(WsMessage::Close(frame))) => {
                let reason = frame
                    .map(|f| f.reason.to_string())
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| "no reason given".into());
                return Err(ClientError::Connection(format!(
                    "the server closed the connection: {reason}"
                )));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(ClientError::Connection(e.to_string())),
            None => return Err(ClientError::Connection("the connection was cut".into())),
        }
    }
}

/// `wait`, less up to half of it at random, so devices cut off together do not return together.
fn jittered(wait: Duration) -> Duration {
    let fraction: f64 = rand::random_range(0.5..=1.0);
    wait.mul_f64(fraction)
}
