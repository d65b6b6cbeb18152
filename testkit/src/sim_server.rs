//! The simulated server: the protocol's real `ServerConnection` per connection and the server's
//! real `DocumentHost` per document, with an in-memory store and registry performing the hosts'
//! effects. Commits wait until the world calls `commit` (group commit), so a test decides when
//! the disk answers, and a crash can come between a commit and its acknowledgement.
//!
//! Every sync message a host sends is checked against the committed store: a head that is not
//! committed is a broken durability rule, recorded in `violations`.

use std::collections::{BTreeMap, HashSet, VecDeque};

use automerge::{Automerge, ChangeHash};
use clubsync_core::document::DocumentKind;
use clubsync_core::ids::MemberId;
use clubsync_core::store::StoredSize;
use clubsync_protocol::message::PeerMetadata;
use clubsync_protocol::{Access, DocumentId, Limits, PeerId, ServerAction, ServerConnection};
use clubsync_server::documents::{
    DocCommand, DocumentHost, Effects, HostLimits, Input, Loaded, Outbound, PeerInfo,
};
use clubsync_server::identity::{ClubId, DeviceId};
use uuid::Uuid;

pub type ConnId = u64;

/// The one club every simulated device belongs to.
pub const CLUB: ClubId = ClubId::from_uuid(Uuid::from_bytes([7; 16]));

/// What the server sends out: a frame for a connection, or `None` to close it.
pub type Routed = Vec<(ConnId, Option<Vec<u8>>)>;

/// A document's host and the commit it waits on.
struct Hosted {
    host: DocumentHost,
    /// Chunks the host asked to commit; written when the world commits.
    commit: Option<Vec<Vec<u8>>>,
}

pub struct Server {
    pub(crate) peer: PeerId,
    pub(crate) conns: BTreeMap<ConnId, (ServerConnection, DeviceId)>,
    hosts: BTreeMap<DocumentId, Hosted>,
    /// What is committed, per document, as chunks (the "SQLite" of the simulation).
    pub store: BTreeMap<DocumentId, Vec<Vec<u8>>>,
    committed: HashSet<ChangeHash>,
    /// Access decisions by (client peer id, document); absent means read-write.
    pub access: BTreeMap<(String, DocumentId), Access>,
    /// Every protocol error that closed a connection, for tests that expect some.
    pub closes: Vec<String>,
    /// Heads sent to a peer before they were committed (must stay empty).
    pub violations: Vec<String>,
    /// Testing only: hosts made from now on tell peers of changes before committing them.
    pub break_durability: bool,
}

impl Default for Server {
    fn default() -> Self {
        Self::new()
    }
}

impl Server {
    /// A server with nothing stored and no connection.
    pub fn new() -> Self {
        Self {
            peer: PeerId::new("server").expect("valid id"),
            conns: BTreeMap::new(),
            hosts: BTreeMap::new(),
            store: BTreeMap::new(),
            committed: HashSet::new(),
            access: BTreeMap::new(),
            closes: Vec::new(),
            violations: Vec::new(),
            break_durability: false,
        }
    }

    pub fn open_conn(&mut self, conn: ConnId, device: DeviceId) {
        let session = ServerConnection::new(
            self.peer.clone(),
            PeerMetadata::default(),
            Limits::default(),
        );
        self.conns.insert(conn, (session, device));
    }

    /// A connection is gone: its documents forget it.
    pub fn drop_conn(&mut self, conn: ConnId) -> Routed {
        let Some((session, _)) = self.conns.remove(&conn) else {
            return Vec::new();
        };
        let docs: Vec<DocumentId> = session.documents().map(|(d, _)| *d).collect();
        let mut out = Vec::new();
        for doc in docs {
            out.extend(self.send_to_host(doc, DocCommand::Leave { conn }));
        }
        out
    }

    /// The server process dies: memory is gone, uncommitted chunks with it; the store stays.
    pub fn crash(&mut self) {
        self.conns.clear();
        self.hosts.clear();
    }

