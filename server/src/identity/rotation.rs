//! Device tokens that change and that can expire: a device swaps its token for a new one now and
//! then ([`IdentityStore::rotate_token`]), and a server started with a token lifetime refuses a
//! token older than it ([`IdentityError::TokenExpired`]). A token copied off a stolen phone, or
//! out of an old backup of a phone, so stops working on its own.
//!
//! A rotation must never lock a device out, even when the answer that carries the new token is
//! lost on the way (a cut connection): the new token is stored beside the old one
//! (`next_token_hash`) and takes over at its first use; until then the old one keeps working, and
//! a device that never received the new one simply rotates again.

use std::sync::atomic::{AtomicI64, Ordering::Relaxed};
use std::time::Duration;

use clubsync_core::timestamp::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::IdentityStore;
use super::error::IdentityError;
use super::ids::DeviceId;
use super::token::DeviceToken;

/// How old a token gets before its device swaps it, at most: a week.
pub const ROTATE_EVERY_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// How long tokens live, in milliseconds (0: for ever). Set once when the server starts.
#[derive(Debug, Default)]
pub(super) struct TokenLifetime(AtomicI64);

/// The device a presented token's hash belongs to, as [`IdentityStore::authenticate`] looks it
/// up: by its current token or by the new one a rotation made.
pub(super) struct Presented {
    pub device: DeviceId,
    /// When the token presented was issued.
    pub issued_at: i64,
    /// The token is the one a rotation made, presented for the first time.
    pub is_next: bool,
}

/// Looks up the device of a token hash (current or next).
pub(super) fn find(conn: &Connection, hash: &[u8; 32]) -> Result<Presented, IdentityError> {
    conn.query_row(
        "SELECT id, COALESCE(token_issued_at, created_at), next_token_hash IS NOT NULL AND next_token_hash = ?1
         FROM devices WHERE token_hash = ?1 OR next_token_hash = ?1",
        [hash.as_slice()],
        |r| {
            Ok(Presented {
                device: r.get(0)?,
                issued_at: r.get(1)?,
                is_next: r.get(2)?,
            })
        },
    )
    .optional()?
    .ok_or(IdentityError::UnknownToken)
}

impl IdentityStore {
    /// Tokens older than `lifetime` are refused from now on (`None`: tokens never expire).
    pub fn set_token_lifetime(&self, lifetime: Option<Duration>) {
        let ms = lifetime.map_or(0, |l| i64::try_from(l.as_millis()).unwrap_or(i64::MAX));
        self.token_lifetime.0.store(ms, Relaxed);
    }

    /// How long tokens live, if they expire.
    pub fn token_lifetime(&self) -> Option<Duration> {
        match self.token_lifetime.0.load(Relaxed) {
            0 => None,
            ms => Some(Duration::from_millis(ms.unsigned_abs())),
        }
    }

    /// When a token issued at `issued_at` expires, if tokens do.
    pub fn token_expires_at(&self, issued_at: i64) -> Option<Timestamp> {
        match self.token_lifetime.0.load(Relaxed) {
            0 => None,
            ms => Some(Timestamp(issued_at.saturating_add(ms))),
        }
    }

    /// When a device should swap a token issued at `issued_at`: after a week, or half-way
    /// through its lifetime if that is sooner. The one place this policy lives: the server sends
    /// it to devices with every token.
    pub fn token_rotate_after(&self, issued_at: i64) -> Timestamp {
        let week = ROTATE_EVERY_MS;
        let every = match self.token_lifetime.0.load(Relaxed) {
            0 => week,
            ms => (ms / 2).min(week),
        };
        Timestamp(issued_at.saturating_add(every))
    }

    /// Refuses a token past its lifetime; takes a rotated token into use at its first
    /// presentation (the old one stops working then).
    pub(super) fn accept_presented(
        &self,
        conn: &Connection,
        presented: &Presented,
        now_ms: i64,
    ) -> Result<(), IdentityError> {
        if presented.is_next {
            conn.execute(
                "UPDATE devices SET token_hash = next_token_hash, next_token_hash = NULL,
                     token_issued_at = ?1
                 WHERE id = ?2 AND next_token_hash IS NOT NULL",
                params![now_ms, presented.device],
            )?;
            return Ok(());
        }
        let lifetime = self.token_lifetime.0.load(Relaxed);
        if lifetime > 0 && now_ms.saturating_sub(presented.issued_at) > lifetime {
            return Err(IdentityError::TokenExpired {
                device: presented.device,
                issued_at: Timestamp(presented.issued_at),
                days: lifetime / 86_400_000,
            });
        }
        Ok(())
    }

