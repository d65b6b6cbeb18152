//! One HTTP/1.1 request to the club's server, over the same stream (and so the same TLS trust)
//! the device syncs over: `POST /api/join` and the coordinators' API (`/api/club/...`).

use clubsync_protocol::http_api::ErrorBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, StatusCode};
use hyper_util::rt::TokioIo;

use crate::address::{ServerAddress, Trust};
use crate::error::ClientError;

/// Sends one request (`token` as `Authorization: Bearer`, `body` as JSON) and returns the
/// status and body of the answer.
pub(crate) async fn request(
    address: &ServerAddress,
    trust: &Trust,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Vec<u8>>,
) -> Result<(StatusCode, Bytes), ClientError> {
    let stream = address.open(trust).await?;
    let failed = |detail: String| ClientError::Unreachable {
        address: address.to_string(),
        detail,
    };
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| failed(e.to_string()))?;
    let driver = tokio::spawn(connection);
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, address.authority());
    if let Some(token) = token {
        builder = builder.header(hyper::header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if body.is_some() {
        builder = builder.header(hyper::header::CONTENT_TYPE, "application/json");
    }
    let request = builder
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| failed(e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| failed(e.to_string()))?
        .to_bytes();
    driver.abort();
    Ok((status, bytes))
}

/// The error for an answer that is not a success: the server's own message when it sent one.
pub(crate) fn refusal(status: StatusCode, bytes: &[u8]) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(refusal) => ClientError::Refused(format!("{} ({})", refusal.message, refusal.error)),
        Err(_) => ClientError::Refused(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(bytes)
                .chars()
                .take(200)
                .collect::<String>()
        )),
    }
}
