//! The registry of documents: which club each document belongs to and what kind it is.
//!
//! It lives here, outside any CRDT, so an access check is one indexed lookup and never loads a
//! document. A document belongs to one club for ever.

use clubsync_core::document::DocumentKind;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;
use rusqlite::{OptionalExtension, params};

use super::error::IdentityError;
use super::ids::{ClubId, DeviceId};
use super::{IdentityStore, columns};

/// A registered document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentInfo {
    /// The document.
    pub id: DocumentId,
    /// The club it belongs to.
    pub club: ClubId,
    /// What kind of document it is.
    pub kind: DocumentKind,
    /// When it was registered.
    pub created_at: Timestamp,
    /// The device that created it; `None` for a club document, made by the admin.
    pub created_by: Option<DeviceId>,
}

impl IdentityStore {
    /// The club and kind of a document, or `None` if it is not registered.
    ///
    /// For an access decision: a document of another club, like an unknown one, must be
    /// answered with `doc-unavailable`, never with a different error.
    pub fn document(
        &self,
        id: &DocumentId,
    ) -> Result<Option<(ClubId, DocumentKind)>, IdentityError> {
        self.read(|conn| {
            conn.query_row(
                "SELECT club, kind FROM documents WHERE id = ?1",
                [id.to_string()],
                |row| Ok((row.get::<_, ClubId>(0)?, row.get::<_, String>(1)?)),
            )
            .optional()?
            .map(|(club, kind)| Ok((club, columns::kind(kind)?)))
            .transpose()
        })
    }

    /// Registers a new activity document of `club`, created by `device` at `now_ms`.
    ///
    /// Registering it again for the same club and kind changes nothing (a device may retry).
    /// Refuses a document of another club ([`IdentityError::DocumentOfAnotherClub`]; answer the
    /// device with `doc-unavailable`), another kind for the same document, a second club
    /// document ([`IdentityError::SecondClubDocument`]), and a device of another club. Whether
    /// the device's role may create documents is [`super::may_create`], decided by the caller.
    pub fn register_document(
        &self,
        id: &DocumentId,
        club: ClubId,
        kind: DocumentKind,
        device: DeviceId,
        now_ms: i64,
    ) -> Result<(), IdentityError> {
        self.write(|tx| {
            let existing = tx
                .query_row(
                    "SELECT club, kind FROM documents WHERE id = ?1",
                    [id.to_string()],
                    |row| Ok((row.get::<_, ClubId>(0)?, row.get::<_, String>(1)?)),
                )
                .optional()?;
            if let Some((registered_club, registered_kind)) = existing {
                let registered_kind = columns::kind(registered_kind)?;
                if registered_club != club {
                    return Err(IdentityError::DocumentOfAnotherClub { document: *id });
                }
                if registered_kind != kind {
                    return Err(IdentityError::DocumentKindConflict {
                        document: *id,
                        registered: registered_kind.as_str(),
                        requested: kind.as_str(),
                    });
                }
                return Ok(());
            }
            if kind == DocumentKind::Club {
                return Err(IdentityError::SecondClubDocument { club });
            }
            let device_club = tx
                .query_row("SELECT club FROM devices WHERE id = ?1", [device], |row| {
                    row.get::<_, ClubId>(0)
                })
                .optional()?
                .ok_or(IdentityError::UnknownDevice(device))?;
            if device_club != club {
                return Err(IdentityError::DeviceOfAnotherClub { device, club });
            }
            tx.execute(
                "INSERT INTO documents (id, club, kind, created_at, created_by_device)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id.to_string(), club, kind.as_str(), now_ms, device],
            )?;
            Ok(())
        })
    }

    /// How many documents `device` created (registered first) since `since_ms`.
    pub fn documents_created_since(
        &self,
        device: DeviceId,
        since_ms: i64,
    ) -> Result<u64, IdentityError> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM documents WHERE created_by_device = ?1 AND created_at >= ?2",
                params![device, since_ms],
                |row| row.get::<_, i64>(0),
            )? as u64)
        })
    }

    /// Every document of a club, the club document first, then by registration time.
    pub fn list_documents(&self, club: ClubId) -> Result<Vec<DocumentInfo>, IdentityError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, kind, created_at, created_by_device FROM documents WHERE club = ?1
                 ORDER BY kind != 'club', created_at, id",
            )?;
            let rows = stmt
                .query_map([club], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, Option<DeviceId>>(3)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(id, kind, created_at, created_by)| {
                    Ok(DocumentInfo {
                        id: columns::document(id)?,
                        club,
                        kind: columns::kind(kind)?,
                        created_at: Timestamp::from_millis(created_at),
                        created_by,
                    })
                })
                .collect()
        })
    }
}
