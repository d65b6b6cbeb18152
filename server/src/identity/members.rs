//! What coordinators change about a member after they joined: role, being 16 or over, and
//! leaving the club (their devices revoked, the member kept as former so their records still
//! name them).
//!
//! The identity database is the authority; the club document's copy of the member is the
//! caller's to update (`ClubEdit::UpdateMember`, `ClubEdit::MemberLeft`), and the connections of
//! the member's devices are the caller's to cut, so they reconnect with what they may do now.

use clubsync_core::club::Role;
use clubsync_core::ids::MemberId;
use rusqlite::params;

use super::IdentityStore;
use super::clubs::{MemberInfo, member_by_id};
use super::error::IdentityError;
use super::ids::DeviceId;

impl IdentityStore {
    /// Changes a member's role and whether they are 16 or over (`None`: unchanged); returns the
    /// member as they are now. A former member cannot be changed.
    pub fn update_member(
        &self,
        member: MemberId,
        role: Option<Role>,
        age16plus: Option<bool>,
    ) -> Result<MemberInfo, IdentityError> {
        self.write(|tx| {
            let info = member_by_id(tx, member)?.ok_or(IdentityError::UnknownMember(member))?;
            if info.left_at.is_some() {
                return Err(IdentityError::MemberLeft(info.display_name));
            }
            tx.execute(
                "UPDATE members SET role = ?1, age16plus = ?2 WHERE id = ?3",
                params![
                    role.unwrap_or(info.role).as_str(),
                    age16plus.unwrap_or(info.age16plus),
                    member.key()
                ],
            )?;
            member_by_id(tx, member)?.ok_or(IdentityError::UnknownMember(member))
        })
    }

    /// The member leaves the club at `now_ms`: every device of theirs not yet revoked is revoked,
    /// and their pending invites for another device stop working. Returns the member and the
    /// devices revoked now. Leaving twice changes nothing (the first time stays).
    pub fn member_leaves(
        &self,
        member: MemberId,
        now_ms: i64,
    ) -> Result<(MemberInfo, Vec<DeviceId>), IdentityError> {
        self.write(|tx| {
            member_by_id(tx, member)?.ok_or(IdentityError::UnknownMember(member))?;
            let revoked = {
                let mut stmt = tx.prepare(
                    "UPDATE devices SET revoked_at = ?1
                     WHERE member = ?2 AND revoked_at IS NULL RETURNING id",
                )?;
                stmt.query_map(params![now_ms, member.key()], |row| row.get(0))?
                    .collect::<Result<Vec<DeviceId>, _>>()?
            };
            tx.execute(
                "UPDATE members SET left_at = ?1 WHERE id = ?2 AND left_at IS NULL",
                params![now_ms, member.key()],
            )?;
            tx.execute(
                "UPDATE invites SET withdrawn_at = ?1
                 WHERE member = ?2 AND used_at IS NULL AND withdrawn_at IS NULL",
                params![now_ms, member.key()],
            )?;
            let info = member_by_id(tx, member)?.ok_or(IdentityError::UnknownMember(member))?;
            Ok((info, revoked))
        })
    }
}
