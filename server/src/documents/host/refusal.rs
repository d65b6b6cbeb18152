//! What the host does with changes it refuses (they break one of core's record rules, are
//! malformed, or would grow the document past its limit): it rolls them back and refuses them
//! to their sender alone, so every other device on the document carries on.

use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::{Automerge, ChangeHash, sync};
use clubsync_core::document::DocumentKind;
use clubsync_core::rules::{self, Checked, Refusal, Rule};
use clubsync_core::store::Provenance;
use clubsync_protocol::DocumentId;
use tracing::{error, warn};

use crate::log_text::capped;

use super::super::actor_book::ActorBook;
use super::super::effects::Effects;
use super::super::peer::{ConnId, Outbound, PeerInfo};
use super::{Batch, DocumentHost};

impl DocumentHost {
    /// Refuses the changes `conn` just sent, which broke a record rule: they are rolled back
    /// (the document goes back to `before`, which holds every change accepted so far), never
    /// committed, relayed or acknowledged, and the peer is told which record and which rule.
    /// Every other peer of the document carries on. False when the document could not be
    /// rolled back and is being reloaded instead.
    pub(super) fn refuse_changes(
        &mut self,
        conn: ConnId,
        peer: &PeerInfo,
        before: &[ChangeHash],
        refusal: &Refusal,
        effects: &mut Effects,
    ) -> bool {
        warn!(
            document = %self.id,
            device = %peer.device,
            member = %peer.member,
            record = %capped(&refusal.path),
            rule = refusal.rule.code(),
            detail = %capped(&refusal.detail),
            "refused changes that break a record rule"
        );
        let text = clubsync_protocol::refusal::refused_change(&self.id, &refusal.to_string());
        self.refuse_peer(conn, before, refusal.rule.code(), text, effects)
    }

    /// The refusal for a message whose changes would grow the stored document past its limit,
    /// told before anything of them is applied (the batch so far counted in).
    pub(super) fn past_size_limit(&self, batch: &Batch, message: &sync::Message) -> Option<String> {
        let incoming: u64 = message.changes.iter().map(|c| c.len() as u64).sum();
        if incoming == 0 {
            return None;
        }
        let pending: u64 = batch.chunks.iter().map(|c| c.len() as u64).sum();
        let limit = self.limits.max_document_bytes;
        (self.stored.bytes + pending + incoming > limit).then(|| {
            format!(
                "document {} would grow past the server's limit of {limit} bytes; its new \
                 changes were not saved",
                self.id
            )
        })
    }

    /// Refuses what `conn` just sent: counts `metric`, ends the peer's sync of this document
    /// with an `error` saying `text`, and rolls the document back to `before` (a no-op when
    /// nothing of the message was applied). False when the rollback failed and the document
    /// is being reloaded instead (every peer is then told to reconnect).
    pub(super) fn refuse_peer(
        &mut self,
        conn: ConnId,
        before: &[ChangeHash],
        metric: &'static str,
        text: String,
        effects: &mut Effects,
    ) -> bool {
        effects.refused.push(metric);
        effects.send(conn, Outbound::Refuse(text));
        self.sync.remove_peer(&conn);
        self.peers.remove(&conn);
        if self.doc.get_heads() == before {
            return true;
        }
        match self.doc.fork_at(before) {
            Ok(doc) => {
                self.doc = doc;
                true
            }
            Err(e) => {
                error!(document = %self.id, %e, "could not roll back refused changes; reloading");
                self.start_reload(effects);
                false
            }
        }
    }
}

/// Core's record rules on the changes `peer` just sent (everything in `doc` since `before`),
/// then the actor ids they were made under, which must be the peer's own device's (claimed in
/// `actors` on first use). A document whose kind is not known yet is left to the registration,
/// which refuses it as not a clubsync document (without closing the connection). A panic inside
/// the checks is a refusal, never a crashed task.
pub(super) fn record_rules(
    doc: &Automerge,
    before: &[ChangeHash],
    peer: &PeerInfo,
    actors: &ActorBook,
) -> Result<Checked, Refusal> {
    if DocumentKind::of(doc).is_err() {
        return Ok(Checked::default());
    }
    let writer = peer.writer();
    let checked = match catch_unwind(AssertUnwindSafe(|| {
        rules::check_changes(doc, before, &writer)
    })) {
        Ok(result) => result?,
        Err(_) => {
            return Err(Refusal::new(
                "",
                Rule::InvalidRecord,
                "the changes could not be read",
            ));
        }
    };
    actors
        .claim(&checked.actors(), peer.device)
        .map_err(|(actor, owner)| {
            Refusal::new(
                "",
                Rule::ActorOfAnotherDevice,
                format!("changes under actor {actor} belong to device {owner}"),
            )
        })?;
    Ok(checked)
}

/// The provenance rows of the changes `peer` sent that kept the rules, received at `now_ms`.
pub(super) fn provenance(
    document: DocumentId,
    peer: &PeerInfo,
    now_ms: i64,
    checked: Checked,
) -> impl Iterator<Item = Provenance> + use<> {
    let device = peer.device.to_string();
    let member = peer.member.to_string();
    checked.changes.into_iter().map(move |change| Provenance {
        document,
        change: change.hash,
        actor: change.actor,
        device: device.clone(),
        member: member.clone(),
        received_at: now_ms,
        records: change.records,
    })
}
