//! [`SqliteStore`]: the embedded document store, one SQLite file in WAL mode with
//! `synchronous=FULL`, so a committed change survives a crash or a power cut.

use std::path::{Path, PathBuf};

use automerge::sync::State;
use automerge::{ActorId, Automerge};
use clubsync_protocol::ids::{DocumentId, StorageId};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::{Compaction, DocumentStore, Provenance, StoreError, StoredSize, provenance, schema};

/// The SQLite document store.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (or creates) the store at `path`. A file that is not a clubsync store, or is
    /// damaged, or is newer than this build, gives a [`StoreError`], never a panic.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_owned();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&path, flags)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        schema::prepare(&mut conn, &path)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt(format!(
                "cannot switch to WAL mode (got {mode})"
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        // After a checkpoint, shrink the write-ahead log back to 16 MiB at most.
        conn.pragma_update(None, "journal_size_limit", 16 * 1024 * 1024)?;
        Ok(Self { conn, path })
    }

    /// Opens a read-only connection to an existing store, for reads beside the writer: in WAL
    /// mode a reader never waits for the writer and the writer never waits for it, so a long
    /// report or a large document's load does not hold up commits. Open the store with
    /// [`SqliteStore::open`] first (it makes the file and applies migrations).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_owned();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let application_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if application_id != schema::APPLICATION_ID {
            return Err(StoreError::Corrupt(format!(
                "{} is not a clubsync document store",
                path.display()
            )));
        }
        Ok(Self { conn, path })
    }

    /// Erases documents for good: their chunks, snapshot, sync states and audit rows, with
    /// SQLite's `secure_delete` (the freed pages are overwritten with zeros), then `VACUUM` (no
    /// free page keeps an older copy) and a checkpoint that empties the write-ahead log, so
    /// nothing of them stays readable in the files. For a device that was revoked: a lost phone
    /// must not keep the club's records.
    pub fn erase_documents(&mut self, ids: &[DocumentId]) -> Result<(), StoreError> {
        self.conn.pragma_update(None, "secure_delete", true)?;
        let erased = (|| {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            for id in ids {
                let key = id.as_bytes().to_vec();
                for table in ["chunks", "snapshots", "sync_states", "change_audit"] {
                    tx.execute(&format!("DELETE FROM {table} WHERE doc_id = ?1"), [&key])?;
                }
            }
            tx.commit()?;
            self.conn.execute_batch("VACUUM")?;
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok::<_, StoreError>(())
        })();
        self.conn.pragma_update(None, "secure_delete", false)?;
        erased
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A number that changes whenever another connection (another process, say) commits to the
    /// store, and never for this connection's own writes: a device syncing in the background
    /// polls it to notice records made meanwhile by another command.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// Runs SQLite's integrity check; `Ok` if the file is sound.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let result: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt(result))
        }
    }

    /// Copies the store, while in use, to a new file at `to` (an online backup).
    pub fn backup_to(&self, to: impl AsRef<Path>) -> Result<(), StoreError> {
        let mut dest = Connection::open(to)?;
        let backup = rusqlite::backup::Backup::new(&self.conn, &mut dest)?;
        backup.run_to_completion(256, std::time::Duration::from_millis(0), None)?;
        Ok(())
    }

    fn stored_bytes(&self, id: &DocumentId) -> Result<Option<Vec<u8>>, StoreError> {
        let key = id.as_bytes().as_slice();
        // One read transaction: snapshot and chunks are read from the same version of the file,
        // even if another connection compacts the document meanwhile.
        let tx = self.conn.unchecked_transaction()?;
        let snapshot: Option<Vec<u8>> = tx
            .query_row(
                "SELECT bytes FROM snapshots WHERE doc_id = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()?;
        let chunks = {
            let mut stmt =
                tx.prepare_cached("SELECT bytes FROM chunks WHERE doc_id = ?1 ORDER BY seq")?;
            stmt.query_map([key], |r| r.get::<_, Vec<u8>>(0))?
                .collect::<Result<Vec<_>, _>>()?
        };
        tx.finish()?;
        if snapshot.is_none() && chunks.is_empty() {
            return Ok(None);
        }
        let mut bytes = snapshot.unwrap_or_default();
        for chunk in chunks {
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(bytes))
    }
}

fn load_doc(id: &DocumentId, bytes: &[u8]) -> Result<Automerge, StoreError> {
    Automerge::load(bytes).map_err(|e| StoreError::CorruptDocument {
        id: *id,
        detail: e.to_string(),
    })
}

impl DocumentStore for SqliteStore {
    fn append_chunk(&mut self, id: &DocumentId, chunk: &[u8]) -> Result<(), StoreError> {
        if chunk.is_empty() {
            return Ok(());
        }
        self.conn
            .prepare_cached("INSERT INTO chunks (doc_id, bytes) VALUES (?1, ?2)")?
            .execute(params![id.as_bytes().as_slice(), chunk])?;
        Ok(())
    }

