//! A deterministic simulated world that runs the shipping code on both sides: the server's
//! document host and the protocol's connection state machine, devices running the client's
//! `DeviceSync`, and a network of in-memory frame queues that a test can drop, duplicate, delay,
//! reorder and cut, with a server that can crash (also between a commit and its
//! acknowledgement).
//!
//! The server side (`sim_server::Server`: `ServerConnection` per connection, `DocumentHost` per
//! document) has an in-memory store; every sync message it sends is checked against that store,
//! so the durability rule (never advertise uncommitted heads) is asserted on every frame. Each
//! device's store is its map of documents: a chunk the device sync asks to store is applied to it
//! at once, and only then is the device sync told it is stored.

use std::collections::{BTreeMap, HashSet, VecDeque};

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ROOT, ReadDoc};
use clubsync_client::engine::{DeviceEffects, DeviceInput, DeviceSync};
use clubsync_protocol::{DocumentId, Message, PeerId, StorageId, codec};
use clubsync_server::identity::DeviceId;
use uuid::Uuid;

pub use crate::sim_server::{ConnId, Routed, Server};

/// The club document the devices follow (none of the simulated documents is one).
const CLUB_DOCUMENT: DocumentId = DocumentId::from_bytes([0xc1; 16]);

/// Which way a frame travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    ToServer,
    ToClient,
}

struct Link {
    conn: ConnId,
    device: DeviceSync,
    /// The heads the server last confirmed, per document.
    server_heads: BTreeMap<DocumentId, Vec<ChangeHash>>,
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

    /// Offers a document from the device's store to its device sync: opens it, or hands over
    /// what was recorded.
    fn sync_document(&mut self, client: usize, doc: DocumentId) {
        let c = &mut self.clients[client];
        let (Some(link), Some(d)) = (c.link.as_mut(), c.docs.get(&doc)) else {
            return;
        };
        let input = if link.device.has_document(&doc) {
            DeviceInput::Local {
                id: doc,
                stored: Box::new(d.clone()),
            }
        } else {
            DeviceInput::Open {
                id: doc,
                doc: Box::new(d.clone()),
                saved: None,
            }
        };
        let effects = link.device.handle(input);
        self.device_effects(client, effects);
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
        let storage = StorageId::new(format!("store-{client}")).expect("valid id");
        let (device, join) =
            DeviceSync::connect(self.clients[client].peer.clone(), storage, CLUB_DOCUMENT);
        self.server.open_conn(conn, device_id(client));
        self.clients[client].link = Some(Link {
            conn,
            device,
            server_heads: BTreeMap::new(),
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
                let effects = link.device.handle(DeviceInput::Frame(frame));
                self.device_effects(client, effects);
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

    /// Carries out what a device's sync asks: store first (the device commits at once), then
    /// queue the frames, and so on until it asks nothing more.
    fn device_effects(&mut self, client: usize, effects: DeviceEffects) {
        let mut work = VecDeque::from([effects]);
        while let Some(effects) = work.pop_front() {
            let c = &mut self.clients[client];
            let Some(link) = c.link.as_mut() else {
                return;
            };
            let stored = match effects.store {
                Some((id, chunk)) => {
                    c.docs
                        .entry(id)
                        .or_default()
                        .load_incremental(&chunk)
                        .expect("a chunk the device sync asks to store loads");
                    c.unavailable.remove(&id);
                    true
                }
                None => false,
            };
            link.to_server.extend(effects.frames);
            for (id, heads) in effects.server_heads {
                link.server_heads.insert(id, heads);
            }
            for id in effects.unavailable {
                c.unavailable.insert(id);
            }
            if effects.joined.is_some() {
                let ids: Vec<DocumentId> = c.docs.keys().copied().collect();
                for id in ids {
                    let d = c.docs.get(&id).cloned().unwrap_or_default();
                    work.push_back(link.device.handle(DeviceInput::Open {
                        id,
                        doc: Box::new(d),
                        saved: None,
                    }));
                }
            }
            if effects.closed.is_some() {
                self.cut(client);
                return;
            }
            if stored {
                work.push_front(link.device.handle(DeviceInput::Stored));
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
        link.server_heads.get(doc).cloned()
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
