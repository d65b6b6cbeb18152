//! Test harness: the real `clubsync-server` binary on an ephemeral loopback port with a
//! temporary data directory, and test devices that speak protocol "1" over real websockets
//! through the protocol crate's `ClientSession`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc};
use clubsync_protocol::message::PeerMetadata;
use clubsync_protocol::{ClientAction, ClientSession, DocumentId, Limits, PeerId, StorageId};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The `clubsync-server` binary under test.
///
/// In the server's own tests cargo names it (`CARGO_BIN_EXE_clubsync-server`). The workspace's
/// `clubsync-tests` crate includes this file too (`#[path]`), and cargo builds no binary of a
/// dependency: there the binary is built with `cargo build` on first use, into the target
/// directory that holds the test executable, so a test never runs a stale server.
pub fn server_bin() -> &'static Path {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| match option_env!("CARGO_BIN_EXE_clubsync-server") {
        Some(path) => PathBuf::from(path),
        None => build_workspace_bin("clubsync-server", "clubsync-server"),
    })
}

/// The device CLI `clubsync`, built on first use like [`server_bin`] (for the end-to-end tests
/// of the `clubsync-tests` crate).
pub fn client_bin() -> &'static Path {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| build_workspace_bin("clubsync-client", "clubsync"))
}

/// Builds binary `bin` of workspace package `package` with the profile of the running test
/// executable (`<target>/<profile>/deps/<test>`) and returns `<target>/<profile>/<bin>`.
fn build_workspace_bin(package: &str, bin: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in <target>/<profile>/deps");
    let target_dir = profile_dir.parent().expect("a target directory");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev",
        Some(other) => other,
        None => "dev",
    };
    // Without the variables cargo sets for the running test: build scripts that watch one
    // (ring watches CARGO_MANIFEST_DIR) would otherwise rebuild on every other build.
    let mut cargo = Command::new(env!("CARGO"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_")
            || name.starts_with("CARGO_MANIFEST_")
            || matches!(
                &*name,
                "CARGO_CRATE_NAME" | "CARGO_PRIMARY_PACKAGE" | "CARGO_TARGET_TMPDIR"
            )
        {
            cargo.env_remove(&*name);
        }
    }
    let status = cargo
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--quiet", "-p", package, "--bin", bin])
        .args(["--profile", profile, "--target-dir"])
        .arg(target_dir)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "`cargo build -p {package}` failed");
    let bin = profile_dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "the server binary is missing at {} after building it",
        bin.display()
    );
    bin
}

/// A running server process; killed when dropped.
pub struct ServerProcess {
    pub child: Child,
    pub addr: SocketAddr,
    pub scheme: String,
    /// Demo invite codes by person name ("Coordinator Kim", "Volunteer Lee", ...).
    pub invites: BTreeMap<String, String>,
    pub data_dir: PathBuf,
    pub stdout_rest: mpsc::Receiver<String>,
}

impl ServerProcess {
    /// Starts `clubsync-server --demo` in `data_dir` with extra flags, and waits until it listens.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(server_bin())
            .args(["--demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env("CLUBSYNC_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut addr = None;
        let mut scheme = String::new();
        let mut invites = BTreeMap::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("the server prints its address within 30 s");
            if let Some(rest) = line.strip_prefix("clubsync-server listening on ") {
                let (s, a) = rest.split_once("://").expect("scheme://addr");
                scheme = s.to_owned();
                addr = Some(a.parse().expect("a socket address"));
            }
            for name in [
                "Coordinator Kim",
                "Volunteer Lee",
                "Volunteer Park",
                "Observer Choi",
            ] {
                if let Some(rest) = line.trim_start().strip_prefix(name) {
                    let code = rest.split_whitespace().last().expect("a code").to_owned();
                    invites.insert(name.to_owned(), code);
                }
            }
            if line.starts_with("Stop the server") {
                break;
            }
        }
        Self {
            child,
            addr: addr.expect("an address was printed"),
            scheme,
            invites,
            data_dir: data_dir.to_owned(),
            stdout_rest: rx,
        }
    }