    fn commit_traced(
        &mut self,
        batch: &[(DocumentId, Vec<u8>)],
        provenance: &[Provenance],
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO chunks (doc_id, bytes) VALUES (?1, ?2)")?;
            for (id, chunk) in batch.iter().filter(|(_, c)| !c.is_empty()) {
                insert.execute(params![id.as_bytes().as_slice(), chunk])?;
            }
        }
        provenance::write(&tx, provenance)?;
        tx.commit()?;
        Ok(())
    }

    fn provenance(&self, id: &DocumentId) -> Result<Vec<Provenance>, StoreError> {
        provenance::of_document(&self.conn, id)
    }

    fn actor_devices(&self) -> Result<Vec<(ActorId, String)>, StoreError> {
        provenance::actors(&self.conn)
    }

    fn load(&self, id: &DocumentId) -> Result<Option<Automerge>, StoreError> {
        match self.stored_bytes(id)? {
            None => Ok(None),
            Some(bytes) => load_doc(id, &bytes).map(Some),
        }
    }

    fn replace_document(&mut self, id: &DocumentId, doc: &Automerge) -> Result<(), StoreError> {
        let key = id.as_bytes().to_vec();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM chunks WHERE doc_id = ?1", [&key])?;
        tx.execute("DELETE FROM sync_states WHERE doc_id = ?1", [&key])?;
        tx.execute(
            "INSERT OR REPLACE INTO snapshots (doc_id, bytes) VALUES (?1, ?2)",
            params![&key, doc.save()],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn compact(&mut self, id: &DocumentId) -> Result<Compaction, StoreError> {
        let key = id.as_bytes().to_vec();
        // IMMEDIATE takes the write lock first: no chunk can be added between read and delete.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let snapshot: Option<Vec<u8>> = tx
            .query_row(
                "SELECT bytes FROM snapshots WHERE doc_id = ?1",
                [&key],
                |r| r.get(0),
            )
            .optional()?;
        let chunks: Vec<(i64, Vec<u8>)> = {
            let mut stmt =
                tx.prepare("SELECT seq, bytes FROM chunks WHERE doc_id = ?1 ORDER BY seq")?;
            stmt.query_map([&key], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        let mut bytes = snapshot.unwrap_or_default();
        for (_, chunk) in &chunks {
            bytes.extend_from_slice(chunk);
        }
        if bytes.is_empty() {
            return Ok(Compaction {
                chunks_folded: 0,
                snapshot_bytes: 0,
            });
        }
        let doc = load_doc(id, &bytes)?;
        let saved = doc.save();
        tx.execute(
            "INSERT OR REPLACE INTO snapshots (doc_id, bytes) VALUES (?1, ?2)",
            params![&key, &saved],
        )?;
        if let Some((last, _)) = chunks.last() {
            tx.execute(
                "DELETE FROM chunks WHERE doc_id = ?1 AND seq <= ?2",
                params![&key, last],
            )?;
        }
        tx.commit()?;
        Ok(Compaction {
            chunks_folded: chunks.len(),
            snapshot_bytes: saved.len(),
        })
    }

    fn stored_size(&self, id: &DocumentId) -> Result<StoredSize, StoreError> {
        let key = id.as_bytes().to_vec();
        let (chunk_bytes, chunks): (i64, i64) = self.conn.query_row(
            "SELECT COALESCE(SUM(length(bytes)), 0), COUNT(*) FROM chunks WHERE doc_id = ?1",
            [&key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let snapshot_bytes: i64 = self.conn.query_row(
            "SELECT COALESCE(SUM(length(bytes)), 0) FROM snapshots WHERE doc_id = ?1",
            [&key],
            |r| r.get(0),
        )?;
        Ok(StoredSize {
            bytes: u64::try_from(chunk_bytes + snapshot_bytes).unwrap_or(0),
            chunks: u64::try_from(chunks).unwrap_or(0),
            chunk_bytes: u64::try_from(chunk_bytes).unwrap_or(0),
        })
    }

    fn documents(&self) -> Result<Vec<DocumentId>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT doc_id FROM snapshots UNION SELECT doc_id FROM chunks ORDER BY 1")?;
        let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            let bytes = row?;
            let array: [u8; 16] = bytes.as_slice().try_into().map_err(|_| {
                StoreError::Corrupt(format!("a document id of {} bytes", bytes.len()))
            })?;
            out.push(DocumentId::from_bytes(array));
        }
        Ok(out)
    }

    fn save_sync_state(
        &mut self,
        id: &DocumentId,
        peer: &StorageId,
        state: &State,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO sync_states (doc_id, storage_id, state) VALUES (?1, ?2, ?3)",
            params![id.as_bytes().as_slice(), peer.as_str(), state.encode()],
        )?;
        Ok(())
    }

    fn load_sync_state(
        &self,
        id: &DocumentId,
        peer: &StorageId,
    ) -> Result<Option<State>, StoreError> {
        let bytes: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT state FROM sync_states WHERE doc_id = ?1 AND storage_id = ?2",
                params![id.as_bytes().as_slice(), peer.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        bytes
            .map(|b| {
                State::decode(&b).map_err(|e| StoreError::CorruptSyncState {
                    id: *id,
                    detail: e.to_string(),
                })
            })
            .transpose()
    }
}
