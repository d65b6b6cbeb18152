//! One loaded document: its Automerge state, the sync state of every connection on it, and the
//! order that keeps the durability rule.
//!
//! The actor takes every command that has arrived (a batch), applies all sync messages, commits
//! all the new changes in one transaction (group commit), and only then generates the messages
//! that tell peers the new heads. A change is therefore never acknowledged, to its sender or to
//! anyone, before it is on disk.
//!
//! The server also writes club documents, with [`DocCommand::EditClub`] to the club document's
//! actor, which queues the [`ClubEdit`] and writes it as a change of the server's own, committed
//! like a peer's before any peer hears of it:
//!
//! - once a new activity document's first changes are committed, its actor asks for it to be
//!   listed in the club's index of documents ([`ClubEdit::Index`]); devices discover the club's
//!   documents by syncing the club document;
//! - once an invite is redeemed (`POST /api/join`), the member it made is added to the club's
//!   members ([`ClubEdit::AddMember`]), so core's record rules and devices know them.
//!
//! Loading a club document also queues what the identity database has and the document lacks:
//! every member, and every registered document with stored changes (a crash between the two
//! commits, or a club older than the writing).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use automerge::{Automerge, ObjType, ROOT, ReadDoc, ScalarValue, Value, sync};
use clubsync_core::club::{Club, Member};
use clubsync_core::document::{DocumentKind, TypedDocument};
use clubsync_core::error::RecordError;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::message::Ephemeral;
use clubsync_protocol::{DocumentId, DocumentSync, Permission};
use tokio::sync::mpsc;
use tracing::{debug, error, warn};

use crate::connection::{ConnId, Outbound, Outbox};
use crate::hub::DocumentHub;
use crate::identity::{ClubId, DeviceId};

/// The most commands handled in one batch (and so committed in one transaction).
const MAX_BATCH: usize = 512;

/// Chunks a document may gather while loaded before it is compacted at once into one snapshot.
/// When it is unloaded (idle, or the server stopping) it is compacted sooner: see
/// [`Compact::Unloading`].
const COMPACT_NOW_CHUNKS: u64 = 4096;

/// When a document's stored chunks are folded into one snapshot.
///
/// Loading a snapshot is several times faster than applying the same changes from chunks (each
/// chunk holds changes one by one: measured for a 100,000-donation collection, 0.6 s against
/// 2.6 s), so a document is compacted when it is unloaded as soon as its chunks weigh as much
/// as its snapshot, the rule automerge-repo's storage uses. Doubling keeps the cost of all
/// compactions proportional to the document's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compact {
    /// After a batch, with peers waiting: only past [`COMPACT_NOW_CHUNKS`].
    Busy,
    /// The document is being unloaded: when there are at least two chunks and they weigh at
    /// least as much as the snapshot.
    Unloading,
}

/// The longest title, in characters, the server copies into a club document's index.
const MAX_INDEX_TITLE_CHARS: usize = 200;

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
    /// To a club document: an edit the server itself makes to it, written with the actor's
    /// next commit.
    EditClub(ClubEdit),
}

/// What the server writes into a club document. Each edit is idempotent: one the document
/// already holds (the same id) is skipped.
#[derive(Clone, Debug)]
pub enum ClubEdit {
    /// List a new document of the club in its index. Sent by the new document's actor once its
    /// first changes are committed.
    Index {
        /// The new document.
        id: DocumentId,
        /// Its kind.
        kind: DocumentKind,
        /// Its title (its root `title`, else the kind's name).
        title: String,
    },
    /// Add a member of the club, as the identity database has them. Sent once an invite's
    /// redemption is committed.
    AddMember(Member),
}

impl std::fmt::Display for ClubEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Index { id, .. } => write!(f, "index entry for document {id}"),
            Self::AddMember(member) => write!(f, "member {}", member.id),
        }
    }
}

