//! Loading a document for its host: the committed document from storage, its size, its entry in
//! the registry, and, for a club document, what the identity database has and it lacks (every
//! member, and every registered document with stored changes: a crash between the two commits,
//! or a club older than the writing).
//!
//! Every call here is blocking SQLite work, run on tokio's blocking pool.

use std::collections::HashSet;
use std::sync::Arc;

use automerge::Automerge;
use clubsync_core::club::{Club, Member};
use clubsync_core::document::{DocumentKind, TypedDocument};
use clubsync_protocol::DocumentId;
use tracing::warn;

use super::club_edits::title_of;
use super::command::ClubEdit;
use super::effects::Loaded;
use crate::identity::{ClubId, IdentityStore};
use crate::storage::SharedStore;

/// Runs blocking work on tokio's blocking pool; a failure of either is a message.
async fn blocking<T, E>(work: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, String>
where
    T: Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// Everything a host starts from.
pub async fn load(
    id: DocumentId,
    storage: &Arc<SharedStore>,
    identity: &Arc<IdentityStore>,
) -> Result<Loaded, String> {
    let doc = committed(id, storage).await?;
    let store = storage.clone();
    let size = blocking(move || store.stored_size(&id)).await?;
    let registry = identity.clone();
    let registered = blocking(move || registry.document(&id)).await?;
    let missing_edits = match registered {
        Some((club, DocumentKind::Club)) => missing_edits(id, &doc, club, storage, identity).await,
        _ => Vec::new(),
    };
    Ok(Loaded {
        doc,
        size,
        registered,
        missing_edits,
    })
}

/// The committed document (empty when nothing of it is stored).
pub async fn committed(id: DocumentId, storage: &Arc<SharedStore>) -> Result<Automerge, String> {
    let store = storage.clone();
    Ok(blocking(move || store.load(&id)).await?.unwrap_or_default())
}

/// What the identity database has and the club document `doc` (of `club`) lacks, as edits to
/// write: its missing members, then its missing index entries. A check that fails is logged
/// and skipped; the next load tries again.
async fn missing_edits(
    id: DocumentId,
    doc: &Automerge,
    club: ClubId,
    storage: &Arc<SharedStore>,
    identity: &Arc<IdentityStore>,
) -> Vec<ClubEdit> {
    let mut edits = missing_members(doc, club, identity)
        .await
        .unwrap_or_else(|reason| {
            warn!(document = %id, %reason, "could not check the club's members");
            Vec::new()
        });
    edits.extend(
        unindexed(doc, club, storage, identity)
            .await
            .unwrap_or_else(|reason| {
                warn!(document = %id, %reason, "could not check the club's index of documents");
                Vec::new()
            }),
    );
    edits
}

/// What the club document `doc` of `club` lacks or says differently of the members in the
/// identity database (the authority): members to add, roles and ages to write, departures.
async fn missing_members(
    doc: &Automerge,
    club: ClubId,
    identity: &Arc<IdentityStore>,
) -> Result<Vec<ClubEdit>, String> {
    let document = Club::from_automerge(doc.clone()).map_err(|e| e.to_string())?;
    let identity = identity.clone();
    let members = blocking(move || identity.list_members(club)).await?;
    let mut missing = Vec::new();
    for member in members {
        // A member the document holds in a shape it cannot read is left to its writers.
        match document.member(member.id) {
            Ok(None) => missing.push(ClubEdit::AddMember(Member {
                id: member.id,
                display_name: member.display_name,
                contact: None,
                role: member.role,
                age16plus: member.age16plus,
            })),
            Ok(Some(held)) if held.role != member.role || held.age16plus != member.age16plus => {
                missing.push(ClubEdit::UpdateMember {
                    id: member.id,
                    role: member.role,
                    age16plus: member.age16plus,
                });
            }
            _ => {}
        }
        if let Some(at) = member.left_at
            && matches!(document.left_at(member.id), Ok(None))
        {
            missing.push(ClubEdit::MemberLeft { id: member.id, at });
        }
    }
    Ok(missing)
}

/// The registered documents of `club` that its club document `doc` does not list, with their
/// titles. A registered document with nothing stored yet is left out: its own host asks for it
/// to be indexed once its first changes are committed.
async fn unindexed(
    doc: &Automerge,
    club: ClubId,
    storage: &Arc<SharedStore>,
    identity: &Arc<IdentityStore>,
) -> Result<Vec<ClubEdit>, String> {
    let indexed: HashSet<DocumentId> = Club::from_automerge(doc.clone())
        .and_then(|c| c.documents())
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let identity = identity.clone();
    let storage = storage.clone();
    blocking(move || {
        let registered = identity.list_documents(club).map_err(|e| e.to_string())?;
        let mut missing = Vec::new();
        for info in registered {
            if info.kind == DocumentKind::Club || indexed.contains(&info.id) {
                continue;
            }
            match storage.load(&info.id) {
                Ok(Some(stored)) => missing.push(ClubEdit::Index {
                    id: info.id,
                    kind: info.kind,
                    title: title_of(&stored, info.kind),
                }),
                Ok(None) => {}
                Err(e) => {
                    warn!(document = %info.id, %e, "could not load a document to index it");
                }
            }
        }
        Ok::<_, String>(missing)
    })
    .await
}
