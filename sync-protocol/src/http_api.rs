//! The JSON of clubsync's HTTP endpoints beside the sync websocket (`/api/join`, the refusals of
//! `/sync` and of the coordinators' API), shared by the server that answers and the devices that
//! ask, so both sides name an error by the same enum variant and never by a string they could
//! spell differently.
//!
//! A refusal is `{ "error": "<code>", "message": "<what happened and what to do>" }` with a
//! fitting HTTP status. Codes are snake_case; a code this build does not know reads as
//! [`ErrorCode::Unknown`], so an older device still shows a newer server's message.

use serde::{Deserialize, Serialize};

/// What went wrong, as a machine reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// No device token in the request.
    NoToken,
    /// The token is not one the server knows.
    Unauthorized,
    /// The token's device was revoked by a coordinator: final, retrying cannot help.
    Revoked,
    /// The token is older than the server's token lifetime: final for this token; the device
    /// needs a new invite.
    TokenExpired,
    /// The device has as many connections open as it may.
    TooManyConnections,
    /// The request needs a coordinator's device.
    CoordinatorRoleRequired,
    /// No invite has this code.
    InviteNotFound,
    /// The invite's time ran out.
    InviteExpired,
    /// The invite was used already.
    InviteUsed,
    /// A coordinator withdrew the invite.
    InviteWithdrawn,
    /// No such thing in the caller's club.
    NotFound,
    /// The body is not the JSON the endpoint takes.
    BadBody,
    /// An id in the request is not one.
    BadId,
    /// The path's parameters do not parse.
    BadPath,
    /// The query's parameters do not parse.
    BadQuery,
    /// Not a role.
    BadRole,
    /// Not a lifetime the server accepts.
    BadTtl,
    /// Not a time zone of the tz database.
    BadTimeZone,
    /// The change would leave the club without a coordinator.
    LastCoordinator,
    /// The member has left the club: nothing of theirs changes any more.
    MemberLeft,
    /// The path exists, the method does not.
    MethodNotAllowed,
    /// The report needs a document the request did not name.
    MissingDocument,
    /// The document has nothing stored yet.
    NotStoredYet,
    /// No report by that name.
    UnknownReport,
    /// A document could not be read as its kind.
    UnreadableDocument,
    /// The document is of another kind than the report reads.
    WrongDocumentKind,
    /// Refused for a reason the message gives.
    Refused,
    /// Too many tries (of `/api/join`) from this address or in all: wait for `Retry-After`.
    RateLimited,
    /// The server failed; try again later.
    Internal,
    /// The server cannot answer now (its storage failed or is full): try again after the
    /// `Retry-After` seconds. Never an answer about the token.
    Unavailable,
    /// A code this build does not know (from a newer server).
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The code as it is written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoToken => "no_token",
            Self::Unauthorized => "unauthorized",
            Self::Revoked => "revoked",
            Self::TokenExpired => "token_expired",
            Self::TooManyConnections => "too_many_connections",
            Self::CoordinatorRoleRequired => "coordinator_role_required",
            Self::InviteNotFound => "invite_not_found",
            Self::InviteExpired => "invite_expired",
            Self::InviteUsed => "invite_used",
            Self::InviteWithdrawn => "invite_withdrawn",
            Self::NotFound => "not_found",
            Self::BadBody => "bad_body",
            Self::BadId => "bad_id",
            Self::BadPath => "bad_path",
            Self::BadQuery => "bad_query",
            Self::BadRole => "bad_role",
            Self::BadTtl => "bad_ttl",
            Self::BadTimeZone => "bad_time_zone",
            Self::LastCoordinator => "last_coordinator",
            Self::MemberLeft => "member_left",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::MissingDocument => "missing_document",
            Self::NotStoredYet => "not_stored_yet",
            Self::UnknownReport => "unknown_report",
            Self::UnreadableDocument => "unreadable_document",
            Self::WrongDocumentKind => "wrong_document_kind",
            Self::Refused => "refused",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every refusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, for a program.
    pub error: ErrorCode,
    /// What happened and what to do, for a person.
    pub message: String,
}

/// `POST /api/join`: redeem an invite for a device token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    /// The invite code a coordinator gave.
    pub invite: String,
    /// A name for this device, shown to coordinators ("Min-ji's phone").
    pub device_name: String,
}

