//! The document store: Automerge documents kept as incremental change chunks plus compacted
//! snapshots, and sync states per (document, peer storage id).
//!
//! [`DocumentStore`] is the narrow interface devices and the server use; [`SqliteStore`] is
//! its embedded implementation (a PostgreSQL one can follow without touching domain code).
//!
//! Durability rule: a change is "saved" only once the call that stores it has returned `Ok`.
//! Every call that writes does so in one SQLite transaction, so a crash leaves either all of
//! it or none of it.

mod error;
mod provenance;
mod schema;
mod sqlite;

use automerge::sync::State;
use automerge::{ActorId, Automerge};
use clubsync_protocol::ids::{DocumentId, StorageId};

pub use error::StoreError;
pub use provenance::Provenance;
pub use sqlite::SqliteStore;

/// What compaction did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Compaction {
    /// Change chunks folded into the snapshot and deleted.
    pub chunks_folded: usize,
    /// Size of the new snapshot in bytes.
    pub snapshot_bytes: usize,
}

/// How much of a document is stored, as [`DocumentStore::stored_size`] reports it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct StoredSize {
    /// Bytes of the snapshot and every chunk.
    pub bytes: u64,
    /// Chunks not yet folded into the snapshot.
    pub chunks: u64,
    /// Bytes of those chunks (the rest of `bytes` is the snapshot).
    pub chunk_bytes: u64,
}

/// Where documents and sync states are kept.
pub trait DocumentStore {
    /// Stores one chunk of changes (as from `Automerge::save_after`) for a document, in one
    /// transaction. Storing the same changes twice is harmless.
    fn append_chunk(&mut self, id: &DocumentId, chunk: &[u8]) -> Result<(), StoreError>;

    /// Stores chunks of many documents in one transaction (group commit): all or none.
    fn commit_batch(&mut self, batch: &[(DocumentId, Vec<u8>)]) -> Result<(), StoreError> {
        self.commit_traced(batch, &[])
    }

    /// Stores chunks of many documents and where their changes came from in one transaction:
    /// all or none (see [`Provenance`]).
    fn commit_traced(
        &mut self,
        batch: &[(DocumentId, Vec<u8>)],
        provenance: &[Provenance],
    ) -> Result<(), StoreError>;

    /// Where each stored change of a document came from, oldest first.
    fn provenance(&self, id: &DocumentId) -> Result<Vec<Provenance>, StoreError>;

    /// Every Automerge actor bound to a device (the device's id), from the provenance stored.
    fn actor_devices(&self) -> Result<Vec<(ActorId, String)>, StoreError>;

    /// The document: its snapshot plus every chunk since, or `None` if nothing is stored.
    fn load(&self, id: &DocumentId) -> Result<Option<Automerge>, StoreError>;

    /// Replaces everything stored of a document (snapshot, chunks, sync states) with `doc`, in
    /// one transaction: for a device rebuilding a copy the server refused (see
    /// `rules::rebase`). Nothing else may replace a document: stored changes are never dropped.
    fn replace_document(&mut self, id: &DocumentId, doc: &Automerge) -> Result<(), StoreError>;

    /// Folds a document's chunks into one snapshot, in one transaction.
    fn compact(&mut self, id: &DocumentId) -> Result<Compaction, StoreError>;

    /// The ids of every stored document.
    fn documents(&self) -> Result<Vec<DocumentId>, StoreError>;

    /// What is stored of a document: its bytes (snapshot and chunks) and how many chunks wait
    /// to be compacted. Cheap: it reads no document.
    fn stored_size(&self, id: &DocumentId) -> Result<StoredSize, StoreError>;

    /// Saves the sync state of a document with a peer's storage.
    fn save_sync_state(
        &mut self,
        id: &DocumentId,
        peer: &StorageId,
        state: &State,
    ) -> Result<(), StoreError>;

    /// The saved sync state of a document with a peer's storage, if any.
    fn load_sync_state(
        &self,
        id: &DocumentId,
        peer: &StorageId,
    ) -> Result<Option<State>, StoreError>;
}
