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

/// How old a token may get before the device swaps it (sooner when the server says it expires:
/// half-way through its life).
pub const ROTATE_EVERY_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Whether a token of this age is due for a swap at `now_ms`.
pub fn due(age: TokenAge, now_ms: i64) -> bool {
    let every = match age.expires_at {
        Some(expires) => ((expires - age.saved_at) / 2).clamp(0, ROTATE_EVERY_MS),
        None => ROTATE_EVERY_MS,
    };
    now_ms.saturating_sub(age.saved_at) >= every
}

/// Swaps the token of `membership` for a new one if it is due, saving it in `home` and in
/// `membership`. True when it was swapped.
pub async fn rotate_if_due(
    home: &mut DeviceHome,
    membership: &mut Membership,
    now_ms: i64,
) -> Result<bool, ClientError> {
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
        expires_at: rotation.expires_at,
    };
    home.save_token(&membership.club_id, &rotation.token, age)?;
    membership.token = rotation.token;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 60 * 60 * 1000;

    #[test]
    fn a_token_is_swapped_weekly_or_half_way_through_its_life() {
        let never = TokenAge {
            saved_at: 0,
            expires_at: None,
        };
        assert!(!due(never, 6 * DAY));
        assert!(due(never, 7 * DAY));
        let short = TokenAge {
            saved_at: 0,
            expires_at: Some(4 * DAY),
        };
        assert!(!due(short, DAY));
        assert!(due(short, 2 * DAY));
        let long = TokenAge {
            saved_at: 0,
            expires_at: Some(90 * DAY),
        };
        assert!(due(long, 7 * DAY), "at least weekly");
    }
}
