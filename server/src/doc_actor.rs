//! One loaded document: its Automerge state, the sync state of every connection on it, and the
//! order that keeps the durability rule.
//!
//! The actor takes every command that has arrived (a batch), applies all sync messages, commits
//! all the new changes in one transaction (group commit), and only then generates the messages
//! that tell peers the new heads. A change is therefore never acknowledged, to its sender or to
//! anyone, before it is on disk.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{Automerge, sync};
use clubsync_core::document::DocumentKind;
use clubsync_protocol::message::Ephemeral;
use clubsync_protocol::{DocumentId, DocumentSync, Permission};
use tokio::sync::mpsc;
use tracing::{debug, error, warn};

use crate::connection::{ConnId, Outbound, Outbox};
use crate::hub::DocumentHub;
use crate::identity::{ClubId, DeviceId};

/// The most commands handled in one batch (and so committed in one transaction).
const MAX_BATCH: usize = 512;

/// Chunks a document may gather before it is compacted into one snapshot: when it is unloaded,
/// or at once when it passes [`COMPACT_NOW_CHUNKS`].
const COMPACT_AFTER_CHUNKS: u64 = 64;
const COMPACT_NOW_CHUNKS: u64 = 4096;

/// Who is on the other end of a connection, as the document actor needs to know it.
#[derive(Clone)]
pub struct PeerInfo {
    /// Where frames for this connection go.
    pub outbox: Outbox,
    /// The club of the connection's device.
    pub club: ClubId,
    /// The device.
    pub device: DeviceId,
}

/// What a connection asks of a document.
pub enum DocCommand {
    /// A sync message the connection accepted.
    Sync {
        /// The connection.
        conn: ConnId,
        /// Who it is.
        peer: PeerInfo,
        /// May it write?
        permission: Permission,
        /// True for a `request`.
        request: bool,
        /// The message.
        message: sync::Message,
    },
    /// An ephemeral message to relay to the other connections on the document.
    Ephemeral {
        /// The sending connection.
        from: ConnId,
        /// The message.
        message: Ephemeral,
    },
    /// The connection closed.
    Leave {
        /// The connection.
        conn: ConnId,
    },
}

struct DocActor {
    id: DocumentId,
    doc: Automerge,
    sync: DocumentSync<ConnId>,
    peers: BTreeMap<ConnId, PeerInfo>,
    /// The club the registry gives this document, once it is registered.
    owner: Option<ClubId>,
    /// Bytes stored for this document.
    stored_bytes: u64,
    /// Chunks stored since the last compaction.
    stored_chunks: u64,
}

/// Runs a document's actor until it is idle and unloaded, or the server shuts down.
pub(crate) async fn run(
    id: DocumentId,
    mut rx: mpsc::UnboundedReceiver<DocCommand>,
    hub: DocumentHub,
) {
    let metrics = hub.inner.metrics.clone();
    metrics
        .loaded_documents
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    match DocActor::load(id, &hub).await {
        Ok(mut actor) => loop {
            let idle = tokio::time::sleep(hub.inner.idle_unload);
            let first = tokio::select! {
                command = rx.recv() => command,
                _ = idle, if actor.peers.is_empty() => {
                    if hub.try_unload(&id, &rx) { actor.compact(&hub, COMPACT_AFTER_CHUNKS).await; break } else { continue }
                }
                _ = hub.inner.shutdown.cancelled(), if actor.peers.is_empty() => {
                    if hub.try_unload(&id, &rx) { actor.compact(&hub, COMPACT_AFTER_CHUNKS).await; break } else { continue }
                }
            };
            let Some(first) = first else { break };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(command) => batch.push(command),
                    Err(_) => break,
                }
            }
            actor.handle(batch, &hub).await;
        },
        Err(reason) => {
            error!(document = %id, %reason, "could not load document");
            // Tell everyone waiting; the next command starts a fresh attempt.
            hub.try_unload(&id, &rx);
            rx.close();
            while let Some(command) = rx.recv().await {
                if let DocCommand::Sync { peer, .. } = command {
                    let _ = peer.outbox.send(Outbound::Refuse(format!(
                        "the server could not load document {id}; try again later"
                    )));
                }
            }
        }
    }
    metrics
        .loaded_documents
        .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    debug!(document = %id, "unloaded");
}

