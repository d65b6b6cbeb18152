//! The server's own upgrade of a document made by an earlier build: the containers the schema
//! added later (`resolutions`) are created by the server, once, in a change of its own.
//!
//! Devices never create a container: two of them doing it concurrently would make two objects
//! under one key and the merge would hide one, with every record in it. The server is the one
//! writer that can do it safely, so a host adds what a document lacks with the next batch it
//! commits (the document's first sync after it was loaded or created).

use automerge::Automerge;
use clubsync_core::document::DocumentKind;
use clubsync_core::rules::shape::add_missing_containers;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;
use tracing::{info, warn};

/// Adds the containers `doc` lacks at `now_ms`, unless the stored document (`stored_bytes`)
/// would grow past `limit`; the new change as a chunk, or `None` when there was nothing to add
/// (or the document has no known kind yet: nothing of it is stored).
pub fn write(
    id: DocumentId,
    doc: &mut Automerge,
    stored_bytes: u64,
    limit: u64,
    now_ms: i64,
) -> Option<Vec<u8>> {
    DocumentKind::of(doc).ok()?;
    let before = doc.get_heads();
    // On a copy, so a refusal (size) leaves the document as it was.
    let mut upgraded = doc.clone();
    match add_missing_containers(&mut upgraded, Timestamp::from_millis(now_ms)) {
        Ok(added) if added.is_empty() => None,
        Ok(added) => {
            let chunk = upgraded.save_after(&before);
            if stored_bytes + chunk.len() as u64 > limit {
                warn!(document = %id, limit, "could not add a document's missing containers: it would grow past the size limit");
                return None;
            }
            info!(document = %id, ?added, "added the containers an earlier build did not make");
            *doc = upgraded;
            Some(chunk)
        }
        Err(e) => {
            warn!(document = %id, %e, "could not add a document's missing containers");
            None
        }
    }
}
