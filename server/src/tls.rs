//! TLS for the server: certificates from files, or a self-signed one for a club-room server on a
//! LAN, and a listener that hands axum connections whose handshake is already done.
//!
//! Handshakes run in their own tasks with a timeout, so a slow or silent client never holds up
//! the accept loop.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tracing::debug;

/// How long a client has to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The certificate file could not be read or holds no certificate.
    #[error("cannot read the certificate chain from {path}: {detail}")]
    Certificate {
        /// The file.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// The key file could not be read or holds no private key.
    #[error("cannot read the private key from {path}: {detail}")]
    Key {
        /// The file.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// rustls refused the certificate and key (for example, they do not match).
    #[error("the certificate and key cannot be used together: {0}")]
    Config(String),
    /// Making a self-signed certificate failed.
    #[error("cannot make a self-signed certificate: {0}")]
    SelfSigned(String),
}

/// A server configuration from PEM files: the certificate chain and its private key.
pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|iter| iter.collect::<Result<_, _>>())
        .map_err(|e| TlsError::Certificate {
            path: cert.display().to_string(),
            detail: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::Certificate {
            path: cert.display().to_string(),
            detail: "no certificate in the file".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
        path: key.display().to_string(),
        detail: e.to_string(),
    })?;
    config(chain, key)
}

/// A self-signed certificate for the given host names, as PEM (certificate, key).
pub fn self_signed_pem(hosts: &[String]) -> Result<(String, String), TlsError> {
    let certified = rcgen::generate_simple_self_signed(hosts.to_vec())
        .map_err(|e| TlsError::SelfSigned(e.to_string()))?;
    Ok((certified.cert.pem(), certified.signing_key.serialize_pem()))
}

/// The file names of the `--self-signed` certificate and its key in the data directory.
pub const SELF_SIGNED_CERT: &str = "self-signed-cert.pem";
/// The key (private: `0600`).
pub const SELF_SIGNED_KEY: &str = "self-signed-key.pem";

/// The `--self-signed` certificate and key of `data_dir`: the ones made at an earlier start if
/// both files are there (so every device that pinned the certificate keeps working after a
/// restart), else new ones for `hosts`, written there. Returns the PEM texts and whether they
/// were made now.
pub fn self_signed_in(
    data_dir: &std::path::Path,
    hosts: &[String],
) -> Result<(String, String, bool), TlsError> {
    let (cert_path, key_path) = (
        data_dir.join(SELF_SIGNED_CERT),
        data_dir.join(SELF_SIGNED_KEY),
    );
    if cert_path.exists() && key_path.exists() {
        let read = |path: &std::path::Path| {
            std::fs::read_to_string(path).map_err(|e| TlsError::Certificate {
                path: path.display().to_string(),
                detail: e.to_string(),
            })
        };
        return Ok((read(&cert_path)?, read(&key_path)?, false));
    }
    let (cert, key) = self_signed_pem(hosts)?;
    let write = |path: &std::path::Path, text: &str| {
        std::fs::write(path, text)
            .map_err(|e| TlsError::SelfSigned(format!("cannot write {}: {e}", path.display())))
    };
    // The key first: a certificate without its key would be reused alone at the next start.
    write(&key_path, &key)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| TlsError::SelfSigned(format!("cannot make the key private: {e}")))?;
    }
    write(&cert_path, &cert)?;
    Ok((cert, key, true))
}

/// The SHA-256 fingerprint of the first certificate in `cert_pem`, as devices pin it
/// (`AB:CD:...`, upper-case hex pairs).
pub fn fingerprint(cert_pem: &str) -> Result<String, TlsError> {
    use sha2::Digest;
    let cert = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .next()
        .ok_or_else(|| TlsError::Certificate {
            path: "(self-signed)".into(),
            detail: "no certificate in the PEM".into(),
        })?
        .map_err(|e| TlsError::Certificate {
            path: "(self-signed)".into(),
            detail: e.to_string(),
        })?;
    let digest = sha2::Sha256::digest(cert.as_ref());
    Ok(digest
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":"))
}

/// A server configuration from PEM text.
pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Arc<ServerConfig>, TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Certificate {
            path: "(generated)".into(),
            detail: e.to_string(),
        })?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| TlsError::Key {
        path: "(generated)".into(),
        detail: e.to_string(),
    })?;
    config(chain, key)
}

fn config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// TLS handshakes under way at once.
const MAX_HANDSHAKES: usize = 1024;

/// A listener that yields TLS streams whose handshake has completed.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Accepts on `tcp` and runs each handshake in its own task.
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (tx, ready) = mpsc::channel(64);
        // Handshakes are not yet connections (the limit on those is counted after them), so they
        // have a limit of their own: sockets that open and never finish a handshake hold one
        // each for HANDSHAKE_TIMEOUT at most, and past the limit a new one is closed at once.
        let handshakes = Arc::new(tokio::sync::Semaphore::new(MAX_HANDSHAKES));
        tokio::spawn(async move {
            loop {
                let (stream, addr) = match tcp.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        debug!(%e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if tx.is_closed() {
                    break;
                }
                crate::http_connections::keep_alive(&stream);
                let Ok(permit) = handshakes.clone().try_acquire_owned() else {
                    debug!(%addr, "too many TLS handshakes at once; closed");
                    continue;
                };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let _permit = permit;
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, addr)).await;
                        }
                        Ok(Err(e)) => debug!(%addr, %e, "TLS handshake failed"),
                        Err(_) => debug!(%addr, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Self { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            // The accept task only ends when this listener is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}
