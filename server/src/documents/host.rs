//! One loaded document as a sans-IO state machine: its Automerge state, the sync state of every
//! connection on it, and the order that keeps the durability rule.
//!
//! The host takes one [`Input`] at a time and answers with one [`Effects`] value. A batch of
//! commands is applied whole; its new changes (and the server's own edits of a club document)
//! go out as one [`Commit`] request, and no peer hears of them (no sync message is generated)
//! until the shell answers [`Input::Committed`]. A change is therefore never acknowledged, to
//! its sender or to anyone, before it is on disk. A document first seen here is registered to
//! the club of the device that created it before its changes are committed.
//!
//! The host reads no clock and touches no socket, file or database: `actor` is the tokio shell
//! that performs its effects on the real server, and the simulated world of the server's tests
//! performs them in memory.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use automerge::Automerge;
use clubsync_core::document::DocumentKind;
use clubsync_core::store::{Provenance, StoredSize};
use clubsync_protocol::{DocumentId, DocumentSync};
use refusal::{provenance, record_rules};
use tracing::{debug, error, warn};

use super::actor_book::ActorBook;
use super::club_edits::{self, title_of};
use super::command::{ClubEdit, DocCommand};
use super::effects::{Commit, Effects, HostLimits, IndexRequest, Input, Loaded, Registration};
use super::peer::{ConnId, Outbound, PeerInfo};
use super::upgrade;
use crate::identity::ClubId;

/// Chunks a document may gather while loaded before it is compacted at once into one snapshot.
/// When it is unloaded (idle, or the server stopping) it is compacted sooner: see
/// [`DocumentHost::worth_compacting_on_unload`].
const COMPACT_NOW_CHUNKS: u64 = 4096;

/// What the host is waiting for.
enum Step {
    /// Nothing: the next batch may come.
    Ready,
    /// The answer to [`Effects::register`], then the batch goes on to commit.
    Registering(Batch),
    /// The answer to [`Effects::commit`].
    Committing(Batch),
    /// The answer to [`Effects::reload`].
    Reloading,
    /// The answer to [`Effects::compact`].
    Compacting,
    /// The reload failed: the host can do nothing more.
    Failed,
}

/// A batch between being applied and being committed.
#[derive(Default)]
struct Batch {
    chunks: Vec<Vec<u8>>,
    change_count: usize,
    /// The first connection whose changes are in the batch, which creates a new document.
    creator: Option<(ConnId, PeerInfo)>,
    /// The server's edits written into the batch.
    edited: Vec<ClubEdit>,
    now_ms: i64,
    /// Where each peer change of the batch came from.
    provenance: Vec<Provenance>,
    /// Bytes and chunks asked to be committed.
    commit_bytes: u64,
    commit_chunks: u64,
}

/// One loaded document and its peers.
pub struct DocumentHost {
    id: DocumentId,
    doc: Automerge,
    sync: DocumentSync<ConnId>,
    peers: BTreeMap<ConnId, PeerInfo>,
    /// The club the registry gives this document, once it is registered.
    owner: Option<ClubId>,
    /// Its kind, as registered.
    kind: Option<DocumentKind>,
    /// A registered activity document whose club's index has not yet been asked to list it:
    /// asked after its next successful commit.
    needs_index: bool,
    /// For a club document: the server's edits to write with the next commit.
    pending_edits: Vec<ClubEdit>,
    /// What storage holds of this document.
    stored: StoredSize,
    limits: HostLimits,
    step: Step,
    /// Which device owns each actor id, shared with every other document's host.
    actors: Arc<ActorBook>,
    /// Commands that arrived while the host waited for an answer; handled once it is ready.
    queued: Vec<DocCommand>,
    queued_at: i64,
    /// Testing only: let peers hear of changes before they are committed.
    #[cfg(feature = "fault-injection")]
    acknowledge_before_commit: bool,
}

impl DocumentHost {
    /// The host of a document just loaded from storage.
    pub fn new(id: DocumentId, loaded: Loaded, limits: HostLimits, actors: Arc<ActorBook>) -> Self {
        let registered = loaded.registered;
        Self {
            id,
            doc: loaded.doc,
            sync: DocumentSync::new(),
            peers: BTreeMap::new(),
            owner: registered.map(|(club, _)| club),
            kind: registered.map(|(_, kind)| kind),
            // Registered, but its first commit failed before the document was unloaded.
            needs_index: registered.is_some_and(|(_, kind)| kind != DocumentKind::Club)
                && loaded.size.bytes == 0,
            pending_edits: loaded.missing_edits,
            stored: loaded.size,
            limits,
            actors,
            step: Step::Ready,
            queued: Vec::new(),
            queued_at: 0,
            #[cfg(feature = "fault-injection")]
            acknowledge_before_commit: false,
        }
    }

