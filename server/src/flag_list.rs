//! `GET /api/flags[?document=<id>]`: the club's open flags and its resolutions (or one
//! document's), for any device of the club (a collector's screen shows its collection's flags;
//! a coordinator resolves them).
//!
//! The flags are derived by `clubsync-core` (`resolution::document_flags`) from the committed
//! documents in the store, never a loaded document's memory (nothing uncommitted leaves the
//! server). The answer names records by id and members by their club name: never a signer's
//! name or contact details.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use clubsync_core::club::Club;
use clubsync_core::document::{DocumentKind, TypedDocument};
use clubsync_core::flags::Flag;
use clubsync_core::resolution::document_flags;
use clubsync_protocol::DocumentId;
use clubsync_protocol::flag_api::{ClubFlags, OpenFlag, ResolvedFlag};

use crate::api::{ApiError, AuthenticatedDevice, ErrorCode};
use crate::documents::club_edits::title_of;
use crate::state::AppState;

/// The kinds of document that have flags.
const FLAGGED: [DocumentKind; 4] = [
    DocumentKind::StreetCollection,
    DocumentKind::Event,
    DocumentKind::Petition,
    DocumentKind::MaterialsStock,
];

/// The query: one document, or (absent) all of the club's.
#[derive(serde::Deserialize)]
pub struct FlagQuery {
    document: Option<String>,
}

/// The open flags of every document of the asking device's club (or of `?document=`), and
/// the resolutions.
pub async fn list(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    query: Result<Query<FlagQuery>, QueryRejection>,
) -> Result<Json<ClubFlags>, ApiError> {
    let Query(query) =
        query.map_err(|e| ApiError::new(e.status(), ErrorCode::BadQuery, e.body_text()))?;
    let only: Option<DocumentId> = match query.document.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => Some(text.parse().map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                ErrorCode::BadId,
                format!("{text:?} is not a document id"),
            )
        })?),
        _ => None,
    };
    let identity = state.identity.clone();
    let storage = state.hub.storage().clone();
    let club_id = device.club;
    let answer = tokio::task::spawn_blocking(move || {
        let stored = |id: &DocumentId| {
            storage
                .load(id)
                .map_err(|e| ApiError::unavailable("loading a document for its flags failed", e))
        };
        let club_document = identity.club_document(club_id)?;
        let club = stored(&club_document)?
            .ok_or_else(|| ApiError::internal("the club document is not stored", club_document))
            .and_then(|doc| {
                Club::from_automerge(doc)
                    .map_err(|e| ApiError::internal("the club document is unreadable", e))
            })?;
        let mut answer = ClubFlags::default();
        for info in identity.list_documents(club_id)? {
            if !FLAGGED.contains(&info.kind) || only.is_some_and(|id| id != info.id) {
                continue;
            }
            let Some(doc) = stored(&info.id)? else {
                continue; // registered, nothing committed yet
            };
            let title = title_of(&doc, info.kind);
            let flags = match document_flags(doc, &club) {
                Ok(flags) => flags,
                Err(e) => {
                    tracing::warn!(document = %info.id, %e, "could not read a document's flags");
                    continue;
                }
            };
            let id = info.id.to_string();
            answer.open.extend(
                flags
                    .open
                    .iter()
                    .map(|f| open_flag(f, &id, info.kind, &title, &club)),
            );
            answer
                .resolved
                .extend(flags.resolutions.into_iter().map(|r| ResolvedFlag {
                    document: id.clone(),
                    document_title: title.clone(),
                    kind: r.kind,
                    how: r.how.as_str().to_owned(),
                    note: r.note,
                    by: member_name(&club, r.by),
                    at: r.at.to_string(),
                }));
        }
        answer.resolved.sort_by(|a, b| b.at.cmp(&a.at));
        Ok::<_, ApiError>(answer)
    })
    .await
    .map_err(|e| ApiError::internal("the flags task failed", e))??;
    Ok(Json(answer))
}

fn member_name(club: &Club, id: clubsync_core::ids::MemberId) -> String {
    match club.member(id) {
        Ok(Some(m)) => m.display_name,
        _ => id.to_string(),
    }
}

/// A flag as the screens show it.
fn open_flag(
    flag: &Flag,
    document: &str,
    kind: DocumentKind,
    title: &str,
    club: &Club,
) -> OpenFlag {
    let mut open = OpenFlag {
        document: document.to_owned(),
        document_kind: kind.as_str().to_owned(),
        document_title: title.to_owned(),
        kind: flag.kind().to_owned(),
        records: flag.records(),
        resolvable: flag.resolvable(),
        message: flag.to_string(),
        tin: None,
        seal: None,
        member: None,
        how_many: 0,
        needed: None,
        accepted: None,
        quantity: None,
        cash_minor: None,
        banked_minor: None,
        currency: None,
    };
    match flag {
        Flag::TinIssuedTwice { tin, custody } => {
            open.tin = Some(tin.0);
            open.how_many = custody.len();
        }
        Flag::SealUsedTwice { seal, custody } => {
            open.seal = Some(seal.clone());
            open.how_many = custody.len();
        }
        Flag::TinReturnedTwice { tin, .. } => {
            open.tin = Some(tin.0);
            open.how_many = 2;
        }
        Flag::TwoActiveCounts { tin, counts, .. } => {
            open.tin = Some(tin.0);
            open.how_many = counts.len();
        }
        Flag::MoneyHandledByUnder16 { member, records } => {
            open.member = Some(member_name(club, *member));
            open.how_many = records.len();
        }
        Flag::OverbookedShift {
            needed, accepted, ..
        } => {
            open.needed = Some(*needed);
            open.accepted = Some(*accepted);
        }
        Flag::LikelyDuplicateSignatures { signatures } => open.how_many = signatures.len(),
        Flag::PetitionTextChanged { .. } => {}
        Flag::NegativeStock { quantity, .. } => open.quantity = Some(*quantity),
        Flag::BankedDiffersFromCash { cash, banked } => {
            open.cash_minor = Some(cash.minor);
            open.banked_minor = Some(banked.minor);
            open.currency = Some(cash.currency.code().to_owned());
        }
        _ => {}
    }
    open
}
