//! Devices: authenticating a presented token, listing a club's devices, revoking one.

use clubsync_core::club::Role;
use clubsync_core::ids::MemberId;
use clubsync_core::timestamp::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::error::IdentityError;
use super::ids::{ClubId, DeviceId};
use super::{IdentityStore, columns, rotation, token};

/// `last_seen_at` is written at most once per this many milliseconds per device: a device that
/// reconnects often costs no write (and no fsync) each time.
const LAST_SEEN_RESOLUTION_MS: i64 = 60_000;

/// An authenticated device: what a connection is bound to. The role is its member's role now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRecord {
    /// The device.
    pub id: DeviceId,
    /// Its club.
    pub club: ClubId,
    /// The member it belongs to.
    pub member: MemberId,
    /// The member's role, which decides what the device may read and write.
    pub role: Role,
    /// The name given when the device redeemed its invite ("Asha's phone").
    pub name: String,
}

/// A device as an admin or coordinator sees it in a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The device.
    pub device: DeviceRecord,
    /// Its member's display name.
    pub member_name: String,
    /// When it redeemed its invite.
    pub created_at: Timestamp,
    /// When it last authenticated (to the minute), if ever.
    pub last_seen_at: Option<Timestamp>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

const DEVICE_QUERY: &str = "
    SELECT d.id, d.club, d.member, m.role, d.name, m.display_name, d.created_at, d.last_seen_at, d.revoked_at
    FROM devices d JOIN members m ON m.id = d.member";

type DeviceRow = (
    DeviceId,
    ClubId,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

fn device_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
    ))
}

fn device_info(row: DeviceRow) -> Result<DeviceInfo, IdentityError> {
    let (id, club, member, role, name, member_name, created_at, last_seen_at, revoked_at) = row;
    Ok(DeviceInfo {
        device: DeviceRecord {
            id,
            club,
            member: columns::member(member)?,
            role: columns::role(role)?,
            name,
        },
        member_name,
        created_at: Timestamp::from_millis(created_at),
        last_seen_at: columns::time(last_seen_at),
        revoked_at: columns::time(revoked_at),
    })
}

fn device_by_id(conn: &Connection, id: DeviceId) -> Result<Option<DeviceInfo>, IdentityError> {
    conn.query_row(&format!("{DEVICE_QUERY} WHERE d.id = ?1"), [id], device_row)
        .optional()?
        .map(device_info)
        .transpose()
}

impl IdentityStore {
    /// The device holding `token`, with its member's current role.
    ///
    /// Refuses, with distinct errors, text that is not a token ([`IdentityError::MalformedToken`]),
    /// a token no device holds ([`IdentityError::UnknownToken`]), and a revoked device
    /// ([`IdentityError::DeviceRevoked`], which says when). Records `now_ms` as the device's
    /// last-seen time, at most once a minute.
    pub fn authenticate(&self, token: &str, now_ms: i64) -> Result<DeviceRecord, IdentityError> {
        let hash = token::hash_presented(token)?;
        self.read(|conn| {
            let presented = rotation::find(conn, &hash)?;
            let info = device_by_id(conn, presented.device)?.ok_or(IdentityError::UnknownToken)?;
            if let Some(revoked_at) = info.revoked_at {
                return Err(IdentityError::DeviceRevoked {
                    device: info.device.id,
                    revoked_at,
                });
            }
            self.accept_presented(conn, &presented, now_ms)?;
            conn.execute(
                "UPDATE devices SET last_seen_at = ?1
                 WHERE id = ?2 AND (last_seen_at IS NULL OR last_seen_at <= ?1 - ?3)",
                params![now_ms, info.device.id, LAST_SEEN_RESOLUTION_MS],
            )?;
            Ok(info.device)
        })
    }

    /// Revokes a device at `now_ms`: its token is refused from then on. Revoking a revoked
    /// device changes nothing (the first revocation time stays).
    ///
    /// Closing the device's live connections is the caller's job; a server running in another
    /// process learns of revocations through [`IdentityStore::revoked_since`].
    pub fn revoke_device(&self, device: DeviceId, now_ms: i64) -> Result<(), IdentityError> {
        self.write(|tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)",
                [device],
                |r| r.get(0),
            )?;
            if !exists {
                return Err(IdentityError::UnknownDevice(device));
            }
            tx.execute(
                "UPDATE devices SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![now_ms, device],
            )?;
            Ok(())
        })
    }

    /// The device with this id, if there is one (revoked or not).
    pub fn device(&self, id: DeviceId) -> Result<Option<DeviceInfo>, IdentityError> {
        self.read(|conn| device_by_id(conn, id))
    }

    /// Every device of a club, revoked ones included, by member name and then device name.
    pub fn list_devices(&self, club: ClubId) -> Result<Vec<DeviceInfo>, IdentityError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "{DEVICE_QUERY} WHERE d.club = ?1 ORDER BY m.display_name, d.name, d.id"
            ))?;
            let rows = stmt
                .query_map([club], device_row)?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(device_info).collect()
        })
    }

    /// Devices revoked at or after `since_ms`, oldest revocation first.
    ///
    /// For a running server to close the live connections of a device revoked by an admin
    /// command (another process): poll this every second or so with `since_ms` a little before
    /// the previous poll (clocks of the two processes are the same machine's, but not perfectly
    /// ordered), and ignore devices already handled. The query uses an index on `revoked_at`.
    pub fn revoked_since(
        &self,
        since_ms: i64,
    ) -> Result<Vec<(DeviceId, Timestamp)>, IdentityError> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, revoked_at FROM devices WHERE revoked_at >= ?1 ORDER BY revoked_at, id",
            )?;
            let rows = stmt
                .query_map([since_ms], |row| {
                    Ok((
                        row.get::<_, DeviceId>(0)?,
                        Timestamp::from_millis(row.get(1)?),
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }
}
