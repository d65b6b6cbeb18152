//! `GET /api/device`: what the server says of the asking device now (its role; 401 `revoked`
//! once a coordinator revoked it). `POST /api/device/token`: a device swaps its token for a new one (see
//! `identity::rotation`). Devices do it on their own when the server says (`rotate_after`,
//! sent with every token: a week, or half-way through the server's token lifetime), so a token
//! copied off a phone or out of a phone's backup stops working without anyone noticing the copy.

use axum::Json;
use axum::extract::State;
use clubsync_protocol::http_api::{DeviceNow, TokenRotation};

use crate::api::{ApiError, AuthenticatedDevice};
use crate::state::AppState;

/// The requesting device as the server knows it now.
pub async fn now(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
) -> Result<Json<DeviceNow>, ApiError> {
    let identity = state.identity.clone();
    let member = device.member;
    let info = tokio::task::spawn_blocking(move || identity.member(member))
        .await
        .map_err(|e| ApiError::internal("the device task failed", e))??;
    Ok(Json(DeviceNow {
        device_id: device.id.to_string(),
        member_id: device.member.to_string(),
        role: device.role.to_string(),
        age16plus: info.is_none_or(|m| m.age16plus),
    }))
}

/// Makes a new token for the requesting device.
pub async fn rotate(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
) -> Result<Json<TokenRotation>, ApiError> {
    let identity = state.identity.clone();
    let rotated = tokio::task::spawn_blocking(move || identity.rotate_token(device.id))
        .await
        .map_err(|e| ApiError::internal("the token rotation task failed", e))??;
    tracing::info!(device = %device.id, "device token rotated");
    let now = crate::clock::now_ms();
    Ok(Json(TokenRotation {
        token: rotated.as_str().to_owned(),
        expires_at: state.identity.token_expires_at(now).map(|t| t.millis()),
        rotate_after: state.identity.token_rotate_after(now).millis(),
    }))
}
