//! `POST /api/documents/{id}/rebuild`: a device's copy of a document rebuilt on the server's
//! copy, after the server refused one of the device's changes.
//!
//! A refused change stays in the device's copy, and every later change of that copy depends on
//! it, so the server would refuse them all, for ever. The CLI device rebuilds its copy itself
//! with core's `rules::rebase`; the phone app cannot run core, so it sends its copy here
//! (the body: `Automerge::save` bytes, with its device token) and the server runs the same
//! function on it: the copy rebuilt on the document as the server has committed it, with every
//! record, stage and field of the device's copy that the server's lacks written again under a
//! new actor, each checked as the server will check it, and the records that break a rule
//! left out and named. The server keeps nothing of the request: the device replaces its copy
//! with the answer and syncs it like any change, and the server checks those changes again
//! when they arrive.
//!
//! Answers: 200 with [`RebuildAnswer`]; 400 for a body that is not an Automerge document (or
//! inflates past the sync limits) or is another document's; 401 for a bad token; 403 for a
//! role that may not write the document; 404 for a document unknown in the device's club or
//! with nothing committed yet (a new document refused whole has nothing to rebuild on).

use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::Automerge;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use clubsync_core::document::DocumentKind;
use clubsync_core::rules::Writer;
use clubsync_core::rules::rebase::rebase;
use clubsync_protocol::http_api::{DroppedRecord, RebuildAnswer};
use clubsync_protocol::{Access, DocumentId};

use crate::api::{ApiError, AuthenticatedDevice, ErrorCode};
use crate::identity::access;
use crate::state::AppState;

/// The handler of `POST /api/documents/{id}/rebuild`.
pub async fn rebuild(
    State(state): State<AppState>,
    AuthenticatedDevice(device): AuthenticatedDevice,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Json<RebuildAnswer>, ApiError> {
    let Path(id) = path.map_err(|e| bad(ErrorCode::BadId, e.body_text()))?;
    let document: DocumentId = id
        .parse()
        .map_err(|_| bad(ErrorCode::BadId, format!("{id:?} is not a document id")))?;
    let identity = state.identity.clone();
    let storage = state.hub.storage().clone();
    let answer = tokio::task::spawn_blocking(move || {
        let kind = match identity.document(&document)? {
            Some((club, kind)) if club == device.club => kind,
            _ => return Err(not_in_club(&document)),
        };
        if access(device.role, kind) != Access::ReadWrite {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::Refused,
                format!(
                    "your role ({}) may not write document {document}",
                    device.role
                ),
            ));
        }
        clubsync_protocol::sync_check::check_saved_bytes(&body)
            .map_err(|e| bad(ErrorCode::BadBody, format!("the copy sent is refused: {e}")))?;
        let local = catch_unwind(AssertUnwindSafe(|| Automerge::load(&body)))
            .map_err(|_| "automerge failed on it".to_owned())
            .and_then(|loaded| loaded.map_err(|e| e.to_string()))
            .map_err(|e| {
                bad(
                    ErrorCode::BadBody,
                    format!("the body is not a saved Automerge document: {e}"),
                )
            })?;
        if DocumentKind::of(&local).ok() != Some(kind) {
            return Err(bad(
                ErrorCode::BadBody,
                format!("the copy sent is not document {document} (a {kind:?})"),
            ));
        }
        let base = storage
            .load(&document)
            .map_err(|e| ApiError::unavailable("loading a document to rebuild on failed", e))?
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    ErrorCode::NotStoredYet,
                    format!(
                        "nothing of document {document} has reached the server: there is \
                         nothing to rebuild it on"
                    ),
                )
            })?;
        // A copy of this document holds its first change; any other is another document's.
        if !base
            .get_changes_meta(&[])
            .iter()
            .filter(|c| c.deps.is_empty())
            .any(|c| local.get_change_meta_by_hash(&c.hash).is_some())
        {
            return Err(bad(
                ErrorCode::BadBody,
                format!("the copy sent does not share document {document}'s history"),
            ));
        }
        let writer = Writer {
            member: device.member,
            device: device.id.to_string(),
            club_document: identity.club_document(device.club).ok(),
            coordinator: device.role == clubsync_core::club::Role::Coordinator,
        };
        let rebased = catch_unwind(AssertUnwindSafe(|| rebase(&local, &base, &writer)))
            .map_err(|_| "automerge failed on it".to_owned())
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map_err(|e| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::UnreadableDocument,
                    format!("the copy sent cannot be rebuilt: {e}"),
                )
            })?;
        tracing::info!(
            %document,
            device = %device.id,
            kept = rebased.kept.len(),
            dropped = rebased.dropped.len(),
            "rebuilt a device's copy after a refused change"
        );
        Ok(RebuildAnswer {
            document: document.to_string(),
            rebuilt: base64::engine::general_purpose::STANDARD.encode(rebased.doc.save()),
            kept: rebased.kept,
            dropped: rebased
                .dropped
                .iter()
                .map(|r| DroppedRecord {
                    path: r.path.clone(),
                    rule: r.rule.code().to_owned(),
                    message: r.to_string(),
                })
                .collect(),
        })
    })
    .await
    .map_err(|e| ApiError::internal("rebuilding a document failed", e))??;
    Ok(Json(answer))
}

fn bad(code: ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

/// An unknown document and one of another club are answered alike.
fn not_in_club(document: &DocumentId) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        format!("there is no document {document} in your club"),
    )
}