    /// The document as its host holds it in memory, if loaded.
    pub fn in_memory(&self, doc: &DocumentId) -> Option<&Automerge> {
        self.hosts.get(doc).map(|h| h.host.doc())
    }

    /// True while a host waits for its commit.
    pub fn uncommitted(&self) -> bool {
        self.hosts.values().any(|h| h.commit.is_some())
    }

    fn access_for(&self, conn: ConnId, doc: DocumentId) -> Access {
        let remote = self
            .conns
            .get(&conn)
            .and_then(|(c, _)| c.remote())
            .map(|p| p.to_string())
            .unwrap_or_default();
        self.access
            .get(&(remote, doc))
            .copied()
            .unwrap_or(Access::ReadWrite)
    }

    /// Handles one frame; returns frames to route.
    pub fn receive(&mut self, conn: ConnId, frame: &[u8]) -> Routed {
        let Some((c, _)) = self.conns.get_mut(&conn) else {
            return Vec::new();
        };
        let actions: VecDeque<ServerAction> = c.receive_frame(frame).into();
        self.server_actions(conn, actions)
    }

    fn server_actions(&mut self, conn: ConnId, mut work: VecDeque<ServerAction>) -> Routed {
        let mut out = Vec::new();
        while let Some(action) = work.pop_front() {
            match action {
                ServerAction::Send(f) => out.push((conn, Some(f))),
                ServerAction::Joined { .. } | ServerAction::Report(_) => {}
                ServerAction::CheckAccess(doc) => {
                    let access = self.access_for(conn, doc);
                    if let Some((c, _)) = self.conns.get_mut(&conn) {
                        work.extend(c.access_decided(doc, access));
                    }
                }
                ServerAction::Sync {
                    document_id,
                    request,
                    permission,
                    message,
                } => {
                    let Some((_, device)) = self.conns.get(&conn) else {
                        continue;
                    };
                    let peer = PeerInfo {
                        club: CLUB,
                        device: *device,
                        member: MemberId::from_uuid(device.uuid()),
                        club_document: None,
                        coordinator: false,
                    };
                    let command = DocCommand::Sync {
                        conn,
                        peer,
                        permission,
                        request,
                        message,
                    };
                    out.extend(self.send_to_host(document_id, command));
                }
                ServerAction::Ephemeral(message) => {
                    let doc = message.document_id;
                    out.extend(self.send_to_host(
                        doc,
                        DocCommand::Ephemeral {
                            from: conn,
                            message,
                        },
                    ));
                }
                ServerAction::Close(e) => {
                    self.closes.push(e.to_string());
                    out.extend(self.drop_conn(conn));
                    out.push((conn, None));
                }
            }
        }
        out
    }

    /// Hands a command to a document's host, loading the document from the store first.
    fn send_to_host(&mut self, doc: DocumentId, command: DocCommand) -> Routed {
        if !self.hosts.contains_key(&doc) {
            let host = self.load(doc);
            self.hosts.insert(doc, Hosted { host, commit: None });
        }
        self.feed(
            doc,
            Input::Batch {
                commands: vec![command],
                now_ms: 0,
            },
        )
    }

    /// Every document is registered to the one club before anyone writes it, as if a device of
    /// the club had made it.
    fn load(&self, doc: DocumentId) -> DocumentHost {
        let stored = self.reloaded(&doc);
        let bytes: u64 = self
            .store
            .get(&doc)
            .into_iter()
            .flatten()
            .map(|c| c.len() as u64)
            .sum();
        let chunks = self.store.get(&doc).map_or(0, |c| c.len() as u64);
        let mut host = DocumentHost::new(
            doc,
            Loaded {
                doc: stored,
                size: StoredSize {
                    bytes,
                    chunks,
                    chunk_bytes: bytes,
                },
                registered: Some((CLUB, DocumentKind::Event)),
                missing_edits: Vec::new(),
            },
            HostLimits {
                max_document_bytes: u64::MAX,
            },
            Default::default(),
        );
        if self.break_durability {
            host.acknowledge_before_commit();
        }
        host
    }

