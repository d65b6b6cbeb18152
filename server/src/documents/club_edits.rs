//! The server's own writes into a club document: members and index entries, written through
//! core's `Club` as changes of the server's own actor, and the title a document is indexed under.
//!
//! Devices discover the club's documents by syncing the club document, and core's record rules
//! need its members; the identity database stays the authority for both, so every edit is
//! idempotent and a failed one is written again later (see `load::missing_edits`).

use automerge::Automerge;
use clubsync_core::club::Club;
use clubsync_core::document::{DocumentKind, TypedDocument, root_title};
use clubsync_core::error::RecordError;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;
use tracing::{debug, warn};

use super::command::ClubEdit;

/// The longest title, in characters, the server copies into a club document's index.
pub const MAX_INDEX_TITLE_CHARS: usize = 200;

/// Edits written into a club document, to commit with the batch.
pub struct Written {
    /// The new changes, as one chunk.
    pub chunk: Vec<u8>,
    /// How many changes.
    pub change_count: usize,
    /// The edits the chunk holds (written again if the commit fails).
    pub edits: Vec<ClubEdit>,
}

/// Writes `pending` into the club document `doc` at `now_ms`, unless that would make the stored
/// document (`stored_bytes` so far) grow past `limit`. `None` when there is nothing to write or
/// it cannot be written (logged: what the edits describe is committed already, in the identity
/// database or as the indexed document, and a later load of the club document writes it).
pub fn write(
    id: DocumentId,
    doc: &mut Automerge,
    pending: &mut Vec<ClubEdit>,
    stored_bytes: u64,
    limit: u64,
    now_ms: i64,
) -> Option<Written> {
    if pending.is_empty() {
        return None;
    }
    let edits = std::mem::take(pending);
    // Written on a copy, so a refusal (size) leaves the document as it was.
    let mut club = match Club::from_automerge(doc.clone()) {
        Ok(club) => club,
        Err(e) => {
            warn!(document = %id, %e, edits = edits.len(), "could not write to the club document: not a club document");
            return None;
        }
    };
    let before = doc.get_heads();
    let at = Timestamp::from_millis(now_ms);
    let mut written = Vec::new();
    for edit in edits {
        let result = match &edit {
            ClubEdit::Index { id, kind, title } => club.register_document(*id, *kind, title, at),
            ClubEdit::AddMember(member) => club.add_member(member, at),
            ClubEdit::UpdateMember {
                id,
                role,
                age16plus,
            } => match club.member(*id) {
                Ok(Some(m)) if m.role == *role && m.age16plus == *age16plus => continue,
                _ => club.update_member(*id, *role, *age16plus, at),
            },
            ClubEdit::MemberLeft { id, at: left } => match club.left_at(*id) {
                Ok(Some(_)) => continue,
                _ => club.mark_left(*id, *left),
            },
            ClubEdit::SetTimeZone(zone) => {
                if club.time_zone().name() == zone.as_str() {
                    continue;
                }
                club.set_time_zone(zone, at)
            }
        };
        match result {
            Ok(()) => written.push(edit),
            Err(RecordError::DuplicateId(_)) => {
                debug!(document = %id, %edit, "already in the club document");
            }
            Err(e) => {
                warn!(document = %id, %edit, %e, "could not write to the club document");
            }
        }
    }
    if written.is_empty() {
        return None;
    }
    let edited = std::mem::take(club.automerge_mut());
    let chunk = edited.save_after(&before);
    if stored_bytes + chunk.len() as u64 > limit {
        warn!(document = %id, limit, edits = written.len(), "could not write to the club document: it would grow past the size limit");
        return None;
    }
    let change_count = edited.get_changes_meta(&before).len();
    *doc = edited;
    Some(Written {
        chunk,
        change_count,
        edits: written,
    })
}

/// The title a document is listed under in its club's index: its root `title` (a string or a
/// text object, as the JS app may write it), trimmed and cut to [`MAX_INDEX_TITLE_CHARS`], or
/// the kind's name when it has none.
pub fn title_of(doc: &Automerge, kind: DocumentKind) -> String {
    match root_title(doc).as_deref().map(str::trim) {
        Some(title) if !title.is_empty() => title.chars().take(MAX_INDEX_TITLE_CHARS).collect(),
        _ => kind.as_str().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ROOT};

    use super::*;

    fn with_title(write: impl FnOnce(&mut automerge::transaction::Transaction<'_>)) -> Automerge {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        write(&mut tx);
        tx.commit();
        doc
    }

    #[test]
    fn a_document_is_indexed_under_its_title_or_its_kind() {
        let scalar = with_title(|tx| {
            tx.put(ROOT, "title", "  High Street  ").expect("put");
        });
        assert_eq!(
            title_of(&scalar, DocumentKind::StreetCollection),
            "High Street"
        );

        // The JS app may write a plain string, which becomes a text object.
        let text = with_title(|tx| {
            let obj = tx.put_object(ROOT, "title", ObjType::Text).expect("text");
            tx.splice_text(&obj, 0, 0, "Free the journalists")
                .expect("splice");
        });
        assert_eq!(
            title_of(&text, DocumentKind::Petition),
            "Free the journalists"
        );

        let none = with_title(|tx| {
            tx.put(ROOT, "kind", "materials_stock").expect("put");
        });
        assert_eq!(
            title_of(&none, DocumentKind::MaterialsStock),
            "materials_stock"
        );
        let blank = with_title(|tx| {
            tx.put(ROOT, "title", " ").expect("put");
        });
        assert_eq!(title_of(&blank, DocumentKind::Event), "event");

        let long = with_title(|tx| {
            tx.put(ROOT, "title", "é".repeat(1000)).expect("put");
        });
        assert_eq!(
            title_of(&long, DocumentKind::Event).chars().count(),
            MAX_INDEX_TITLE_CHARS
        );
    }
}
