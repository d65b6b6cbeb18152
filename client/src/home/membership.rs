//! A club this device joined ([`Membership`]) and what it knows of one document's sync
//! ([`DocumentStatus`]).

use super::*;
use clubsync_core::time_zone::ClubTimeZone;

/// A club this device joined.
#[derive(Clone, Debug)]
pub struct Membership {
    /// The club's id on the server.
    pub club_id: String,
    /// The server.
    pub server: ServerAddress,
    /// A pinned certificate (PEM), or `None` to trust the public certificate authorities.
    pub pinned_pem: Option<String>,
    /// The device's id on the server.
    pub device_id: String,
    /// The device token.
    pub token: String,
    /// The member's role.
    pub role: Role,
    /// The member's id, if the server said.
    pub member_id: Option<MemberId>,
    /// The member's name, if the server said.
    pub member_name: Option<String>,
    /// The club document.
    pub club_document: DocumentId,
    /// When the device joined.
    pub joined_at: Timestamp,
    /// Why the server will not let this device in any more (revoked), once it said so.
    pub refused: Option<String>,
}

impl Membership {
    /// The TLS trust for this club's server.
    pub fn trust(&self) -> Result<Trust, ClientError> {
        match &self.pinned_pem {
            Some(pem) => Trust::pinned(pem, "the certificate pinned at join"),
            None => Trust::public_roots(),
        }
    }

    /// The member who uses this device: needed to record donations, counts and signatures.
    pub fn member(&self) -> Result<MemberId, ClientError> {
        self.member_id.ok_or_else(|| ClientError::Home {
            path: "device.sqlite".into(),
            detail: "the server did not say which member this device belongs to; \
                     give --member <id> (see `clubsync clubs`)"
                .into(),
        })
    }
}

/// What a device knows of one document's sync.
#[derive(Clone, Debug)]
pub struct DocumentStatus {
    /// The document.
    pub id: DocumentId,
    /// Its kind, if it is on the device and readable.
    pub kind: Option<DocumentKind>,
    /// Its title (the kind's name when it has none).
    pub title: String,
    /// Changes on this device that the server has not confirmed yet.
    pub pending: usize,
    /// All changes on the device.
    pub changes: usize,
    /// When the server last confirmed heads of this document.
    pub last_sync_at: Option<Timestamp>,
    /// The server said it does not have this document (or will not share it).
    pub unavailable: bool,
}

impl DeviceHome {
    /// The clock of the membership's club: the club document's time zone, or UTC while this
    /// device has not synced the club document yet.
    pub fn time_zone(&self, membership: &Membership) -> ClubTimeZone {
        self.load::<Club>(&membership.club_document)
            .map(|club| club.time_zone())
            .unwrap_or_else(|_| ClubTimeZone::utc())
    }
}
