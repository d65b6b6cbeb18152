//! When the server refuses one of this device's changes: the refused copy of the document is
//! kept aside in the device directory (`refused/`), and the document is rebuilt on what the
//! server has, with every record of this device that keeps the rules written again
//! (`clubsync_core::rules::rebase`), so the device syncs again and nothing valid is lost.

use clubsync_core::rules::rebase::rebase;
use clubsync_core::rules::{Refusal, Writer};
use clubsync_core::store::DocumentStore;
use clubsync_protocol::DocumentId;

use super::{DeviceHome, Membership};
use crate::error::ClientError;

/// What rebuilding a refused document did.
#[derive(Clone, Debug)]
pub struct Rebuilt {
    /// The document.
    pub document: DocumentId,
    /// Where the refused copy is kept (an Automerge file).
    pub kept_aside: std::path::PathBuf,
    /// What was written again.
    pub kept: Vec<String>,
    /// What was left out, and why.
    pub dropped: Vec<Refusal>,
}

impl DeviceHome {
    /// Rebuilds `document`, whose changes the server refused, on the heads the server last
    /// confirmed, and replaces this device's copy with it (the refused copy kept aside).
    /// `None`, touching nothing, when the server never confirmed any of the document (a new
    /// document refused whole): there is nothing of the server's to rebuild on.
    pub fn rebuild_refused(
        &mut self,
        membership: &Membership,
        document: DocumentId,
        now_ms: i64,
    ) -> Result<Option<Rebuilt>, ClientError> {
        let failed = |detail: String| ClientError::Home {
            path: self.dir.display().to_string(),
            detail,
        };
        let Some(local) = self.store.load(&document)? else {
            return Err(failed(format!("document {document} is not on this device")));
        };
        let confirmed = self.server_heads(&document)?;
        if confirmed.is_empty() {
            return Ok(None);
        }
        let base = local
            .fork_at(&confirmed)
            .map_err(|e| failed(e.to_string()))?;
        let writer = Writer {
            member: membership.member_id.ok_or_else(|| {
                failed("the server never said which member this device is".into())
            })?,
            device: membership.device_id.clone(),
            club_document: Some(membership.club_document),
            coordinator: membership.role == clubsync_core::club::Role::Coordinator,
        };
        let rebased = rebase(&local, &base, &writer).map_err(|e| failed(e.to_string()))?;
        let aside_dir = self.dir.join("refused");
        std::fs::create_dir_all(&aside_dir).map_err(|e| failed(e.to_string()))?;
        let kept_aside = aside_dir.join(format!("{document}-{now_ms}.automerge"));
        std::fs::write(&kept_aside, local.save()).map_err(|e| failed(e.to_string()))?;
        self.store.replace_document(&document, &rebased.doc)?;
        Ok(Some(Rebuilt {
            document,
            kept_aside,
            kept: rebased.kept,
            dropped: rebased.dropped,
        }))
    }
}
