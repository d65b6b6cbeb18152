//! The document store as the server shares it among document actors.
//!
//! The interface is `clubsync_core::store::DocumentStore` (narrow on purpose, so a PostgreSQL
//! backend can follow); the server keeps one writer behind a mutex and calls it from blocking
//! tasks. SQLite takes one writer at a time anyway, and group commit makes each write count.
//!
//! Reads (a document's load, a report's documents, the audit trail, sizes) go through read-only
//! connections of their own, never the writer's: in WAL mode they see what is committed and
//! neither waits for the other, so a head office's big report or a large document's load does
//! not hold up any club's commits.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use automerge::{ActorId, Automerge};
use clubsync_core::store::{
    Compaction, DocumentStore, Provenance, SqliteStore, StoreError, StoredSize,
};
use clubsync_protocol::DocumentId;

/// The file of the document store inside the data directory.
pub const DOCUMENTS_FILE: &str = "documents.sqlite";

/// Read-only connections kept open for reuse; more are opened when more readers run at once.
const IDLE_READERS: usize = 4;

/// A document store shared by every task of the server.
pub struct SharedStore {
    /// The writer. A std mutex: every call is a short blocking SQLite operation made from a
    /// blocking task.
    inner: Mutex<Box<dyn DocumentStore + Send>>,
    /// Read-only connections to the same file (`None` for a store that is not a SQLite file:
    /// reads then go through the writer).
    readers: Option<Readers>,
}

/// The idle read-only connections of a SQLite store.
struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<SqliteStore>>,
}

impl SharedStore {
    /// Opens (or creates) the SQLite document store in the data directory.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let path = data_dir.join(DOCUMENTS_FILE);
        let store = SqliteStore::open(&path)?;
        // One reader now: a file a reader cannot open is found at start, not at the first load.
        let reader = SqliteStore::open_read_only(&path)?;
        Ok(Self {
            inner: Mutex::new(Box::new(store)),
            readers: Some(Readers {
                path,
                idle: Mutex::new(vec![reader]),
            }),
        })
    }

    /// Shares any document store (reads and writes through it).
    pub fn new(store: Box<dyn DocumentStore + Send>) -> Self {
        Self {
            inner: Mutex::new(store),
            readers: None,
        }
    }

    /// Runs a read on a read-only connection (the writer's, for a store without readers).
    fn read<T>(
        &self,
        read: impl FnOnce(&dyn DocumentStore) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Some(readers) = &self.readers else {
            return read(self.lock().as_ref());
        };
        let idle = readers.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let reader = match idle {
            Some(reader) => reader,
            None => SqliteStore::open_read_only(&readers.path)?,
        };
        let result = read(&reader);
        let mut idle = readers.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_READERS {
            idle.push(reader);
        }
        result
    }

    /// The committed document, or `None` if nothing of it is stored.
    pub fn load(&self, document: &DocumentId) -> Result<Option<Automerge>, StoreError> {
        self.read(|store| store.load(document))
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
        self.read(|store| store.provenance(document))
    }

    /// Every Automerge actor bound to a device.
    pub fn actor_devices(&self) -> Result<Vec<(ActorId, String)>, StoreError> {
        self.read(|store| store.actor_devices())
    }

    /// How much of a document is stored (bytes, and chunks waiting for compaction).
    pub fn stored_size(&self, document: &DocumentId) -> Result<StoredSize, StoreError> {
        self.read(|store| store.stored_size(document))
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use automerge::transaction::Transactable;

    use super::*;

    #[test]
    fn reads_do_not_wait_for_the_writer_and_see_what_it_committed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(SharedStore::open(dir.path()).expect("opens"));
        let id = DocumentId::random();
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "tins", 12).expect("put");
        store.commit(&[(id, doc.save())], &[]).expect("commits");

        // The writer is busy (a long commit holds it); a report's load still goes through.
        let writer = store.lock();
        let (tx, rx) = std::sync::mpsc::channel();
        let reading = store.clone();
        std::thread::spawn(move || {
            let loaded = reading.load(&id).map(|d| d.is_some());
            let size = reading.stored_size(&id).map(|s| s.bytes > 0);
            let _ = tx.send((loaded, size));
        });
        let answer = rx.recv_timeout(Duration::from_secs(20));
        drop(writer);
        let (loaded, size) = answer.expect("the reads finish while the writer is held");
        assert!(loaded.expect("loads"), "the committed document is read");
        assert!(size.expect("sizes"));
    }
}
