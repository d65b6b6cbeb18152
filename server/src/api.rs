//! The JSON API around sync: redeeming an invite for a device token, and the one error type of
//! the HTTP edge.
//!
//! Errors are [`ApiError`]: JSON bodies `{ "error": "<code>", "message": "<what happened and what
//! to do>" }` (`clubsync_protocol::http_api::ErrorBody`, the shape devices read) with a fitting
//! status code. Every route answers its refusals through it.

use axum::Json;
use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clubsync_core::club::Member;
pub use clubsync_protocol::http_api::{ErrorBody, ErrorCode, JoinRequest, JoinResponse};

use crate::clock::now_ms;
use crate::documents::{ClubEdit, DocCommand};
use crate::identity::{DeviceRecord, IdentityError};
use crate::state::AppState;

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What went wrong, for a program.
    pub code: ErrorCode,
    /// What happened and what to do, for a person.
    pub message: String,
    /// Seconds after which to try again (`Retry-After`), for an answer that is not final.
    pub retry_after: Option<u32>,
}

/// How long a device waits before trying again after a storage fault.
pub const RETRY_AFTER_SECS: u32 = 5;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code,
            message: self.message,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// A storage fault (a full disk, a failed read): `detail` goes to the log, the client gets
    /// a 503 with `Retry-After`, and retries. Never an answer about the token or the request.
    pub fn unavailable(context: &str, detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "{context}");
        Self {
            retry_after: Some(RETRY_AFTER_SECS),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                format!(
                    "the server cannot reach its storage right now; try again in \
                     {RETRY_AFTER_SECS} seconds (the details are in the server's log)"
                ),
            )
        }
    }

    /// A server failure: `detail` goes to the log, the client gets a generic 500.
    pub fn internal(context: &str, detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "{context}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the server failed; try again later (the details are in the server's log)",
        )
    }
}

impl From<IdentityError> for ApiError {
    fn from(e: IdentityError) -> Self {
        let (status, code) = match &e {
            IdentityError::InviteNotFound => (StatusCode::NOT_FOUND, ErrorCode::InviteNotFound),
            IdentityError::InviteExpired { .. } => (StatusCode::GONE, ErrorCode::InviteExpired),
            IdentityError::InviteAlreadyUsed { .. } => (StatusCode::GONE, ErrorCode::InviteUsed),
            IdentityError::InviteWithdrawn { .. } | IdentityError::InviteMakerGone => {
                (StatusCode::GONE, ErrorCode::InviteWithdrawn)
            }
            IdentityError::InviteUsedCannotWithdraw { .. } => {
                (StatusCode::CONFLICT, ErrorCode::InviteUsed)
            }
            IdentityError::MemberLeft(_) => (StatusCode::CONFLICT, ErrorCode::MemberLeft),
            IdentityError::UnknownClub(_)
            | IdentityError::UnknownMember(_)
            | IdentityError::UnknownDevice(_)
            | IdentityError::UnknownInvite(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            IdentityError::Database(_) | IdentityError::Corrupt { .. } => {
                return Self::unavailable("identity store failed", e);
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
            _ => (StatusCode::BAD_REQUEST, ErrorCode::Refused),
        };
        Self::new(status, code, e.to_string())
    }
}

/// A request made with the token of a device that is not revoked (`Authorization: Bearer`):
/// the one way the HTTP API beside `/sync` learns who asks (`/api/device`, token rotation,
/// rebuilds, and the coordinators' API on top of it).
#[derive(Clone, Debug)]
pub struct AuthenticatedDevice(pub DeviceRecord);

impl axum::extract::FromRequestParts<AppState> for AuthenticatedDevice {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        let token = device_token(
            &parts.headers,
            None,
            "no device token: send `Authorization: Bearer <token>` with this device's token",
        )?;
        Ok(Self(authenticate(state, token).await?))
    }
}

/// The device token of a request: `Authorization: Bearer <token>`, else `query` (the websocket's
/// `?token=`, for browsers, which cannot set headers on one; other routes pass `None`, so a token
/// never lands in a proxy's access log). `missing` says what to send when there is none.
pub fn device_token(
    headers: &HeaderMap,
    query: Option<String>,
    missing: &str,
) -> Result<String, ApiError> {
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    header
        .or(query)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::NoToken, missing))
}

/// The device a token belongs to, or a 401 that says why (revoked, unknown); a store failure
/// is not an answer about the token (a 500).
pub async fn authenticate(state: &AppState, token: String) -> Result<DeviceRecord, ApiError> {
    let identity = state.identity.clone();
    let now = now_ms();
    match tokio::task::spawn_blocking(move || identity.authenticate(&token, now)).await {
        Ok(Ok(device)) => Ok(device),
        Ok(Err(e)) => {
            let code = match &e {
                IdentityError::DeviceRevoked { .. } => ErrorCode::Revoked,
                IdentityError::TokenExpired { .. } => ErrorCode::TokenExpired,
                IdentityError::MalformedToken | IdentityError::UnknownToken => {
                    ErrorCode::Unauthorized
                }
                _ => return Err(e.into()),
            };
            Err(ApiError::new(StatusCode::UNAUTHORIZED, code, e.to_string()))
        }
        Err(e) => Err(ApiError::internal("authentication task failed", e)),
    }
}

/// Redeems an invite for a device token, and has the club document's actor add the member to
/// the club document (a member it already lists, such as one adding another device, is
/// skipped).
pub async fn join(
    State(state): State<AppState>,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: Result<Json<JoinRequest>, JsonRejection>,
) -> Result<Json<JoinResponse>, ApiError> {
    let address = client.map(|Extension(ConnectInfo(addr))| addr.ip());
    if let Err(secs) = state.joins.allow(address, std::time::Instant::now()) {
        state.metrics.refused("joins_rate_limited");
        return Err(ApiError {
            retry_after: Some(u32::try_from(secs).unwrap_or(u32::MAX)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!(
                    "too many tries to join from here (at most {} a minute); try again in \
                     {secs} s",
                    state.joins.per_minute()
                ),
            )
        });
    }
    let Json(request) = request.map_err(|e| {
        ApiError::new(
            e.status(),
            ErrorCode::BadBody,
            format!(
                "{}; send {{\"invite\": \"<code>\", \"device_name\": \"<a name for this device>\"}}",
                e.body_text()
            ),
        )
    })?;
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
    .map_err(|e| ApiError::internal("the invite's redemption task failed", e))??;
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
        member_id: Some(member.id.to_string()),
        member_name: Some(member.display_name),
        token_expires_at: state.identity.token_expires_at(now).map(|t| t.millis()),
        token_rotate_after: Some(state.identity.token_rotate_after(now).millis()),
    }))
}
