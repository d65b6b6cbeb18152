//! Where each committed change came from: the audit trail, kept beside the chunks it describes.
//!
//! The server writes one [`Provenance`] row for every change a device sends, in the same
//! transaction as the change itself, so every stored change has its row and no row describes a
//! change that was not stored. Compaction folds chunks, never rows: the trail is kept as long
//! as the document. The same rows bind Automerge actor ids to devices (`actors`): the first
//! device to send a change under an actor owns that actor from then on.

use automerge::{ActorId, ChangeHash};
use clubsync_protocol::ids::DocumentId;
use rusqlite::{Connection, params};

use super::StoreError;

/// Who sent one committed change, when it arrived, and which records it touched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// The document.
    pub document: DocumentId,
    /// The change.
    pub change: ChangeHash,
    /// Its Automerge actor.
    pub actor: ActorId,
    /// The device that sent it (its id as the server knows it).
    pub device: String,
    /// The member the device belongs to.
    pub member: String,
    /// When the server received it, in milliseconds since the Unix epoch.
    pub received_at: i64,
    /// The records it wrote or changed, as `container/key`.
    pub records: Vec<String>,
}

/// Writes `rows` (and the actor bindings they make) inside the caller's transaction.
/// A row already stored for the same change (the change sent again) is kept as it was.
pub(crate) fn write(conn: &Connection, rows: &[Provenance]) -> Result<(), StoreError> {
    let mut audit = conn.prepare_cached(
        "INSERT OR IGNORE INTO change_audit
             (doc_id, change_hash, actor, device, member, received_at, records)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut actors = conn.prepare_cached(
        "INSERT OR IGNORE INTO actors (actor, device, first_seen) VALUES (?1, ?2, ?3)",
    )?;
    for row in rows {
        audit.execute(params![
            row.document.as_bytes().as_slice(),
            row.change.0.as_slice(),
            row.actor.to_bytes(),
            row.device,
            row.member,
            row.received_at,
            row.records.join("\n"),
        ])?;
        actors.execute(params![row.actor.to_bytes(), row.device, row.received_at])?;
    }
    Ok(())
}

/// Every provenance row of a document, oldest first.
pub(crate) fn of_document(
    conn: &Connection,
    id: &DocumentId,
) -> Result<Vec<Provenance>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT change_hash, actor, device, member, received_at, records FROM change_audit
         WHERE doc_id = ?1 ORDER BY received_at, rowid",
    )?;
    let rows = stmt.query_map([id.as_bytes().as_slice()], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (change, actor, device, member, received_at, records) = row?;
        let change = ChangeHash::try_from(change.as_slice()).map_err(|_| {
            StoreError::Corrupt("a change hash in change_audit is not 32 bytes".into())
        })?;
        out.push(Provenance {
            document: *id,
            change,
            actor: ActorId::from(actor),
            device,
            member,
            received_at,
            records: records.lines().map(str::to_owned).collect(),
        });
    }
    Ok(out)
}

/// Every actor bound to a device.
pub(crate) fn actors(conn: &Connection) -> Result<Vec<(ActorId, String)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT actor, device FROM actors")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.map(|row| {
        let (actor, device) = row?;
        Ok((ActorId::from(actor), device))
    })
    .collect()
}
