//! The document store as the server shares it among document actors.
//!
//! The interface is `clubsync_core::store::DocumentStore` (narrow on purpose, so a PostgreSQL
//! backend can follow); the server keeps one behind a mutex and calls it from blocking tasks.
//! SQLite takes one writer at a time anyway, and group commit makes each write count.

use std::path::Path;
use std::sync::Mutex;

use automerge::{ActorId, Automerge};
use clubsync_core::store::{
    Compaction, DocumentStore, Provenance, SqliteStore, StoreError, StoredSize,
};
use clubsync_protocol::DocumentId;

/// The file of the document store inside the data directory.
pub const DOCUMENTS_FILE: &str = "documents.sqlite";

/// A document store shared by every task of the server.
pub struct SharedStore {
    /// A std mutex: every call is a short blocking SQLite operation made from a blocking task.
    inner: Mutex<Box<dyn DocumentStore + Send>>,
}

impl SharedStore {
    /// Opens (or creates) the SQLite document store in the data directory.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let store = SqliteStore::open(data_dir.join(DOCUMENTS_FILE))?;
        Ok(Self::new(Box::new(store)))
    }

    /// Shares any document store.
    pub fn new(store: Box<dyn DocumentStore + Send>) -> Self {
        Self {
            inner: Mutex::new(store),
        }
    }

    /// The committed document, or `None` if nothing of it is stored.
    pub fn load(&self, document: &DocumentId) -> Result<Option<Automerge>, StoreError> {
        self.lock().load(document)
    }

    /// Commits chunks of several documents, and the provenance of the changes devices sent,
    /// in one transaction: all or nothing.
    pub fn commit(
        &self,
        batch: &[(DocumentId, Vec<u8>)],
        provenance: &[Provenance],
    ) -> Result<(), StoreError> {
        self.lock().commit_traced(batch, provenance)
    }

    /// Where each stored change of a document came from, oldest first.
    pub fn provenance(&self, document: &DocumentId) -> Result<Vec<Provenance>, StoreError> {
        self.lock().provenance(document)
    }

    /// Every Automerge actor bound to a device.
    pub fn actor_devices(&self) -> Result<Vec<(ActorId, String)>, StoreError> {
        self.lock().actor_devices()
    }

    /// How much of a document is stored (bytes, and chunks waiting for compaction).
    pub fn stored_size(&self, document: &DocumentId) -> Result<StoredSize, StoreError> {
        self.lock().stored_size(document)
    }

    /// Folds a document's chunks into one snapshot, in one transaction.
    pub fn compact(&self, document: &DocumentId) -> Result<Compaction, StoreError> {
        self.lock().compact(document)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Box<dyn DocumentStore + Send>> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions), so
        // the store is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}