    /// Gives a host an input and performs what it asks, except commits, which wait.
    fn feed(&mut self, doc: DocumentId, input: Input) -> Routed {
        let mut out = Vec::new();
        let mut next = Some(input);
        while let Some(input) = next.take() {
            let Some(hosted) = self.hosts.get_mut(&doc) else {
                break;
            };
            let mut effects: Effects = hosted.host.handle(input);
            if let Some(commit) = effects.commit.take() {
                hosted.commit = Some(commit.chunks);
            }
            for (conn, frame) in std::mem::take(&mut effects.frames) {
                out.extend(self.frame_for(conn, doc, frame));
            }
            next = if effects.register.is_some() {
                Some(Input::Registered(Ok(())))
            } else if effects.reload {
                Some(Input::Reloaded(Ok(Box::new(self.reloaded(&doc)))))
            } else if effects.compact {
                Some(Input::Compacted(Ok(self.compact(doc))))
            } else {
                None
            };
            if effects.failed.is_some() {
                self.hosts.remove(&doc);
            }
        }
        out
    }

    /// Turns what a host sends a connection into a frame, checking the durability rule.
    fn frame_for(&mut self, conn: ConnId, doc: DocumentId, frame: Outbound) -> Routed {
        let Some((session, _)) = self.conns.get_mut(&conn) else {
            return Vec::new();
        };
        let one = |f: Option<Vec<u8>>| f.map(|f| vec![(conn, Some(f))]).unwrap_or_default();
        match frame {
            Outbound::Sync(_, message) => {
                for head in &message.heads {
                    if !self.committed.contains(head) {
                        self.violations.push(format!(
                            "document {doc}: head {head} sent to connection {conn} before it was committed"
                        ));
                    }
                }
                one(session.sync_frame(doc, *message))
            }
            Outbound::Unavailable(doc) => one(session.unavailable_frame(doc)),
            Outbound::Ephemeral(e) => one(session.ephemeral_frame(&e)),
            Outbound::Refuse(reason) => {
                let actions: VecDeque<ServerAction> = session.refuse(reason).into();
                self.server_actions(conn, actions)
            }
        }
    }

    /// Group commit: every host's waiting chunks go to the store, then each host hears it.
    pub fn commit(&mut self) -> Routed {
        let waiting: Vec<DocumentId> = self.write_waiting();
        let mut out = Vec::new();
        for doc in waiting {
            out.extend(self.feed(doc, Input::Committed));
        }
        out
    }

    /// The disk writes every waiting commit, then the server dies before any host hears it.
    pub fn commit_then_crash(&mut self) {
        self.write_waiting();
        self.crash();
    }

    fn write_waiting(&mut self) -> Vec<DocumentId> {
        let mut written = Vec::new();
        for (doc, hosted) in &mut self.hosts {
            let Some(chunks) = hosted.commit.take() else {
                continue;
            };
            self.store.entry(*doc).or_default().extend(chunks);
            written.push(*doc);
        }
        for doc in &written {
            let stored = self.reloaded(doc);
            self.committed
                .extend(stored.get_changes_meta(&[]).iter().map(|c| c.hash));
        }
        written
    }

    fn compact(&mut self, doc: DocumentId) -> u64 {
        let snapshot = self.reloaded(&doc).save();
        let bytes = snapshot.len() as u64;
        self.store.insert(doc, vec![snapshot]);
        bytes
    }

    /// The committed store of a document loaded into a fresh document, as after a restart.
    pub fn reloaded(&self, doc: &DocumentId) -> Automerge {
        let mut d = Automerge::new();
        for chunk in self.store.get(doc).into_iter().flatten() {
            d.load_incremental(chunk).expect("committed chunks load");
        }
        d
    }
}
