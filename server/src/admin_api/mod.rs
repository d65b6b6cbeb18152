//! The HTTP admin API for coordinators: their own club's members, devices (and revoking
//! them), invites, documents and CSV reports, under `/api/club`.
//!
//! Every request carries a device token, the same one the device syncs with
//! (`Authorization: Bearer <token>`), and the device's member must be a coordinator
//! ([`auth::Coordinator`]). A coordinator sees and changes only their own club: an id of
//! another club's device, invite or document is answered exactly like an unknown id (404), so
//! the API never reveals what other clubs hold.
//!
//! | method | path | answer |
//! |---|---|---|
//! | GET | `/api/club` | the club, its profile, and who is asking |
//! | PATCH | `/api/club` | `{time_zone}` -> the club's clock set (a tz database name) |
//! | GET | `/api/club/members` | members with their roles (former ones with `left_at`) |
//! | PATCH | `/api/club/members/{id}` | `{role?, age16plus?}` -> the member as now |
//! | POST | `/api/club/members/{id}/leave` | revokes their devices, keeps them as former |
//! | GET | `/api/club/devices` | devices, last seen, revoked, open connections |
//! | POST | `/api/club/devices/{id}/revoke` | revokes and disconnects a device |
//! | GET | `/api/club/invites` | invites and their status (never their codes) |
//! | POST | `/api/club/invites` | `{role, name, ttl_hours?}` -> 201 with the one-time code |
//! | DELETE | `/api/club/invites/{id}` | withdraws an unused invite |
//! | GET | `/api/club/documents` | the registry of the club's documents, with report links |
//! | GET | `/api/club/documents/{id}/audit[?record=PATH]` | which device and member sent each change |
//! | GET | `/api/club/reports/{report}.csv?document=<id>` | a report of `clubsync-core` as CSV |
//!
//! The reports are `tin-count-sheet`, `reconciliation` and `totals` (of a street collection;
//! `totals` without `?document=` covers every collection of the club), `petition-delivery`
//! (names, postcodes or towns and dates: never email or phone) and `sponsorship`.
//!
//! Errors are [`crate::api::ApiError`]s: JSON `{ "error": "<code>", "message": "..." }` with
//! 400 (a malformed id, a missing `?document=`), 401 (no, unknown or revoked token), 403 (not a
//! coordinator), 404 (no such thing in your club), 405, 409 (a used invite cannot be
//! withdrawn), 415 or 422 (a body or value the API cannot act on: an unknown role, a document
//! that cannot make that report) or 500 (a server failure: a generic message, details in the
//! log).
//!
//! Reports read the document store, never a loaded document's memory: the store holds every
//! committed change, and nothing uncommitted may leave the server (the durability rule).

mod audit;
pub mod auth;
mod club;
mod devices;
mod invites;
mod members;
mod reports;

use automerge::Automerge;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post};
use clubsync_protocol::DocumentId;

use crate::api::{ApiError, ErrorCode};
use crate::state::AppState;

/// The admin API's routes, nested under `/api/club`; merge into the server's router.
pub fn router() -> Router<AppState> {
    let club = Router::new()
        .route("/", get(club::info).patch(club::update))
        .route("/members", get(club::members))
        .route("/members/{id}", patch(members::update))
        .route("/members/{id}/leave", post(members::leave))
        .route("/documents", get(club::documents))
        .route("/documents/{id}/audit", get(audit::trail))
        .route("/devices", get(devices::list))
        .route("/devices/{id}/revoke", post(devices::revoke))
        .route("/invites", get(invites::list).post(invites::create))
        .route("/invites/{id}", delete(invites::withdraw))
        .route("/reports/{file}", get(reports::export))
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_method);
    Router::new().nest("/api/club", club)
}

async fn unknown_path() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "no such admin endpoint; see the list in the server's documentation (/api/club, \
         /api/club/members, /api/club/devices, /api/club/invites, /api/club/documents, \
         /api/club/documents/ID/audit, /api/club/reports/REPORT.csv)",
    )
}

async fn wrong_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "this admin endpoint does not take that HTTP method",
    )
}

/// Runs blocking store work (SQLite) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal("admin API task failed", e))?
}

/// The answer for an id that is unknown or belongs to another club: the same either way.
fn not_in_club(what: &str, id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        format!("there is no {what} {id:?} in your club"),
    )
}

/// Parses an id from the path; a malformed one is a 400 that names what was expected.
fn parse_id<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, ApiError> {
    text.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadId,
            format!("{text:?} is not a {what} id; the lists of this API show the ids"),
        )
    })
}

/// The committed state of a document, read from the store (which holds every committed
/// change, even while a newer state of the document is in a document actor's memory).
async fn load_stored(
    state: &AppState,
    document: DocumentId,
) -> Result<Option<Automerge>, ApiError> {
    let storage = state.hub.storage().clone();
    blocking(move || {
        storage
            .load(&document)
            .map_err(|e| ApiError::unavailable("loading a document from the store failed", e))
    })
    .await
}
