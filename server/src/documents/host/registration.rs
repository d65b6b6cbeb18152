//! A new document's registration: the registry's answer decides its club and kind, and the
//! devices of other clubs that raced for the same id are told it does not exist.

use std::collections::BTreeSet;

use tracing::warn;

use super::super::effects::Effects;
use super::super::peer::{ConnId, Outbound};
use super::{Batch, DocumentHost};
use clubsync_core::document::DocumentKind;

impl DocumentHost {
    /// The registry's answer for a new document.
    pub(super) fn registered(
        &mut self,
        result: Result<(), String>,
        batch: Batch,
        effects: &mut Effects,
    ) {
        let creator = batch.creator;
        let (club, kind) = match (result, creator, DocumentKind::of(&self.doc)) {
            (Ok(()), Some((_, creator)), Ok(kind)) => (creator.club, kind),
            (result, _, kind) => {
                let reason = match (result, kind) {
                    (Err(reason), _) => reason,
                    (Ok(()), Err(e)) => e.to_string(),
                    (Ok(()), Ok(_)) => "no creator".into(),
                };
                warn!(document = %self.id, %reason, "could not register new document");
                if let Some((conn, _)) = creator {
                    effects.send(conn, Outbound::Refuse(reason));
                }
                self.start_reload(effects);
                return;
            }
        };
        self.owner = Some(club);
        self.kind = Some(kind);
        self.needs_index = kind != DocumentKind::Club;
        // Devices of other clubs that raced for the same id never see it.
        let strangers: Vec<ConnId> = self
            .peers
            .iter()
            .filter(|(_, p)| p.club != club)
            .map(|(c, _)| *c)
            .collect();
        for conn in strangers {
            self.peers.remove(&conn);
            self.sync.remove_peer(&conn);
            effects.send(conn, Outbound::Unavailable(self.id));
        }
        self.commit_or_answer(batch, BTreeSet::new(), effects);
    }
}
