//! One-time, expiring invites: how a device joins a club. A new member's invite makes the
//! member and the device; another device's invite adds a device to an existing member. The
//! codes themselves are in `invite_code`.

use std::time::Duration;

use clubsync_core::club::Role;
use clubsync_core::ids::MemberId;
use clubsync_core::timestamp::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};

use super::clubs::{club_by_id, member_by_id};
use super::devices::DeviceRecord;
use super::error::IdentityError;
use super::ids::{ClubId, DeviceId, InviteId};
use super::invite_code::{InviteCode, generate_code, normalise};
use super::token::DeviceToken;
use super::{IdentityStore, columns, names};

/// The shortest lifetime of an invite.
pub const INVITE_MIN_LIFETIME: Duration = Duration::from_secs(60);

/// The longest lifetime of an invite: an unused code should not lie around for months.
pub const INVITE_MAX_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

/// An invite as a coordinator sees it in a list (never with its code, which is not kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteInfo {
    /// The invite.
    pub id: InviteId,
    /// The club it joins.
    pub club: ClubId,
    /// The role it grants (for another device of a member: the member's role now).
    pub role: Role,
    /// Who it is for: the new member's name, or the existing member's.
    pub display_name: String,
    /// Whether they are 16 or over: as the invite says for a new member, as the member is for
    /// another device.
    pub age16plus: bool,
    /// The existing member it adds a device to, if it is such an invite.
    pub member: Option<MemberId>,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working if unused.
    pub expires_at: Timestamp,
    /// When it was used, and by which device.
    pub used: Option<(Timestamp, DeviceId)>,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<Timestamp>,
}

impl InviteInfo {
    /// Whether the invite can still be redeemed at `now_ms`.
    pub fn is_pending(&self, now_ms: i64) -> bool {
        self.used.is_none() && self.withdrawn_at.is_none() && now_ms < self.expires_at.millis()
    }
}

fn lifetime_ms(ttl: Duration) -> Result<i64, IdentityError> {
    if ttl < INVITE_MIN_LIFETIME || ttl > INVITE_MAX_LIFETIME {
        return Err(IdentityError::InviteLifetime {
            given_minutes: ttl.as_secs() / 60,
            min_minutes: INVITE_MIN_LIFETIME.as_secs() / 60,
            max_days: INVITE_MAX_LIFETIME.as_secs() / 86_400,
        });
    }
    // At most 90 days: fits easily.
    Ok(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX))
}

/// What an invite row says, read under the redeeming transaction's lock.
struct PendingInvite {
    club: ClubId,
    /// Role, display name and age16plus of the member it makes.
    new_member: Option<(Role, String, bool)>,
    member: Option<String>,
    expires_at: i64,
    used_at: Option<i64>,
    withdrawn_at: Option<i64>,
}

impl IdentityStore {
    /// Creates a one-time invite that makes a new member `display_name` with `role` in `club`,
    /// 16 or over if `age16plus` (under-16s never handle money: tins, counts), valid for `ttl`
    /// (1 minute to 90 days) from `now_ms`.
    pub fn create_invite(
        &self,
        club: ClubId,
        role: Role,
        display_name: &str,
        age16plus: bool,
        ttl: Duration,
        now_ms: i64,
    ) -> Result<InviteCode, IdentityError> {
        self.create_invite_made_by(None, club, role, display_name, age16plus, ttl, now_ms)
    }

    /// Like [`IdentityStore::create_invite`], made by a coordinator's device `made_by` (the
    /// coordinators' API): the invite stops working if that device is revoked or its member
    /// stops being a coordinator before it is used.
    #[allow(clippy::too_many_arguments)]
    pub fn create_invite_made_by(
        &self,
        made_by: Option<DeviceId>,
        club: ClubId,
        role: Role,
        display_name: &str,
        age16plus: bool,
        ttl: Duration,
        now_ms: i64,
    ) -> Result<InviteCode, IdentityError> {
        let display_name = names::clean("display name", display_name)?;
        let expires_at = now_ms.saturating_add(lifetime_ms(ttl)?);
        let (shown, plain) = generate_code()?;
        let id = InviteId::random();
        self.write(|tx| {
            if club_by_id(tx, club)?.is_none() {
                return Err(IdentityError::UnknownClub(club));
            }
            tx.execute(
                "INSERT INTO invites (id, code_hash, club, role, display_name, age16plus, member, created_at, expires_at, made_by_device)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8, ?9)",
                params![id, self.invite_key.hash(&plain), club, role.as_str(), display_name, age16plus, now_ms, expires_at, made_by],
            )?;
            Ok(())
        })?;
        Ok(InviteCode {
            code: shown,
            id,
            club,
            role,
            expires_at: Timestamp::from_millis(expires_at),
        })
    }

