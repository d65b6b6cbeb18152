//! The device sync's rules as stories, against the protocol's real server connection and
//! document sync, with no socket and no store: frames and answers in, effects out.

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc};
use clubsync_protocol::message::PeerMetadata;
use clubsync_protocol::{
    Access, DocumentId, DocumentSync, Limits, PeerId, ServerAction, ServerConnection, StorageId,
};

use super::*;

const CLUB_DOC: DocumentId = DocumentId::from_bytes([1; 16]);
const DOC: DocumentId = DocumentId::from_bytes([2; 16]);

/// The server side: one connection, one document with a donation, committed at once.
struct Server {
    conn: ServerConnection,
    doc: Automerge,
    sync: DocumentSync<()>,
}

impl Server {
    fn new() -> Self {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        tx.put(ROOT, "donation", 500).expect("put");
        tx.commit();
        let metadata = PeerMetadata {
            storage_id: Some(StorageId::new("server-store").expect("id")),
            is_ephemeral: false,
        };
        Self {
            conn: ServerConnection::new(
                PeerId::new("server").expect("id"),
                metadata,
                Limits::default(),
            ),
            doc,
            sync: DocumentSync::new(),
        }
    }

    /// Takes the device's frames; returns the server's answers.
    fn receive(&mut self, frames: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        let mut work: VecDeque<ServerAction> = frames
            .iter()
            .flat_map(|f| self.conn.receive_frame(f))
            .collect();
        let mut out = Vec::new();
        while let Some(action) = work.pop_front() {
            match action {
                ServerAction::Send(f) => out.push(f),
                ServerAction::CheckAccess(doc) => {
                    work.extend(self.conn.access_decided(doc, Access::ReadWrite));
                }
                ServerAction::Sync {
                    document_id,
                    request,
                    permission,
                    message,
                } if document_id == DOC => {
                    if !self.sync.has_peer(&()) {
                        self.sync.add_peer((), permission, None);
                    }
                    self.sync
                        .receive(&(), request, message, &mut self.doc)
                        .expect("valid");
                    self.sync.committed();
                    for (_, m) in self.sync.generate(&self.doc) {
                        out.extend(self.conn.sync_frame(DOC, m));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

fn joined() -> (DeviceSync, Server) {
    let mut server = Server::new();
    let (mut device, join) = DeviceSync::connect(
        PeerId::new("phone").expect("id"),
        StorageId::new("phone-store").expect("id"),
        CLUB_DOC,
    );
    let peer = server.receive(vec![join]);
    let effects = device.handle(DeviceInput::Frame(peer.concat()));
    assert_eq!(
        effects.joined,
        Some(Some(StorageId::new("server-store").expect("id")))
    );
    (device, server)
}

#[test]
fn a_received_change_is_stored_before_the_device_answers() {
    // 1. The device opens a document it has nothing of, and asks the server for it.
    let (mut device, mut server) = joined();
    let effects = device.handle(DeviceInput::Open {
        id: DOC,
        doc: Box::default(),
        saved: None,
    });
    let answers = server.receive(effects.frames);
    assert_eq!(answers.len(), 1, "the server sends the donation");

    // 2. The donation arrives: the device asks to store it, and says nothing yet.
    let effects = device.handle(DeviceInput::Frame(answers[0].clone()));
    let (id, chunk) = effects.store.expect("a chunk to store");
    assert_eq!(id, DOC);
    assert!(
        effects.frames.is_empty(),
        "answered before the change was stored"
    );
    assert!(effects.server_heads.is_empty());
    let mut stored = Automerge::new();
    stored.load_incremental(&chunk).expect("the chunk loads");
    assert!(stored.get(ROOT, "donation").expect("read").is_some());
    assert!(!device.all_in_sync());

    // 3. Stored: now it answers and notes the heads the server has confirmed.
    let effects = device.handle(DeviceInput::Stored);
    assert!(!effects.frames.is_empty(), "the exchange goes on");
    assert_eq!(effects.server_heads.len(), 1);
    assert_eq!(effects.synced, vec![(DOC, 1)]);
    assert!(device.all_in_sync());
}

#[test]
fn a_store_it_did_not_ask_for_ends_the_connection() {
    let (mut device, _) = joined();
    let effects = device.handle(DeviceInput::Stored);
    assert!(effects.closed.is_some());
}

#[test]
fn records_made_by_another_program_are_offered_to_the_server() {
    let (mut device, mut server) = joined();
    let effects = device.handle(DeviceInput::Open {
        id: DOC,
        doc: Box::default(),
        saved: None,
    });
    exchange(&mut device, &mut server, effects.frames);
    assert!(device.all_in_sync());

    // `clubsync collection donate` wrote a donation to the store while the sync ran.
    let mut stored = server.doc.fork();
    let mut tx = stored.transaction();
    tx.put(ROOT, "second", 250).expect("put");
    tx.commit();
    let effects = device.handle(DeviceInput::Local {
        id: DOC,
        stored: Box::new(stored),
    });
    assert!(
        !effects.frames.is_empty(),
        "the new record goes to the server"
    );
    assert!(
        !device.all_in_sync(),
        "not in sync until the server confirms it"
    );
    // The exchange goes on until neither side has more to say: automerge may leave a change out
    // of the first message when the server's last bloom filter seems to hold it (about one new
    // change in a hundred: this test failed 3 runs in 200 when it looked after one message), and
    // sends it once the server asks for the heads it lacks.
    exchange(&mut device, &mut server, effects.frames);
    assert!(server.doc.get(ROOT, "second").expect("read").is_some());
    assert!(device.all_in_sync(), "and the server confirmed it");
}

/// Delivers frames both ways, storing what the device asks to store, until nobody sends more.
fn exchange(device: &mut DeviceSync, server: &mut Server, mut to_server: Vec<Vec<u8>>) {
    for _ in 0..20 {
        if to_server.is_empty() {
            return;
        }
        let answers = server.receive(std::mem::take(&mut to_server));
        for frame in answers {
            let mut effects = device.handle(DeviceInput::Frame(frame));
            to_server.append(&mut effects.frames);
            while effects.store.is_some() {
                effects = device.handle(DeviceInput::Stored);
                to_server.append(&mut effects.frames);
            }
        }
    }
    panic!("the exchange did not go quiet");
}
