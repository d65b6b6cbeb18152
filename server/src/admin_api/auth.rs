//! Who is asking: the device token of the request, which must be a coordinator's.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use clubsync_core::club::Role;

use crate::api::{self, ApiError, ErrorCode};
use crate::identity::DeviceRecord;
use crate::state::AppState;

/// A request made with the token of a coordinator's device, not revoked. Its `club` is the
/// only club the request may see or change.
#[derive(Clone, Debug)]
pub struct Coordinator(pub DeviceRecord);

impl FromRequestParts<AppState> for Coordinator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let api::AuthenticatedDevice(device) =
            api::AuthenticatedDevice::from_request_parts(parts, state).await?;
        if device.role != Role::Coordinator {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::CoordinatorRoleRequired,
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