    /// Creates a one-time invite that adds another device (a laptop next to a phone) to an
    /// existing member, who keeps their role. Valid for `ttl` (1 minute to 90 days).
    pub fn create_device_invite(
        &self,
        member: MemberId,
        ttl: Duration,
        now_ms: i64,
    ) -> Result<InviteCode, IdentityError> {
        let expires_at = now_ms.saturating_add(lifetime_ms(ttl)?);
        let (shown, plain) = generate_code()?;
        let id = InviteId::random();
        let info = self.write(|tx| {
            let info = member_by_id(tx, member)?.ok_or(IdentityError::UnknownMember(member))?;
            if info.left_at.is_some() {
                return Err(IdentityError::MemberLeft(info.display_name));
            }
            tx.execute(
                "INSERT INTO invites (id, code_hash, club, role, display_name, member, created_at, expires_at)
                 VALUES (?1, ?2, ?3, NULL, NULL, ?4, ?5, ?6)",
                params![id, self.invite_key.hash(&plain), info.club, member.key(), now_ms, expires_at],
            )?;
            Ok(info)
        })?;
        Ok(InviteCode {
            code: shown,
            id,
            club: info.club,
            role: info.role,
            expires_at: Timestamp::from_millis(expires_at),
        })
    }

    /// The invites of a club, newest first: pending, used, expired and withdrawn ones.
    pub fn list_invites(&self, club: ClubId) -> Result<Vec<InviteInfo>, IdentityError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT i.id, coalesce(i.role, m.role), coalesce(i.display_name, m.display_name), i.member,
                        i.created_at, i.expires_at, i.used_at, i.used_by_device, i.withdrawn_at,
                        CASE WHEN i.member IS NULL THEN i.age16plus ELSE m.age16plus END
                 FROM invites i LEFT JOIN members m ON m.id = i.member
                 WHERE i.club = ?1 ORDER BY i.created_at DESC, i.id",
            )?;
            let rows = stmt
                .query_map([club], |row| {
                    Ok((
                        row.get::<_, InviteId>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Option<String>>(3)?,
                        row.get::<_, i64>(4)?,
                        row.get::<_, i64>(5)?,
                        row.get::<_, Option<i64>>(6)?,
                        row.get::<_, Option<DeviceId>>(7)?,
                        row.get::<_, Option<i64>>(8)?,
                        row.get::<_, bool>(9)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(id, role, display_name, member, created, expires, used_at, used_by, withdrawn, age16plus)| {
                    Ok(InviteInfo {
                        id,
                        club,
                        role: columns::role(role)?,
                        display_name,
                        age16plus,
                        member: member.map(columns::member).transpose()?,
                        created_at: Timestamp::from_millis(created),
                        expires_at: Timestamp::from_millis(expires),
                        used: used_at.zip(used_by).map(|(at, device)| (Timestamp::from_millis(at), device)),
                        withdrawn_at: columns::time(withdrawn),
                    })
                })
                .collect()
        })
    }

    /// Withdraws an unused invite at `now_ms`: its code is refused from then on
    /// ([`IdentityError::InviteWithdrawn`]). Withdrawing it again changes nothing; a used
    /// invite cannot be withdrawn (revoke its device instead).
    pub fn withdraw_invite(&self, invite: InviteId, now_ms: i64) -> Result<(), IdentityError> {
        self.write(|tx| {
            let used_by = tx
                .query_row(
                    "SELECT used_by_device FROM invites WHERE id = ?1",
                    [invite],
                    |row| row.get::<_, Option<DeviceId>>(0),
                )
                .optional()?
                .ok_or(IdentityError::UnknownInvite(invite))?;
            if let Some(device) = used_by {
                return Err(IdentityError::InviteUsedCannotWithdraw { invite, device });
            }
            tx.execute(
                "UPDATE invites SET withdrawn_at = ?1 WHERE id = ?2 AND withdrawn_at IS NULL",
                params![now_ms, invite],
            )?;
            Ok(())
        })
    }

    /// Redeems an invite code for a new device named `device_name`: creates the member (for an
    /// invite of a new member) and the device, marks the invite used, and returns the device and
    /// its token (shown to the device once; only its hash is kept).
    ///
    /// Refuses, with distinct errors, a code that cannot be a code
    /// ([`IdentityError::MalformedInvite`]), is not known ([`IdentityError::InviteNotFound`]),
    /// was used ([`IdentityError::InviteAlreadyUsed`]), was withdrawn
    /// ([`IdentityError::InviteWithdrawn`]) or has expired
    /// ([`IdentityError::InviteExpired`]).
    pub fn redeem_invite(
        &self,
        code: &str,
        device_name: &str,
        now_ms: i64,
    ) -> Result<(DeviceRecord, DeviceToken), IdentityError> {
        let device_name = names::clean("device name", device_name)?;
        let hash = self.invite_key.hash(&normalise(code)?);
        let (token, token_hash) = DeviceToken::generate()?;
        let record = self.write(|tx| {
            let invite = pending_invite(tx, &hash)?.ok_or(IdentityError::InviteNotFound)?;
            if let Some(used_at) = invite.used_at {
                return Err(IdentityError::InviteAlreadyUsed {
                    used_at: Timestamp::from_millis(used_at),
                });
            }
            if let Some(withdrawn_at) = invite.withdrawn_at {
                return Err(IdentityError::InviteWithdrawn {
                    withdrawn_at: Timestamp::from_millis(withdrawn_at),
                });
            }
            if now_ms >= invite.expires_at {
                return Err(IdentityError::InviteExpired {
                    expired_at: Timestamp::from_millis(invite.expires_at),
                });
            }
            if !maker_may_still_invite(tx, &hash)? {
                return Err(IdentityError::InviteMakerGone);
            }
            let (member, role) = match (invite.new_member, invite.member) {
                (Some((role, display_name, age16plus)), _) => {
                    let member = MemberId::new_v7(Timestamp::from_millis(now_ms));
                    tx.execute(
                        "INSERT INTO members (id, club, display_name, role, age16plus, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![
                            member.key(),
                            invite.club,
                            display_name,
                            role.as_str(),
                            age16plus,
                            now_ms
                        ],
                    )?;
                    (member, role)
                }
                (None, Some(member)) => {
                    let member = columns::member(member)?;
                    let info =
                        member_by_id(tx, member)?.ok_or(IdentityError::UnknownMember(member))?;
                    (member, info.role)
                }
                (None, None) => {
                    return Err(IdentityError::Corrupt {
                        what: "invite",
                        value: "no member".into(),
                    });
                }
            };
            let device = DeviceId::random();
            tx.execute(
                "INSERT INTO devices (id, club, member, name, token_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    device,
                    invite.club,
                    member.key(),
                    device_name,
                    token_hash,
                    now_ms
                ],
            )?;
            tx.execute(
                "UPDATE invites SET used_at = ?1, used_by_device = ?2 WHERE code_hash = ?3",
                params![now_ms, device, hash],
            )?;
            Ok(DeviceRecord {
                id: device,
                club: invite.club,
                member,
                role,
                name: device_name.clone(),
            })
        })?;
        Ok((record, token))
    }
}

