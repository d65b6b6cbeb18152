//! What each document of a club is, for commands that name one by its title, without decoding
//! every document of the club on every command: the kind and title of each are kept in
//! `device.sqlite`, keyed by what the store holds of the document (its bytes and chunks, which
//! change with every change stored and every compaction), and read again only for documents
//! that changed since.

use clubsync_core::document::DocumentKind;
use clubsync_core::store::DocumentStore;
use clubsync_protocol::DocumentId;
use rusqlite::{OptionalExtension, params};

use super::{DeviceHome, title_of};
use crate::error::ClientError;

/// The table of what was read of each document, and when (as the store's size of it).
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS titles (
    doc_id TEXT PRIMARY KEY,
    stored_bytes INTEGER NOT NULL,
    stored_chunks INTEGER NOT NULL,
    kind TEXT,
    title TEXT
);
";

/// A document of a club as this device holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Described {
    /// The document.
    pub id: DocumentId,
    /// Its kind (`None`: not on this device yet, or not a clubsync document).
    pub kind: Option<DocumentKind>,
    /// Its root title, if it has one.
    pub title: Option<String>,
}

impl DeviceHome {
    /// Every document of a club this device syncs, with its kind and title, in id order.
    /// Decodes only the documents stored or changed since the last call.
    pub fn describe(&self, club_id: &str) -> Result<Vec<Described>, ClientError> {
        let mut out = Vec::new();
        for id in self.documents_of(club_id)? {
            let size = self.store.stored_size(&id)?;
            if size.bytes == 0 {
                out.push(Described {
                    id,
                    kind: None,
                    title: None,
                });
                continue;
            }
            let key = id.to_string();
            let (bytes, chunks) = (
                i64::try_from(size.bytes).unwrap_or(i64::MAX),
                i64::try_from(size.chunks).unwrap_or(i64::MAX),
            );
            let cached: Option<(Option<String>, Option<String>)> = self
                .db
                .query_row(
                    "SELECT kind, title FROM titles
                     WHERE doc_id = ?1 AND stored_bytes = ?2 AND stored_chunks = ?3",
                    params![key, bytes, chunks],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (kind, title) = match cached {
                Some((kind, title)) => (kind.as_deref().and_then(DocumentKind::parse), title),
                None => {
                    let doc = self.store.load(&id)?.unwrap_or_default();
                    let kind = DocumentKind::of(&doc).ok();
                    let title = title_of(&doc);
                    self.db.execute(
                        "INSERT OR REPLACE INTO titles (doc_id, stored_bytes, stored_chunks, kind, title)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![key, bytes, chunks, kind.map(|k| k.as_str()), title],
                    )?;
                    (kind, title)
                }
            };
            out.push(Described { id, kind, title });
        }
        Ok(out)
    }
}
