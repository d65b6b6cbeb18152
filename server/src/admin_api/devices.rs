//! The club's devices: listing them and revoking one.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use clubsync_protocol::club_api::{ClubDevice, DeviceRevoked};

use super::auth::Coordinator;
use super::{blocking, not_in_club, parse_id};
use crate::api::{ApiError, ErrorCode};
use crate::clock::now_ms;
use crate::identity::{DeviceId, DeviceInfo};
use crate::state::AppState;

/// A device as the API shows it, with its open connections.
fn device_view(info: DeviceInfo, state: &AppState) -> ClubDevice {
    ClubDevice {
        id: info.device.id.to_string(),
        open_connections: state.live.count(info.device.id),
        name: info.device.name,
        member_id: info.device.member.to_string(),
        member_name: info.member_name,
        role: info.device.role.to_string(),
        created_at: info.created_at.to_string(),
        last_seen_at: info.last_seen_at.map(|t| t.to_string()),
        revoked: info.revoked_at.is_some(),
        revoked_at: info.revoked_at.map(|t| t.to_string()),
    }
}

pub(super) async fn list(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
) -> Result<Json<Vec<ClubDevice>>, ApiError> {
    let identity = state.identity.clone();
    let devices = blocking(move || Ok(identity.list_devices(me.club)?)).await?;
    Ok(Json(
        devices
            .into_iter()
            .map(|d| device_view(d, &state))
            .collect(),
    ))
}

/// Revokes a device of the coordinator's club: recorded in the identity store first (so the
/// token is refused from then on), then every open connection of the device is closed at once
/// with a message saying it was revoked.
pub(super) async fn revoke(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<DeviceRevoked>, ApiError> {
    let Path(text) =
        path.map_err(|e| ApiError::new(e.status(), ErrorCode::BadPath, e.body_text()))?;
    let id: DeviceId = parse_id("device", &text)?;
    let identity = state.identity.clone();
    let now = now_ms();
    let (newly_revoked, info) = blocking(move || {
        let before = identity
            .device(id)?
            .filter(|d| d.device.club == me.club)
            .ok_or_else(|| not_in_club("device", &text))?;
        identity.revoke_device(id, now)?;
        let after = identity
            .device(id)?
            .ok_or_else(|| not_in_club("device", &text))?;
        Ok((before.revoked_at.is_none(), after))
    })
    .await?;
    let closed_connections = state.live.refuse_device(id, crate::state::REVOKED_REASON);
    tracing::info!(
        device = %id,
        by = %me.id,
        closed_connections,
        "a coordinator revoked a device"
    );
    Ok(Json(DeviceRevoked {
        device: device_view(info, &state),
        newly_revoked,
        closed_connections,
    }))
}
