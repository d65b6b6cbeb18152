//! Starting and stopping the server: open the stores, bind, serve with or without TLS, and on
//! SIGTERM or Ctrl-C shut down gracefully: stop accepting, close every websocket with "going
//! away", let every document commit and unload, then exit.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clubsync_protocol::{Limits, StorageId};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::documents::DocumentHub;
use crate::http_connections::{self, HttpLimits};
use crate::identity::IdentityStore;
use crate::metrics::Metrics;
use crate::routes;
use crate::state::AppState;
use crate::storage::SharedStore;
use crate::tls;

/// How long shutdown waits for connections and documents before giving up.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// How the server speaks TLS.
#[derive(Clone, Debug)]
pub enum TlsMode {
    /// Plain HTTP (loopback, or `--insecure`).
    Off,
    /// Certificate chain and key from PEM files.
    Files {
        /// The certificate chain.
        cert: PathBuf,
        /// The private key.
        key: PathBuf,
    },
    /// A certificate made at start for these host names; its PEM is written to the data dir.
    SelfSigned {
        /// Host names and addresses the certificate is for.
        hosts: Vec<String>,
    },
}

/// Everything `serve` needs, resolved from flags and environment.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Where the databases live.
    pub data_dir: PathBuf,
    /// The address to listen on.
    pub listen: SocketAddr,
    /// TLS or not.
    pub tls: TlsMode,
    /// How long an unused document stays in memory.
    pub idle_unload: Duration,
    /// What one connection may send.
    pub limits: Limits,
    /// The largest a stored document may grow, in bytes.
    pub max_document_bytes: u64,
    /// New documents one device may create in 24 hours.
    pub max_new_documents_per_day: u64,
    /// Messages one connection may send per second (sustained; twice that in a burst).
    pub messages_per_second: u32,
    /// The built phone app (`web/dist`), served under `/app/`.
    pub web_dir: PathBuf,
    /// Connections open at once, and how long one may take to send a request's headers.
    pub http: HttpLimits,
    /// The token `/metrics` asks for; without one it answers loopback clients only.
    pub metrics_token: Option<String>,
    /// How much may wait for one connection before it counts as fallen behind.
    pub outbox: crate::documents::OutboxLimits,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
}

/// The running server's parts, for `serve` and tests.
pub struct Server {
    /// Shared state.
    pub state: AppState,
}

impl Server {
    /// Builds the server around opened stores.
    pub fn new(
        identity: Arc<IdentityStore>,
        storage: Arc<SharedStore>,
        storage_id: StorageId,
        config: &ServeConfig,
    ) -> Self {
        let shutdown = CancellationToken::new();
        let metrics = Arc::new(Metrics::default());
        let hub = DocumentHub::new(
            storage,
            identity.clone(),
            metrics.clone(),
            config.idle_unload,
            config.max_document_bytes,
            config.max_new_documents_per_day,
            shutdown.clone(),
        );
        let mut state = AppState::new(
            identity,
            hub,
            metrics,
            config.limits.clone(),
            config.messages_per_second,
            storage_id,
            shutdown,
        );
        state.http = config.http;
        state.outbox = config.outbox;
        state.metrics_token = config
            .metrics_token
            .clone()
            .filter(|t| !t.trim().is_empty());
        state.joins = Arc::new(crate::join_rate::JoinRate::new(
            config.http.joins_per_minute,
        ));
        Self { state }
    }

    /// Serves until `stop` completes (a signal), then shuts down gracefully.
    /// `on_listening` is called with the bound address and scheme once the socket is open.
    pub async fn run(
        self,
        config: &ServeConfig,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
        on_listening: impl FnOnce(SocketAddr, &'static str),
    ) -> Result<(), ServeError> {
        let tcp = TcpListener::bind(config.listen)
            .await
            .map_err(|source| ServeError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = tcp.local_addr().map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })?;
        let state = self.state.clone();
        let shutdown = state.shutdown.clone();
        tokio::spawn(watch_revocations(state.clone()));
        let app = routes::app(state.clone(), config.web_dir.clone());
        let graceful = {
            let shutdown = shutdown.clone();
            async move {
                tokio::select! {
                    _ = stop => {}
                    _ = shutdown.cancelled() => {}
                }
                info!("shutting down: closing connections");
                shutdown.cancel();
            }
        };
        let tls_config = match &config.tls {
            TlsMode::Off => None,
            TlsMode::Files { cert, key } => Some(tls::from_pem_files(cert, key)?),
            TlsMode::SelfSigned { hosts } => {
                let (cert, key, made) = tls::self_signed_in(&config.data_dir, hosts)?;
                let path = config.data_dir.join(tls::SELF_SIGNED_CERT);
                let fingerprint = tls::fingerprint(&cert)?;
                info!(
                    path = %path.display(),
                    sha256 = %fingerprint,
                    "{} self-signed certificate; devices pin it",
                    if made { "made a new" } else { "reusing the" }
                );
                Some(tls::from_pem(&cert, &key)?)
            }
        };
        tokio::spawn(graceful);
        let metrics = state.metrics.clone();
        match tls_config {
            None => {
                on_listening(addr, "http");
                use axum::serve::ListenerExt;
                let tcp = tcp.tap_io(|stream: &mut tokio::net::TcpStream| {
                    http_connections::keep_alive(stream)
                });
                http_connections::serve(tcp, app, config.http, false, metrics, shutdown.clone())
                    .await;
            }
            Some(tls) => {
                let listener = tls::TlsListener::new(tcp, tls)
                    .map_err(|source| ServeError::Bind { addr, source })?;
                on_listening(addr, "https");
                http_connections::serve(
                    listener,
                    app,
                    config.http,
                    true,
                    metrics,
                    shutdown.clone(),
                )
                .await;
            }
        }
        // Websockets saw the token and are closing; wait for them and for every document.
        shutdown.cancel();
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            state.live.wait_all_closed().await;
            state.hub.drain().await;
        })
        .await;
        if drained.is_err() {
            warn!("shutdown grace period over; exiting with work still open");
        } else {
            info!("every change is committed; bye");
        }
        Ok(())
    }
}

/// How often the server looks for devices revoked by the admin CLI or API.
const REVOCATION_POLL: Duration = Duration::from_millis(250);

/// Closes the live connections of every device revoked since the server started, within
/// [`REVOCATION_POLL`]. Polling the database also catches revocations made by the admin CLI
/// in another process.
async fn watch_revocations(state: AppState) {
    let mut since = crate::clock::now_ms();
    let mut tick = tokio::time::interval(REVOCATION_POLL);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = state.shutdown.cancelled() => return,
        }
        let identity = state.identity.clone();
        let from = since;
        let revoked = tokio::task::spawn_blocking(move || identity.revoked_since(from)).await;
        let Ok(Ok(revoked)) = revoked else {
            warn!("could not read revocations; will retry");
            continue;
        };
        for (device, at) in revoked {
            since = since.max(at.0);
            let closed = state
                .live
                .refuse_device(device, crate::state::REVOKED_REASON);
            if closed > 0 {
                info!(%device, closed, "closed the connections of a revoked device");
            }
        }
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
