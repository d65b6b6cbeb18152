//! Swapping this device's token for a new one now and then (`POST /api/device/token`), so that a
//! copy of the token (off a stolen phone, out of an old backup) stops working on its own, and a
//! server with a token lifetime never sees a syncing device's token expire.
//!
//! The server keeps the old token working until the new one is first used, so the order here
//! makes every crash safe: ask for the new token, save it (one transaction), then use it. A
//! device that dies before saving still holds the old, working token and swaps again next time.

use hyper::Method;

use crate::error::ClientError;
use crate::home::{DeviceHome, Membership, TokenAge};
use crate::http;
use clubsync_protocol::http_api::TokenRotation;

/// Whether a token of this age is due for a swap at `now_ms`: when the server said (it sends
/// `rotate_after` with every token; the policy is the server's), or at once when it said nothing.
pub fn due(age: TokenAge, now_ms: i64) -> bool {
    age.rotate_after.is_none_or(|at| now_ms >= at)
}

/// Swaps the token of `membership` for a new one if it is due, saving it in `home` and in
/// `membership`. True when it was swapped.
pub async fn rotate_if_due(
    home: &mut DeviceHome,
    membership: &mut Membership,
    now_ms: i64,
) -> Result<bool, ClientError> {
    // A device the server refused for good (revoked) has nothing to swap, and must not dial.
    if membership.refused.is_some() {
        return Ok(false);
    }
    let age = home.token_age(&membership.club_id, membership.joined_at.millis())?;
    if !due(age, now_ms) {
        return Ok(false);
    }
    let trust = membership.trust()?;
    let (status, bytes) = http::request(
        &membership.server,
        &trust,
        Method::POST,
        "/api/device/token",
        Some(&membership.token),
        None,
    )
    .await?;
    if !status.is_success() {
        return Err(http::refusal(status, &bytes));
    }
    let rotation: TokenRotation = serde_json::from_slice(&bytes).map_err(|e| {
        ClientError::Connection(format!("the server's answer to a token swap: {e}"))
    })?;
    let age = TokenAge {
        saved_at: now_ms,
        rotate_after: Some(rotation.rotate_after),
    };
    home.save_token(&membership.club_id, &rotation.token, age)?;
    membership.token = rotation.token;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_swapped_when_the_server_said_or_at_once_when_it_did_not() {
        let said = TokenAge {
            saved_at: 0,
            rotate_after: Some(1_000),
        };
        assert!(!due(said, 999));
        assert!(due(said, 1_000));
        let unknown = TokenAge {
            saved_at: 0,
            rotate_after: None,
        };
        assert!(due(unknown, 0));
    }
}
