//! The HTTP surface: `/sync` (the websocket), `/healthz`, `/readyz`, `/metrics`, a device's
//! `/api/join` and `/api/documents/{id}/rebuild` ([`rebuild`]), and the phone app under `/app/`
//! ([`web_app`]).
//!
//! `app` builds the router from shared state, so tests can drive it without a socket.

use std::path::PathBuf;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Extension, Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::api::{ApiError, ErrorCode};
use crate::connection::MAX_CONNECTIONS_PER_DEVICE;
use crate::http_connections::ConnectionSlot;
use crate::identity::DeviceRecord;
use crate::state::AppState;
use crate::{admin_api, api, connection, device_token, rebuild, web_app};

/// The router of the whole server; the phone app's files are read from `web_dir`.
pub fn app(state: AppState, web_dir: PathBuf) -> Router {
    Router::new()
        .route("/sync", get(sync))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/api/join", post(api::join))
        .route("/api/device", get(device_token::now))
        .route("/api/device/token", post(device_token::rotate))
        .route("/api/flags", get(crate::flag_list::list))
        // A device uploads its whole copy of a document: as large as one sync frame may be.
        .route(
            "/api/documents/{id}/rebuild",
            post(rebuild::rebuild).layer(DefaultBodyLimit::max(state.limits.max_frame_bytes)),
        )
        .merge(admin_api::router())
        .merge(web_app::router(web_dir))
        .with_state(state)
}

/// The read buffer a websocket starts with.
const IDLE_READ_BUFFER: usize = 4 * 1024;

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn sync(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    // The connection's slot (`http_connections`): the websocket holds it while it is open.
    slot: Option<Extension<ConnectionSlot>>,
    // Taken as a result, so that a bad token is answered 401 before anything about the upgrade.
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let device = match authenticated(&state, &headers, query.token).await {
        Ok(device) => device,
        Err(refusal) => return refusal.into_response(),
    };
    if state.live.count(device.id) >= MAX_CONNECTIONS_PER_DEVICE {
        state.metrics.refused("too_many_connections");
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyConnections,
            format!(
                "this device already has {MAX_CONNECTIONS_PER_DEVICE} open connections; close one"
            ),
        )
        .into_response();
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
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
        .on_upgrade(move |socket| async move {
            let _slot = slot;
            connection::serve(socket, device, state).await
        })
}

/// The device of a `/sync` request, counting each refusal by why.
async fn authenticated(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<String>,
) -> Result<DeviceRecord, ApiError> {
    let token = api::device_token(
        headers,
        query,
        "no device token: send `Authorization: Bearer <token>` or `?token=<token>`; a device \
         gets its token by redeeming an invite",
    )
    .inspect_err(|_| state.metrics.refused("no_token"))?;
    api::authenticate(state, token).await.inspect_err(|e| {
        state.metrics.refused(match e.code {
            ErrorCode::Revoked => "revoked_token",
            ErrorCode::TokenExpired => "expired_token",
            ErrorCode::Internal | ErrorCode::Unavailable => "identity_unavailable",
            _ => "bad_token",
        })
    })
}

async fn ready(State(state): State<AppState>) -> Response {
    if state.shutdown.is_cancelled() {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response()
    } else {
        (StatusCode::OK, "ready\n").into_response()
    }
}

/// `/metrics`: with `--metrics-token`, for a request that presents it; without, for loopback
/// clients only (a Prometheus beside the server), since the counters tell an outsider how many
/// devices, documents and refusals a club's server has.
async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Response {
    let allowed = match &state.metrics_token {
        Some(expected) => {
            api::device_token(&headers, None, "").is_ok_and(|given| same_secret(&given, expected))
        }
        // A request that came over no socket (a test in process) is the server's own.
        None => client.is_none_or(|Extension(ConnectInfo(addr))| addr.ip().is_loopback()),
    };
    if !allowed {
        state.metrics.refused("metrics_not_allowed");
        return ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Refused,
            if state.metrics_token.is_some() {
                "send the metrics token: `Authorization: Bearer <--metrics-token>`"
            } else {
                "/metrics answers loopback clients only; start the server with --metrics-token \
                 (CLUBSYNC_METRICS_TOKEN) to read it from elsewhere"
            },
        )
        .into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// Compares two secrets by their hashes, so the time taken tells nothing of where they differ.
fn same_secret(given: &str, expected: &str) -> bool {
    use sha2::Digest;
    sha2::Sha256::digest(given.as_bytes()) == sha2::Sha256::digest(expected.as_bytes())
}