    /// Makes a new token for `device`, which takes over from the current one at its first use.
    /// Rotating again before that replaces the new token (only the latest works).
    pub fn rotate_token(&self, device: DeviceId) -> Result<DeviceToken, IdentityError> {
        let (token, hash) = DeviceToken::generate()?;
        self.write(|tx| {
            let revoked: Option<Option<i64>> = tx
                .query_row(
                    "SELECT revoked_at FROM devices WHERE id = ?1",
                    [device],
                    |r| r.get(0),
                )
                .optional()?;
            match revoked {
                None => Err(IdentityError::UnknownDevice(device)),
                Some(Some(at)) => Err(IdentityError::DeviceRevoked {
                    device,
                    revoked_at: Timestamp(at),
                }),
                Some(None) => {
                    tx.execute(
                        "UPDATE devices SET next_token_hash = ?1 WHERE id = ?2",
                        params![hash.as_slice(), device],
                    )?;
                    Ok(())
                }
            }
        })?;
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clubsync_core::club::Role;
    use clubsync_protocol::DocumentId;

    use super::*;

    const DAY: i64 = 86_400_000;

    fn joined(now: i64) -> (tempfile::TempDir, IdentityStore, DeviceId, DeviceToken) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = IdentityStore::open(dir.path()).expect("opens");
        let club = store
            .create_club("Leeds", DocumentId::random(), now)
            .expect("club");
        let invite = store
            .create_invite(
                club,
                Role::Volunteer,
                "Asha",
                true,
                Duration::from_secs(3600),
                now,
            )
            .expect("invite");
        let (device, token) = store
            .redeem_invite(invite.as_str(), "Asha's phone", now)
            .expect("redeemed");
        (dir, store, device.id, token)
    }

    #[test]
    fn a_rotated_token_takes_over_at_its_first_use_and_a_lost_answer_locks_nobody_out() {
        let now = 1_795_600_000_000;
        let (_dir, store, device, old) = joined(now);
        // The answer with the new token was lost: the old one still works, and rotating again
        // makes another.
        let lost = store.rotate_token(device).expect("rotates");
        assert_eq!(
            store.authenticate(old.as_str(), now + 2).expect("still").id,
            device
        );
        let new = store.rotate_token(device).expect("rotates again");
        assert!(matches!(
            store.authenticate(lost.as_str(), now + 4),
            Err(IdentityError::UnknownToken)
        ));
        // The new one's first use retires the old one.
        assert_eq!(
            store.authenticate(new.as_str(), now + 5).expect("new").id,
            device
        );
        assert!(matches!(
            store.authenticate(old.as_str(), now + 6),
            Err(IdentityError::UnknownToken)
        ));
        assert_eq!(
            store.authenticate(new.as_str(), now + 7).expect("new").id,
            device
        );
    }

    #[test]
    fn with_a_lifetime_an_old_token_is_refused_and_rotation_keeps_a_device_in() {
        let now = 1_795_600_000_000;
        let (_dir, store, device, token) = joined(now);
        store.set_token_lifetime(Some(Duration::from_secs(30 * 86_400)));
        assert!(store.authenticate(token.as_str(), now + 29 * DAY).is_ok());
        let fresh = store.rotate_token(device).expect("rotates");
        assert!(
            store
                .authenticate(fresh.as_str(), now + 29 * DAY + 1)
                .is_ok()
        );
        // Thirty days after the rotation, not after the join, it expires.
        assert!(store.authenticate(fresh.as_str(), now + 58 * DAY).is_ok());
        let err = store
            .authenticate(fresh.as_str(), now + 60 * DAY)
            .expect_err("expired");
        assert!(
            matches!(err, IdentityError::TokenExpired { days: 30, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("30 days"), "{err}");
        assert_eq!(
            store.token_rotate_after(now),
            Timestamp(now + 7 * DAY),
            "weekly"
        );
        store.set_token_lifetime(Some(Duration::from_secs(4 * 86_400)));
        assert_eq!(
            store.token_rotate_after(now),
            Timestamp(now + 2 * DAY),
            "half-way"
        );
        store.set_token_lifetime(None);
        assert!(store.authenticate(fresh.as_str(), now + 60 * DAY).is_ok());
    }

    #[test]
    fn a_revoked_device_cannot_rotate() {
        let now = 1_795_600_000_000;
        let (_dir, store, device, _token) = joined(now);
        store.revoke_device(device, now + 1).expect("revoked");
        assert!(matches!(
            store.rotate_token(device),
            Err(IdentityError::DeviceRevoked { .. })
        ));
    }
}
