//! A deterministic simulated world for the server: the server's shipping document host and the
//! protocol's connection state machines, several clients, and a network of in-memory frame
//! queues that the test can drop, duplicate, delay, reorder and cut, with a server that can crash
//! (also between a commit and its acknowledgement).
//!
//! The server side is the real code (`server::Server`: `ServerConnection` per connection,
//! `DocumentHost` per document) with an in-memory store; every sync message it sends is checked
//! against that store, so the durability rule (never advertise uncommitted heads) is asserted on
//! every frame.

#![allow(dead_code)]

mod server;

use std::collections::{BTreeMap, HashSet, VecDeque};

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ROOT, ReadDoc};
use clubsync_protocol::message::PeerMetadata;
use clubsync_protocol::{
    ClientAction, ClientSession, DocumentId, Limits, Message, PeerId, StorageId, codec,
};
use clubsync_server::identity::DeviceId;
pub use server::{ConnId, Routed, Server};
use uuid::Uuid;

/// Which way a frame travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    ToServer,
    ToClient,
}

struct Link {
    conn: ConnId,
    session: ClientSession,
    to_server: VecDeque<Vec<u8>>,
    to_client: VecDeque<Vec<u8>>,
}

/// One device with its documents.
pub struct Client {
    pub peer: PeerId,
    pub docs: BTreeMap<DocumentId, Automerge>,
    link: Option<Link>,
    pub unavailable: HashSet<DocumentId>,
}

/// The whole world.
pub struct World {
    pub server: Server,
    pub clients: Vec<Client>,
    next_conn: ConnId,
}

impl World {
    pub fn new(clients: usize) -> Self {
        Self {
            server: Server::new(),
            clients: (0..clients)
                .map(|i| Client {
                    peer: PeerId::new(format!("device-{i}")).expect("valid id"),
                    docs: BTreeMap::new(),
                    link: None,
                    unavailable: HashSet::new(),
                })
                .collect(),
            next_conn: 0,
        }
    }

    /// A client starts to hold (or to want) a document.
    pub fn open(&mut self, client: usize, doc: DocumentId) {
        self.clients[client].docs.entry(doc).or_default();
        self.sync_document(client, doc);
    }

    /// A local edit on a client, committed on the device, then offered to the server.
    pub fn edit(&mut self, client: usize, doc: DocumentId, key: &str, value: u64) {
        let d = self.clients[client].docs.entry(doc).or_default();
        let mut tx = d.transaction();
        tx.put(ROOT, key, value).expect("put on a map");
        tx.commit();
        self.sync_document(client, doc);
    }

    fn sync_document(&mut self, client: usize, doc: DocumentId) {
        let c = &mut self.clients[client];
        let (Some(link), Some(d)) = (c.link.as_mut(), c.docs.get(&doc)) else {
            return;
        };
        let actions = link.session.sync_document(doc, d);
        self.client_actions(client, actions);
    }

    pub fn is_linked(&self, client: usize) -> bool {
        self.clients[client].link.is_some()
    }

    /// Opens a new connection for a client: the join frame is queued.
    pub fn connect(&mut self, client: usize) {
        if self.clients[client].link.is_some() {
            return;
        }
        let conn = self.next_conn;
        self.next_conn += 1;
        let metadata = PeerMetadata {
            storage_id: Some(StorageId::new(format!("store-{client}")).expect("valid id")),
            is_ephemeral: false,
        };
        let (session, join) = ClientSession::connect(
            self.clients[client].peer.clone(),
            metadata,
            Limits::default(),
        );
        self.server.open_conn(conn, device_id(client));
        self.clients[client].link = Some(Link {
            conn,
            session,
            to_server: VecDeque::from([join]),
            to_client: VecDeque::new(),
        });
    }

    /// Cuts a client's connection: frames in flight are lost, both ends forget the session.
    pub fn cut(&mut self, client: usize) {
        if let Some(link) = self.clients[client].link.take() {
            let routed = self.server.drop_conn(link.conn);
            self.route(routed);
        }
    }

    fn queue(&mut self, client: usize, dir: Dir) -> Option<&mut VecDeque<Vec<u8>>> {
        let link = self.clients[client].link.as_mut()?;
        Some(match dir {
            Dir::ToServer => &mut link.to_server,
            Dir::ToClient => &mut link.to_client,
        })
    }

    pub fn drop_frame(&mut self, client: usize, dir: Dir) {
        if let Some(q) = self.queue(client, dir) {
            q.pop_front();
        }
    }

    pub fn duplicate_frame(&mut self, client: usize, dir: Dir) {
        if let Some(q) = self.queue(client, dir)
            && let Some(f) = q.front().cloned()
        {
            q.push_front(f);
        }
    }

    pub fn reorder(&mut self, client: usize, dir: Dir) {
        if let Some(q) = self.queue(client, dir)
            && q.len() >= 2
        {
            q.swap(0, 1);
        }
    }

    pub fn delay(&mut self, client: usize, dir: Dir) {
        if let Some(q) = self.queue(client, dir)
            && let Some(f) = q.pop_front()
        {
            q.push_back(f);
        }
    }

    /// Delivers the next frame in one direction of one client's connection.
    pub fn deliver(&mut self, client: usize, dir: Dir) -> bool {
        let Some(frame) = self.queue(client, dir).and_then(|q| q.pop_front()) else {
            return false;
        };
        match dir {
            Dir::ToServer => {
                let Some(conn) = self.clients[client].link.as_ref().map(|l| l.conn) else {
                    return false;
                };
                let routed = self.server.receive(conn, &frame);
                self.route(routed);
            }
            Dir::ToClient => {
                let Some(link) = self.clients[client].link.as_mut() else {
                    return false;
                };
                let actions = link.session.receive_frame(&frame);
                self.client_actions(client, actions);
            }
        }
        true
    }

