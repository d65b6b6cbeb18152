//! One simulated device: a websocket to the server, a protocol "1" `ClientSession`, and the one
//! document it works on.
//!
//! The device carries out the session's actions as a real client does: it applies every sync
//! message to its document, commits (in memory: a bench device has no store) and answers.
//! Anything unexpected from the server (a close, an `error`, `doc-unavailable`) is an error:
//! in a bench it means the numbers would be wrong.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use automerge::{Automerge, ChangeHash, ReadDoc};
use clubsync_protocol::message::PeerMetadata;
use clubsync_protocol::{ClientAction, ClientSession, DocumentId, Limits, PeerId, StorageId};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long the server may take to answer the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// What one frame from the server brought.
pub struct Frame {
    /// When it was read from the socket, before decoding.
    pub at: Instant,
    /// The heads the server announced in it (empty for frames that are not sync messages).
    pub server_heads: Vec<ChangeHash>,
}

/// A simulated device with one document.
pub struct Device {
    session: ClientSession,
    ws: Ws,
    /// The document it syncs, once opened.
    doc_id: Option<DocumentId>,
    /// Its copy of that document.
    pub doc: Automerge,
    /// Frames the session produced that the socket has not taken yet.
    outgoing: VecDeque<Vec<u8>>,
}

impl Device {
    /// Connects with a device token and completes the handshake (`join`, `peer`).
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let (mut ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .context("the websocket upgrade failed")?;
        let metadata = PeerMetadata {
            storage_id: Some(StorageId::random()),
            is_ephemeral: false,
        };
        let (mut session, join) =
            ClientSession::connect(PeerId::random(), metadata, Limits::default());
        ws.send(WsMessage::Binary(join.into()))
            .await
            .context("cannot send join")?;
        let answer = tokio::time::timeout(HANDSHAKE_TIMEOUT, ws.next())
            .await
            .map_err(|_| anyhow!("no answer to join within {HANDSHAKE_TIMEOUT:?}"))?;
        match answer {
            Some(Ok(WsMessage::Binary(bytes))) => {
                let actions = session.receive_frame(&bytes);
                if !matches!(actions.first(), Some(ClientAction::Joined { .. })) {
                    bail!("unexpected answer to join: {actions:?}");
                }
            }
            other => bail!("unexpected answer to join: {other:?}"),
        }
        Ok(Self {
            session,
            ws,
            doc_id: None,
            doc: Automerge::new(),
            outgoing: VecDeque::new(),
        })
    }

    /// Connects, asks for a document it does not have yet, and waits (up to two minutes) until
    /// it holds the server's copy: how every scenario brings a device up.
    pub async fn join_and_fetch(url: &str, doc_id: DocumentId) -> anyhow::Result<Self> {
        let mut device = Self::connect(url).await?;
        device.open(doc_id, Automerge::new()).await?;
        device
            .until(std::time::Duration::from_secs(120), Device::in_sync)
            .await?;
        Ok(device)
    }

    /// Starts syncing a document: `doc` is what the device has of it (empty to ask for it).
    pub async fn open(&mut self, doc_id: DocumentId, doc: Automerge) -> anyhow::Result<()> {
        self.doc_id = Some(doc_id);
        self.doc = doc;
        self.offer().await
    }

    /// Offers the document to the server: call after every local change.
    pub async fn offer(&mut self) -> anyhow::Result<()> {
        let id = self.doc_id.context("no document is open")?;
        let actions = self.session.sync_document(id, &self.doc);
        self.carry_out(actions)?;
        self.flush().await
    }

    /// Sends the frames waiting to go, then reads one frame from the server and carries out
    /// what it asks. The frames it answers with wait until the next call (or [`Device::flush`]).
    ///
    /// Cancel-safe, so it can race other futures in `select!`: a frame is taken off the queue
    /// only once the socket has it, and between reading a frame and returning there is no
    /// await.
    pub async fn next(&mut self) -> anyhow::Result<Frame> {
        self.flush().await?;
        loop {
            let message = self
                .ws
                .next()
                .await
                .context("the server closed the connection")?
                .context("the websocket failed")?;
            let at = Instant::now();
            match message {
                WsMessage::Binary(bytes) => {
                    let actions = self.session.receive_frame(&bytes);
                    let server_heads = actions
                        .iter()
                        .find_map(|a| match a {
                            ClientAction::Sync { message, .. } => Some(message.heads.clone()),
                            _ => None,
                        })
                        .unwrap_or_default();
                    self.carry_out(actions)?;
                    return Ok(Frame { at, server_heads });
                }
                WsMessage::Close(frame) => bail!("the server closed the connection: {frame:?}"),
                _ => {}
            }
        }
    }

