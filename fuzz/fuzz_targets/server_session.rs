//! Fuzz target: a whole server connection and the server's shipping document host, fed frames
//! by the fuzzer.
//!
//! The input drives one [`ServerConnection`] the way the server does: every `CheckAccess` gets an
//! access taken from the input (now or at the next step), and every accepted `Sync` goes to the
//! document's [`DocumentHost`], the same code the server runs. Its effects are performed in
//! memory: registration succeeds, commits go to an in-memory store (or fail, when the input says
//! so), reloads load that store. Nothing may panic; every frame the server sends must decode;
//! no sync message may carry a head that is not in the store (the durability rule); and the
//! store must always load.
//!
//! Document 0 is a registered club document (so the server's own edits are written into it);
//! document 1 is unregistered, so its first changes go through the kind check and registration.
//!
//! # Input format
//!
//! - Byte 0: flags. Unless its low three bits are all zero (1 input in 8), a valid `join` from
//!   [`CLIENT`] is sent first, so most inputs get past the handshake. Bit 3 makes every commit
//!   fail.
//! - Then steps, each `[tag] [len: u16 little-endian] [len bytes]` (cut short at the end):
//!   - `tag & 7` is the kind: 0, 1, 7 a raw frame; 2 a `sync` and 4 a `request` from [`CLIENT`]
//!     to [`SERVER`] whose `data` is the bytes; 3 a `sync` from a forged sender; 5 an
//!     `ephemeral`; 6 an edit of the server's own (a member named by the bytes).
//!   - `(tag >> 3) & 3` is the access given to access checks: 0 denied, 1 read-only, else
//!     read-write.
//!   - `(tag >> 5) & 1` picks one of two documents.
//!   - `(tag >> 6) & 1` defers this step's access decisions to the end of the next step.
#![no_main]

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, ChangeHash};
use clubsync_core::club::{Club, ClubProfile, ClubType, Member, Role};
use clubsync_core::currency::Currency;
use clubsync_core::document::{DocumentKind, TypedDocument};
use clubsync_core::ids::MemberId;
use clubsync_core::store::StoredSize;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::message::{Ephemeral, Join, Message, PeerMetadata, SyncData};
use clubsync_protocol::{
    Access, DocumentId, Limits, PeerId, ServerAction, ServerConnection, codec,
};
use clubsync_server::documents::{
    ClubEdit, DocCommand, DocumentHost, HostLimits, Input, Loaded, Outbound, PeerInfo,
};
use clubsync_server::identity::{ClubId, DeviceId};
use libfuzzer_sys::fuzz_target;
use uuid::Uuid;

/// The server's peer id.
const SERVER: &str = "fuzz-server";
/// The client's peer id, as its `join` gives it.
const CLIENT: &str = "fuzz-client";
/// The two documents steps can be about: a club document and a new one.
const DOCUMENTS: [DocumentId; 2] = [
    DocumentId::from_bytes([1; 16]),
    DocumentId::from_bytes([2; 16]),
];
/// The one connection.
const CONNECTION: u64 = 0;
const CLUB: ClubId = ClubId::from_uuid(Uuid::from_bytes([3; 16]));
const PEER: PeerInfo = PeerInfo {
    club: CLUB,
    device: DeviceId::from_uuid(Uuid::from_bytes([4; 16])),
    member: MemberId::from_uuid(Uuid::from_bytes([4; 16])),
    club_document: None,
    coordinator: false,
};

/// A document's host and its committed store.
struct Hosted {
    host: DocumentHost,
    /// The committed chunks, concatenated: what storage holds.
    store: Vec<u8>,
    /// The hashes of every change in the store.
    committed: HashSet<ChangeHash>,
}

impl Hosted {
    fn new(id: DocumentId) -> Self {
        let (store, registered) = if id == DOCUMENTS[0] {
            let profile = ClubProfile {
                name: "Fuzz club".into(),
                club_type: ClubType::Community,
                country: "GB".into(),
                time_zone: "Europe/London".into(),
                currency: Currency::new("GBP").expect("a currency"),
            };
            let club = Club::create(None, &profile, Timestamp::from_millis(0)).expect("a club");
            (club.automerge().save(), Some((CLUB, DocumentKind::Club)))
        } else {
            (Vec::new(), None)
        };
        let doc = load(&store);
        let committed = doc.get_changes_meta(&[]).iter().map(|c| c.hash).collect();
        let size = StoredSize {
            bytes: store.len() as u64,
            chunks: 0,
            chunk_bytes: 0,
        };
        let host = DocumentHost::new(
            id,
            Loaded {
                doc,
                size,
                registered,
                missing_edits: Vec::new(),
            },
            HostLimits {
                max_document_bytes: 1 << 22,
            },
            Default::default(),
        );
        Self {
            host,
            store,
            committed,
        }
    }
}

