//! TLS for tests: a client that trusts exactly the server's self-signed certificate.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Opens a TLS stream to the server, trusting (pinning) the PEM certificate at `cert`.
pub async fn connect(addr: SocketAddr, cert: &Path) -> Result<TlsStream<TcpStream>, String> {
    connect_as(addr, cert, "localhost").await
}

/// The same, asking for the server by `name` (as a phone that dials `https://name/` does): the
/// handshake fails unless the certificate names it.
pub async fn connect_as(
    addr: SocketAddr,
    cert: &Path,
    name: &str,
) -> Result<TlsStream<TcpStream>, String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(cert).map_err(|e| e.to_string())? {
        roots
            .add(c.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let name = ServerName::try_from(name.to_owned()).map_err(|e| e.to_string())?;
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())
}

/// `POST /api/join` over TLS; returns the status and JSON body.
pub async fn join(addr: SocketAddr, cert: &Path, invite: &str) -> (u16, serde_json::Value) {
    let mut stream = connect(addr, cert).await.expect("TLS connects");
    let body = serde_json::json!({ "invite": invite, "device_name": "tls test" }).to_string();
    let request = format!(
        "POST /api/join HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or_default())
}
