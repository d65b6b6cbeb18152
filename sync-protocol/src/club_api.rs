//! The JSON of the coordinators' members and devices API (`/api/club/members`,
//! `/api/club/devices`, `/api/club/invites`), shared by the server that answers and the CLI
//! that asks, so both read one shape. Times are RFC 3339 UTC (`2026-03-14T10:00:00Z`); the
//! screens show them on the club's clock.

use serde::{Deserialize, Serialize};

/// A member in `GET /api/club/members` and in the answers that change one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClubMember {
    /// The member's id (a UUID), as the club document and records name them.
    pub id: String,
    /// The name the club sees.
    pub display_name: String,
    /// `coordinator`, `volunteer` or `observer`.
    pub role: String,
    /// Whether the member is 16 or over (under-16s never handle money).
    pub age16plus: bool,
    /// When they joined.
    pub created_at: String,
    /// When they left the club; `None` for a member.
    pub left_at: Option<String>,
    /// Their devices not revoked.
    pub active_devices: usize,
}

/// `PATCH /api/club/members/{id}`: what changes (absent: unchanged).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberChange {
    /// `coordinator`, `volunteer` or `observer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// True once the member is 16 or over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age16plus: Option<bool>,
}

/// `POST /api/club/members/{id}/leave` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberDeparture {
    /// The member, now former.
    pub member: ClubMember,
    /// Their devices revoked now.
    pub revoked_devices: Vec<String>,
    /// Their connections ended now.
    pub closed_connections: usize,
}

/// A device in `GET /api/club/devices`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClubDevice {
    /// The device's id.
    pub id: String,
    /// The name it gave itself when it joined.
    pub name: String,
    /// Its member.
    pub member_id: String,
    /// Its member's name.
    pub member_name: String,
    /// Its member's role.
    pub role: String,
    /// When it joined.
    pub created_at: String,
    /// When it last authenticated (to the minute), if ever.
    pub last_seen_at: Option<String>,
    /// True once revoked.
    pub revoked: bool,
    /// When it was revoked.
    pub revoked_at: Option<String>,
    /// Websocket connections open now.
    pub open_connections: usize,
}

/// `POST /api/club/devices/{id}/revoke` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRevoked {
    /// The device, now revoked.
    pub device: ClubDevice,
    /// False when the device had been revoked before (the first revocation time stays).
    pub newly_revoked: bool,
    /// How many open connections were closed.
    pub closed_connections: usize,
}

/// `POST /api/club/invites`: a new member (`role` and `name`), or another device for an
/// existing member (`member_id` alone, who keeps their name, role and age).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// `coordinator`, `volunteer` or `observer` (not with `member_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The new member's name (not with `member_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An existing member, for another device of theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// How many hours the code stays valid (1 hour to 90 days); 72 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_hours: Option<u64>,
    /// True for a new member under 16, who never handles money.
    #[serde(default)]
    pub under_16: bool,
}

/// `POST /api/club/invites` answer (201).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedInvite {
    /// The invite's id (to withdraw it).
    pub id: String,
    /// The one-time code to pass on: shown only this once, it is not kept by the server.
    pub code: String,
    /// The role it gives.
    pub role: String,
    /// Who it is for.
    pub name: String,
    /// Whether they are under 16.
    pub under_16: bool,
    /// The existing member a device invite is for.
    pub member_id: Option<String>,
    /// When the code stops working.
    pub expires_at: String,
}

/// `PATCH /api/club`: the club settings a coordinator changes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClubChange {
    /// The club's clock, a tz database name (`Asia/Seoul`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}