fn load(store: &[u8]) -> Automerge {
    let mut doc = Automerge::new();
    doc.load_incremental(store)
        .expect("committed chunks must always load");
    doc
}

struct Harness {
    server: ServerConnection,
    docs: HashMap<DocumentId, Hosted>,
    fail_commits: bool,
    sent: usize,
}

impl Harness {
    fn new(fail_commits: bool) -> Self {
        let limits = Limits {
            max_frame_bytes: 1 << 20,
            max_documents: 4,
        };
        let server_id = PeerId::new(SERVER).expect("valid peer id");
        Self {
            server: ServerConnection::new(server_id, PeerMetadata::default(), limits),
            docs: HashMap::new(),
            fail_commits,
            sent: 0,
        }
    }

    fn send(&mut self, frame: Vec<u8>) {
        // Whatever the server sends must be a frame a peer can read.
        codec::decode(&frame, usize::MAX).expect("the server sent a frame that does not decode");
        self.sent += 1;
    }

    /// Handles actions in order; access checks are answered with `access`, or queued in
    /// `deferred` when `defer` is set.
    fn handle(
        &mut self,
        actions: Vec<ServerAction>,
        access: Access,
        defer: bool,
        deferred: &mut Vec<(DocumentId, Access)>,
    ) {
        for action in actions {
            match action {
                ServerAction::Send(frame) => self.send(frame),
                ServerAction::Joined { .. } | ServerAction::Report(_) | ServerAction::Close(_) => {}
                ServerAction::CheckAccess(document_id) => {
                    if defer {
                        deferred.push((document_id, access));
                    } else {
                        let more = self.server.access_decided(document_id, access);
                        self.handle(more, access, false, deferred);
                    }
                }
                ServerAction::Ephemeral(message) => {
                    let doc = message.document_id;
                    self.command(doc, DocCommand::Ephemeral { from: CONNECTION, message });
                }
                ServerAction::Sync {
                    document_id,
                    request,
                    permission,
                    message,
                } => self.command(
                    document_id,
                    DocCommand::Sync {
                        conn: CONNECTION,
                        peer: PEER,
                        permission,
                        request,
                        message,
                    },
                ),
            }
        }
    }

    /// Gives a command to a document's host and performs every effect, as the server's shell
    /// does.
    fn command(&mut self, id: DocumentId, command: DocCommand) {
        let hosted = self.docs.entry(id).or_insert_with(|| Hosted::new(id));
        let mut effects = hosted.host.handle(Input::Batch {
            commands: vec![command],
            now_ms: 1_000,
        });
        let mut frames = Vec::new();
        loop {
            frames.append(&mut effects.frames);
            let answer = if effects.register.take().is_some() {
                Input::Registered(Ok(()))
            } else if let Some(commit) = effects.commit.take() {
                if self.fail_commits {
                    Input::CommitFailed("the disk is full".into())
                } else {
                    for chunk in commit.chunks {
                        hosted.store.extend_from_slice(&chunk);
                    }
                    let stored = load(&hosted.store);
                    hosted.committed = stored.get_changes_meta(&[]).iter().map(|c| c.hash).collect();
                    Input::Committed
                }
            } else if std::mem::take(&mut effects.reload) {
                Input::Reloaded(Ok(Box::new(load(&hosted.store))))
            } else if std::mem::take(&mut effects.compact) {
                hosted.store = load(&hosted.store).save();
                Input::Compacted(Ok(hosted.store.len() as u64))
            } else {
                break;
            };
            effects = hosted.host.handle(answer);
        }
        let committed = hosted.committed.clone();
        for (_, frame) in frames {
            let frame = match frame {
                Outbound::Sync(doc, message) => {
                    for head in &message.heads {
                        assert!(
                            committed.contains(head),
                            "durability rule broken: head {head} sent before it was committed"
                        );
                    }
                    self.server.sync_frame(doc, *message)
                }
                Outbound::Unavailable(doc) => self.server.unavailable_frame(doc),
                Outbound::Ephemeral(e) => self.server.ephemeral_frame(&e),
                Outbound::Refuse(reason) => {
                    for action in self.server.refuse(reason) {
                        if let ServerAction::Send(f) = action {
                            self.send(f);
                        }
                    }
                    None
                }
            };
            if let Some(frame) = frame {
                self.send(frame);
            }
        }
    }

