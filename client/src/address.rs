//! Where the server is and how to reach it: the address a user types, the certificate to trust,
//! and the byte stream (plain TCP or rustls) that HTTP and websockets run over.
//!
//! A user types what the server printed (`https://clubs.example.org`, `127.0.0.1:3030`,
//! `wss://…/sync`): [`ServerAddress::parse`] accepts all of them. TLS trusts the Mozilla roots
//! (webpki-roots) unless a certificate file is given, in which case only that certificate (a
//! server's self-signed certificate: pinning) or CA is trusted.

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::error::ClientError;

/// How long opening a connection (TCP and TLS) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// A byte stream to the server: TCP, with or without TLS.
pub trait ServerStream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> ServerStream for T {}

/// A boxed [`ServerStream`].
pub type BoxedStream = Pin<Box<dyn ServerStream>>;

/// A server's address: scheme, host and port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerAddress {
    tls: bool,
    host: String,
    port: u16,
}

impl ServerAddress {
    /// Reads an address as a user types it: `https://host[:port]`, `http://…`, `wss://…`, `ws://…`
    /// (any path is ignored), or `host:port`, which means TLS unless the host is a loopback
    /// address.
    pub fn parse(text: &str) -> Result<Self, ClientError> {
        let bad = |detail: &str| ClientError::Address {
            address: text.to_owned(),
            detail: detail.to_owned(),
        };
        let trimmed = text.trim();
        let (tls, rest) = if let Some(rest) = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("wss://"))
        {
            (Some(true), rest)
        } else if let Some(rest) = trimmed
            .strip_prefix("http://")
            .or_else(|| trimmed.strip_prefix("ws://"))
        {
            (Some(false), rest)
        } else if trimmed.contains("://") {
            return Err(bad("use https://, http://, wss:// or ws://"));
        } else {
            (None, trimmed)
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.is_empty() {
            return Err(bad("no host name"));
        }
        let (host, port) =
            split_host_port(authority).ok_or_else(|| bad("the port is not a number"))?;
        if host.is_empty() {
            return Err(bad("no host name"));
        }
        let loopback = host == "localhost"
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        let tls = tls.unwrap_or(!loopback);
        let port = port.unwrap_or(if tls { 443 } else { 80 });
        Ok(Self {
            tls,
            host: host.to_owned(),
            port,
        })
    }

    /// True for `https`/`wss`.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The `host:port` part.
    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The link that opens the club's app on a phone with an invite code filled in.
    pub fn join_link(&self, code: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}/app/#join={code}", self.authority())
    }

    /// The websocket URL of the sync endpoint.
    pub fn sync_url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}/sync", self.authority())
    }

    /// Opens a byte stream to the server, with TLS when the address says so.
    pub async fn open(&self, trust: &Trust) -> Result<BoxedStream, ClientError> {
        let unreachable = |detail: String| ClientError::Unreachable {
            address: self.to_string(),
            detail,
        };
        let host = self.host.trim_matches(['[', ']']);
        let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host, self.port)))
            .await
            .map_err(|_| unreachable(format!("no answer within {CONNECT_TIMEOUT:?}")))?
            .map_err(|e| unreachable(e.to_string()))?;
        let _ = tcp.set_nodelay(true);
        if !self.tls {
            return Ok(Box::pin(tcp));
        }
        let name = ServerName::try_from(host.to_owned())
            .map_err(|e| unreachable(format!("not a valid server name: {e}")))?;
        let tls = tokio::time::timeout(
            CONNECT_TIMEOUT,
            TlsConnector::from(trust.config.clone()).connect(name, tcp),
        )
        .await
        .map_err(|_| unreachable(format!("no TLS handshake within {CONNECT_TIMEOUT:?}")))?
        .map_err(|e| unreachable(format!("TLS failed: {e}")))?;
        Ok(Box::pin(tls))
    }
}

impl std::fmt::Display for ServerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "https" } else { "http" };
        write!(f, "{scheme}://{}", self.authority())
    }
}

fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    // An IPv6 literal keeps its brackets: [::1]:3030.
    if let Some(end) = authority.find(']') {
        let (host, rest) = authority.split_at(end + 1);
        return match rest.strip_prefix(':') {
            Some(port) => Some((host, Some(port.parse().ok()?))),
            None if rest.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host, Some(port.parse().ok()?))),
        None => Some((authority, None)),
    }
}

/// The certificates a device trusts for TLS.
#[derive(Clone)]
pub struct Trust {
    config: Arc<rustls::ClientConfig>,
    /// The PEM text of a pinned certificate, if one was given (kept with the membership).
    pinned_pem: Option<String>,
}

impl Trust {
    /// The public web's certificate authorities (Mozilla's list, from webpki-roots).
    pub fn public_roots() -> Result<Self, ClientError> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        Ok(Self {
            config: client_config(roots)?,
            pinned_pem: None,
        })
    }

    /// Only the certificates in this PEM text: a server's self-signed certificate (as
    /// `clubsync-server --self-signed` writes it) or a private CA.
    pub fn pinned(pem: &str, source: &str) -> Result<Self, ClientError> {
        let bad = |detail: String| ClientError::Certificate {
            path: source.to_owned(),
            detail,
        };
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| bad(format!("not a PEM certificate: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| bad(format!("cannot be trusted: {e}")))?;
        }
        if roots.is_empty() {
            return Err(bad(
                "holds no certificate (expected -----BEGIN CERTIFICATE-----)".into(),
            ));
        }
        Ok(Self {
            config: client_config(roots)?,
            pinned_pem: Some(pem.to_owned()),
        })
    }

    /// Reads a PEM certificate file to pin.
    pub fn from_file(path: &Path) -> Result<Self, ClientError> {
        let pem = std::fs::read_to_string(path).map_err(|e| ClientError::Certificate {
            path: path.display().to_string(),
            detail: e.to_string(),
        })?;
        Self::pinned(&pem, &path.display().to_string())
    }

    /// The pinned certificate's PEM text, if this trust is a pin.
    pub fn pinned_pem(&self) -> Option<&str> {
        self.pinned_pem.as_deref()
    }
}

fn client_config(roots: rustls::RootCertStore) -> Result<Arc<rustls::ClientConfig>, ClientError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Certificate {
            path: "(TLS settings)".into(),
            detail: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_as_users_type_them() {
        let cases = [
            (
                "https://clubs.example.org",
                "https://clubs.example.org:443",
                "wss://clubs.example.org:443/sync",
            ),
            (
                "clubs.example.org:8443",
                "https://clubs.example.org:8443",
                "wss://clubs.example.org:8443/sync",
            ),
            (
                "127.0.0.1:3030",
                "http://127.0.0.1:3030",
                "ws://127.0.0.1:3030/sync",
            ),
            (
                "localhost:3030",
                "http://localhost:3030",
                "ws://localhost:3030/sync",
            ),
            ("wss://h:1/sync?token=x", "https://h:1", "wss://h:1/sync"),
            (
                "http://[::1]:3030/",
                "http://[::1]:3030",
                "ws://[::1]:3030/sync",
            ),
            (
                "https://127.0.0.1:3030",
                "https://127.0.0.1:3030",
                "wss://127.0.0.1:3030/sync",
            ),
        ];
        for (typed, shown, sync) in cases {
            let address = ServerAddress::parse(typed).expect(typed);
            assert_eq!(address.to_string(), shown, "{typed}");
            assert_eq!(address.sync_url(), sync, "{typed}");
        }
    }

    #[test]
    fn bad_addresses_say_what_is_wrong() {
        for (typed, problem) in [
            ("ftp://x", "use https://"),
            ("https://", "no host"),
            ("host:port", "port is not a number"),
            ("", "no host"),
        ] {
            let error = ServerAddress::parse(typed).expect_err(typed).to_string();
            assert!(error.contains(problem), "{typed}: {error}");
        }
    }

    #[test]
    fn a_file_without_a_certificate_is_refused_by_name() {
        let error = Trust::pinned("hello", "cert.pem")
            .err()
            .expect("refused")
            .to_string();
        assert!(
            error.contains("cert.pem") && error.contains("no certificate"),
            "{error}"
        );
    }
}
