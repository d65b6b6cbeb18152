//! The coordinators' API of the club's server (`/api/club/...`), called with this device's
//! token: what `clubsync audit`, `members`, `devices`, `invite` and `revoke` read and change.
//! The server answers only a coordinator's device.

use clubsync_protocol::DocumentId;
use clubsync_protocol::club_api::{
    ClubChange, ClubDevice, ClubMember, CreatedInvite, DeviceRevoked, MemberChange,
    MemberDeparture, NewInvite,
};
use clubsync_protocol::http_api::AuditTrail;
use hyper::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ClientError;
use crate::home::Membership;
use crate::http;

/// The audit trail of `document`: which device and member sent each change, when, and which
/// records it touched; only the changes that touched `record` (`donations/<id>`) when given.
pub async fn audit_trail(
    membership: &Membership,
    document: DocumentId,
    record: Option<&str>,
) -> Result<AuditTrail, ClientError> {
    let mut path = format!("/api/club/documents/{document}/audit");
    if let Some(record) = record {
        if !record
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/'))
        {
            return Err(ClientError::Refused(format!(
                "{record:?} is not a record path: write it as `container/id`, for example \
                 donations/0194f1a2-7c3e-7d41-9b6e-2f0c4a1d5e77"
            )));
        }
        path.push_str("?record=");
        path.push_str(record);
    }
    let trust = membership.trust()?;
    let (status, bytes) = http::request(
        &membership.server,
        &trust,
        Method::GET,
        &path,
        Some(&membership.token),
        None,
    )
    .await?;
    if !status.is_success() {
        return Err(http::refusal(status, &bytes));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ClientError::Connection(format!("the server's audit trail: {e}")))
}

/// One request of the coordinators' API with this device's token: the answer's JSON as `T`.
async fn call<T: DeserializeOwned>(
    membership: &Membership,
    method: Method,
    path: &str,
    body: Option<&impl Serialize>,
) -> Result<T, ClientError> {
    let body = body
        .map(serde_json::to_vec)
        .transpose()
        .map_err(|e| ClientError::Connection(format!("encoding the request: {e}")))?;
    let trust = membership.trust()?;
    let (status, bytes) = http::request(
        &membership.server,
        &trust,
        method,
        path,
        Some(&membership.token),
        body,
    )
    .await?;
    if !status.is_success() {
        return Err(http::refusal(status, &bytes));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ClientError::Connection(format!("the server's answer to {path}: {e}")))
}

/// No body.
const NONE: Option<&()> = None;

/// The club's members, former ones included.
pub async fn members(membership: &Membership) -> Result<Vec<ClubMember>, ClientError> {
    call(membership, Method::GET, "/api/club/members", NONE).await
}

/// The club's devices, revoked ones included.
pub async fn devices(membership: &Membership) -> Result<Vec<ClubDevice>, ClientError> {
    call(membership, Method::GET, "/api/club/devices", NONE).await
}

/// Makes an invite: its one-time code.
pub async fn invite(
    membership: &Membership,
    new: &NewInvite,
) -> Result<CreatedInvite, ClientError> {
    call(membership, Method::POST, "/api/club/invites", Some(new)).await
}

/// Changes a member's role or 16-or-over.
pub async fn update_member(
    membership: &Membership,
    member: &str,
    change: &MemberChange,
) -> Result<ClubMember, ClientError> {
    let path = format!("/api/club/members/{member}");
    call(membership, Method::PATCH, &path, Some(change)).await
}

/// A member leaves the club: their devices are revoked.
pub async fn member_leaves(
    membership: &Membership,
    member: &str,
) -> Result<MemberDeparture, ClientError> {
    let path = format!("/api/club/members/{member}/leave");
    call(membership, Method::POST, &path, NONE).await
}

/// Revokes a device: its token is refused and its connections end.
pub async fn revoke(membership: &Membership, device: &str) -> Result<DeviceRevoked, ClientError> {
    let path = format!("/api/club/devices/{device}/revoke");
    call(membership, Method::POST, &path, NONE).await
}

/// Changes the club's settings (its time zone).
pub async fn change_club(
    membership: &Membership,
    change: &ClubChange,
) -> Result<serde_json::Value, ClientError> {
    call(membership, Method::PATCH, "/api/club", Some(change)).await
}
