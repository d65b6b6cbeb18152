//! Who is asking: the device token of the request, which must be a coordinator's.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use clubsync_core::club::Role;

use super::blocking;
use crate::api::ApiError;
use crate::clock::now_ms;
use crate::identity::{DeviceRecord, IdentityError};
use crate::state::AppState;

/// A request made with the token of a coordinator's device, not revoked. Its `club` is the
/// only club the request may see or change.
#[derive(Clone, Debug)]
pub struct Coordinator(pub DeviceRecord);

impl FromRequestParts<AppState> for Coordinator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        let identity = state.identity.clone();
        let now = now_ms();
        let device =
            blocking(move || identity.authenticate(&token, now).map_err(unauthenticated)).await?;
        if device.role != Role::Coordinator {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "coordinator_role_required",
                format!(
                    "the admin API needs the coordinator role; this device belongs to a {}. \
                     Ask a coordinator of your club",
                    device.role
                ),
            ));
        }
        Ok(Self(device))
    }
}

/// The token in `Authorization: Bearer <token>`. (Not `?token=`, which browsers need only for
/// websockets, and which would put the token into logs of proxies.)
fn bearer(parts: &Parts) -> Result<String, ApiError> {
    let missing = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "no_token",
            "no device token: send `Authorization: Bearer <token>` with the token of a \
             coordinator's device",
        )
    };
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(missing());
    }
    Ok(token.trim().to_owned())
}

/// A refused token as a 401 that says why; a store failure stays a 500.
fn unauthenticated(e: IdentityError) -> ApiError {
    let error = match &e {
        IdentityError::DeviceRevoked { .. } => "revoked",
        IdentityError::MalformedToken | IdentityError::UnknownToken => "unauthorized",
        _ => return e.into(),
    };
    ApiError::new(StatusCode::UNAUTHORIZED, error, e.to_string())
}
