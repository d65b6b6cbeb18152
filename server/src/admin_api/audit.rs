//! `GET /api/club/documents/{id}/audit`: the audit trail of one of the club's documents, which
//! device and member sent each change, when it arrived and which records it touched; with
//! `?record=donations/<id>`, only the changes that touched that record.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;
use clubsync_protocol::http_api::{AuditEntry, AuditTrail};
use serde::Deserialize;

use super::auth::Coordinator;
use super::{blocking, not_in_club, parse_id};
use crate::api::{ApiError, ErrorCode};
use crate::state::AppState;

/// The query: an optional record path.
#[derive(Deserialize)]
pub(super) struct AuditQuery {
    record: Option<String>,
}

pub(super) async fn trail(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditTrail>, ApiError> {
    let Path(id) = path.map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            ErrorCode::BadId,
            e.body_text(),
        )
    })?;
    let document: DocumentId = parse_id("document", &id)?;
    let identity = state.identity.clone();
    let storage = state.hub.storage().clone();
    let club = me.club;
    let (rows, devices, members) = blocking(move || {
        match identity.document(&document)? {
            Some((owner, _)) if owner == club => {}
            _ => return Err(not_in_club("document", &id)),
        }
        let rows = storage
            .provenance(&document)
            .map_err(|e| ApiError::unavailable("reading the audit trail failed", e))?;
        let devices: HashMap<String, String> = identity
            .list_devices(club)?
            .into_iter()
            .map(|d| (d.device.id.to_string(), d.device.name))
            .collect();
        let members: HashMap<String, String> = identity
            .list_members(club)?
            .into_iter()
            .map(|m| (m.id.to_string(), m.display_name))
            .collect();
        Ok((rows, devices, members))
    })
    .await?;
    let entries = rows
        .into_iter()
        .filter(|row| {
            query
                .record
                .as_deref()
                .is_none_or(|record| row.records.iter().any(|r| r == record))
        })
        .map(|row| AuditEntry {
            change: row.change.to_string(),
            actor: row.actor.to_hex_string(),
            device_name: devices.get(&row.device).cloned(),
            device: row.device,
            member_name: members.get(&row.member).cloned(),
            member: row.member,
            received_at: Timestamp::from_millis(row.received_at).to_string(),
            received_at_ms: row.received_at,
            records: row.records,
        })
        .collect();
    Ok(Json(AuditTrail {
        document: document.to_string(),
        entries,
    }))
}
