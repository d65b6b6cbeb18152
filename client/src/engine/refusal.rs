//! A refusal by the server's record rules: the document is rebuilt once per run, so the next
//! connection sends what the server can accept (see `DeviceHome::rebuild_refused`).

use tracing::warn;

use super::{SyncEngine, SyncEvent};
use crate::error::ClientError;

impl SyncEngine {
    /// When `error` is the server refusing a document's changes, rebuilds that document once
    /// (see [`DeviceHome::rebuild_refused`]) and returns the event to tell.
    pub(super) fn rebuild_if_refused(
        &mut self,
        error: &ClientError,
    ) -> Result<Option<SyncEvent>, ClientError> {
        let ClientError::Connection(message) = error else {
            return Ok(None);
        };
        let Some((document, reason)) = clubsync_protocol::refusal::parse_refused_change(message)
        else {
            return Ok(None);
        };
        if !self.rebuilt.insert(document) {
            return Ok(None);
        }
        let Some(rebuilt) =
            self.home
                .rebuild_refused(&self.membership, document, crate::clock::now_ms())?
        else {
            warn!(%document, reason, "the server refused a document it never had: nothing to rebuild on");
            return Ok(None);
        };
        warn!(%document, reason, kept = rebuilt.kept.len(), dropped = rebuilt.dropped.len(), "the server refused changes; rebuilt the document");
        Ok(Some(SyncEvent::Rebuilt {
            rebuilt,
            reason: reason.to_owned(),
        }))
    }
}
