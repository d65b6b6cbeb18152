//! When this device's token for each club was saved and when it expires, so the device knows
//! when to swap it for a new one (see `token_rotation`).

use rusqlite::{OptionalExtension, params};

use super::DeviceHome;
use crate::error::ClientError;

/// The table, beside the memberships (a club joined before it existed has no row: its token is
/// swapped at the next sync).
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS token_state (
    club_id TEXT PRIMARY KEY,
    saved_at INTEGER NOT NULL,
    rotate_after INTEGER
);
";

/// When a club's token was saved, and when the server said to swap it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenAge {
    /// Saved (joined, or last swapped), in milliseconds since the Unix epoch.
    pub saved_at: i64,
    /// When to swap it, as the server said (`None`: a server before token rotation said
    /// nothing, or the club was joined before this device knew of it: swap at the next sync).
    pub rotate_after: Option<i64>,
}

impl DeviceHome {
    /// The age of the token of club `club_id` (joined at `joined_at`, if nothing else is known).
    pub fn token_age(&self, club_id: &str, joined_at: i64) -> Result<TokenAge, ClientError> {
        let stored = self
            .db
            .query_row(
                "SELECT saved_at, rotate_after FROM token_state WHERE club_id = ?1",
                [club_id],
                |r| {
                    Ok(TokenAge {
                        saved_at: r.get(0)?,
                        rotate_after: r.get(1)?,
                    })
                },
            )
            .optional()?;
        Ok(stored.unwrap_or(TokenAge {
            saved_at: joined_at,
            rotate_after: None,
        }))
    }

    /// Records a club's token (a new one from a swap, or the one a join gave) and its age, in
    /// one transaction: the device never holds a token without knowing its age, or the reverse.
    pub fn save_token(
        &mut self,
        club_id: &str,
        token: &str,
        age: TokenAge,
    ) -> Result<(), ClientError> {
        let tx = self.db.transaction()?;
        tx.execute(
            "UPDATE memberships SET token = ?1 WHERE club_id = ?2",
            params![token, club_id],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO token_state (club_id, saved_at, rotate_after) VALUES (?1, ?2, ?3)",
            params![club_id, age.saved_at, age.rotate_after],
        )?;
        tx.commit()?;
        Ok(())
    }
}
