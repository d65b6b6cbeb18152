//! CSV exports of `clubsync-core`'s reports, read from the committed documents in the store:
//! which report, which documents, and the HTTP answer. [`render`] makes the CSV.

mod render;

use automerge::Automerge;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use clubsync_core::club::Club;
use clubsync_core::document::DocumentKind;
use clubsync_core::reports::catalog::Report;
use clubsync_protocol::DocumentId;
use serde::Deserialize;

use self::render::{build, slug, typed};
use super::auth::Coordinator;
use super::{blocking, not_in_club, parse_id};
use crate::api::{ApiError, ErrorCode};
use crate::identity::{ClubId, IdentityStore};
use crate::state::AppState;
use crate::storage::SharedStore;

/// The report a path segment such as `reconciliation.csv` names.
fn from_file(file: &str) -> Option<Report> {
    file.strip_suffix(".csv").and_then(Report::from_name)
}

/// The query of a report request.
#[derive(Deserialize)]
pub(super) struct ReportQuery {
    /// The document to report on; optional only for `totals` (all street collections).
    document: Option<String>,
}

/// `GET /api/club/reports/{report}.csv?document=<id>`: the report as `text/csv`, offered as a
/// download named after the report and the document's title.
pub(super) async fn export(
    Coordinator(me): Coordinator,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(file) =
        path.map_err(|e| ApiError::new(e.status(), ErrorCode::BadPath, e.body_text()))?;
    let Query(query) =
        query.map_err(|e| ApiError::new(e.status(), ErrorCode::BadQuery, e.body_text()))?;
    let report = from_file(&file).ok_or_else(|| {
        let names: Vec<String> = Report::ALL
            .iter()
            .map(|r| format!("{}.csv", r.name()))
            .collect();
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownReport,
            format!("no report {file:?}: the reports are {}", names.join(", ")),
        )
    })?;
    let document = match query.document.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => Some(parse_id::<DocumentId>("document", text)?),
        _ if report == Report::Totals => None,
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::MissingDocument,
                format!(
                    "say which {} to report on: ?document=<id> (GET /api/club/documents lists them)",
                    kind_name(report.kind())
                ),
            ));
        }
    };
    let identity = state.identity.clone();
    let storage = state.hub.storage().clone();
    let (csv, title) = blocking(move || {
        let (documents, club) = load(&identity, &storage, me.club, report, document)?;
        build(report, documents, club.as_ref())
    })
    .await?;
    let stem = match (document, title.as_deref().map(slug)) {
        (_, Some(s)) if !s.is_empty() => s,
        (Some(id), _) => id.to_string(),
        (None, _) => "all-collections".to_owned(),
    };
    let disposition = format!("attachment; filename=\"{}-{stem}.csv\"", report.name());
    tracing::info!(report = report.name(), by = %me.id, "a coordinator exported a report");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            // Reports hold personal data (names, postcodes): no copies in caches.
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv,
    )
        .into_response())
}

/// Documents as committed in the store, with their ids.
type Stored = Vec<(DocumentId, Automerge)>;

/// The committed documents a report is made from (`document`, or every document of the
/// report's kind in the club), and the club document when the report names people.
fn load(
    identity: &IdentityStore,
    storage: &SharedStore,
    club: ClubId,
    report: Report,
    document: Option<DocumentId>,
) -> Result<(Stored, Option<Club>), ApiError> {
    let ids = match document {
        Some(id) => vec![checked_document(identity, club, report, id)?],
        None => identity
            .list_documents(club)?
            .into_iter()
            .filter(|d| d.kind == report.kind())
            .map(|d| d.id)
            .collect(),
    };
    let stored = |id: &DocumentId| {
        storage
            .load(id)
            .map_err(|e| ApiError::unavailable("loading a document for a report failed", e))
    };
    let mut documents = Vec::new();
    for id in ids {
        match stored(&id)? {
            Some(doc) => documents.push((id, doc)),
            // Registered but nothing committed yet: nothing to report in a list of all.
            None if document.is_none() => {}
            None => {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    ErrorCode::NotStoredYet,
                    format!("nothing of document {id} has reached the server yet; sync it first"),
                ));
            }
        }
    }
    let club = if report.needs_club() {
        let id = identity.club_document(club)?;
        let doc = stored(&id)?
            .ok_or_else(|| ApiError::internal("the club document is not stored", id))?;
        Some(typed::<Club>(id, doc)?)
    } else {
        None
    };
    Ok((documents, club))
}

/// The document, if it is registered to `club` with the kind the report needs. Another club's
/// document is answered like an unknown one.
fn checked_document(
    identity: &IdentityStore,
    club: ClubId,
    report: Report,
    id: DocumentId,
) -> Result<DocumentId, ApiError> {
    match identity.document(&id)? {
        Some((owner, kind)) if owner == club => {
            if kind == report.kind() {
                Ok(id)
            } else {
                Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::WrongDocumentKind,
                    format!(
                        "{} is made from a {}, and document {id} is a {}",
                        report.name(),
                        kind_name(report.kind()),
                        kind_name(kind)
                    ),
                ))
            }
        }
        _ => Err(not_in_club("document", &id.to_string())),
    }
}

fn kind_name(kind: DocumentKind) -> String {
    kind.as_str().replace('_', " ")
}
