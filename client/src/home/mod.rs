//! The device directory: what a device knows about itself and holds of its clubs.
//!
//! A [`DeviceHome`] is one directory (`--home`): `documents.sqlite`, core's document store (the
//! same code the server stores with), and `device.sqlite`, the device's own bookkeeping: the clubs
//! it joined (server, token, role, member) and, per document, the heads the server last confirmed
//! and when. Several homes on one machine are several devices.
//!
//! Writes follow the durability rule: a record is "saved" once [`DeviceHome::write`] returns, and
//! "on the server" once the server's confirmed heads include it ([`DocumentStatus::pending`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use automerge::{Automerge, ChangeHash, ReadDoc};
use clubsync_core::club::{Club, Role};
use clubsync_core::document::{DocumentKind, TypedDocument};
use clubsync_core::ids::MemberId;
use clubsync_core::store::{DocumentStore, SqliteStore};
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::{DocumentId, StorageId};
use rusqlite::{Connection, OptionalExtension, params};

use crate::address::{ServerAddress, Trust};
use crate::error::ClientError;

mod erase;
mod membership;
mod rebase;
mod titles;
mod tokens;

pub use membership::{DocumentStatus, Membership};
pub use rebase::Rebuilt;
pub use titles::Described;
pub use tokens::TokenAge;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS memberships (
    club_id TEXT PRIMARY KEY,
    server TEXT NOT NULL,
    pinned_pem TEXT,
    device_id TEXT NOT NULL,
    token TEXT NOT NULL,
    role TEXT NOT NULL,
    member_id TEXT,
    member_name TEXT,
    club_document TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    refused TEXT
);
CREATE TABLE IF NOT EXISTS device (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    club_id TEXT NOT NULL,
    server_heads BLOB,
    last_sync_at INTEGER,
    unavailable INTEGER NOT NULL DEFAULT 0
);
";

/// A device directory.
pub struct DeviceHome {
    dir: PathBuf,
    db: Connection,
    store: SqliteStore,
}

impl DeviceHome {
    /// Opens the device directory, creating it (and its databases) if needed.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, ClientError> {
        let dir = dir.as_ref().to_owned();
        let home_error = |detail: String| ClientError::Home {
            path: dir.display().to_string(),
            detail,
        };
        std::fs::create_dir_all(&dir).map_err(|e| home_error(e.to_string()))?;
        restrict_to_owner(&dir);
        let db = Connection::open(dir.join("device.sqlite"))?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        let _: String = db.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        db.pragma_update(None, "synchronous", "FULL")?;
        db.execute_batch(SCHEMA)?;
        db.execute_batch(tokens::SCHEMA)?;
        db.execute_batch(titles::SCHEMA)?;
        let store = SqliteStore::open(dir.join("documents.sqlite"))?;
        Ok(Self { dir, db, store })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The document store.
    pub fn store(&self) -> &SqliteStore {
        &self.store
    }

    /// The document store, to write.
    pub fn store_mut(&mut self) -> &mut SqliteStore {
        &mut self.store
    }

    /// The id of this device's storage, the same on every connection, so the server can keep
    /// its sync state with this device between connections. Made on first use.
    pub fn storage_id(&mut self) -> Result<StorageId, ClientError> {
        let stored: Option<String> = self
            .db
            .query_row(
                "SELECT value FROM device WHERE key = 'storage_id'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = stored.and_then(|s| StorageId::from_str(&s).ok()) {
            return Ok(id);
        }
        let id = StorageId::random();
        self.db.execute(
            "INSERT OR REPLACE INTO device (key, value) VALUES ('storage_id', ?1)",
            [id.to_string()],
        )?;
        Ok(id)
    }

