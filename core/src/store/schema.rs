//! The store's SQL schema and its migrations, applied in order inside transactions.
//!
//! The header's `application_id` marks the file as a clubsync store; `user_version` is the
//! schema version. Migrations only ever move forward; a file of a newer version is refused.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// `"CSYN"`: the SQLite application id of a clubsync store.
pub(crate) const APPLICATION_ID: i64 = 0x4353_594E;

/// Each migration takes the schema from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: chunks, snapshots, sync states.
    "CREATE TABLE chunks (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         doc_id BLOB NOT NULL,
         bytes BLOB NOT NULL
     );
     CREATE INDEX chunks_by_doc ON chunks (doc_id, seq);
     CREATE TABLE snapshots (
         doc_id BLOB PRIMARY KEY,
         bytes BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE sync_states (
         doc_id BLOB NOT NULL,
         storage_id TEXT NOT NULL,
         state BLOB NOT NULL,
         PRIMARY KEY (doc_id, storage_id)
     ) WITHOUT ROWID;",
    // 1 -> 2: the audit trail of received changes, and the actor ids bound to devices.
    "CREATE TABLE change_audit (
         doc_id BLOB NOT NULL,
         change_hash BLOB NOT NULL,
         actor BLOB NOT NULL,
         device TEXT NOT NULL,
         member TEXT NOT NULL,
         received_at INTEGER NOT NULL,
         records TEXT NOT NULL,
         PRIMARY KEY (doc_id, change_hash)
     );
     CREATE TABLE actors (
         actor BLOB PRIMARY KEY,
         device TEXT NOT NULL,
         first_seen INTEGER NOT NULL
     ) WITHOUT ROWID;",
];

/// The schema version this build writes.
pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

/// Checks the file is ours (or empty), then brings its schema up to date.
pub(crate) fn prepare(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let not_db = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) | Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
            StoreError::NotADatabase {
                path: path.to_owned(),
            }
        }
        _ => StoreError::from(e),
    };
    let app_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(not_db)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(not_db)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(not_db)?;
    if app_id != APPLICATION_ID && !(app_id == 0 && tables == 0) {
        return Err(StoreError::ForeignFile {
            path: path.to_owned(),
            application_id: app_id,
        });
    }
    if version > LATEST {
        return Err(StoreError::TooNew {
            found: version,
            supported: LATEST,
        });
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", from as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
