//! What a coordinator changes about a member: their role, being 16 or over, and leaving the club
//! (every device revoked, its connections cut, the member kept as former).
//!
//! The identity database changes first (it is the authority, and what the next authentication
//! reads); then the club document's copy is written (`ClubEdit`, which a later load writes again
//! if the server stops first), and the member's open connections are ended so their devices
//! reconnect with what they may do now.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use clubsync_core::club::Role;
use clubsync_core::ids::MemberId;
use clubsync_protocol::club_api::{ClubMember, MemberChange, MemberDeparture};

use super::auth::Coordinator;
use super::club::member_view;
use super::{blocking, not_in_club, parse_id};
use crate::api::{ApiError, ErrorCode};
use crate::clock::now_ms;
use crate::documents::{ClubEdit, DocCommand};
use crate::identity::{ClubId, IdentityStore, MemberInfo};
use crate::state::AppState;

/// Why a member's connections end when their role changes.
const ROLE_CHANGED: &str = "your role in the club changed: connect again to sync with it";

fn body_error(e: JsonRejection) -> ApiError {
    ApiError::new(
        e.status(),
        ErrorCode::BadBody,
        format!(
            "{}. Send JSON like {{\"role\": \"coordinator\"}} or {{\"age16plus\": true}}",
            e.body_text()
        ),
    )
}

/// The member of the coordinator's club named in the path (404 for another club's).
fn member_of_club(
    identity: &IdentityStore,
    club: ClubId,
    id: MemberId,
    text: &str,
) -> Result<MemberInfo, ApiError> {
    identity
        .member(id)?
        .filter(|m| m.club == club)
        .ok_or_else(|| not_in_club("member", text))
}

/// Refuses a change that leaves the club with no coordinator: someone must be able to invite
/// and revoke.
fn keep_a_coordinator(
    identity: &IdentityStore,
    club: ClubId,
    member: &MemberInfo,
) -> Result<(), ApiError> {
    let others = identity
        .list_members(club)?
        .into_iter()
        .filter(|m| m.id != member.id && m.left_at.is_none() && m.role == Role::Coordinator)
        .count();
    if member.role == Role::Coordinator && others == 0 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::LastCoordinator,
            format!(
                "{} is the club's only coordinator: make another member coordinator first",
                member.display_name
            ),
        ));
    }
    Ok(())
}

pub(super) async fn update(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<MemberChange>, JsonRejection>,
) -> Result<Json<ClubMember>, ApiError> {
    let Path(text) =
        path.map_err(|e| ApiError::new(e.status(), ErrorCode::BadPath, e.body_text()))?;
    let id: MemberId = parse_id("member", &text)?;
    let Json(change) = body.map_err(body_error)?;
    let role = change
        .role
        .as_deref()
        .map(|r| {
            r.trim().parse::<Role>().map_err(|()| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::BadRole,
                    format!(
                        "{r:?} is not a role: use \"coordinator\", \"volunteer\" or \"observer\""
                    ),
                )
            })
        })
        .transpose()?;
    let identity = state.identity.clone();
    let club = me.club;
    let (before, after, devices, club_document) = blocking(move || {
        let before = member_of_club(&identity, club, id, &text)?;
        if role.is_some_and(|r| r != Role::Coordinator) {
            keep_a_coordinator(&identity, club, &before)?;
        }
        let after = identity.update_member(id, role, change.age16plus)?;
        let devices = identity
            .list_devices(club)?
            .into_iter()
            .filter(|d| d.device.member == id && d.revoked_at.is_none())
            .map(|d| d.device.id)
            .collect::<Vec<_>>();
        Ok((before, after, devices, identity.club_document(club)?))
    })
    .await?;
    state.hub.send(
        club_document,
        DocCommand::EditClub(ClubEdit::UpdateMember {
            id,
            role: after.role,
            age16plus: after.age16plus,
        }),
    );
    if before.role != after.role || before.age16plus != after.age16plus {
        for device in &devices {
            state.live.refuse_device(*device, ROLE_CHANGED);
        }
    }
    tracing::info!(member = %id, by = %me.id, role = %after.role, age16plus = after.age16plus, "a coordinator changed a member");
    Ok(Json(member_view(after, devices.len())))
}

pub(super) async fn leave(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<MemberDeparture>, ApiError> {
    let Path(text) =
        path.map_err(|e| ApiError::new(e.status(), ErrorCode::BadPath, e.body_text()))?;
    let id: MemberId = parse_id("member", &text)?;
    let identity = state.identity.clone();
    let club = me.club;
    let now = now_ms();
    let (info, revoked, club_document) = blocking(move || {
        let member = member_of_club(&identity, club, id, &text)?;
        if member.left_at.is_none() {
            keep_a_coordinator(&identity, club, &member)?;
        }
        let (info, revoked) = identity.member_leaves(id, now)?;
        Ok((info, revoked, identity.club_document(club)?))
    })
    .await?;
    if let Some(at) = info.left_at {
        state.hub.send(
            club_document,
            DocCommand::EditClub(ClubEdit::MemberLeft { id, at }),
        );
    }
    let closed_connections = revoked
        .iter()
        .map(|d| state.live.refuse_device(*d, crate::state::REVOKED_REASON))
        .sum();
    tracing::info!(member = %id, by = %me.id, devices = revoked.len(), closed_connections, "a member left the club");
    Ok(Json(MemberDeparture {
        member: member_view(info, 0),
        revoked_devices: revoked.iter().map(ToString::to_string).collect(),
        closed_connections,
    }))
}
