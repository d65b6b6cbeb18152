//! One connection's sync of a club's documents, as a sans-IO state machine: frames and store
//! answers in ([`DeviceInput`]), one [`DeviceEffects`] value out.
//!
//! It runs the protocol's [`ClientSession`] over the documents in memory and decides everything
//! a device decides while connected: which chunk to store, when a document is in sync, what the
//! server has confirmed, when the club's index may list new documents. It reads no socket, file
//! or clock. The rule it keeps: **a received change is stored before the session answers**. A
//! sync message with changes yields a [`DeviceEffects::store`] request and nothing more is done
//! until the shell answers [`DeviceInput::Stored`], so a crash never loses what the device has
//! acknowledged.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use automerge::{Automerge, ChangeHash, sync};
use clubsync_protocol::message::PeerMetadata;
use clubsync_protocol::{ClientAction, ClientSession, DocumentId, Limits, PeerId, StorageId};

use super::events::SyncEvent;
use crate::home::pending_changes;

/// What happened on the connection.
#[derive(Debug)]
pub enum DeviceInput {
    /// A binary frame from the server.
    Frame(Vec<u8>),
    /// A document enters the sync as the store holds it, with the sync state last saved for
    /// this server, if any.
    Open {
        /// The document.
        id: DocumentId,
        /// Its stored state (empty when the device has nothing of it).
        doc: Box<Automerge>,
        /// The saved sync state.
        saved: Option<sync::State>,
    },
    /// Records another program made on this device: the store's copy of a document in the sync.
    Local {
        /// The document.
        id: DocumentId,
        /// As the store holds it now.
        stored: Box<Automerge>,
    },
    /// The chunk of [`DeviceEffects::store`] is in the store.
    Stored,
}

/// What the shell must do: store first (then answer [`DeviceInput::Stored`]), then send the
/// frames, record what the server confirmed, and emit the events.
#[derive(Debug, Default)]
#[must_use = "effects are what the device sync asks for"]
pub struct DeviceEffects {
    /// Frames for the server, in order.
    pub frames: Vec<Vec<u8>>,
    /// The server answered `join`, with its storage id.
    pub joined: Option<Option<StorageId>>,
    /// Store this chunk of a document before anything else; answer [`DeviceInput::Stored`].
    pub store: Option<(DocumentId, Vec<u8>)>,
    /// Heads the server has confirmed, to remember per document.
    pub server_heads: Vec<(DocumentId, Vec<ChangeHash>)>,
    /// Documents the server does not have or will not share, to remember.
    pub unavailable: Vec<DocumentId>,
    /// Documents now in sync, with the changes received for each since it was last compacted:
    /// save their sync state, and compact them if they grew.
    pub synced: Vec<(DocumentId, usize)>,
    /// The club document got new changes: read its index and open the documents it adds.
    pub club_changed: bool,
    /// The connection is over for this reason.
    pub closed: Option<String>,
    /// Progress, for a display.
    pub events: Vec<SyncEvent>,
}

/// The sync of one club's documents over one connection.
pub struct DeviceSync {
    session: ClientSession,
    club_document: DocumentId,
    docs: BTreeMap<DocumentId, Automerge>,
    in_sync: BTreeSet<DocumentId>,
    unavailable: BTreeSet<DocumentId>,
    /// Changes received per document since it was last compacted.
    received_since_compaction: BTreeMap<DocumentId, usize>,
    /// Actions of the session not yet carried out (waiting behind a store).
    queue: VecDeque<ClientAction>,
    /// The document whose received chunk is being stored, and how many changes it holds.
    storing: Option<(DocumentId, usize)>,
}

impl DeviceSync {
    /// A new connection's sync as peer `local` (with this device's storage id); returns the
    /// `join` frame to send first.
    pub fn connect(
        local: PeerId,
        storage_id: StorageId,
        club_document: DocumentId,
    ) -> (Self, Vec<u8>) {
        let metadata = PeerMetadata {
            storage_id: Some(storage_id),
            is_ephemeral: false,
        };
        let (session, join) = ClientSession::connect(local, metadata, Limits::default());
        let sync = Self {
            session,
            club_document,
            docs: BTreeMap::new(),
            in_sync: BTreeSet::new(),
            unavailable: BTreeSet::new(),
            received_since_compaction: BTreeMap::new(),
            queue: VecDeque::new(),
            storing: None,
        };
        (sync, join)
    }

    /// Takes one input; returns what the shell must do.
    pub fn handle(&mut self, input: DeviceInput) -> DeviceEffects {
        let mut effects = DeviceEffects::default();
        match input {
            DeviceInput::Frame(frame) => {
                let actions = self.session.receive_frame(&frame);
                self.queue.extend(actions);
            }
            DeviceInput::Open { id, doc, saved } => {
                if let Some(state) = saved {
                    self.session.resume_document(id, state);
                }
                let actions = self.session.sync_document(id, &doc);
                self.docs.insert(id, *doc);
                self.queue.extend(actions);
            }
            DeviceInput::Local { id, mut stored } => {
                let doc = self.docs.entry(id).or_default();
                let before = doc.get_heads();
                if let Err(e) = doc.merge(&mut stored) {
                    effects.closed = Some(format!("merging local records: {e}"));
                    return effects;
                }
                if doc.get_heads() != before {
                    self.in_sync.remove(&id);
                    let actions = self.session.sync_document(id, doc);
                    self.queue.extend(actions);
                }
            }
            DeviceInput::Stored => match self.storing.take() {
                Some((id, changes)) => self.after_apply(id, changes, &mut effects),
                None => {
                    effects.closed =
                        Some("the device sync was told of a store it did not ask for".into());
                    return effects;
                }
            },
        }
        self.run_queue(&mut effects);
        effects
    }