struct DocActor {
    id: DocumentId,
    doc: Automerge,
    sync: DocumentSync<ConnId>,
    peers: BTreeMap<ConnId, PeerInfo>,
    /// The club the registry gives this document, once it is registered.
    owner: Option<ClubId>,
    /// Its kind, as registered.
    kind: Option<DocumentKind>,
    /// A registered activity document whose club's index has not yet been asked to list it:
    /// asked after its first successful commit.
    needs_index: bool,
    /// For a club document: the server's edits to write with the next commit.
    pending_edits: Vec<ClubEdit>,
    /// Bytes stored for this document.
    stored_bytes: u64,
    /// Chunks stored since the last compaction.
    stored_chunks: u64,
    /// Bytes of those chunks.
    chunk_bytes: u64,
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
                    if hub.try_unload(&id, &rx) { actor.compact(&hub, Compact::Unloading).await; break } else { continue }
                }
                _ = hub.inner.shutdown.cancelled(), if actor.peers.is_empty() => {
                    if hub.try_unload(&id, &rx) { actor.compact(&hub, Compact::Unloading).await; break } else { continue }
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
                match command {
                    DocCommand::Sync { peer, .. } => {
                        let _ = peer.outbox.send(Outbound::Refuse(format!(
                            "the server could not load document {id}; try again later"
                        )));
                    }
                    DocCommand::EditClub(edit) => {
                        // Written when the club document next loads (see `missing_edits`).
                        warn!(document = %id, %edit, "could not write to the club document: it did not load");
                    }
                    DocCommand::Ephemeral { .. } | DocCommand::Leave { .. } => {}
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
        let registered = tokio::task::spawn_blocking(move || identity.document(&id))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let pending_edits = match registered {
            Some((club, DocumentKind::Club)) => missing_edits(id, &doc, club, hub).await,
            _ => Vec::new(),
        };
        Ok(Self {
            id,
            doc,
            sync: DocumentSync::new(),
            peers: BTreeMap::new(),
            owner: registered.map(|(club, _)| club),
            kind: registered.map(|(_, kind)| kind),
            // Registered, but its first commit failed before the actor was unloaded.
            needs_index: registered.is_some_and(|(_, kind)| kind != DocumentKind::Club)
                && size.bytes == 0,
            pending_edits,
            stored_bytes: size.bytes,
            stored_chunks: size.chunks,
            chunk_bytes: size.chunk_bytes,
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
                            let _ = peer
                                .outbox
                                .send(Outbound::Ephemeral(Box::new(message.clone())));
                        }
                    }
                }
                DocCommand::Leave { conn } => {
                    self.sync.remove_peer(&conn);
                    self.peers.remove(&conn);
                }
                DocCommand::EditClub(edit) => self.pending_edits.push(edit),
            }
        }

        let peer_bytes: u64 = chunks.iter().map(|(_, c)| c.len() as u64).sum();
        if !chunks.is_empty() {
            let limit = hub.inner.max_document_bytes;
            if self.stored_bytes + peer_bytes > limit {
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
        }

        // The server's own changes to this club document: members, index entries.
        let mut edited = Vec::new();
        if let Some((chunk, count, written)) = self.write_club_edits(peer_bytes, hub) {
            chunks.push((self.id, chunk));
            change_count += count;
            edited = written;
        }

        let committed_changes = !chunks.is_empty();
        if committed_changes {
            let new_bytes: u64 = chunks.iter().map(|(_, c)| c.len() as u64).sum();
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
                    self.chunk_bytes += new_bytes;
                }
                Err(failed) => {
                    error!(document = %self.id, %failed, "commit failed; nothing was acknowledged");
                    // Written again with the next batch, on the reloaded document.
                    self.pending_edits.extend(edited);
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
                let _ = peer.outbox.send(Outbound::Sync(self.id, Box::new(message)));
            }
        }
        if committed_changes && self.needs_index {
            self.ask_index(hub).await;
        }
        self.compact(hub, Compact::Busy).await;
    }

    /// Writes the pending edits into this (club) document, as changes made by the server.
    /// Returns the new chunk, its change count and the edits it holds, to commit with the
    /// batch; `None` when there is nothing to write or it cannot be written (logged: what the
    /// edits describe is committed already, in the identity database or as the indexed
    /// document, and stays as it is; a later load of the club document writes it).
    fn write_club_edits(
        &mut self,
        peer_bytes: u64,
        hub: &DocumentHub,
    ) -> Option<(Vec<u8>, usize, Vec<ClubEdit>)> {
        if self.pending_edits.is_empty() {
            return None;
        }
        let edits = std::mem::take(&mut self.pending_edits);
        // Written on a copy, so a refusal (size) leaves the document as it was.
        let mut club = match Club::from_automerge(self.doc.clone()) {
            Ok(club) => club,
            Err(e) => {
                warn!(document = %self.id, %e, edits = edits.len(), "could not write to the club document: not a club document");
                return None;
            }
        };
        let before = self.doc.get_heads();
        let at = Timestamp::from_millis(crate::clock::now_ms());
        let mut written = Vec::new();
        for edit in edits {
            let result = match &edit {
                ClubEdit::Index { id, kind, title } => {
                    club.register_document(*id, *kind, title, at)
                }
                ClubEdit::AddMember(member) => club.add_member(member, at),
            };
            match result {
                Ok(()) => written.push(edit),
                Err(RecordError::DuplicateId(_)) => {
                    debug!(document = %self.id, %edit, "already in the club document");
                }
                Err(e) => {
                    warn!(document = %self.id, %edit, %e, "could not write to the club document");
                }
            }
        }
        if written.is_empty() {
            return None;
        }
        let doc = std::mem::take(club.automerge_mut());
        let chunk = doc.save_after(&before);
        let limit = hub.inner.max_document_bytes;
        if self.stored_bytes + peer_bytes + chunk.len() as u64 > limit {
            warn!(document = %self.id, limit, edits = written.len(), "could not write to the club document: it would grow past the size limit");
            hub.inner.metrics.refused("document_too_large");
            return None;
        }
        let count = doc.get_changes(&before).len();
        self.doc = doc;
        Some((chunk, count, written))
    }

    /// Asks the club document's actor to list this newly committed document in its index.
    async fn ask_index(&mut self, hub: &DocumentHub) {
        let (Some(club), Some(kind)) = (self.owner, self.kind) else {
            return;
        };
        let identity = hub.inner.identity.clone();
        match tokio::task::spawn_blocking(move || identity.club_document(club)).await {
            Ok(Ok(club_document)) => {
                let title = title_of(&self.doc, kind);
                hub.send(
                    club_document,
                    DocCommand::EditClub(ClubEdit::Index {
                        id: self.id,
                        kind,
                        title,
                    }),
                );
                self.needs_index = false;
            }
            failed => {
                // Asked again after the next commit, or listed when the club document loads.
                warn!(document = %self.id, ?failed, "could not find the club document to index a new document");
            }
        }
    }

    /// Folds the stored chunks into one snapshot when `when` says it is worth it. Loading is
    /// then one snapshot read instead of many chunks.
    async fn compact(&mut self, hub: &DocumentHub, when: Compact) {
        let worth_it = match when {
            Compact::Busy => self.stored_chunks >= COMPACT_NOW_CHUNKS,
            Compact::Unloading => {
                let snapshot_bytes = self.stored_bytes.saturating_sub(self.chunk_bytes);
                self.stored_chunks >= 2 && self.chunk_bytes >= snapshot_bytes
            }
        };
        if !worth_it {
            return;
        }
        let storage = hub.inner.storage.clone();
        let id = self.id;
        match tokio::task::spawn_blocking(move || storage.compact(&id)).await {
            Ok(Ok(done)) => {
                debug!(document = %id, folded = done.chunks_folded, bytes = done.snapshot_bytes, "compacted");
                self.stored_chunks = 0;
                self.chunk_bytes = 0;
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
        self.kind = Some(kind);
        self.needs_index = kind != DocumentKind::Club;
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

/// The title a document is listed under in its club's index: its root `title` (a string or a
/// text object, as the JS app may write it), trimmed and cut to [`MAX_INDEX_TITLE_CHARS`], or
/// the kind's name when it has none.
fn title_of(doc: &Automerge, kind: DocumentKind) -> String {
    let title = match doc.get(ROOT, "title") {
        Ok(Some((Value::Scalar(scalar), _))) => match scalar.as_ref() {
            ScalarValue::Str(text) => Some(text.to_string()),
            _ => None,
        },
        Ok(Some((Value::Object(ObjType::Text), obj))) => doc.text(&obj).ok(),
        _ => None,
    };
    match title.as_deref().map(str::trim) {
        Some(title) if !title.is_empty() => title.chars().take(MAX_INDEX_TITLE_CHARS).collect(),
        _ => kind.as_str().to_owned(),
    }
}

/// What the identity database has and the club document `doc` (of `club`) lacks, as edits to
/// write: its missing members, then its missing index entries. A check that fails is logged
/// and skipped; the next load tries again.
async fn missing_edits(
    id: DocumentId,
    doc: &Automerge,
    club: ClubId,
    hub: &DocumentHub,
) -> Vec<ClubEdit> {
    let mut edits = missing_members(doc, club, hub)
        .await
        .unwrap_or_else(|reason| {
            warn!(document = %id, %reason, "could not check the club's members");
            Vec::new()
        });
    edits.extend(unindexed(doc, club, hub).await.unwrap_or_else(|reason| {
        warn!(document = %id, %reason, "could not check the club's index of documents");
        Vec::new()
    }));
    edits
}

/// The members of `club` in the identity database that its club document `doc` lacks.
async fn missing_members(
    doc: &Automerge,
    club: ClubId,
    hub: &DocumentHub,
) -> Result<Vec<ClubEdit>, String> {
    let document = Club::from_automerge(doc.clone()).map_err(|e| e.to_string())?;
    let identity = hub.inner.identity.clone();
    let members = tokio::task::spawn_blocking(move || identity.list_members(club))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let mut missing = Vec::new();
    for member in members {
        // A member the document holds in a shape it cannot read is left to its writers.
        if let Ok(None) = document.member(member.id) {
            missing.push(ClubEdit::AddMember(Member {
                id: member.id,
                display_name: member.display_name,
                contact: None,
                role: member.role,
                age16plus: member.age16plus,
            }));
        }
    }
    Ok(missing)
}

/// The registered documents of `club` that its club document `doc` does not list, with their
/// titles. A registered document with nothing stored yet is left out: its own actor asks for it
/// to be indexed once its first changes are committed.
async fn unindexed(
    doc: &Automerge,
    club: ClubId,
    hub: &DocumentHub,
) -> Result<Vec<ClubEdit>, String> {
    let indexed: HashSet<DocumentId> = Club::from_automerge(doc.clone())
        .and_then(|c| c.documents())
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let identity = hub.inner.identity.clone();
    let storage = hub.inner.storage.clone();
    tokio::task::spawn_blocking(move || {
        let registered = identity.list_documents(club).map_err(|e| e.to_string())?;
        let mut missing = Vec::new();
        for info in registered {
            if info.kind == DocumentKind::Club || indexed.contains(&info.id) {
                continue;
            }
            match storage.load(&info.id) {
                Ok(Some(stored)) => missing.push(ClubEdit::Index {
                    id: info.id,
                    kind: info.kind,
                    title: title_of(&stored, info.kind),
                }),
                Ok(None) => {}
                Err(e) => {
                    warn!(document = %info.id, %e, "could not load a document to index it");
                }
            }
        }
        Ok(missing)
    })
    .await
    .map_err(|e| e.to_string())?
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;

    use super::*;

    fn with_title(write: impl FnOnce(&mut automerge::transaction::Transaction<'_>)) -> Automerge {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        write(&mut tx);
        tx.commit();
        doc
    }

    #[test]
    fn a_document_is_indexed_under_its_title_or_its_kind() {
        let scalar = with_title(|tx| {
            tx.put(ROOT, "title", "  High Street  ").expect("put");
        });
        assert_eq!(
            title_of(&scalar, DocumentKind::StreetCollection),
            "High Street"
        );

        // The JS app may write a plain string, which becomes a text object.
        let text = with_title(|tx| {
            let obj = tx.put_object(ROOT, "title", ObjType::Text).expect("text");
            tx.splice_text(&obj, 0, 0, "Free the journalists")
                .expect("splice");
        });
        assert_eq!(
            title_of(&text, DocumentKind::Petition),
            "Free the journalists"
        );

        let none = with_title(|tx| {
            tx.put(ROOT, "kind", "materials_stock").expect("put");
        });
        assert_eq!(
            title_of(&none, DocumentKind::MaterialsStock),
            "materials_stock"
        );
        let blank = with_title(|tx| {
            tx.put(ROOT, "title", " ").expect("put");
        });
        assert_eq!(title_of(&blank, DocumentKind::Event), "event");

        let long = with_title(|tx| {
            tx.put(ROOT, "title", "é".repeat(1000)).expect("put");
        });
        assert_eq!(
            title_of(&long, DocumentKind::Event).chars().count(),
            MAX_INDEX_TITLE_CHARS
        );
    }
}
