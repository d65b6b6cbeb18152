//! Erasing a club from this device when the server says the device was revoked (a lost or
//! stolen phone, a member who left): the club's documents are erased from the store for good,
//! with what the device kept about them (titles, sync state, the token), and the membership
//! stays, marked refused, so `clubsync clubs` says why the club is gone.

use super::*;

impl DeviceHome {
    /// Erases every document of the club `club_id` from this device, and its token; returns how
    /// many documents were erased. Records not yet on the server are erased too: a revoked
    /// device can never send them, and a stolen one must not keep them.
    pub fn erase_club(&mut self, club_id: &str) -> Result<usize, ClientError> {
        let membership = self.membership(Some(club_id))?;
        let mut ids = self.documents_of(club_id)?;
        if !ids.contains(&membership.club_document) {
            ids.push(membership.club_document);
        }
        self.store.erase_documents(&ids)?;
        // What this directory's own database kept of them (titles, heads) is overwritten too.
        self.db.pragma_update(None, "secure_delete", true)?;
        let tx = self.db.transaction()?;
        for id in &ids {
            let id = id.to_string();
            tx.execute("DELETE FROM documents WHERE doc_id = ?1", [&id])?;
            tx.execute("DELETE FROM titles WHERE doc_id = ?1", [&id])?;
        }
        tx.execute("DELETE FROM token_state WHERE club_id = ?1", [club_id])?;
        tx.execute(
            "UPDATE memberships SET token = '' WHERE club_id = ?1",
            [club_id],
        )?;
        tx.commit()?;
        self.db.execute_batch("VACUUM")?;
        self.db
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        self.db.pragma_update(None, "secure_delete", false)?;
        Ok(ids.len())
    }
}