    /// True when every document is in sync or not available on the server.
    pub fn all_in_sync(&self) -> bool {
        self.docs
            .keys()
            .all(|id| self.in_sync.contains(id) || self.unavailable.contains(id))
    }

    /// True when the document is in the sync.
    pub fn has_document(&self, id: &DocumentId) -> bool {
        self.docs.contains_key(id)
    }

    /// True when the device holds records of the document (it is not empty here).
    pub fn holds_records(&self, id: &DocumentId) -> bool {
        self.docs.get(id).is_some_and(|d| !d.get_heads().is_empty())
    }

    /// The documents in the sync.
    pub fn documents(&self) -> impl Iterator<Item = &DocumentId> {
        self.docs.keys()
    }

    /// The sync state with the server for a document, to save.
    pub fn sync_state(&self, id: &DocumentId) -> Option<&sync::State> {
        self.session.sync_state(id)
    }

    /// The frame that says goodbye.
    pub fn leave_frame(&mut self) -> Vec<u8> {
        self.session.leave_frame()
    }

    /// Carries out the session's actions until the queue is empty or a store must come first.
    fn run_queue(&mut self, effects: &mut DeviceEffects) {
        while self.storing.is_none() && effects.closed.is_none() {
            let Some(action) = self.queue.pop_front() else {
                return;
            };
            match action {
                ClientAction::Send(frame) => effects.frames.push(frame),
                ClientAction::Joined { metadata, .. } => {
                    effects.joined = Some(metadata.and_then(|m| m.storage_id));
                }
                ClientAction::Sync {
                    document_id,
                    message,
                } => self.apply(document_id, message, effects),
                ClientAction::Unavailable(id) => {
                    self.unavailable.insert(id);
                    effects.unavailable.push(id);
                    effects.events.push(SyncEvent::Unavailable { document: id });
                }
                ClientAction::Ephemeral(_) => {}
                ClientAction::Report(e) => tracing::warn!(%e, "the server sent something odd"),
                ClientAction::Close(e) => effects.closed = Some(e.to_string()),
            }
        }
    }

    /// Applies one sync message; asks to store its changes before the session goes on.
    fn apply(&mut self, id: DocumentId, message: sync::Message, effects: &mut DeviceEffects) {
        let doc = self.docs.entry(id).or_default();
        match self.session.apply(id, message, doc) {
            Ok(receipt) if !receipt.changes.is_empty() => {
                effects.events.push(SyncEvent::Received {
                    document: id,
                    changes: receipt.change_count,
                    bytes: receipt.changes.len(),
                });
                effects.store = Some((id, receipt.changes));
                self.storing = Some((id, receipt.change_count));
            }
            Ok(_) => self.after_apply(id, 0, effects),
            Err(e) => {
                // The document in memory may hold part of a bad message: only the store is sure.
                self.docs.remove(&id);
                effects.closed = Some(e.to_string());
            }
        }
    }

    /// The received changes (`changes` of them) are stored: the session answers, and what the
    /// server has confirmed is noted.
    fn after_apply(&mut self, id: DocumentId, changes: usize, effects: &mut DeviceEffects) {
        if changes > 0 {
            self.unavailable.remove(&id);
            *self.received_since_compaction.entry(id).or_default() += changes;
        }
        let doc = self.docs.entry(id).or_default();
        let actions = self.session.committed(id, doc);
        self.queue.extend(actions);
        self.note_server_heads(id, effects);
        if id == self.club_document && changes > 0 {
            effects.club_changed = true;
        }
    }

    /// Notes what the server has confirmed of a document, and whether it is now in sync.
    fn note_server_heads(&mut self, id: DocumentId, effects: &mut DeviceEffects) {
        let Some(heads) = self.session.server_heads(&id).map(<[ChangeHash]>::to_vec) else {
            return;
        };
        let doc = self.docs.entry(id).or_default();
        let pending = pending_changes(doc, &heads);
        let synced = pending == 0 && same_heads(&heads, &doc.get_heads());
        effects.events.push(SyncEvent::Pending {
            document: id,
            changes: pending,
        });
        effects.server_heads.push((id, heads));
        if synced && self.in_sync.insert(id) {
            effects
                .events
                .push(SyncEvent::DocumentSynced { document: id });
            let received = self.received_since_compaction.remove(&id).unwrap_or(0);
            effects.synced.push((id, received));
        } else if !synced {
            self.in_sync.remove(&id);
        }
    }
}

fn same_heads(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    let a: BTreeSet<_> = a.iter().collect();
    let b: BTreeSet<_> = b.iter().collect();
    a == b
}

#[cfg(test)]
mod tests;