/// The answer to a redeemed invite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinResponse {
    /// The device's id.
    pub device_id: String,
    /// The device token: keep it secret; it is shown only this once.
    pub token: String,
    /// The club joined.
    pub club_id: String,
    /// The member's role in the club.
    pub role: String,
    /// The club document's id, to sync first.
    pub club_document: String,
    /// The member this device belongs to: their id in the club document (a hyphenated UUID).
    /// Servers before 0.1 did not send it.
    #[serde(default)]
    pub member_id: Option<String>,
    /// The member's display name (likewise).
    #[serde(default)]
    pub member_name: Option<String>,
    /// When the token expires (milliseconds since the Unix epoch), on a server whose tokens
    /// do; the device swaps it for a new one before then (`POST /api/device/token`).
    #[serde(default)]
    pub token_expires_at: Option<i64>,
    /// When the device should swap its token for a new one (milliseconds since the Unix epoch):
    /// the server's policy, so every kind of device follows the same one. Servers before token
    /// rotation did not send it.
    #[serde(default)]
    pub token_rotate_after: Option<i64>,
}

/// The answer to `POST /api/device/token` (with the current token): a new token for this
/// device. It replaces the current one at its first use; until then the current one still works,
/// so a device that loses this answer is not locked out and simply asks again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRotation {
    /// The new token: keep it secret; it is shown only this once.
    pub token: String,
    /// When it expires, if tokens on this server do (milliseconds since the Unix epoch,
    /// counted from its first use; this is the earliest it can be).
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// When to swap it in turn (milliseconds since the Unix epoch).
    pub rotate_after: i64,
}

/// `GET /api/device`: what the server says of the asking device now. A device asks when its
/// connection is refused or cut: a 401 `revoked` answer means it must erase the club's
/// records; a changed `role` is what it may do from now on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceNow {
    /// The device's id.
    pub device_id: String,
    /// Its member.
    pub member_id: String,
    /// Its member's role now.
    pub role: String,
    /// Whether its member is 16 or over now.
    pub age16plus: bool,
}

/// `GET /api/club/documents/{id}/audit[?record=PATH]`: where each change of a document came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditTrail {
    /// The document.
    pub document: String,
    /// The changes devices sent, oldest first (those touching `record`, when it is given).
    pub entries: Vec<AuditEntry>,
}

/// One change a device sent, as the server received and committed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The change's hash (hex).
    pub change: String,
    /// Its Automerge actor (hex).
    pub actor: String,
    /// The device that sent it.
    pub device: String,
    /// That device's name, if the server still knows the device.
    pub device_name: Option<String>,
    /// The member the device belongs to.
    pub member: String,
    /// That member's name, if known.
    pub member_name: Option<String>,
    /// When the server received it (ISO 8601, UTC).
    pub received_at: String,
    /// The same, in milliseconds since the Unix epoch.
    pub received_at_ms: i64,
    /// The records it wrote or changed (`container/key`), or the root fields it set.
    pub records: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_written_as_their_names_and_unknown_ones_still_read() {
        let body = ErrorBody {
            error: ErrorCode::Revoked,
            message: "this device was revoked".into(),
        };
        let json = serde_json::to_string(&body).expect("serialises");
        assert_eq!(
            json,
            r#"{"error":"revoked","message":"this device was revoked"}"#
        );
        let newer: ErrorBody =
            serde_json::from_str(r#"{"error":"quota_exceeded","message":"later"}"#).expect("reads");
        assert_eq!(newer.error, ErrorCode::Unknown);
        for code in [
            ErrorCode::NoToken,
            ErrorCode::InviteNotFound,
            ErrorCode::WrongDocumentKind,
        ] {
            let written = serde_json::to_value(code).expect("serialises");
            assert_eq!(written, serde_json::Value::String(code.as_str().into()));
        }
    }
}

/// `POST /api/documents/{id}/rebuild`: a device's copy of a document, holding a change the
/// server refused, rebuilt on the server's copy by core's `rules::rebase`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebuildAnswer {
    /// The document.
    pub document: String,
    /// The rebuilt copy, saved (`Automerge::save`), in standard base64: the server's copy plus
    /// the device's records that keep the rules, written again under a new actor.
    pub rebuilt: String,
    /// What was written again (`container/key`, or a root key), in order.
    pub kept: Vec<String>,
    /// What was left out, and why.
    pub dropped: Vec<DroppedRecord>,
}

/// A record of the device's copy that breaks a rule, left out of the rebuilt copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedRecord {
    /// Where in the document, e.g. `donations/0194f1a2-...`.
    pub path: String,
    /// The rule's code (`record_deleted`, `amount_not_positive`, ...).
    pub rule: String,
    /// The rule and what was wrong, for a person.
    pub message: String,
}