    /// Breaks the durability rule on purpose: peers are sent the new heads as soon as a batch is
    /// applied, before its commit. Only for the test that shows the simulated world catches it.
    #[cfg(feature = "fault-injection")]
    pub fn acknowledge_before_commit(&mut self) {
        self.acknowledge_before_commit = true;
    }

    /// The document in memory (committed, except while a commit is pending).
    pub fn doc(&self) -> &Automerge {
        &self.doc
    }

    /// True when no connection is on the document and nothing is pending: it may be unloaded.
    pub fn is_idle(&self) -> bool {
        self.peers.is_empty() && self.queued.is_empty() && matches!(self.step, Step::Ready)
    }

    /// Whether to fold the stored chunks into one snapshot before unloading: when there are at
    /// least two and they weigh at least as much as the snapshot. Loading a snapshot is several
    /// times faster than applying the same changes from chunks (measured for a 100,000-donation
    /// collection: 0.6 s against 2.6 s); this is the rule automerge-repo's storage uses, and
    /// doubling keeps the cost of all compactions proportional to the document's size.
    pub fn worth_compacting_on_unload(&self) -> bool {
        let snapshot_bytes = self.stored.bytes.saturating_sub(self.stored.chunk_bytes);
        self.stored.chunks >= 2 && self.stored.chunk_bytes >= snapshot_bytes
    }

    /// Takes one input; returns what the shell must do.
    pub fn handle(&mut self, input: Input) -> Effects {
        let mut effects = Effects::default();
        match input {
            Input::Batch { commands, now_ms } => {
                if matches!(self.step, Step::Ready) {
                    self.apply(commands, now_ms, &mut effects);
                } else {
                    self.queued.extend(commands);
                    self.queued_at = now_ms;
                }
            }
            Input::Registered(result) => match std::mem::replace(&mut self.step, Step::Ready) {
                Step::Registering(batch) => self.registered(result, batch, &mut effects),
                other => self.unexpected(other, "registered"),
            },
            Input::Committed => match std::mem::replace(&mut self.step, Step::Ready) {
                Step::Committing(batch) => self.committed(batch, &mut effects),
                other => self.unexpected(other, "committed"),
            },
            Input::CommitFailed(reason) => match std::mem::replace(&mut self.step, Step::Ready) {
                Step::Committing(batch) => {
                    error!(document = %self.id, %reason, "commit failed; nothing was acknowledged");
                    // Written again with the next batch, on the reloaded document.
                    self.pending_edits.extend(batch.edited);
                    for conn in self.peers.keys() {
                        effects.send(
                            *conn,
                            Outbound::Refuse(
                                "the server could not save changes; they are still on your \
                                 device and will be sent again when you reconnect"
                                    .into(),
                            ),
                        );
                    }
                    self.start_reload(&mut effects);
                }
                other => self.unexpected(other, "commit failed"),
            },
            Input::Reloaded(result) => match std::mem::replace(&mut self.step, Step::Ready) {
                Step::Reloading => match result {
                    Ok(doc) => self.doc = *doc,
                    Err(reason) => {
                        error!(document = %self.id, %reason, "reload failed");
                        self.step = Step::Failed;
                        effects.failed = Some(reason);
                        return effects;
                    }
                },
                other => self.unexpected(other, "reloaded"),
            },
            Input::Compacted(result) => match std::mem::replace(&mut self.step, Step::Ready) {
                Step::Compacting => match result {
                    Ok(snapshot_bytes) => {
                        debug!(document = %self.id, snapshot_bytes, "compacted");
                        self.stored = StoredSize {
                            bytes: snapshot_bytes,
                            chunks: 0,
                            chunk_bytes: 0,
                        };
                    }
                    Err(reason) => {
                        warn!(document = %self.id, %reason, "compaction failed; the chunks stay as they are")
                    }
                },
                other => self.unexpected(other, "compacted"),
            },
            Input::IndexNotDelivered => self.needs_index = true,
        }
        if matches!(self.step, Step::Ready) && !self.queued.is_empty() {
            let commands = std::mem::take(&mut self.queued);
            let now_ms = self.queued_at;
            let mut more = Effects::default();
            self.apply(commands, now_ms, &mut more);
            effects.then(more);
        }
        effects
    }

    /// An answer the host did not ask for: a bug in the shell. The step is kept.
    fn unexpected(&mut self, step: Step, answer: &str) {
        error!(document = %self.id, answer, "the document host got an answer it did not ask for");
        self.step = step;
    }