    fn server_edit(&mut self, document_id: DocumentId, name: &[u8]) {
        let mut id = [0u8; 16];
        for (i, b) in name.iter().take(16).enumerate() {
            id[i] = *b;
        }
        let member = Member {
            id: MemberId::from_uuid(Uuid::from_bytes(id)),
            display_name: String::from_utf8_lossy(name).into_owned(),
            contact: None,
            role: Role::Volunteer,
            age16plus: true,
        };
        self.command(document_id, DocCommand::EditClub(ClubEdit::AddMember(member)));
    }
}

fn sync_frame(sender: &str, document_id: DocumentId, data: &[u8], request: bool) -> Vec<u8> {
    let body = SyncData {
        sender_id: PeerId::new(sender).expect("valid peer id"),
        target_id: PeerId::new(SERVER).expect("valid peer id"),
        document_id,
        data: data.to_vec(),
    };
    codec::encode(&if request {
        Message::Request(body)
    } else {
        Message::Sync(body)
    })
}

fn access_of(bits: u8) -> Access {
    match bits & 3 {
        0 => Access::Denied,
        1 => Access::ReadOnly,
        _ => Access::ReadWrite,
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&flags, mut rest)) = input.split_first() else {
        return;
    };
    let mut h = Harness::new(flags & 8 != 0);
    let mut deferred = Vec::new();
    if flags & 7 != 0 {
        let join = codec::encode(&Message::Join(Join {
            sender_id: PeerId::new(CLIENT).expect("valid peer id"),
            peer_metadata: Some(PeerMetadata::default()),
            supported_protocol_versions: vec!["1".into()],
        }));
        let actions = h.server.receive_frame(&join);
        h.handle(actions, Access::ReadWrite, false, &mut deferred);
    }
    while let [tag, lo, hi, tail @ ..] = rest {
        let len = usize::from(u16::from_le_bytes([*lo, *hi])).min(tail.len());
        let (bytes, next) = tail.split_at(len);
        rest = next;
        let access = access_of(tag >> 3);
        let document_id = DOCUMENTS[usize::from((tag >> 5) & 1)];
        let defer = (tag >> 6) & 1 == 1;
        let earlier = std::mem::take(&mut deferred);
        let actions = match tag & 7 {
            2 => h
                .server
                .receive_frame(&sync_frame(CLIENT, document_id, bytes, false)),
            3 => h
                .server
                .receive_frame(&sync_frame("forger", document_id, bytes, false)),
            4 => h
                .server
                .receive_frame(&sync_frame(CLIENT, document_id, bytes, true)),
            5 => h
                .server
                .receive_frame(&codec::encode(&Message::Ephemeral(Ephemeral {
                    sender_id: PeerId::new(CLIENT).expect("valid peer id"),
                    target_id: PeerId::new(SERVER).expect("valid peer id"),
                    count: u64::from(*tag),
                    session_id: "session".into(),
                    document_id,
                    data: bytes.to_vec(),
                }))),
            6 => {
                h.server_edit(document_id, bytes);
                Vec::new()
            }
            _ => h.server.receive_frame(bytes),
        };
        h.handle(actions, access, defer, &mut deferred);
        for (document_id, access) in earlier {
            let more = h.server.access_decided(document_id, access);
            h.handle(more, access, false, &mut deferred);
        }
    }
    // Whatever is still undecided is decided now, so queued messages reach their documents.
    for (document_id, access) in std::mem::take(&mut deferred) {
        let more = h.server.access_decided(document_id, access);
        h.handle(more, access, false, &mut deferred);
    }
    std::hint::black_box(h.sent);
});