    /// Redeems an invite over `POST /api/join`; returns the JSON answer.
    pub fn join(&self, invite: &str, device_name: &str) -> (u16, serde_json::Value) {
        let body = serde_json::json!({ "invite": invite, "device_name": device_name }).to_string();
        http(
            self.addr,
            "POST",
            "/api/join",
            &[("content-type", "application/json")],
            &body,
        )
    }

    /// Redeems the demo invite of `person` and returns the device token.
    pub fn token_for(&self, person: &str) -> String {
        let (status, body) = self.join(&self.invites[person], person);
        assert_eq!(status, 200, "joining as {person}: {body}");
        body["token"].as_str().expect("a token").to_owned()
    }

    /// Creates another club (in Korea, accounts in KRW) with the admin CLI and returns a
    /// one-time invite code for a coordinator of it.
    pub fn other_club_invite(&self, club: &str) -> String {
        let (ok, out) = admin(
            &self.data_dir,
            &[
                "club",
                "create",
                "--country",
                "KR",
                "--currency",
                "KRW",
                club,
            ],
        );
        assert!(ok, "{out}");
        let (ok, out) = admin(
            &self.data_dir,
            &[
                "invite",
                "--club",
                club,
                "--role",
                "coordinator",
                "--name",
                "Stranger",
            ],
        );
        assert!(ok, "{out}");
        printed_code(&out)
    }

    pub fn ws_url(&self, token: Option<&str>) -> String {
        let scheme = if self.scheme == "https" { "wss" } else { "ws" };
        match token {
            Some(t) => format!("{scheme}://{}/sync?token={t}", self.addr),
            None => format!("{scheme}://{}/sync", self.addr),
        }
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        wait_with_timeout(&mut self.child, Duration::from_secs(30))
    }

