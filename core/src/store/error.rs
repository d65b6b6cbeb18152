//! Why the store failed: clear errors for files that are not ours, damaged, or too new.

use std::path::PathBuf;

use clubsync_protocol::ids::DocumentId;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file is not an SQLite database at all (another kind of file, or badly damaged).
    #[error("{path} is not a clubsync store: not an SQLite database, or damaged beyond reading")]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// The file is an SQLite database of another application.
    #[error(
        "{path} is an SQLite database of another application (application id {application_id:#x})"
    )]
    ForeignFile {
        /// The file.
        path: PathBuf,
        /// The application id found in its header.
        application_id: i64,
    },
    /// The store was written by a newer clubsync; this build cannot read it safely.
    #[error("store schema version {found} is newer than this build supports ({supported})")]
    TooNew {
        /// The version found.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// SQLite found the database damaged.
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    /// A stored document's bytes are not a valid Automerge document.
    #[error("document {id} is damaged in the store: {detail}")]
    CorruptDocument {
        /// The document.
        id: DocumentId,
        /// What Automerge said.
        detail: String,
    },
    /// A stored sync state cannot be decoded (it is dropped and sync starts afresh).
    #[error("sync state of document {id} is damaged: {detail}")]
    CorruptSyncState {
        /// The document.
        id: DocumentId,
        /// What Automerge said.
        detail: String,
    },
    /// Any other SQLite failure (disk full, file locked, permissions).
    #[error("SQLite: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt)
            | Some(rusqlite::ErrorCode::NotADatabase) => StoreError::Corrupt(e.to_string()),
            _ => StoreError::Sqlite(e),
        }
    }
}
