//! The HTTP connections the server accepts, served by hyper directly rather than by
//! `axum::serve`, for the limits `axum::serve` cannot set:
//!
//! - **a header-read timeout**: a connection that sends half a request, or sits idle between
//!   requests on keep-alive, is closed after [`HttpLimits::header_read_timeout`] (hyper's own
//!   timer). Without it a socket trickling a header byte at a time was held for minutes;
//! - **a limit on connections open at once**, websockets included: past
//!   [`HttpLimits::max_connections`] a new connection is answered `503` with `Retry-After` and
//!   closed, so a few thousand idle sockets cannot exhaust the server's file descriptors and
//!   lock every club out. A websocket keeps its [`ConnectionSlot`] for as long as it is open;
//! - **the client's address** on every request (`ConnectInfo<SocketAddr>`), for the limits kept
//!   per address (`join_rate`);
//! - **graceful shutdown**: on the shutdown token, stop accepting, let requests in flight
//!   finish, close idle keep-alive connections; websockets close themselves on the same token.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;
use tracing::{debug, warn};

use crate::metrics::Metrics;

/// The limits on the HTTP connections.
#[derive(Clone, Copy, Debug)]
pub struct HttpLimits {
    /// Connections open at once (websockets included); past it a new one gets a 503.
    pub max_connections: usize,
    /// How long a connection may take to send a request's headers, or sit idle between two.
    pub header_read_timeout: Duration,
    /// How often a websocket is pinged; one that sends nothing (not even the pong) for
    /// [`HttpLimits::silence_limit`] is closed: a phone that vanished (out of signal, battery
    /// out) stops being counted against its device's connections and the server's.
    pub ping_every: Duration,
    /// How long one write to a websocket may take, plus the time its size takes at 8 KiB a
    /// second (a phone on a weak signal); a device that stops reading is closed after it (it
    /// resyncs when it reconnects), so what waits for it cannot grow for long.
    pub write_timeout: Duration,
    /// Tries of `/api/join` an address may make a minute (the server: ten times that).
    pub joins_per_minute: u32,
}

impl HttpLimits {
    /// How long a websocket may stay silent: two and a half ping intervals.
    pub fn silence_limit(&self) -> Duration {
        self.ping_every * 5 / 2
    }
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            header_read_timeout: Duration::from_secs(10),
            ping_every: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            joins_per_minute: 30,
        }
    }
}

/// One of the server's connection slots, held by the connection and by a websocket upgraded
/// from it: the slot is free again when both have ended.
#[derive(Clone, Debug)]
pub struct ConnectionSlot(#[allow(dead_code)] Arc<OwnedSemaphorePermit>);

/// What a connection past the limit is told before it is closed.
const BUSY_BODY: &str = "{\"error\":\"too_many_connections\",\"message\":\"the server has as many \
    connections open as it allows; try again in a few seconds\"}";

/// The HSTS policy of a server serving TLS: a year.
const HSTS: &str = "max-age=31536000";

/// How often connections refused for the limit are logged (with their number).
const BUSY_LOG_EVERY: Duration = Duration::from_secs(10);

/// How long writing the 503 to a connection past the limit may take.
const BUSY_WRITE: Duration = Duration::from_secs(2);

/// Serves `app` on every connection `listener` accepts, within `limits`, until `shutdown` is
/// cancelled; then waits for the HTTP connections in flight (not the websockets) to end.
///
/// `tls` says the listener hands TLS streams: every answer then carries HSTS, so a browser that
/// once reached the server over HTTPS never sends a device token over plain HTTP to it.
pub async fn serve<L>(
    mut listener: L,
    app: Router,
    limits: HttpLimits,
    tls: bool,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
    L::Io: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let tasks = TaskTracker::new();
    // A flood is logged once every few seconds, not once a connection.
    let mut busy_since_log = 0u64;
    let mut last_log: Option<tokio::time::Instant> = None;
    loop {
        let (io, addr) = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.cancelled() => break,
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            metrics.refused("server_full");
            busy_since_log += 1;
            if last_log.is_none_or(|at| at.elapsed() >= BUSY_LOG_EVERY) {
                warn!(
                    max = limits.max_connections,
                    refused = busy_since_log,
                    "connections past the server's limit were answered 503"
                );
                busy_since_log = 0;
                last_log = Some(tokio::time::Instant::now());
            }
            tasks.spawn(answer_busy(io));
            continue;
        };
        let slot = ConnectionSlot(Arc::new(permit));
        let service = app
            .clone()
            .map_request(move |request: Request<Incoming>| {
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(slot.clone());
                request.extensions_mut().insert(ConnectInfo(addr));
                request
            })
            .map_response(move |mut response: axum::response::Response| {
                if tls {
                    response.headers_mut().insert(
                        axum::http::header::STRICT_TRANSPORT_SECURITY,
                        axum::http::HeaderValue::from_static(HSTS),
                    );
                }
                response
            });
        let shutdown = shutdown.clone();
        tasks.spawn(async move {
            let mut builder = Builder::new(TokioExecutor::new()).http1_only();
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let connection = builder.serve_connection_with_upgrades(
                TokioIo::new(io),
                TowerToHyperService::new(service),
            );
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        debug!(%e, "an HTTP connection ended with an error");
                    }
                    return;
                }
                _ = shutdown.cancelled() => connection.as_mut().graceful_shutdown(),
            }
            if let Err(e) = connection.await {
                debug!(%e, "an HTTP connection ended with an error while shutting down");
            }
        });
    }
    drop(listener);
    tasks.close();
    tasks.wait().await;
}

/// When the kernel starts probing an idle TCP connection, and how often after: a phone that
/// vanished without a word is noticed by TCP itself within about two minutes, even on a
/// connection that is not a websocket (which pings of its own, see [`HttpLimits::ping_every`]).
const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);

/// Turns on TCP keepalive for an accepted connection. A failure is logged, not fatal: the
/// websocket pings still find a silent peer.
pub fn keep_alive(stream: &tokio::net::TcpStream) {
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL);
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_keepalive(&keepalive) {
        debug!(%e, "could not turn on TCP keepalive");
    }
}

/// Tells a connection past the limit to come back later, and closes it.
async fn answer_busy<Io: AsyncWrite + Unpin>(mut io: Io) {
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 5\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{BUSY_BODY}",
        BUSY_BODY.len()
    );
    let _ = tokio::time::timeout(BUSY_WRITE, async {
        let _ = io.write_all(response.as_bytes()).await;
        let _ = io.shutdown().await;
    })
    .await;
}
