//! Fuzz target: a whole server connection, fed frames by the fuzzer.
//!
//! The input drives one [`ServerConnection`] the way the server will: every `CheckAccess` gets an
//! access taken from the input (now or at the next step), every accepted `Sync` goes to the
//! document's [`DocumentSync`] over a real `Automerge` document, receipts are "committed" to an
//! in-memory store, and what the document generates goes back out through `sync_frame`. Nothing
//! may panic. A `MalformedChanges` error discards the document and reloads it from the store, as
//! the server will; the store holds only committed receipts, so it must always load.
//!
//! # Input format
//!
//! - Byte 0: flags. Unless its low three bits are all zero (1 input in 8), a valid `join` from
//!   [`CLIENT`] is sent first, so most inputs get past the handshake.
//! - Then steps, each `[tag] [len: u16 little-endian] [len bytes]` (cut short at the end):
//!   - `tag & 7` is the kind: 0, 1, 7 a raw frame; 2 a `sync` and 4 a `request` from [`CLIENT`]
//!     to [`SERVER`] whose `data` is the bytes; 3 a `sync` from a forged sender; 5 an
//!     `ephemeral`; 6 a local edit of the document, committed (the bytes are the key).
//!   - `(tag >> 3) & 3` is the access given to access checks: 0 denied, 1 read-only, else
//!     read-write.
//!   - `(tag >> 5) & 1` picks one of two documents.
//!   - `(tag >> 6) & 1` defers this step's access decisions to the end of the next step.
#![no_main]

use std::collections::HashMap;

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use clubsync_protocol::message::{Ephemeral, Join, Message, PeerMetadata, SyncData};
use clubsync_protocol::{
    Access, DocSyncError, DocumentId, DocumentSync, Limits, PeerId, ServerAction, ServerConnection,
    codec,
};
use libfuzzer_sys::fuzz_target;

/// The server's peer id.
const SERVER: &str = "fuzz-server";
/// The client's peer id, as its `join` gives it.
const CLIENT: &str = "fuzz-client";
/// The two documents steps can be about.
const DOCUMENTS: [DocumentId; 2] = [
    DocumentId::from_bytes([1; 16]),
    DocumentId::from_bytes([2; 16]),
];
/// The one connection every `DocumentSync` syncs with.
const CONNECTION: u8 = 0;

/// A loaded document with its sync states and what has been committed of it.
struct LoadedDoc {
    doc: Automerge,
    sync: DocumentSync<u8>,
    /// The committed receipts, concatenated: what storage would hold.
    store: Vec<u8>,
}

impl LoadedDoc {
    fn new() -> Self {
        Self {
            doc: Automerge::new(),
            sync: DocumentSync::new(),
            store: Vec::new(),
        }
    }

    /// Discards the in-memory document and sync states and loads the document from storage.
    fn reload(&mut self) {
        let mut doc = Automerge::new();
        doc.load_incremental(&self.store)
            .expect("committed receipts must always load");
        self.doc = doc;
        self.sync = DocumentSync::new();
    }
}

struct Harness {
    server: ServerConnection,
    docs: HashMap<DocumentId, LoadedDoc>,
    sent: usize,
}

impl Harness {
    fn new() -> Self {
        let limits = Limits {
            max_frame_bytes: 1 << 20,
            max_documents: 4,
        };
        let server_id = PeerId::new(SERVER).expect("valid peer id");
        Self {
            server: ServerConnection::new(server_id, PeerMetadata::default(), limits),
            docs: HashMap::new(),
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
                ServerAction::Ephemeral(e) => {
                    if let Some(frame) = self.server.ephemeral_frame(&e) {
                        self.send(frame);
                    }
                }
                ServerAction::Sync {
                    document_id,
                    request,
                    permission,
                    message,
                } => {
                    let loaded = self.docs.entry(document_id).or_insert_with(LoadedDoc::new);
                    if !loaded.sync.has_peer(&CONNECTION) {
                        loaded.sync.add_peer(CONNECTION, permission, None);
                    }
                    match loaded
                        .sync
                        .receive(&CONNECTION, request, message, &mut loaded.doc)
                    {
                        Ok(receipt) => {
                            if !receipt.changes.is_empty() {
                                assert!(
                                    loaded.sync.generate(&loaded.doc).is_empty(),
                                    "heads generated before the commit"
                                );
                                loaded.store.extend_from_slice(&receipt.changes);
                                loaded.sync.committed();
                            }
                            if receipt.unavailable
                                && let Some(frame) = self.server.unavailable_frame(document_id)
                            {
                                self.send(frame);
                            }
                        }
                        Err(DocSyncError::MalformedChanges(_)) => loaded.reload(),
                        Err(e) => panic!("unexpected error from DocumentSync::receive: {e}"),
                    }
                    self.generate(document_id);
                }
            }
        }
    }

    fn generate(&mut self, document_id: DocumentId) {
        let Some(loaded) = self.docs.get_mut(&document_id) else {
            return;
        };
        let messages = loaded.sync.generate(&loaded.doc);
        for (_, message) in messages {
            if let Some(frame) = self.server.sync_frame(document_id, message) {
                self.send(frame);
            }
        }
    }

    fn local_edit(&mut self, document_id: DocumentId, key: &[u8]) {
        let loaded = self.docs.entry(document_id).or_insert_with(LoadedDoc::new);
        let before = loaded.doc.get_heads();
        let key = String::from_utf8_lossy(key).into_owned();
        let mut tx = loaded.doc.transaction();
        tx.put(ROOT, key, 1_i64).expect("put on the root map");
        tx.commit();
        loaded
            .store
            .extend_from_slice(&loaded.doc.save_after(&before));
        self.generate(document_id);
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
    let mut h = Harness::new();
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
                h.local_edit(document_id, bytes);
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
