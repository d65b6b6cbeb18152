//! The HTTP surface: `/sync` (the websocket), `/healthz`, `/readyz`, `/metrics`, and the phone
//! app under `/app/` ([`web_app`]).
//!
//! `app` builds the router from shared state, so tests can drive it without a socket.

use std::path::PathBuf;

use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::identity::IdentityError;
use crate::state::AppState;
use crate::{admin_api, api, connection, web_app};

/// The router of the whole server; the phone app's files are read from `web_dir`.
pub fn app(state: AppState, web_dir: PathBuf) -> Router {
    Router::new()
        .route("/sync", get(sync))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/api/join", post(api::join))
        .merge(admin_api::router())
        .merge(web_app::router(web_dir))
        .with_state(state)
}

/// The read buffer a websocket starts with.
const IDLE_READ_BUFFER: usize = 4 * 1024;

/// The most connections one device may have open at once (a phone, its tabs, a retry).
pub const MAX_CONNECTIONS_PER_DEVICE: usize = 8;

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// An error answered before the websocket upgrade, as JSON with a status code.
struct Refusal {
    status: StatusCode,
    error: &'static str,
    message: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.error, "message": self.message });
        (self.status, Json(body)).into_response()
    }
}

async fn sync(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let Some(token) = bearer.or(query.token) else {
        state.metrics.refused("no_token");
        return Refusal {
            status: StatusCode::UNAUTHORIZED,
            error: "no_token",
            message: "no device token: send `Authorization: Bearer <token>` or `?token=<token>`; \
                      a device gets its token by redeeming an invite"
                .into(),
        }
        .into_response();
    };
    let identity = state.identity.clone();
    let now = crate::clock::now_ms();
    let device = match tokio::task::spawn_blocking(move || identity.authenticate(&token, now)).await
    {
        Ok(Ok(device)) => device,
        Ok(Err(e)) => {
            let (error, label) = match &e {
                IdentityError::DeviceRevoked { .. } => ("revoked", "revoked_token"),
                _ => ("unauthorized", "bad_token"),
            };
            state.metrics.refused(label);
            return Refusal {
                status: StatusCode::UNAUTHORIZED,
                error,
                message: e.to_string(),
            }
            .into_response();
        }
        Err(e) => {
            tracing::error!(%e, "authentication task failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if state.live.count(device.id) >= MAX_CONNECTIONS_PER_DEVICE {
        state.metrics.refused("too_many_connections");
        return Refusal {
            status: StatusCode::TOO_MANY_REQUESTS,
            error: "too_many_connections",
            message: format!(
                "this device already has {MAX_CONNECTIONS_PER_DEVICE} open connections; close one"
            ),
        }
        .into_response();
    }
    // Leave room above our own frame limit so an oversized frame reaches the protocol, which
    // answers it with a clear error instead of a bare transport close.
    let transport_limit = state.limits.max_frame_bytes.saturating_add(64 * 1024);
    upgrade
        .max_message_size(transport_limit)
        .max_frame_size(transport_limit)
        // Most connections sit idle for hours: tungstenite's default 128 KiB read buffer per
        // socket would dominate the server's memory (measured: 143 KiB per idle connection).
        // The buffer grows as a large frame needs it.
        .read_buffer_size(IDLE_READ_BUFFER)
        .write_buffer_size(0)
        .on_upgrade(move |socket| connection::serve(socket, device, state))
}

async fn ready(State(state): State<AppState>) -> Response {
    if state.shutdown.is_cancelled() {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response()
    } else {
        (StatusCode::OK, "ready\n").into_response()
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}
