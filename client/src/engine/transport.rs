//! The engine's websocket to the server: the upgrade with the device token (over the address's
//! plain or TLS stream), and frames in and out. A refusal of the upgrade is turned into the
//! [`ClientError`] that says whether retrying can help.

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use clubsync_protocol::Limits;
use clubsync_protocol::http_api::{ErrorBody, ErrorCode};

use crate::address::BoxedStream;
use crate::error::ClientError;
use crate::home::Membership;

/// The websocket.
pub(super) type Ws = WebSocketStream<BoxedStream>;

/// Opens the websocket to the membership's server, with the device token.
pub(super) async fn upgrade(membership: &Membership) -> Result<Ws, ClientError> {
    let address = &membership.server;
    let stream = address.open(&membership.trust()?).await?;
    let mut request = address
        .sync_url()
        .into_client_request()
        .map_err(|e| ClientError::Connection(e.to_string()))?;
    let bearer = HeaderValue::from_str(&format!("Bearer {}", membership.token))
        .map_err(|_| ClientError::TokenRefused("the stored token is not text".into()))?;
    request.headers_mut().insert("authorization", bearer);
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(Limits::default().max_frame_bytes))
        .max_frame_size(Some(Limits::default().max_frame_bytes));
    match tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let status = response.status();
            let refusal = response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice::<ErrorBody>(b).ok());
            let message = refusal
                .as_ref()
                .map(|r| r.message.clone())
                .unwrap_or_else(|| format!("HTTP {status}"));
            Err(match (status.as_u16(), refusal.map(|r| r.error)) {
                (401, Some(ErrorCode::Revoked)) => ClientError::Revoked(message),
                (401, _) => ClientError::TokenRefused(message),
                _ => ClientError::Refused(message),
            })
        }
        Err(e) => Err(ClientError::Unreachable {
            address: address.to_string(),
            detail: e.to_string(),
        }),
    }
}

/// Sends one binary frame.
pub(super) async fn send(ws: &mut Ws, frame: Vec<u8>) -> Result<(), ClientError> {
    ws.send(WsMessage::Binary(frame.into()))
        .await
        .map_err(|e| ClientError::Connection(format!("sending: {e}")))
}

/// Says goodbye and closes; errors are of no interest by then.
pub(super) async fn close(ws: &mut Ws, leave: Vec<u8>) {
    let _ = ws.send(WsMessage::Binary(leave.into())).await;
    let _ = ws.close(None).await;
}

/// The next binary frame; pings and pongs are skipped, a close is an error. Cancel-safe.
pub(super) async fn next_binary(ws: &mut Ws) -> Result<Vec<u8>, ClientError> {
    loop {
        match ws.next().await {
            Some(Ok(WsMessage::Binary(bytes))) => return Ok(bytes.into()),
            Some(Ok(WsMessage::Close(frame))) => {
                let reason = frame
                    .map(|f| f.reason.to_string())
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| "no reason given".into());
                return Err(ClientError::Connection(format!(
                    "the server closed the connection: {reason}"
                )));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(ClientError::Connection(e.to_string())),
            None => return Err(ClientError::Connection("the connection was cut".into())),
        }
    }
}
