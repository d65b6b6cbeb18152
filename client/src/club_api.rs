//! The coordinators' API of the club's server (`/api/club/...`), called with this device's
//! token: what `clubsync audit` reads. The server answers only a coordinator's device.

use clubsync_protocol::DocumentId;
use clubsync_protocol::http_api::AuditTrail;
use hyper::Method;

use crate::error::ClientError;
use crate::home::Membership;
use crate::http;

/// The audit trail of `document`: which device and member sent each change, when, and which
/// records it touched; only the changes that touched `record` (`donations/<id>`) when given.
pub async fn audit_trail(
    membership: &Membership,
    document: DocumentId,
    record: Option<&str>,
) -> Result<AuditTrail, ClientError> {
    let mut path = format!("/api/club/documents/{document}/audit");
    if let Some(record) = record {
        if !record
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/'))
        {
            return Err(ClientError::Refused(format!(
                "{record:?} is not a record path: write it as `container/id`, for example \
                 donations/0194f1a2-7c3e-7d41-9b6e-2f0c4a1d5e77"
            )));
        }
        path.push_str("?record=");
        path.push_str(record);
    }
    let trust = membership.trust()?;
    let (status, bytes) = http::request(
        &membership.server,
        &trust,
        Method::GET,
        &path,
        Some(&membership.token),
        None,
    )
    .await?;
    if !status.is_success() {
        return Err(http::refusal(status, &bytes));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ClientError::Connection(format!("the server's audit trail: {e}")))
}