    /// Every club joined, oldest first.
    pub fn memberships(&self) -> Result<Vec<Membership>, ClientError> {
        let mut statement = self.db.prepare(
            "SELECT club_id, server, pinned_pem, device_id, token, role, member_id, member_name,
                    club_document, joined_at, refused
             FROM memberships ORDER BY joined_at, club_id",
        )?;
        let rows = statement.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, i64>(9)?,
                r.get::<_, Option<String>>(10)?,
            ))
        })?;
        let corrupt = |what: &str| ClientError::Home {
            path: "device.sqlite".into(),
            detail: format!("a club entry has an unreadable {what}"),
        };
        let mut out = Vec::new();
        for row in rows {
            let (
                club_id,
                server,
                pinned_pem,
                device_id,
                token,
                role,
                member,
                name,
                doc,
                at,
                refused,
            ) = row?;
            out.push(Membership {
                club_id,
                server: ServerAddress::parse(&server)?,
                pinned_pem,
                device_id,
                token,
                role: Role::from_str(&role).map_err(|_| corrupt("role"))?,
                member_id: member
                    .map(|m| MemberId::from_str(&m))
                    .transpose()
                    .map_err(|_| corrupt("member id"))?,
                member_name: name,
                club_document: DocumentId::from_str(&doc).map_err(|_| corrupt("club document"))?,
                joined_at: Timestamp::from_millis(at),
                refused,
            });
        }
        Ok(out)
    }

    /// The club a command is about: the one given (by id, or by a prefix of its id), or the only
    /// one joined.
    pub fn membership(&self, club: Option<&str>) -> Result<Membership, ClientError> {
        let all = self.memberships()?;
        match club {
            Some(wanted) => {
                let matching: Vec<_> = all
                    .into_iter()
                    .filter(|m| m.club_id == wanted || m.club_id.starts_with(wanted))
                    .collect();
                match matching.len() {
                    1 => Ok(matching.into_iter().next().ok_or(ClientError::NotJoined)?),
                    _ => Err(ClientError::UnknownClub(wanted.to_owned())),
                }
            }
            None => match all.len() {
                0 => Err(ClientError::NotJoined),
                1 => Ok(all.into_iter().next().ok_or(ClientError::NotJoined)?),
                _ => Err(ClientError::WhichClub(
                    all.iter()
                        .map(|m| m.club_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                )),
            },
        }
    }

    /// Records a club joined, with its club document to sync first.
    pub fn add_membership(&mut self, m: &Membership) -> Result<(), ClientError> {
        let exists: Option<String> = self
            .db
            .query_row(
                "SELECT club_id FROM memberships WHERE club_id = ?1 AND refused IS NULL",
                [&m.club_id],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_some() {
            return Err(ClientError::AlreadyJoined(m.club_id.clone()));
        }
        let tx = self.db.transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO memberships (club_id, server, pinned_pem, device_id, token, role,
                 member_id, member_name, club_document, joined_at, refused)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL)",
            params![
                m.club_id,
                m.server.to_string(),
                m.pinned_pem,
                m.device_id,
                m.token,
                m.role.as_str(),
                m.member_id.map(|id| id.key()),
                m.member_name,
                m.club_document.to_string(),
                m.joined_at.millis(),
            ],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO documents (doc_id, club_id) VALUES (?1, ?2)",
            params![m.club_document.to_string(), m.club_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Notes that the server refuses this device for good (revoked), with its reason.
    pub fn mark_refused(&mut self, club_id: &str, reason: &str) -> Result<(), ClientError> {
        self.db.execute(
            "UPDATE memberships SET refused = ?2 WHERE club_id = ?1",
            params![club_id, reason],
        )?;
        Ok(())
    }

    /// The documents of a club this device syncs: the club document, those it made, and those
    /// the club's index lists.
    pub fn documents_of(&self, club_id: &str) -> Result<Vec<DocumentId>, ClientError> {
        let mut statement = self
            .db
            .prepare("SELECT doc_id FROM documents WHERE club_id = ?1 ORDER BY doc_id")?;
        let ids = statement
            .query_map([club_id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        ids.iter()
            .map(|id| {
                DocumentId::from_str(id).map_err(|_| ClientError::Home {
                    path: "device.sqlite".into(),
                    detail: format!("unreadable document id {id:?}"),
                })
            })
            .collect()
    }

    /// Adds documents to a club's list (ones already there are left alone); returns the new ones.
    pub fn track(
        &mut self,
        club_id: &str,
        documents: &[DocumentId],
    ) -> Result<Vec<DocumentId>, ClientError> {
        let tx = self.db.transaction()?;
        let mut added = Vec::new();
        for id in documents {
            let n = tx.execute(
                "INSERT OR IGNORE INTO documents (doc_id, club_id) VALUES (?1, ?2)",
                params![id.to_string(), club_id],
            )?;
            if n > 0 {
                added.push(*id);
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// The documents the club document lists, as this device has it.
    pub fn club_index(&self, m: &Membership) -> Result<Vec<DocumentId>, ClientError> {
        match self.store.load(&m.club_document)? {
            Some(doc) if !doc.get_heads().is_empty() => Ok(Club::from_automerge(doc)?
                .documents()?
                .into_iter()
                .map(|d| d.id)
                .collect()),
            _ => Ok(Vec::new()),
        }
    }

    /// The club document as this device has it (it arrives with the first sync).
    pub fn club(&self, m: &Membership) -> Result<Club, ClientError> {
        match self.store.load(&m.club_document)? {
            Some(doc) if !doc.get_heads().is_empty() => Ok(Club::from_automerge(doc)?),
            _ => Err(ClientError::Home {
                path: self.dir.display().to_string(),
                detail: "the club's details have not arrived yet: run `clubsync sync` once while \
                         online"
                    .into(),
            }),
        }
    }

    /// Stores a new document made on this device and lists it under the club.
    pub fn create<T: TypedDocument>(
        &mut self,
        club_id: &str,
        id: DocumentId,
        doc: &T,
    ) -> Result<(), ClientError> {
        self.store.append_chunk(&id, &doc.automerge().save())?;
        self.track(club_id, &[id])?;
        Ok(())
    }

    /// A document of this device, read as `T`.
    pub fn load<T: TypedDocument>(&self, id: &DocumentId) -> Result<T, ClientError> {
        let doc = self
            .store
            .load(id)?
            .filter(|d| !d.get_heads().is_empty())
            .ok_or_else(|| ClientError::UnknownDocument(id.to_string()))?;
        let actual = DocumentKind::of(&doc)?;
        if actual != T::KIND {
            return Err(ClientError::WrongKind {
                document: *id,
                actual: actual.as_str().into(),
                expected: T::KIND.as_str().into(),
            });
        }
        Ok(T::from_automerge(doc)?)
    }

    /// Changes a document: loads it, runs `edit` (which validates and writes through core's
    /// typed API), and stores the new changes in one transaction. When `edit` refuses, nothing is
    /// stored. Returns what `edit` returned once the change is saved on the device.
    pub fn write<T: TypedDocument, R>(
        &mut self,
        id: &DocumentId,
        edit: impl FnOnce(&mut T) -> Result<R, ClientError>,
    ) -> Result<R, ClientError> {
        let doc: T = self.load(id)?;
        self.write_to(id, doc, edit)
    }

    /// Like [`DeviceHome::write`], on a document the caller has just loaded with
    /// [`DeviceHome::load`] (and read to check the command), so it is not decoded twice.
    pub fn write_to<T: TypedDocument, R>(
        &mut self,
        id: &DocumentId,
        mut doc: T,
        edit: impl FnOnce(&mut T) -> Result<R, ClientError>,
    ) -> Result<R, ClientError> {
        let before = doc.heads();
        let result = edit(&mut doc)?;
        let chunk = doc.changes_since(&before);
        if !chunk.is_empty() {
            self.store.append_chunk(id, &chunk)?;
        }
        Ok(result)
    }

    /// Records the heads the server confirmed for a document (they are committed there).
    pub fn record_server_heads(
        &mut self,
        id: &DocumentId,
        heads: &[ChangeHash],
        at: Timestamp,
    ) -> Result<(), ClientError> {
        let bytes: Vec<u8> = heads.iter().flat_map(|h| h.0).collect();
        self.db.execute(
            "UPDATE documents SET server_heads = ?2, last_sync_at = ?3, unavailable = 0
             WHERE doc_id = ?1",
            params![id.to_string(), bytes, at.millis()],
        )?;
        Ok(())
    }

    /// Records whether the server said it does not have a document.
    pub fn record_unavailable(
        &mut self,
        id: &DocumentId,
        unavailable: bool,
    ) -> Result<(), ClientError> {
        self.db.execute(
            "UPDATE documents SET unavailable = ?2 WHERE doc_id = ?1",
            params![id.to_string(), unavailable],
        )?;
        Ok(())
    }

    /// The heads the server last confirmed for a document, if any.
    pub fn server_heads(&self, id: &DocumentId) -> Result<Vec<ChangeHash>, ClientError> {
        let bytes: Option<Vec<u8>> = self
            .db
            .query_row(
                "SELECT server_heads FROM documents WHERE doc_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(bytes
            .unwrap_or_default()
            .chunks_exact(32)
            .filter_map(|c| ChangeHash::try_from(c).ok())
            .collect())
    }

    /// What this device knows of the sync of every document of a club.
    pub fn status(&self, club_id: &str) -> Result<Vec<DocumentStatus>, ClientError> {
        let mut out = Vec::new();
        for id in self.documents_of(club_id)? {
            let (last, unavailable): (Option<i64>, bool) = self.db.query_row(
                "SELECT last_sync_at, unavailable FROM documents WHERE doc_id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let doc = self.store.load(&id)?.unwrap_or_default();
            let kind = DocumentKind::of(&doc).ok();
            let club_name = (kind == Some(DocumentKind::Club))
                .then(|| Club::from_automerge(doc.clone()).ok()?.profile().ok())
                .flatten()
                .map(|p| format!("{} (the club)", p.name));
            let title = title_of(&doc)
                .or(club_name)
                .or_else(|| kind.map(|k| k.as_str().replace('_', " ")))
                .unwrap_or_else(|| "(not on this device yet)".into());
            out.push(DocumentStatus {
                id,
                kind,
                title,
                pending: pending_changes(&doc, &self.server_heads(&id)?),
                changes: doc.get_changes_meta(&[]).len(),
                last_sync_at: last.map(Timestamp::from_millis),
                unavailable,
            });
        }
        Ok(out)
    }
}

/// The changes of `doc` that are not in `server_heads` (nor their history): what the server has
/// not confirmed.
pub fn pending_changes(doc: &Automerge, server_heads: &[ChangeHash]) -> usize {
    let known: Vec<ChangeHash> = server_heads
        .iter()
        .filter(|h| doc.get_change_by_hash(h).is_some())
        .copied()
        .collect();
    let mine: BTreeSet<ChangeHash> = doc.get_heads().into_iter().collect();
    if !known.is_empty() && known.iter().copied().collect::<BTreeSet<_>>() == mine {
        return 0;
    }
    doc.get_changes_meta(&known).len()
}

/// The root `title` of a document, if it has one (core's `document::root_title`).
pub use clubsync_core::document::root_title as title_of;

#[cfg(unix)]
fn restrict_to_owner(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // The directory holds device tokens: only its owner may read it.
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn restrict_to_owner(_dir: &Path) {}

#[cfg(test)]
mod tests;