fn pending_invite(
    tx: &Transaction<'_>,
    hash: &[u8; 32],
) -> Result<Option<PendingInvite>, IdentityError> {
    let row = tx
        .query_row(
            "SELECT club, role, display_name, member, expires_at, used_at, withdrawn_at, age16plus
             FROM invites WHERE code_hash = ?1",
            [hash],
            |row| {
                Ok((
                    row.get::<_, ClubId>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, Option<i64>>(5)?,
                    row.get::<_, Option<i64>>(6)?,
                    row.get::<_, bool>(7)?,
                ))
            },
        )
        .optional()?;
    let Some((club, role, display_name, member, expires_at, used_at, withdrawn_at, age16plus)) =
        row
    else {
        return Ok(None);
    };
    let new_member = match (role, display_name) {
        (Some(role), Some(name)) => Some((columns::role(role)?, name, age16plus)),
        _ => None,
    };
    Ok(Some(PendingInvite {
        club,
        new_member,
        member,
        expires_at,
        used_at,
        withdrawn_at,
    }))
}

/// False when the invite was made by a device that is revoked now, or whose member is no longer
/// a coordinator. An invite of the admin's (no maker) is always fine.
fn maker_may_still_invite(tx: &Transaction<'_>, hash: &[u8; 32]) -> Result<bool, IdentityError> {
    let maker = tx
        .query_row(
            "SELECT d.revoked_at IS NULL AND m.role = 'coordinator'
             FROM invites i JOIN devices d ON d.id = i.made_by_device
             JOIN members m ON m.id = d.member
             WHERE i.code_hash = ?1",
            [hash],
            |row| row.get::<_, bool>(0),
        )
        .optional()?;
    Ok(maker.unwrap_or(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_bounded() {
        assert!(lifetime_ms(Duration::from_secs(59)).is_err());
        assert_eq!(
            lifetime_ms(Duration::from_secs(3600)).expect("an hour"),
            3_600_000
        );
        assert!(lifetime_ms(INVITE_MAX_LIFETIME + Duration::from_secs(1)).is_err());
    }
}
