//! The club's invites: listing them (never with their codes), making one, withdrawing one.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use clubsync_core::club::Role;
use clubsync_core::ids::MemberId;
use clubsync_protocol::club_api::{CreatedInvite, NewInvite};
use serde::Serialize;

use super::auth::Coordinator;
use super::{blocking, not_in_club, parse_id};
use crate::api::{ApiError, ErrorCode};
use crate::clock::now_ms;
use crate::identity::{InviteId, InviteInfo};
use crate::state::AppState;

/// How long an invite stays valid when the request does not say: three days.
pub const DEFAULT_TTL_HOURS: u64 = 72;

/// One invite in `GET /api/club/invites`.
#[derive(Serialize)]
pub(super) struct InviteView {
    id: String,
    role: String,
    /// Who it is for.
    name: String,
    /// Whether they are under 16 (they never handle money: tins, counts).
    under_16: bool,
    /// For an invite that adds a device to an existing member: that member.
    member_id: Option<String>,
    /// `pending`, `used`, `expired` or `withdrawn`.
    status: &'static str,
    created_at: String,
    expires_at: String,
    used_at: Option<String>,
    used_by_device: Option<String>,
    withdrawn_at: Option<String>,
}

impl InviteView {
    fn new(info: InviteInfo, now_ms: i64) -> Self {
        let status = if info.used.is_some() {
            "used"
        } else if info.withdrawn_at.is_some() {
            "withdrawn"
        } else if info.is_pending(now_ms) {
            "pending"
        } else {
            "expired"
        };
        Self {
            id: info.id.to_string(),
            role: info.role.to_string(),
            name: info.display_name,
            under_16: !info.age16plus,
            member_id: info.member.map(|m| m.to_string()),
            status,
            created_at: info.created_at.to_string(),
            expires_at: info.expires_at.to_string(),
            used_at: info.used.map(|(at, _)| at.to_string()),
            used_by_device: info.used.map(|(_, device)| device.to_string()),
            withdrawn_at: info.withdrawn_at.map(|t| t.to_string()),
        }
    }
}

pub(super) async fn list(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
) -> Result<Json<Vec<InviteView>>, ApiError> {
    let identity = state.identity.clone();
    let invites = blocking(move || Ok(identity.list_invites(me.club)?)).await?;
    let now = now_ms();
    Ok(Json(
        invites
            .into_iter()
            .map(|i| InviteView::new(i, now))
            .collect(),
    ))
}

pub(super) async fn create(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
    body: Result<Json<NewInvite>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedInvite>), ApiError> {
    let Json(new) = body.map_err(|e| {
        ApiError::new(
            e.status(),
            ErrorCode::BadBody,
            format!(
                "{}. Send JSON like {{\"role\": \"volunteer\", \"name\": \"Asha Khan\", \
                 \"ttl_hours\": 72, \"under_16\": false}}",
                e.body_text()
            ),
        )
    })?;
    let hours = new.ttl_hours.unwrap_or(DEFAULT_TTL_HOURS);
    if hours == 0 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BadTtl,
            "ttl_hours must be at least 1",
        ));
    }
    let ttl = Duration::from_secs(hours.saturating_mul(3600));
    let identity = state.identity.clone();
    let now = now_ms();
    if let Some(member) = new.member_id {
        if new.role.is_some() || new.name.is_some() || new.under_16 {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::BadBody,
                "an invite for another device of a member takes member_id (and ttl_hours) \
                 alone: the member keeps their name, role and age",
            ));
        }
        let id: MemberId = parse_id("member", &member)?;
        let club = me.club;
        let (code, info) = blocking(move || {
            let info = identity
                .member(id)?
                .filter(|m| m.club == club)
                .ok_or_else(|| not_in_club("member", &member))?;
            Ok((identity.create_device_invite(id, ttl, now)?, info))
        })
        .await?;
        tracing::info!(invite = %code.id, by = %me.id, member = %id, "a coordinator made an invite for another device");
        return Ok((
            StatusCode::CREATED,
            Json(CreatedInvite {
                id: code.id.to_string(),
                code: code.as_str().to_owned(),
                role: code.role.to_string(),
                name: info.display_name,
                under_16: !info.age16plus,
                member_id: Some(id.to_string()),
                expires_at: code.expires_at.to_string(),
            }),
        ));
    }
    let (Some(role), Some(name)) = (new.role, new.name) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BadBody,
            "an invite takes a role and a name for a new member, or member_id for another \
             device of an existing member",
        ));
    };
    let role: Role = role.trim().parse().map_err(|()| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BadRole,
            format!("{role:?} is not a role: use \"coordinator\", \"volunteer\" or \"observer\""),
        )
    })?;
    let shown = name.trim().to_owned();
    let under_16 = new.under_16;
    let code = blocking(move || {
        Ok(identity.create_invite_made_by(
            Some(me.id),
            me.club,
            role,
            &name,
            !under_16,
            ttl,
            now,
        )?)
    })
    .await?;
    tracing::info!(invite = %code.id, by = %me.id, %role, under_16, "a coordinator made an invite");
    Ok((
        StatusCode::CREATED,
        Json(CreatedInvite {
            id: code.id.to_string(),
            code: code.as_str().to_owned(),
            role: code.role.to_string(),
            name: shown,
            under_16,
            member_id: None,
            expires_at: code.expires_at.to_string(),
        }),
    ))
}

/// Withdraws an unused invite of the coordinator's club: its code is refused from then on.
/// A used invite cannot be withdrawn (409): revoke its device instead.
pub(super) async fn withdraw(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<InviteView>, ApiError> {
    let Path(text) =
        path.map_err(|e| ApiError::new(e.status(), ErrorCode::BadPath, e.body_text()))?;
    let id: InviteId = parse_id("invite", &text)?;
    let identity = state.identity.clone();
    let now = now_ms();
    let info = blocking(move || {
        let of_club = |identity: &crate::identity::IdentityStore| {
            Ok::<_, ApiError>(
                identity
                    .list_invites(me.club)?
                    .into_iter()
                    .find(|i| i.id == id),
            )
        };
        of_club(&identity)?.ok_or_else(|| not_in_club("invite", &text))?;
        identity.withdraw_invite(id, now)?;
        of_club(&identity)?.ok_or_else(|| not_in_club("invite", &text))
    })
    .await?;
    tracing::info!(invite = %id, by = %me.id, "a coordinator withdrew an invite");
    Ok(Json(InviteView::new(info, now)))
}