    /// Applies a batch of commands; asks to register or commit what they changed.
    fn apply(&mut self, commands: Vec<DocCommand>, now_ms: i64, effects: &mut Effects) {
        let mut batch = Batch {
            now_ms,
            ..Batch::default()
        };
        // Peers that sent something in this batch: when the document does not change, only
        // they can need an answer (automerge builds a bloom filter on every call, even one that
        // ends up sending nothing, so asking every peer after every reply is what made fan-out
        // to hundreds of phones slow).
        let mut touched: BTreeSet<ConnId> = BTreeSet::new();
        let mut reloading = false;
        for command in commands {
            match command {
                DocCommand::Sync {
                    conn,
                    peer,
                    permission,
                    request,
                    message,
                } => {
                    if reloading {
                        effects.send(conn, self.reloaded_refusal());
                        continue;
                    }
                    if self.owner.is_some_and(|owner| owner != peer.club) {
                        // Another club's device raced for an id this club now owns.
                        effects.send(conn, Outbound::Unavailable(self.id));
                        continue;
                    }
                    if !self.sync.has_peer(&conn) {
                        self.sync.add_peer(conn, permission, None);
                        self.peers.insert(conn, peer);
                    }
                    touched.insert(conn);
                    let before = self.doc.get_heads();
                    if let Some(text) = self.past_size_limit(&batch, &message) {
                        warn!(document = %self.id, device = %peer.device, "refused changes past the document size limit");
                        touched.remove(&conn);
                        // Nothing was applied: no rollback can fail.
                        let _ =
                            self.refuse_peer(conn, &before, "document_too_large", text, effects);
                        continue;
                    }
                    match self.sync.receive(&conn, request, message, &mut self.doc) {
                        Ok(receipt) => {
                            if receipt.unavailable {
                                effects.send(conn, Outbound::Unavailable(self.id));
                            }
                            if receipt.changes.is_empty() {
                                continue;
                            }
                            match record_rules(&self.doc, &before, &peer, &self.actors) {
                                Ok(checked) => batch
                                    .provenance
                                    .extend(provenance(self.id, &peer, now_ms, checked)),
                                Err(refusal) => {
                                    touched.remove(&conn);
                                    if !self.refuse_changes(conn, &peer, &before, &refusal, effects)
                                    {
                                        reloading = true;
                                    }
                                    continue;
                                }
                            }
                            {
                                batch.chunks.push(receipt.changes);
                                batch.change_count += receipt.change_count;
                                batch.creator.get_or_insert((conn, peer));
                            }
                        }
                        Err(e) => {
                            // Only this peer is refused (a duplicate actor and sequence number
                            // once reloaded the document and disconnected everyone); memory
                            // goes back to the heads before the message.
                            warn!(document = %self.id, device = %peer.device, e = %crate::log_text::capped(&e), "refused malformed changes");
                            touched.remove(&conn);
                            let text = format!("document {}: {e}", self.id);
                            if !self.refuse_peer(
                                conn,
                                &before,
                                "malformed_automerge",
                                text,
                                effects,
                            ) {
                                reloading = true;
                            }
                        }
                    }
                }
                DocCommand::Ephemeral { from, message } => {
                    for conn in self.peers.keys().filter(|c| **c != from) {
                        effects.send(*conn, Outbound::Ephemeral(Box::new(message.clone())));
                    }
                }
                DocCommand::Leave { conn } => {
                    self.sync.remove_peer(&conn);
                    self.peers.remove(&conn);
                }
                DocCommand::EditClub(edit) => self.pending_edits.push(edit),
            }
        }
        if reloading {
            return;
        }
        if batch.chunks.is_empty() && self.sync.is_uncommitted() {
            // Only refused changes were applied, and they were rolled back.
            self.sync.committed();
        }

        if !batch.chunks.is_empty() {
            let peer_bytes: u64 = batch.chunks.iter().map(|c| c.len() as u64).sum();
            let limit = self.limits.max_document_bytes;
            if self.stored.bytes + peer_bytes > limit {
                warn!(document = %self.id, limit, "refused changes past the document size limit");
                effects.refused.push("document_too_large");
                if let Some((conn, _)) = batch.creator {
                    effects.send(
                        conn,
                        Outbound::Refuse(format!(
                            "document {} would grow past the server's limit of {limit} bytes; \
                             its new changes were not saved",
                            self.id
                        )),
                    );
                }
                self.start_reload(effects);
                return;
            }
            if self.owner.is_none() {
                match DocumentKind::of(&self.doc) {
                    Err(e) => {
                        // Only this document is refused, not the connection: a stock
                        // automerge-repo client offers every document it holds on each
                        // connection, so closing it would stop its other documents from
                        // syncing, again after every reconnect.
                        warn!(document = %self.id, e = %crate::log_text::capped(&e), "refused a new document that is not a clubsync document");
                        effects.refused.push("not_a_clubsync_document");
                        for conn in std::mem::take(&mut self.peers).into_keys() {
                            effects.send(conn, Outbound::Unavailable(self.id));
                        }
                        self.start_reload(effects);
                        return;
                    }
                    Ok(kind) => {
                        if let Some((_, creator)) = batch.creator {
                            effects.register = Some(Registration {
                                club: creator.club,
                                kind,
                                device: creator.device,
                            });
                            self.step = Step::Registering(batch);
                            return;
                        }
                    }
                }
            }
        }
        self.commit_or_answer(batch, touched, effects);
    }

