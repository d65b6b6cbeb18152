//! The club's devices: listing them and revoking one.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde::Serialize;

use super::auth::Coordinator;
use super::{blocking, not_in_club, parse_id};
use crate::api::{ApiError, ErrorCode};
use crate::clock::now_ms;
use crate::identity::{DeviceId, DeviceInfo};
use crate::state::AppState;

/// One device in `GET /api/club/devices`.
#[derive(Serialize)]
pub(super) struct DeviceView {
    id: String,
    name: String,
    member_id: String,
    member_name: String,
    role: String,
    created_at: String,
    /// When it last authenticated (to the minute), if ever.
    last_seen_at: Option<String>,
    revoked: bool,
    revoked_at: Option<String>,
    /// Websocket connections open now.
    open_connections: usize,
}

impl DeviceView {
    fn new(info: DeviceInfo, state: &AppState) -> Self {
        Self {
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
}

pub(super) async fn list(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
) -> Result<Json<Vec<DeviceView>>, ApiError> {
    let identity = state.identity.clone();
    let devices = blocking(move || Ok(identity.list_devices(me.club)?)).await?;
    Ok(Json(
        devices
            .into_iter()
            .map(|d| DeviceView::new(d, &state))
            .collect(),
    ))
}

/// `POST /api/club/devices/{id}/revoke` answer.
#[derive(Serialize)]
pub(super) struct Revoked {
    device: DeviceView,
    /// False when the device had been revoked before (the first revocation time stays).
    newly_revoked: bool,
    /// How many open connections were closed.
    closed_connections: usize,
}

/// Revokes a device of the coordinator's club: recorded in the identity store first (so the
/// token is refused from then on), then every open connection of the device is closed at once
/// with a message saying it was revoked.
pub(super) async fn revoke(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Revoked>, ApiError> {
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
    Ok(Json(Revoked {
        device: DeviceView::new(info, &state),
        newly_revoked,
        closed_connections,
    }))
}