    /// Sends every frame waiting to go.
    pub async fn flush(&mut self) -> anyhow::Result<()> {
        while let Some(frame) = self.outgoing.front() {
            // `feed` hands the frame to the socket in the poll that completes it, and the
            // frame leaves the queue right after, with no await in between.
            self.ws
                .feed(WsMessage::Binary(frame.clone().into()))
                .await
                .context("cannot send a frame")?;
            self.outgoing.pop_front();
        }
        self.ws.flush().await.context("cannot send a frame")
    }

    /// Reads frames until `done` holds, or fails after `limit`.
    pub async fn until(
        &mut self,
        limit: Duration,
        done: impl Fn(&Self) -> bool,
    ) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + limit;
        while !done(self) {
            tokio::time::timeout_at(deadline, self.next())
                .await
                .map_err(|_| anyhow!("not done within {limit:?}"))??;
        }
        Ok(())
    }

    /// The document it syncs, once opened.
    pub fn doc_id(&self) -> Option<DocumentId> {
        self.doc_id
    }

    /// The heads the server last announced for the document.
    pub fn server_heads(&self) -> Vec<ChangeHash> {
        self.doc_id
            .and_then(|id| self.session.server_heads(&id))
            .map(<[ChangeHash]>::to_vec)
            .unwrap_or_default()
    }

    /// True when the device has the change.
    pub fn has(&self, hash: &ChangeHash) -> bool {
        self.doc.get_missing_deps(&[*hash]).is_empty()
    }

    /// True when the server's last announced heads include the change or a descendant of it:
    /// the server has committed it.
    pub fn server_has(&self, hash: &ChangeHash) -> bool {
        let Some(heads) = self.doc_id.and_then(|id| self.session.server_heads(&id)) else {
            return false;
        };
        if heads.contains(hash) {
            return true;
        }
        // A descendant: every server head is here, and the change is not among the changes
        // that came after them.
        self.doc.get_missing_deps(heads).is_empty()
            && !self
                .doc
                .get_changes_meta(heads)
                .iter()
                .any(|c| c.hash == *hash)
            && self.has(hash)
    }

    /// True when the device holds something of the document and the server has announced the
    /// same heads: both sides have everything.
    pub fn in_sync(&self) -> bool {
        let heads = self.doc.get_heads();
        !heads.is_empty()
            && self
                .doc_id
                .and_then(|id| self.session.server_heads(&id))
                .is_some_and(|server| {
                    let mut server = server.to_vec();
                    server.sort_unstable();
                    server == heads
                })
    }

    /// Closes this connection and opens a new one with the same document: both sides start
    /// their sync afresh, so the server announces its heads again. For an exchange that went
    /// quiet before the server's heads included a change (see the `commit` scenario).
    pub async fn reconnect(self, url: &str) -> anyhow::Result<Self> {
        let id = self.doc_id.context("no document is open")?;
        let doc = self.doc.clone();
        // Closed first: its token may already hold the most connections the server allows, and
        // the server may take a moment to count the old one out.
        self.close().await;
        let mut attempt = 0;
        let mut fresh = loop {
            match Self::connect(url).await {
                Ok(device) => break device,
                Err(e) if attempt >= 20 => return Err(e.context("reconnecting")),
                Err(_) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        fresh.open(id, doc).await?;
        Ok(fresh)
    }

    /// Closes the connection politely.
    pub async fn close(mut self) {
        let _ = self.flush().await;
        let leave = self.session.leave_frame();
        let _ = self.ws.send(WsMessage::Binary(leave.into())).await;
        let _ = self.ws.close(None).await;
    }

    /// Carries out the session's actions; frames to send join the outgoing queue.
    fn carry_out(&mut self, actions: Vec<ClientAction>) -> anyhow::Result<()> {
        let mut work: VecDeque<ClientAction> = actions.into();
        while let Some(action) = work.pop_front() {
            match action {
                ClientAction::Send(frame) => self.outgoing.push_back(frame),
                ClientAction::Sync {
                    document_id,
                    message,
                } => {
                    if Some(document_id) != self.doc_id {
                        bail!("a sync message for document {document_id}, not opened here");
                    }
                    self.session
                        .apply(document_id, message, &mut self.doc)
                        .with_context(|| {
                            format!("applying the server's changes to {document_id}")
                        })?;
                    work.extend(self.session.committed(document_id, &self.doc));
                }
                ClientAction::Unavailable(id) => bail!("the server says {id} is unavailable"),
                ClientAction::Close(e) => bail!("the session closed: {e}"),
                ClientAction::Joined { .. }
                | ClientAction::Ephemeral(_)
                | ClientAction::Report(_) => {}
            }
        }
        Ok(())
    }
}
