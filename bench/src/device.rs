//! One simulated device: a websocket to the server, a protocol "1" `ClientSession`, and the one
//! document it works on.
//!
//! The device carries out the session's actions as a real client does: it applies every sync
//! message to its document, commits (in memory: a bench device has no store) and answers.
//! Anything unexpected from the server (a close, an `error`, `doc-unavailable`) is an error:
//! in a bench it means the numbers would be wrong.
//!
//! Each device's socket lives on a runtime of its own ([`io_runtime`]): a reader task and a
//! writer task per socket, which the device talks to through channels. Hundreds of simulated
//! devices share two cores here, and one applying a large sync message may wait its turn for
//! seconds; its socket still answers the server's pings at once (the reference server cuts a
//! client that has not answered its ping within 5 to 10 s, as a real phone always would), and
//! a frame's arrival time is taken when the socket reads it, not when the device gets to it.

use std::collections::{HashSet, VecDeque};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use automerge::{Automerge, ChangeHash, ReadDoc};
use clubsync_protocol::message::PeerMetadata;
use clubsync_protocol::{ClientAction, ClientSession, DocumentId, Limits, PeerId, StorageId};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// How long the server may take to answer the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest frame a bench device accepts: far above anything a scenario sends (a cold pull
/// of 100,000 donations is one sync message of tens of MiB), so the device is never the limit.
const MAX_FRAME_BYTES: usize = 1024 * 1024 * 1024;

/// What one frame from the server brought.
pub struct Frame {
    /// When the socket read it (on the sockets' runtime), before the device decoded it.
    pub at: Instant,
    /// The heads the server announced in it (empty for frames that are not sync messages).
    pub server_heads: Vec<ChangeHash>,
}

/// The runtime every device's socket runs on (one thread: the sockets only move bytes).
pub fn io_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("bench-sockets")
            .enable_all()
            .build()
            .expect("the sockets' runtime starts")
    })
}

/// What the writer task sends.
enum Outgoing {
    Frame(Vec<u8>),
    /// Close the websocket, and say when done.
    Close(oneshot::Sender<()>),
}

/// A binary frame read from the socket, and when; or why the socket ended.
type Incoming = anyhow::Result<(Instant, Vec<u8>)>;

/// A websocket run by a reader and a writer task on [`io_runtime`].
struct Socket {
    to_server: mpsc::UnboundedSender<Outgoing>,
    from_server: mpsc::UnboundedReceiver<Incoming>,
}

impl Socket {
    /// Connects on the sockets' runtime and starts its tasks.
    async fn connect(url: &str) -> anyhow::Result<Self> {
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_FRAME_BYTES))
            .max_frame_size(Some(MAX_FRAME_BYTES));
        let url = url.to_owned();
        let (ws, _) = io_runtime()
            .spawn(async move {
                tokio_tungstenite::connect_async_with_config(url, Some(config), false).await
            })
            .await
            .context("the sockets' runtime failed")?
            .context("the websocket upgrade failed")?;
        let (mut sink, mut stream) = ws.split();
        let (to_server, mut outgoing) = mpsc::unbounded_channel::<Outgoing>();
        let (incoming, from_server) = mpsc::unbounded_channel::<Incoming>();
        io_runtime().spawn(async move {
            while let Some(out) = outgoing.recv().await {
                match out {
                    Outgoing::Frame(frame) => {
                        if sink.send(WsMessage::Binary(frame.into())).await.is_err() {
                            break;
                        }
                    }
                    Outgoing::Close(done) => {
                        let _ = sink.close().await;
                        let _ = done.send(());
                        break;
                    }
                }
            }
        });
        io_runtime().spawn(async move {
            // Reading also answers pings (tungstenite queues the pong and sends it on the next
            // read). Ends when the socket does, or when the device is gone.
            loop {
                let message = tokio::select! {
                    _ = incoming.closed() => break,
                    message = stream.next() => message,
                };
                let at = Instant::now();
                let ended = match message {
                    Some(Ok(WsMessage::Binary(bytes))) => {
                        if incoming.send(Ok((at, bytes.into()))).is_err() {
                            break;
                        }
                        continue;
                    }
                    Some(Ok(WsMessage::Close(frame))) => {
                        anyhow!("the server closed the connection: {frame:?}")
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => anyhow::Error::new(e).context("the websocket failed"),
                    None => anyhow!("the server closed the connection"),
                };
                let _ = incoming.send(Err(ended));
                break;
            }
        });
        Ok(Self {
            to_server,
            from_server,
        })
    }

    /// Hands a frame to the writer task.
    fn send(&self, frame: Vec<u8>) -> anyhow::Result<()> {
        self.to_server
            .send(Outgoing::Frame(frame))
            .map_err(|_| anyhow!("the connection is closed: cannot send a frame"))
    }

    /// The next binary frame. Cancel-safe.
    async fn recv(&mut self) -> Incoming {
        self.from_server
            .recv()
            .await
            .unwrap_or_else(|| Err(anyhow!("the connection is closed")))
    }

    /// Closes the websocket once the frames handed over before are sent (at most 5 s).
    async fn close(self) {
        let (done, closed) = oneshot::channel();
        if self.to_server.send(Outgoing::Close(done)).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), closed).await;
        }
    }
}