    /// The server commits everything applied so far in one group and answers every peer.
    pub fn commit(&mut self) {
        let routed = self.server.commit();
        self.route(routed);
    }

    /// The server process dies (memory and uncommitted changes lost, the store kept); every
    /// connection is cut.
    pub fn crash_server(&mut self) {
        self.server.crash();
        for c in &mut self.clients {
            c.link = None;
        }
    }

    /// The disk finishes every waiting commit, and the server dies before any device hears of
    /// it.
    pub fn commit_then_crash(&mut self) {
        self.server.commit_then_crash();
        for c in &mut self.clients {
            c.link = None;
        }
    }

    fn route(&mut self, frames: Routed) {
        for (conn, frame) in frames {
            let Some(client) = self
                .clients
                .iter()
                .position(|c| c.link.as_ref().is_some_and(|l| l.conn == conn))
            else {
                continue;
            };
            match frame {
                Some(f) => {
                    if let Some(link) = self.clients[client].link.as_mut() {
                        link.to_client.push_back(f);
                    }
                }
                // `None` means: the server closed this connection.
                None => self.cut(client),
            }
        }
    }

    fn client_actions(&mut self, client: usize, actions: Vec<ClientAction>) {
        let mut work: VecDeque<ClientAction> = actions.into();
        while let Some(action) = work.pop_front() {
            let c = &mut self.clients[client];
            let Some(link) = c.link.as_mut() else {
                return;
            };
            match action {
                ClientAction::Send(f) => link.to_server.push_back(f),
                ClientAction::Joined { .. } => {
                    for (id, d) in &c.docs {
                        work.extend(link.session.sync_document(*id, d));
                    }
                }
                ClientAction::Sync {
                    document_id,
                    message,
                } => {
                    let d = c.docs.entry(document_id).or_default();
                    c.unavailable.remove(&document_id);
                    match link.session.apply(document_id, message, d) {
                        // The device commits at once; then the exchange goes on.
                        Ok(_) => work.extend(link.session.committed(document_id, d)),
                        Err(e) => panic!("valid changes from the server failed to apply: {e}"),
                    }
                }
                ClientAction::Unavailable(id) => {
                    c.unavailable.insert(id);
                }
                ClientAction::Ephemeral(_) | ClientAction::Report(_) => {}
                ClientAction::Close(_) => {
                    self.cut(client);
                    return;
                }
            }
        }
    }

    /// Frames in flight anywhere, or applied changes not yet committed.
    pub fn busy(&self) -> bool {
        self.server.uncommitted()
            || self.clients.iter().any(|c| {
                c.link
                    .as_ref()
                    .is_some_and(|l| !l.to_server.is_empty() || !l.to_client.is_empty())
            })
    }

    /// A reliable network until nothing moves: deliver everything, commit when idle.
    pub fn run_until_quiet(&mut self, max_steps: usize) {
        for _ in 0..max_steps {
            if !self.busy() {
                return;
            }
            let mut moved = false;
            for c in 0..self.clients.len() {
                moved |= self.deliver(c, Dir::ToServer);
                moved |= self.deliver(c, Dir::ToClient);
            }
            if !moved {
                self.commit();
            }
        }
        panic!("the world did not go quiet within {max_steps} steps");
    }

    /// Every connection is cut and made again on a reliable network, until quiet.
    pub fn heal(&mut self) {
        for c in 0..self.clients.len() {
            self.cut(c);
        }
        for c in 0..self.clients.len() {
            self.connect(c);
        }
        self.run_until_quiet(100_000);
    }

    /// The heads the server last told a client it has for a document.
    pub fn heads_told_to(&self, client: usize, doc: &DocumentId) -> Option<Vec<ChangeHash>> {
        let link = self.clients[client].link.as_ref()?;
        link.session.server_heads(doc).map(<[_]>::to_vec)
    }

    /// The server's heads of a document.
    pub fn server_heads(&self, doc: &DocumentId) -> Vec<ChangeHash> {
        match self.server.in_memory(doc) {
            Some(d) => d.get_heads(),
            None => self.server.reloaded(doc).get_heads(),
        }
    }

    /// The server's committed store loaded into a fresh document, as after a restart.
    pub fn server_reloaded(&self, doc: &DocumentId) -> Automerge {
        self.server.reloaded(doc)
    }
}

/// The device id of client `i`.
pub fn device_id(i: usize) -> DeviceId {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
    DeviceId::from_uuid(Uuid::from_bytes(bytes))
}

/// The content of a document's root map, for comparing replicas.
pub fn content(doc: &Automerge) -> BTreeMap<String, String> {
    doc.map_range(ROOT, ..)
        .map(|item| (item.key.to_string(), format!("{:?}", item.value)))
        .collect()
}

/// Decodes a frame, for tests that look inside.
pub fn decode(frame: &[u8]) -> Message {
    codec::decode(frame, usize::MAX).expect("frames we made decode")
}

/// An automerge sync message, for tests that build frames by hand.
pub fn first_sync_message(doc: &Automerge) -> sync::Message {
    doc.generate_sync_message(&mut sync::State::new())
        .expect("a first message always exists")
}
