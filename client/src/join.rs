//! Redeeming an invite: `POST /api/join` over the same stream (and so the same TLS trust) the
//! device syncs over, answered with the device's token and its club.

use clubsync_protocol::http_api::{JoinRequest, JoinResponse};
use hyper::Method;

use crate::address::{ServerAddress, Trust};
use crate::error::ClientError;
use crate::http;

/// What the server answers a redeemed invite with.
pub type Joined = JoinResponse;

/// Redeems `invite` for a device called `device_name`.
pub async fn redeem_invite(
    address: &ServerAddress,
    trust: &Trust,
    invite: &str,
    device_name: &str,
) -> Result<Joined, ClientError> {
    let body = serde_json::to_vec(&JoinRequest {
        invite: invite.trim().to_owned(),
        device_name: device_name.to_owned(),
    })
    .map_err(|e| ClientError::Connection(e.to_string()))?;
    let (status, bytes) =
        http::request(address, trust, Method::POST, "/api/join", None, Some(body)).await?;
    if !status.is_success() {
        return Err(http::refusal(status, &bytes));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ClientError::Connection(format!("the server's answer to join: {e}")))
}

/// Redeems an invite and records the club on the device: what `clubsync join` does. The club's
/// records arrive with the first sync.
pub async fn join_club(
    home: &mut crate::home::DeviceHome,
    address: &ServerAddress,
    trust: &Trust,
    invite: &str,
    device_name: &str,
) -> Result<crate::home::Membership, ClientError> {
    use std::str::FromStr;

    let joined = redeem_invite(address, trust, invite, device_name).await?;
    let rotate_after = joined.token_rotate_after;
    let odd =
        |what: &str| ClientError::Connection(format!("the server's answer to join: bad {what}"));
    let membership = crate::home::Membership {
        club_id: joined.club_id,
        server: address.clone(),
        pinned_pem: trust.pinned_pem().map(str::to_owned),
        device_id: joined.device_id,
        token: joined.token,
        role: clubsync_core::club::Role::from_str(&joined.role).map_err(|_| odd("role"))?,
        member_id: joined
            .member_id
            .map(|m| clubsync_core::ids::MemberId::from_str(&m))
            .transpose()
            .map_err(|_| odd("member id"))?,
        member_name: joined.member_name,
        club_document: clubsync_protocol::DocumentId::from_str(&joined.club_document)
            .map_err(|_| odd("club document id"))?,
        joined_at: clubsync_core::timestamp::Timestamp::from_millis(crate::clock::now_ms()),
        refused: None,
    };
    home.add_membership(&membership)?;
    let age = crate::home::TokenAge {
        saved_at: membership.joined_at.millis(),
        rotate_after,
    };
    home.save_token(&membership.club_id, &membership.token, age)?;
    Ok(membership)
}