/// A simulated device with one document.
pub struct Device {
    session: ClientSession,
    ws: Socket,
    /// The document it syncs, once opened.
    doc_id: Option<DocumentId>,
    /// Its copy of that document.
    pub doc: Automerge,
    /// Frames the session produced that the socket has not taken yet.
    outgoing: VecDeque<Vec<u8>>,
    /// Bytes of the binary frames received so far.
    pub bytes_received: u64,
    /// Documents opened before the current one: what the server still says of them is
    /// dropped.
    forgotten: HashSet<DocumentId>,
}

impl Device {
    /// Connects (with a device token in the URL for clubsync-server, none for the reference
    /// server) and completes the handshake (`join`, `peer`).
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let mut ws = Socket::connect(url).await?;
        let metadata = PeerMetadata {
            storage_id: Some(StorageId::random()),
            is_ephemeral: false,
        };
        let limits = Limits {
            max_frame_bytes: MAX_FRAME_BYTES,
            ..Limits::default()
        };
        let (mut session, join) = ClientSession::connect(PeerId::random(), metadata, limits);
        ws.send(join).context("cannot send join")?;
        let (_, bytes) = tokio::time::timeout(HANDSHAKE_TIMEOUT, ws.recv())
            .await
            .map_err(|_| anyhow!("no answer to join within {HANDSHAKE_TIMEOUT:?}"))?
            .context("waiting for the answer to join")?;
        let actions = session.receive_frame(&bytes);
        if !matches!(actions.first(), Some(ClientAction::Joined { .. })) {
            bail!("unexpected answer to join: {actions:?}");
        }
        Ok(Self {
            session,
            ws,
            doc_id: None,
            doc: Automerge::new(),
            outgoing: VecDeque::new(),
            bytes_received: 0,
            forgotten: HashSet::new(),
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
    /// A document opened before is forgotten on this side (the server keeps its own state of
    /// it until the connection closes).
    pub async fn open(&mut self, doc_id: DocumentId, doc: Automerge) -> anyhow::Result<()> {
        if let Some(old) = self.doc_id
            && old != doc_id
        {
            self.session.forget_document(&old);
            self.forgotten.insert(old);
        }
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
    /// Cancel-safe, so it can race other futures in `select!`: frames to send are handed to
    /// the socket without waiting, and between taking a frame off the socket's channel and
    /// returning there is no await.
    pub async fn next(&mut self) -> anyhow::Result<Frame> {
        self.flush().await?;
        let (at, bytes) = self.ws.recv().await?;
        self.bytes_received += bytes.len() as u64;
        let actions = self.session.receive_frame(&bytes);
        let server_heads = actions
            .iter()
            .find_map(|a| match a {
                ClientAction::Sync { message, .. } => Some(message.heads.clone()),
                _ => None,
            })
            .unwrap_or_default();
        self.carry_out(actions)?;
        Ok(Frame { at, server_heads })
    }

    /// Sends every frame waiting to go (hands them to the socket's writer task).
    pub async fn flush(&mut self) -> anyhow::Result<()> {
        while let Some(frame) = self.outgoing.pop_front() {
            self.ws.send(frame)?;
        }
        Ok(())
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

    /// Like [`Device::until`], but when the connection is lost it connects again and carries
    /// on from what it holds, as a real client does (automerge-repo's websocket client retries
    /// too), counting each time in `lost`; fails after `max_lost` in all.
    pub async fn until_reconnecting(
        mut self,
        url: &str,
        limit: Duration,
        done: impl Fn(&Self) -> bool,
        lost: &AtomicU64,
        max_lost: u64,
    ) -> anyhow::Result<Self> {
        let deadline = tokio::time::Instant::now() + limit;
        while !done(&self) {
            match tokio::time::timeout_at(deadline, self.next()).await {
                Err(_) => bail!("not done within {limit:?}"),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    if lost.fetch_add(1, Ordering::Relaxed) + 1 > max_lost {
                        return Err(e.context(format!("more than {max_lost} connections lost")));
                    }
                    eprintln!("a device lost its connection ({e:#}); it connects again");
                    self = self.reconnect(url).await?;
                }
            }
        }
        Ok(self)
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
        let _ = self.ws.send(leave);
        self.ws.close().await;
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
                    if self.forgotten.contains(&document_id) {
                        self.session.forget_document(&document_id);
                        continue;
                    }
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