impl DocActor {
    async fn load(id: DocumentId, hub: &DocumentHub) -> Result<Self, String> {
        let doc = load_committed(id, hub).await?;
        let storage = hub.inner.storage.clone();
        let size = tokio::task::spawn_blocking(move || storage.stored_size(&id))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let identity = hub.inner.identity.clone();
        let owner = tokio::task::spawn_blocking(move || identity.document(&id))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
            .map(|(club, _kind)| club);
        Ok(Self {
            id,
            doc,
            sync: DocumentSync::new(),
            peers: BTreeMap::new(),
            owner,
            stored_bytes: size.bytes,
            stored_chunks: size.chunks,
        })
    }

    async fn handle(&mut self, batch: Vec<DocCommand>, hub: &DocumentHub) {
        let mut chunks: Vec<(DocumentId, Vec<u8>)> = Vec::new();
        let mut change_count = 0usize;
        let mut creator: Option<PeerInfo> = None;
        // Peers that sent something in this batch: when the document does not change, only
        // they can need an answer (automerge builds a bloom filter on every call, even one that
        // ends up sending nothing, so asking every peer after every reply is what made fan-out
        // to hundreds of phones slow).
        let mut touched: BTreeSet<ConnId> = BTreeSet::new();
        for command in batch {
            match command {
                DocCommand::Sync {
                    conn,
                    peer,
                    permission,
                    request,
                    message,
                } => {
                    if self.owner.is_some_and(|owner| owner != peer.club) {
                        // Another club's device raced for an id this club now owns.
                        let _ = peer.outbox.send(Outbound::Unavailable(self.id));
                        continue;
                    }
                    if !self.sync.has_peer(&conn) {
                        self.sync.add_peer(conn, permission, None);
                        self.peers.insert(conn, peer.clone());
                    }
                    touched.insert(conn);
                    match self.sync.receive(&conn, request, message, &mut self.doc) {
                        Ok(receipt) => {
                            if receipt.unavailable {
                                let _ = peer.outbox.send(Outbound::Unavailable(self.id));
                            }
                            if !receipt.changes.is_empty() {
                                chunks.push((self.id, receipt.changes));
                                change_count += receipt.change_count;
                                creator.get_or_insert(peer);
                            }
                        }
                        Err(e) => {
                            warn!(document = %self.id, %e, "refused malformed changes");
                            let _ = peer
                                .outbox
                                .send(Outbound::Refuse(format!("document {}: {e}", self.id)));
                            // Memory may hold part of the bad message: start again from disk.
                            chunks.clear();
                            self.reload(hub).await;
                            return;
                        }
                    }
                }
                DocCommand::Ephemeral { from, message } => {
                    for (conn, peer) in &self.peers {
                        if *conn != from {
                            let _ = peer.outbox.send(Outbound::Ephemeral(message.clone()));
                        }
                    }
                }
                DocCommand::Leave { conn } => {
                    self.sync.remove_peer(&conn);
                    self.peers.remove(&conn);
                }
            }
        }

        let committed_changes = !chunks.is_empty();
        if committed_changes {
            let new_bytes: u64 = chunks.iter().map(|(_, c)| c.len() as u64).sum();
            let limit = hub.inner.max_document_bytes;
            if self.stored_bytes + new_bytes > limit {
                warn!(document = %self.id, limit, "refused changes past the document size limit");
                hub.inner.metrics.refused("document_too_large");
                if let Some(creator) = &creator {
                    let _ = creator.outbox.send(Outbound::Refuse(format!(
                        "document {} would grow past the server's limit of {limit} bytes; \
                         its new changes were not saved",
                        self.id
                    )));
                }
                self.reload(hub).await;
                return;
            }
            if self.owner.is_none()
                && let Err(e) = DocumentKind::of(&self.doc)
            {
                // Only this document is refused, not the connection: a stock automerge-repo
                // client offers every document it holds on each connection, so closing it would
                // stop its other documents from syncing, again after every reconnect.
                warn!(document = %self.id, %e, "refused a new document that is not a clubsync document");
                hub.inner.metrics.refused("not_a_clubsync_document");
                for peer in std::mem::take(&mut self.peers).into_values() {
                    let _ = peer.outbox.send(Outbound::Unavailable(self.id));
                }
                self.reload(hub).await;
                return;
            }
            if let (None, Some(creator)) = (self.owner, &creator)
                && let Err(reason) = self.register(creator, hub).await
            {
                warn!(document = %self.id, %reason, "could not register new document");
                let _ = creator.outbox.send(Outbound::Refuse(reason));
                self.reload(hub).await;
                return;
            }
            let chunk_count = chunks.len() as u64;
            let committed = hub
                .inner
                .committer
                .commit(chunks, change_count as u64)
                .await;
            match committed {
                Ok(()) => {
                    self.sync.committed();
                    self.stored_bytes += new_bytes;
                    self.stored_chunks += chunk_count;
                }
                Err(failed) => {
                    error!(document = %self.id, %failed, "commit failed; nothing was acknowledged");
                    for peer in self.peers.values() {
                        let _ = peer.outbox.send(Outbound::Refuse(
                            "the server could not save changes; they are still on your device \
                             and will be sent again when you reconnect"
                                .into(),
                        ));
                    }
                    self.reload(hub).await;
                    return;
                }
            }
        }

        let messages = if committed_changes {
            self.sync.generate(&self.doc)
        } else {
            touched
                .into_iter()
                .filter_map(|conn| self.sync.generate_for(&conn, &self.doc).map(|m| (conn, m)))
                .collect()
        };
        for (conn, message) in messages {
            if let Some(peer) = self.peers.get(&conn) {
                let _ = peer.outbox.send(Outbound::Sync(self.id, message));
            }
        }
        self.compact(hub, COMPACT_NOW_CHUNKS).await;
    }

