//! Redeeming an invite: `POST /api/join` over the same stream (and so the same TLS trust) the
//! device syncs over, answered with the device's token and its club.

use clubsync_protocol::http_api::{ErrorBody, JoinRequest, JoinResponse};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

use crate::address::{ServerAddress, Trust};
use crate::error::ClientError;

/// What the server answers a redeemed invite with.
pub type Joined = JoinResponse;

/// Redeems `invite` for a device called `device_name`.
pub async fn redeem_invite(
    address: &ServerAddress,
    trust: &Trust,
    invite: &str,
    device_name: &str,
) -> Result<Joined, ClientError> {
    let stream = address.open(trust).await?;
    let failed = |detail: String| ClientError::Unreachable {
        address: address.to_string(),
        detail,
    };
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| failed(e.to_string()))?;
    let driver = tokio::spawn(connection);
    let body = serde_json::to_vec(&JoinRequest {
        invite: invite.trim().to_owned(),
        device_name: device_name.to_owned(),
    })
    .map_err(|e| failed(e.to_string()))?;
    let request = hyper::Request::post("/api/join")
        .header(hyper::header::HOST, address.authority())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| failed(e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| failed(e.to_string()))?
        .to_bytes();
    driver.abort();
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Connection(format!("the server's answer to join: {e}")));
    }
    Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(refusal) => ClientError::Refused(format!("{} ({})", refusal.message, refusal.error)),
        Err(_) => ClientError::Refused(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&bytes)
                .chars()
                .take(200)
                .collect::<String>()
        )),
    })
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
    Ok(membership)
}
