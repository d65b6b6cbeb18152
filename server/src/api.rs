//! The JSON API around sync: redeeming an invite for a device token.
//!
//! Errors are JSON bodies `{ "error": "<code>", "message": "<what happened and what to do>" }`
//! with a fitting status code.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use clubsync_core::club::Member;

use crate::clock::now_ms;
use crate::documents::{ClubEdit, DocCommand};
use crate::identity::IdentityError;
use crate::state::AppState;

/// An error answered as JSON.
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A short machine-readable code.
    pub error: &'static str,
    /// What happened and what to do, for a person.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.error, "message": self.message });
        (self.status, Json(body)).into_response()
    }
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error,
            message: message.into(),
        }
    }

    /// A server failure: `detail` goes to the log, the client gets a generic 500.
    pub fn internal(context: &str, detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "{context}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; try again later (the details are in the server's log)",
        )
    }
}

impl From<IdentityError> for ApiError {
    fn from(e: IdentityError) -> Self {
        let (status, error) = match &e {
            IdentityError::InviteNotFound => (StatusCode::NOT_FOUND, "invite_not_found"),
            IdentityError::InviteExpired { .. } => (StatusCode::GONE, "invite_expired"),
            IdentityError::InviteAlreadyUsed { .. } => (StatusCode::GONE, "invite_used"),
            IdentityError::InviteWithdrawn { .. } => (StatusCode::GONE, "invite_withdrawn"),
            IdentityError::InviteUsedCannotWithdraw { .. } => (StatusCode::CONFLICT, "invite_used"),
            IdentityError::UnknownClub(_)
            | IdentityError::UnknownMember(_)
            | IdentityError::UnknownDevice(_)
            | IdentityError::UnknownInvite(_) => (StatusCode::NOT_FOUND, "not_found"),
            IdentityError::Database(_) | IdentityError::Corrupt { .. } => {
                tracing::error!(%e, "identity store failed");
                return Self {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    error: "internal",
                    message: "the server could not read its database; try again later".into(),
                };
            }
            IdentityError::DataDir { .. }
            | IdentityError::NotInitialised { .. }
            | IdentityError::NotAServerDatabase { .. }
            | IdentityError::SchemaTooNew { .. }
            | IdentityError::WalUnavailable { .. }
            | IdentityError::Randomness(_)
            | IdentityError::ClubDocument(_) => {
                return Self::internal("identity operation failed", e);
            }
            _ => (StatusCode::BAD_REQUEST, "refused"),
        };
        Self {
            status,
            error,
            message: e.to_string(),
        }
    }
}

/// `POST /api/join` body.
#[derive(Deserialize)]
pub struct JoinRequest {
    /// The invite code a coordinator gave.
    pub invite: String,
    /// A name for this device, shown to coordinators ("Min-ji's phone").
    pub device_name: String,
}

/// `POST /api/join` answer.
#[derive(Serialize)]
pub struct JoinResponse {
    /// The device's id.
    pub device_id: String,
    /// The device token: keep it secret; it is shown only this once.
    pub token: String,
    /// The club joined.
    pub club_id: String,
    /// The member's role in the club.
    pub role: String,
    /// The club document's id, to sync first.
    pub club_document: String,
    /// The member this device belongs to: their id in the club document (a hyphenated UUID).
    pub member_id: String,
    /// The member's display name.
    pub member_name: String,
}

/// Redeems an invite for a device token, and has the club document's actor add the member to
/// the club document (a member it already lists, such as one adding another device, is
/// skipped).
pub async fn join(
    State(state): State<AppState>,
    Json(request): Json<JoinRequest>,
) -> Result<Json<JoinResponse>, ApiError> {
    let identity = state.identity.clone();
    let now = now_ms();
    let redeemed = tokio::task::spawn_blocking(move || {
        let (device, token) =
            identity.redeem_invite(request.invite.trim(), request.device_name.trim(), now)?;
        let club_document = identity.club_document(device.club)?;
        let member = identity
            .member(device.member)?
            .ok_or(IdentityError::UnknownMember(device.member))?;
        Ok::<_, IdentityError>((device, token, club_document, member))
    })
    .await
    .map_err(|e| ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        error: "internal",
        message: format!("the server failed while redeeming the invite: {e}"),
    })??;
    let (device, token, club_document, member) = redeemed;
    // After the redemption is committed: a crash before the club document's commit leaves the
    // member to be added when the club document next loads.
    state.hub.send(
        club_document,
        DocCommand::EditClub(ClubEdit::AddMember(Member {
            id: member.id,
            display_name: member.display_name.clone(),
            contact: None,
            role: member.role,
            age16plus: member.age16plus,
        })),
    );
    Ok(Json(JoinResponse {
        device_id: device.id.to_string(),
        token: token.as_str().to_owned(),
        club_id: device.club.to_string(),
        role: format!("{:?}", device.role).to_lowercase(),
        club_document: club_document.to_string(),
        member_id: member.id.to_string(),
        member_name: member.display_name,
    }))
}