    /// Kills the server with SIGKILL, as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_with_timeout(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not exit in time"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The invite code (`XXXX-XXXX-XX`) an admin command printed.
pub fn printed_code(output: &str) -> String {
    output
        .split_whitespace()
        .find(|w| w.len() == 12 && w.as_bytes()[4] == b'-' && w.as_bytes()[9] == b'-')
        .unwrap_or_else(|| panic!("no invite code in {output}"))
        .to_owned()
}

/// Runs an admin subcommand against a data directory; returns (success, stdout + stderr).
pub fn admin(data_dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(server_bin())
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("CLUBSYNC_LOG", "warn")
        .output()
        .expect("the admin command runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A minimal HTTP/1.1 request over a plain socket; returns the status and the JSON body (or
/// the body as a JSON string when it is not JSON).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, serde_json::Value) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status: u16 = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    let json = serde_json::from_str(body).unwrap_or(serde_json::Value::String(body.to_owned()));
    (status, json)
}

/// Like [`http`], but returns the headers (names in lower case) and the body as text: for
/// CSV answers.
pub fn http_text(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, BTreeMap<String, String>, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut request = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

/// What a test device saw besides sync messages.
#[derive(Debug, Default)]
pub struct Seen {
    pub unavailable: Vec<DocumentId>,
    pub closed: Option<String>,
    pub ephemeral: Vec<Vec<u8>>,
}

/// A device: its documents, and a protocol session over a real websocket.
pub struct Device<S> {
    pub docs: BTreeMap<DocumentId, Automerge>,
    peer: PeerId,
    session: ClientSession,
    ws: WebSocketStream<S>,
    pub seen: Seen,
}

/// Connects a device over plain websockets and completes the handshake.
pub async fn connect(
    url: &str,
) -> Result<Device<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>, String> {
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .map_err(describe_ws_error)?;
    Device::handshake(ws).await
}

/// The status and body of a refused upgrade, as text.
pub fn describe_ws_error(e: tokio_tungstenite::tungstenite::Error) -> String {
    match e {
        tokio_tungstenite::tungstenite::Error::Http(response) => {
            let status = response.status().as_u16();
            let body = response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            format!("{status} {body}")
        }
        other => other.to_string(),
    }
}

/// Connects over a given stream (TLS) to a URL.
pub async fn connect_on<S>(stream: S, url: &str) -> Result<Device<S>, String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let request = url.into_client_request().map_err(|e| e.to_string())?;
    let (ws, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .map_err(describe_ws_error)?;
    Device::handshake(ws).await
}

impl<S: AsyncRead + AsyncWrite + Unpin> Device<S> {
    async fn handshake(mut ws: WebSocketStream<S>) -> Result<Self, String> {
        let metadata = PeerMetadata {
            storage_id: Some(StorageId::random()),
            is_ephemeral: false,
        };
        let peer = PeerId::random();
        let (mut session, join) = ClientSession::connect(peer.clone(), metadata, Limits::default());
        ws.send(WsMessage::Binary(join.into()))
            .await
            .map_err(|e| e.to_string())?;
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .map_err(|_| "no answer to join".to_owned())?;
        match frame {
            Some(Ok(WsMessage::Binary(bytes))) => {
                let actions = session.receive_frame(&bytes);
                if !matches!(actions.first(), Some(ClientAction::Joined { .. })) {
                    return Err(format!("unexpected answer to join: {actions:?}"));
                }
            }
            other => return Err(format!("unexpected answer to join: {other:?}")),
        }
        Ok(Self {
            docs: BTreeMap::new(),
            peer,
            session,
            ws,
            seen: Seen::default(),
        })
    }

    /// The heads the server last said it has for a document: committed there, by the
    /// durability rule.
    pub fn server_heads(&self, doc: DocumentId) -> Option<Vec<automerge::ChangeHash>> {
        self.session.server_heads(&doc).map(<[_]>::to_vec)
    }

    /// True when the server has said it holds everything this device has of the document.
    pub fn all_saved_on_server(&self, doc: DocumentId) -> bool {
        let Some(local) = self.docs.get(&doc) else {
            return false;
        };
        let Some(server) = self.server_heads(doc) else {
            return false;
        };
        let mut a = local.get_heads();
        let mut b = server;
        a.sort();
        b.sort();
        a == b
    }

    /// The server's peer id, as it answered the join.
    pub fn server_peer(&self) -> PeerId {
        self.session.server().cloned().expect("joined")
    }

    /// The peer id this device joined with.
    pub fn peer_id(&self) -> &PeerId {
        &self.peer
    }

    /// A local edit: one change putting `key = value` at the root.
    pub fn edit(&mut self, doc: DocumentId, key: &str, value: i64) {
        let d = self.docs.entry(doc).or_default();
        let mut tx = d.transaction();
        tx.put(ROOT, key, value).expect("put");
        tx.commit();
    }

    /// Wants a document it does not have.
    pub fn want(&mut self, doc: DocumentId) {
        self.docs.entry(doc).or_default();
    }

    pub fn value(&self, doc: DocumentId, key: &str) -> Option<i64> {
        let d = self.docs.get(&doc)?;
        match d.get(ROOT, key).ok()?? {
            (automerge::Value::Scalar(s), _) => s.as_i64(),
            _ => None,
        }
    }

    /// Sends a raw websocket message (for bad-input tests).
    pub async fn send_raw(&mut self, message: WsMessage) {
        let _ = self.ws.send(message).await;
    }

    /// Offers every document, then handles frames until none arrives for `quiet`, the
    /// connection closes, or `limit` passes.
    pub async fn sync(&mut self, quiet: Duration, limit: Duration) {
        let ids: Vec<DocumentId> = self.docs.keys().copied().collect();
        for id in ids {
            let actions = self.session.sync_document(id, &self.docs[&id]);
            self.handle(actions).await;
        }
        let deadline = tokio::time::Instant::now() + limit;
        while self.seen.closed.is_none() && tokio::time::Instant::now() < deadline {
            match tokio::time::timeout(quiet, self.ws.next()).await {
                Err(_) => break,
                Ok(Some(Ok(WsMessage::Binary(bytes)))) => {
                    let actions = self.session.receive_frame(&bytes);
                    self.handle(actions).await;
                }
                Ok(Some(Ok(WsMessage::Close(frame)))) => {
                    self.seen.closed = Some(
                        frame
                            .map(|f| format!("{} {}", u16::from(f.code), f.reason))
                            .unwrap_or_default(),
                    );
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(e))) => self.seen.closed = Some(e.to_string()),
                Ok(None) => self.seen.closed = Some("closed".into()),
            }
        }
    }

    async fn handle(&mut self, actions: Vec<ClientAction>) {
        let mut work: std::collections::VecDeque<ClientAction> = actions.into();
        while let Some(action) = work.pop_front() {
            match action {
                ClientAction::Send(frame) => {
                    let _ = self.ws.send(WsMessage::Binary(frame.into())).await;
                }
                ClientAction::Sync {
                    document_id,
                    message,
                } => {
                    let d = self.docs.entry(document_id).or_default();
                    match self.session.apply(document_id, message, d) {
                        Ok(_) => work.extend(self.session.committed(document_id, d)),
                        Err(e) => self.seen.closed = Some(e.to_string()),
                    }
                }
                ClientAction::Unavailable(id) => self.seen.unavailable.push(id),
                ClientAction::Ephemeral(e) => self.seen.ephemeral.push(e.data),
                ClientAction::Close(e) => self.seen.closed = Some(e.to_string()),
                ClientAction::Joined { .. } | ClientAction::Report(_) => {}
            }
        }
    }

    /// Sends an ephemeral message about a document.
    pub async fn ephemeral(&mut self, doc: DocumentId, data: Vec<u8>) {
        if let Some(frame) = self.session.ephemeral_frame(doc, "session", 1, data) {
            let _ = self.ws.send(WsMessage::Binary(frame.into())).await;
        }
    }
}

pub const QUIET: Duration = Duration::from_millis(400);
pub const LIMIT: Duration = Duration::from_secs(20);

/// Real club records, written through `clubsync-core` as a device would.
pub mod records {
    use automerge::Automerge;
    use clubsync_core::collection::{DonationSource, NewCollection, NewDonation, StreetCollection};
    use clubsync_core::currency::Currency;
    use clubsync_core::document::TypedDocument;
    use clubsync_core::ids::{DonationId, MemberId};
    use clubsync_core::money::Money;
    use clubsync_core::timestamp::Timestamp;
    use clubsync_protocol::DocumentId;

    fn gbp() -> Currency {
        Currency::new("GBP").expect("GBP is a currency")
    }

    /// A new street collection document.
    pub fn new_collection(title: &str) -> Automerge {
        let new = NewCollection {
            club: DocumentId::random(),
            title: title.into(),
            currency: gbp(),
        };
        StreetCollection::create(None, &new, Timestamp(1_764_000_000_000))
            .expect("a valid collection")
            .automerge()
            .clone()
    }

    /// Records a card donation of `pence` in a collection document.
    pub fn record_donation(doc: &mut Automerge, pence: i64) {
        let mut collection =
            StreetCollection::from_automerge(doc.clone()).expect("a collection document");
        let at = Timestamp(1_764_000_000_000 + pence);
        collection
            .record_donation(&NewDonation {
                id: DonationId::new_v7(at),
                source: DonationSource::Card,
                amount: Money::new(pence, gbp()),
                at,
                collector: MemberId::new_v7(at),
                device: "test".into(),
                note: None,
            })
            .expect("a valid donation");
        *doc = collection.automerge().clone();
    }

    /// The amount of every donation of a collection document.
    pub fn amounts(doc: &Automerge) -> std::collections::BTreeSet<i64> {
        let collection =
            StreetCollection::from_automerge(doc.clone()).expect("a collection document");
        let donations = collection.donations().expect("donations read");
        donations.iter().map(|d| d.amount.minor).collect()
    }

    /// (number of donations, total in pence) of a collection document.
    pub fn donations(doc: &Automerge) -> (usize, i64) {
        let collection =
            StreetCollection::from_automerge(doc.clone()).expect("a collection document");
        let donations = collection.donations().expect("donations read");
        (
            donations.len(),
            donations.iter().map(|d| d.amount.minor).sum(),
        )
    }
}

/// TLS for tests: a client that trusts exactly the server's self-signed certificate.
pub mod tls {
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
        let name = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
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
}
