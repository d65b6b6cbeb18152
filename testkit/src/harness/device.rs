//! A protocol test device: documents in memory and the protocol crate's `ClientSession` over a
//! real websocket, for tests that watch the wire (what the server sends, when, and why it
//! closes).

use std::collections::BTreeMap;
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
