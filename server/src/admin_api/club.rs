//! The club itself: its profile, its members, and its documents.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use clubsync_core::club::Club;
use clubsync_core::document::TypedDocument;
use clubsync_core::time_zone::ClubTimeZone;
use clubsync_protocol::club_api::{ClubChange, ClubMember};
use serde::Serialize;

use super::auth::Coordinator;
use super::{blocking, load_stored};
use crate::api::{ApiError, ErrorCode};
use crate::documents::{ClubEdit, DocCommand};
use crate::identity::MemberInfo;
use crate::state::AppState;
use clubsync_core::reports::catalog::Report;

/// `GET /api/club`.
#[derive(Serialize)]
pub(super) struct ClubView {
    id: String,
    name: String,
    club_document: String,
    created_at: String,
    /// From the club document; `None` until it is stored or when it cannot be read.
    profile: Option<ProfileView>,
    /// The device making the request.
    you: YouView,
}

#[derive(Serialize)]
struct ProfileView {
    name: String,
    club_type: String,
    country: String,
    currency: String,
    /// The club's clock (a tz database name).
    time_zone: String,
}

#[derive(Serialize)]
struct YouView {
    device_id: String,
    device_name: String,
    member_id: String,
    role: String,
}

pub(super) async fn info(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
) -> Result<Json<ClubView>, ApiError> {
    let identity = state.identity.clone();
    let club = me.club;
    let info = blocking(move || {
        identity
            .club(club)?
            .ok_or_else(|| ApiError::internal("a device's club is missing", club))
    })
    .await?;
    let profile = match load_stored(&state, info.club_document).await? {
        Some(doc) => match Club::from_automerge(doc).and_then(|c| c.profile()) {
            Ok(p) => Some(ProfileView {
                name: p.name,
                club_type: p.club_type.to_string(),
                country: p.country,
                currency: p.currency.code().to_owned(),
                time_zone: p.time_zone,
            }),
            Err(e) => {
                tracing::warn!(club = %info.id, %e, "the club document cannot be read");
                None
            }
        },
        None => None,
    };
    Ok(Json(ClubView {
        id: info.id.to_string(),
        name: info.name,
        club_document: info.club_document.to_string(),
        created_at: info.created_at.to_string(),
        profile,
        you: YouView {
            device_id: me.id.to_string(),
            device_name: me.name,
            member_id: me.member.to_string(),
            role: me.role.to_string(),
        },
    }))
}

/// `PATCH /api/club` answer: the settings set.
#[derive(Serialize)]
pub(super) struct ClubChanged {
    time_zone: Option<String>,
}

pub(super) async fn update(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
    body: Result<Json<ClubChange>, JsonRejection>,
) -> Result<Json<ClubChanged>, ApiError> {
    let Json(change) = body.map_err(|e| {
        ApiError::new(
            e.status(),
            ErrorCode::BadBody,
            format!(
                "{}. Send JSON like {{\"time_zone\": \"Asia/Seoul\"}}",
                e.body_text()
            ),
        )
    })?;
    let zone = change
        .time_zone
        .as_deref()
        .map(|name| {
            ClubTimeZone::named(name).map_err(|e| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::BadTimeZone,
                    e.to_string(),
                )
            })
        })
        .transpose()?;
    let identity = state.identity.clone();
    let club = me.club;
    let club_document = blocking(move || Ok(identity.club_document(club)?)).await?;
    if let Some(zone) = &zone {
        state.hub.send(
            club_document,
            DocCommand::EditClub(ClubEdit::SetTimeZone(zone.name().to_owned())),
        );
        tracing::info!(club = %club, by = %me.id, zone = zone.name(), "a coordinator set the club's time zone");
    }
    Ok(Json(ClubChanged {
        time_zone: zone.map(|z| z.name().to_owned()),
    }))
}

/// A member as the API shows them, with their devices not revoked.
pub(super) fn member_view(m: MemberInfo, active_devices: usize) -> ClubMember {
    ClubMember {
        id: m.id.to_string(),
        active_devices,
        display_name: m.display_name,
        role: m.role.to_string(),
        age16plus: m.age16plus,
        created_at: m.created_at.to_string(),
        left_at: m.left_at.map(|t| t.to_string()),
    }
}

pub(super) async fn members(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
) -> Result<Json<Vec<ClubMember>>, ApiError> {
    let identity = state.identity.clone();
    let (members, devices) = blocking(move || {
        Ok((
            identity.list_members(me.club)?,
            identity.list_devices(me.club)?,
        ))
    })
    .await?;
    let mut active: HashMap<_, usize> = HashMap::new();
    for d in devices.iter().filter(|d| d.revoked_at.is_none()) {
        *active.entry(d.device.member).or_default() += 1;
    }
    Ok(Json(
        members
            .into_iter()
            .map(|m| {
                let active = active.get(&m.id).copied().unwrap_or(0);
                member_view(m, active)
            })
            .collect(),
    ))
}

/// One document in `GET /api/club/documents`.
#[derive(Serialize)]
pub(super) struct DocumentView {
    id: String,
    kind: &'static str,
    /// The title in the club document's index, if it lists the document.
    title: Option<String>,
    created_at: String,
    /// The device that created it; `None` for the club document.
    created_by_device: Option<String>,
    /// The CSV reports this document makes, as paths of this API.
    reports: Vec<String>,
}

pub(super) async fn documents(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
) -> Result<Json<Vec<DocumentView>>, ApiError> {
    let identity = state.identity.clone();
    let (documents, club_document) = blocking(move || {
        Ok::<_, ApiError>((
            identity.list_documents(me.club)?,
            identity.club_document(me.club)?,
        ))
    })
    .await?;
    let titles: HashMap<_, _> = match load_stored(&state, club_document).await? {
        Some(doc) => Club::from_automerge(doc)
            .and_then(|c| c.documents())
            .map(|list| list.into_iter().map(|d| (d.id, d.title)).collect())
            .unwrap_or_else(|e| {
                tracing::warn!(club = %me.club, %e, "the club document's index cannot be read");
                HashMap::new()
            }),
        None => HashMap::new(),
    };
    Ok(Json(
        documents
            .into_iter()
            .map(|d| DocumentView {
                id: d.id.to_string(),
                kind: d.kind.as_str(),
                title: titles.get(&d.id).cloned(),
                created_at: d.created_at.to_string(),
                created_by_device: d.created_by.map(|id| id.to_string()),
                reports: Report::ALL
                    .iter()
                    .filter(|r| r.kind() == d.kind)
                    .map(|r| format!("/api/club/reports/{}.csv?document={}", r.name(), d.id))
                    .collect(),
            })
            .collect(),
    ))
}