    /// Folds the stored chunks into one snapshot when there are at least `threshold` of them.
    /// Loading is then one snapshot read instead of many chunks.
    async fn compact(&mut self, hub: &DocumentHub, threshold: u64) {
        if self.stored_chunks < threshold {
            return;
        }
        let storage = hub.inner.storage.clone();
        let id = self.id;
        match tokio::task::spawn_blocking(move || storage.compact(&id)).await {
            Ok(Ok(done)) => {
                debug!(document = %id, folded = done.chunks_folded, bytes = done.snapshot_bytes, "compacted");
                self.stored_chunks = 0;
                self.stored_bytes = done.snapshot_bytes as u64;
            }
            failed => {
                warn!(document = %id, ?failed, "compaction failed; the chunks stay as they are")
            }
        }
    }

    /// Registers a document first created on this server to the club of the device that sent
    /// its first changes, and drops peers of other clubs.
    async fn register(&mut self, creator: &PeerInfo, hub: &DocumentHub) -> Result<(), String> {
        // The server keeps club records, not arbitrary data: a new document must say which
        // kind of clubsync document it is in its first changes.
        let kind = DocumentKind::of(&self.doc).map_err(|e| {
            format!(
                "document {} is not a clubsync document ({e}); its changes were not saved",
                self.id
            )
        })?;
        let identity = hub.inner.identity.clone();
        let (id, club, device) = (self.id, creator.club, creator.device);
        let now = crate::clock::now_ms();
        tokio::task::spawn_blocking(move || {
            identity.register_document(&id, club, kind, device, now)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        self.owner = Some(club);
        let strangers: Vec<ConnId> = self
            .peers
            .iter()
            .filter(|(_, p)| p.club != club)
            .map(|(c, _)| *c)
            .collect();
        for conn in strangers {
            if let Some(peer) = self.peers.remove(&conn) {
                let _ = peer.outbox.send(Outbound::Unavailable(self.id));
            }
            self.sync.remove_peer(&conn);
        }
        Ok(())
    }

    /// Drops everything in memory and loads the committed document again. Every connection
    /// starts its sync afresh.
    async fn reload(&mut self, hub: &DocumentHub) {
        match load_committed(self.id, hub).await {
            Ok(doc) => self.doc = doc,
            Err(reason) => {
                error!(document = %self.id, %reason, "reload failed");
                self.doc = Automerge::new();
                for peer in self.peers.values() {
                    let _ = peer.outbox.send(Outbound::Refuse(
                        "the server could not load this document; try again later".into(),
                    ));
                }
                self.peers.clear();
            }
        }
        self.sync = DocumentSync::new();
        for peer in self.peers.values() {
            // They reconnect and resync from scratch.
            let _ = peer.outbox.send(Outbound::Refuse(format!(
                "document {} was reloaded; reconnecting",
                self.id
            )));
        }
        self.peers.clear();
    }
}

async fn load_committed(id: DocumentId, hub: &DocumentHub) -> Result<Automerge, String> {
    let storage = hub.inner.storage.clone();
    let doc = tokio::task::spawn_blocking(move || storage.load(&id))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(doc.unwrap_or_default())
}