    /// Adds the server's own edits (missing containers, club edits), then asks to commit; with nothing to commit, answers the
    /// peers that spoke.
    fn commit_or_answer(
        &mut self,
        mut batch: Batch,
        touched: BTreeSet<ConnId>,
        effects: &mut Effects,
    ) {
        let limit = self.limits.max_document_bytes;
        let bytes = |b: &Batch| b.chunks.iter().map(|c| c.len() as u64).sum::<u64>();
        let stored = self.stored.bytes + bytes(&batch);
        if let Some(chunk) = upgrade::write(self.id, &mut self.doc, stored, limit, batch.now_ms) {
            batch.change_count += 1;
            batch.chunks.push(chunk);
        }
        let stored = self.stored.bytes + bytes(&batch);
        let edits = &mut self.pending_edits;
        if let Some(written) =
            club_edits::write(self.id, &mut self.doc, edits, stored, limit, batch.now_ms)
        {
            batch.chunks.push(written.chunk);
            batch.change_count += written.change_count;
            batch.edited = written.edits;
        }
        if batch.chunks.is_empty() {
            for conn in touched {
                if let Some(message) = self.sync.generate_for(&conn, &self.doc) {
                    effects.send(conn, Outbound::Sync(self.id, Box::new(message)));
                }
            }
            return;
        }
        #[cfg(feature = "fault-injection")]
        if self.acknowledge_before_commit {
            self.sync.committed();
            self.generate_all(effects);
        }
        batch.commit_bytes = batch.chunks.iter().map(|c| c.len() as u64).sum();
        batch.commit_chunks = batch.chunks.len() as u64;
        effects.commit = Some(Commit {
            chunks: std::mem::take(&mut batch.chunks),
            change_count: batch.change_count as u64,
            provenance: std::mem::take(&mut batch.provenance),
        });
        // Kept for their sizes and edits until the answer comes.
        self.step = Step::Committing(batch);
    }

    /// The batch is on disk: every peer may hear the new heads.
    fn committed(&mut self, batch: Batch, effects: &mut Effects) {
        self.sync.committed();
        self.stored.bytes += batch.commit_bytes;
        self.stored.chunks += batch.commit_chunks;
        self.stored.chunk_bytes += batch.commit_bytes;
        self.generate_all(effects);
        if self.needs_index
            && let (Some(club), Some(kind)) = (self.owner, self.kind)
        {
            effects.index = Some(IndexRequest {
                club,
                kind,
                title: title_of(&self.doc, kind),
            });
            self.needs_index = false;
        }
        if self.stored.chunks >= COMPACT_NOW_CHUNKS {
            effects.compact = true;
            self.step = Step::Compacting;
        }
    }

    fn generate_all(&mut self, effects: &mut Effects) {
        for (conn, message) in self.sync.generate(&self.doc) {
            effects.send(conn, Outbound::Sync(self.id, Box::new(message)));
        }
    }

    /// Drops everything in memory and asks for the committed document again. Every connection
    /// is told to reconnect, and starts its sync afresh.
    pub(super) fn start_reload(&mut self, effects: &mut Effects) {
        for conn in std::mem::take(&mut self.peers).into_keys() {
            effects.send(conn, self.reloaded_refusal());
        }
        self.sync = DocumentSync::new();
        self.doc = Automerge::new();
        effects.reload = true;
        self.step = Step::Reloading;
    }

    fn reloaded_refusal(&self) -> Outbound {
        Outbound::Refuse(format!("document {} was reloaded; reconnecting", self.id))
    }
}

mod refusal;
mod registration;

#[cfg(test)]
mod tests;
