//! Benchmarks of clubsync-protocol: codec throughput, and the cost of our sync stack over
//! Automerge's own sync.
//!
//! - `codec/encode`, `codec/decode`: frames per second and bytes per second for `sync` frames of
//!   about 100 B, 64 KiB and 4 MiB, and for the `join` and `peer` handshake frames.
//! - `sync/ours`, `sync/direct`: two replicas of one document that diverged by N changes (half made
//!   on each side; for N = 1 the one change is on the client) are synced until quiescent, once
//!   through our whole stack (`ClientSession` <-> `ServerConnection` + `DocumentSync`, every
//!   message encoded to a frame and decoded again, commits being a bare call to `committed()`)
//!   and once with `automerge::sync` directly. Both are driven the same way: every message
//!   received is answered at once, and the messages exchanged are counted and printed.
//!
//! Run with `cargo bench -p clubsync-protocol`; results are written up in `BENCHMARKS.md`.

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::Duration;

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT};
use clubsync_protocol::message::{Join, Message, Peer, PeerMetadata, SyncData};
use clubsync_protocol::{
    Access, ClientAction, ClientSession, DocumentId, DocumentSync, Limits, PeerId, ServerAction,
    ServerConnection, StorageId, codec,
};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// The sizes of diverged history synced, in changes.
const DIVERGENCES: [usize; 3] = [1, 100, 10_000];

fn sync_frame(data_len: usize) -> Vec<u8> {
    codec::encode(&Message::Sync(SyncData {
        sender_id: PeerId::random(),
        target_id: PeerId::random(),
        document_id: DocumentId::random(),
        // Not a real automerge message: the codec never looks inside `data`.
        data: (0..data_len).map(|i| (i % 251) as u8).collect(),
    }))
}

fn codec_frames() -> Vec<(String, Vec<u8>)> {
    let metadata = PeerMetadata {
        storage_id: Some(StorageId::random()),
        is_ephemeral: false,
    };
    let join = codec::encode(&Message::Join(Join {
        sender_id: PeerId::random(),
        peer_metadata: Some(metadata.clone()),
        supported_protocol_versions: vec!["1".into()],
    }));
    let peer = codec::encode(&Message::Peer(Peer {
        sender_id: PeerId::random(),
        target_id: PeerId::random(),
        peer_metadata: Some(metadata),
        selected_protocol_version: "1".into(),
    }));
    vec![
        ("sync-small".into(), sync_frame(16)),
        ("sync-64KiB".into(), sync_frame(64 * 1024)),
        ("sync-4MiB".into(), sync_frame(4 * 1024 * 1024)),
        ("join".into(), join),
        ("peer".into(), peer),
    ]
}

fn bench_codec(c: &mut Criterion) {
    let frames = codec_frames();
    let limit = Limits::default().max_frame_bytes;
    let mut group = c.benchmark_group("codec");
    for (name, frame) in &frames {
        let message = codec::decode(frame, limit).expect("a frame we encoded decodes");
        println!("codec frame {name}: {} bytes", frame.len());
        group.throughput(Throughput::Bytes(frame.len() as u64));
        if frame.len() > 1024 * 1024 {
            group.sample_size(20);
        } else {
            group.sample_size(100);
        }
        group.bench_with_input(BenchmarkId::new("encode", name), &message, |b, m| {
            b.iter(|| codec::encode(black_box(m)))
        });
        group.bench_with_input(BenchmarkId::new("decode", name), frame, |b, f| {
            b.iter(|| codec::decode(black_box(f), limit).expect("decodes"))
        });
    }
    group.finish();
}

/// Adds `count` donation records to `doc`, one change (one small map) each.
fn add_donations(doc: &mut Automerge, side: &str, count: usize) {
    for i in 0..count {
        let mut tx = doc.transaction();
        let donation = tx
            .put_object(ROOT, format!("{side}-{i}"), ObjType::Map)
            .expect("put a map on the root");
        tx.put(&donation, "amount_cents", 2500_i64 + i as i64)
            .expect("put the amount");
        tx.put(&donation, "donor", format!("donor {i}"))
            .expect("put the donor");
        tx.commit();
    }
}

/// Two replicas of a document that share one change and then diverged by `n` changes: `n / 2`
/// rounded up on the client, the rest on the server.
fn diverged(n: usize) -> (Automerge, Automerge) {
    let mut base = Automerge::new();
    add_donations(&mut base, "base", 1);
    let mut client = base.fork();
    let mut server = base.fork();
    add_donations(&mut client, "client", n.div_ceil(2));
    add_donations(&mut server, "server", n / 2);
    (client, server)
}

/// A client session and a server connection, joined, and the document's server-side sync.
struct Stack {
    document_id: DocumentId,
    client: ClientSession,
    server: ServerConnection,
    server_sync: DocumentSync<u32>,
}

impl Stack {
    fn joined() -> Self {
        let (mut client, join) =
            ClientSession::connect(PeerId::random(), PeerMetadata::default(), Limits::default());
        let mut server =
            ServerConnection::new(PeerId::random(), PeerMetadata::default(), Limits::default());
        let mut joined = false;
        for action in server.receive_frame(&join) {
            if let ServerAction::Send(frame) = action {
                joined |= client
                    .receive_frame(&frame)
                    .iter()
                    .any(|a| matches!(a, ClientAction::Joined { .. }));
            }
        }
        assert!(joined, "the handshake completes");
        Self {
            document_id: DocumentId::random(),
            client,
            server,
            server_sync: DocumentSync::new(),
        }
    }

    /// Syncs the two replicas until neither side has anything to send; returns the number of
    /// sync messages exchanged (both directions).
    fn sync(&mut self, client_doc: &mut Automerge, server_doc: &mut Automerge) -> usize {
        let mut to_server: VecDeque<Vec<u8>> = VecDeque::new();
        let mut to_client: VecDeque<Vec<u8>> = VecDeque::new();
        let mut messages = 0;
        let first = self.client.sync_document(self.document_id, client_doc);
        self.client_actions(first, client_doc, &mut to_server);
        while !to_server.is_empty() || !to_client.is_empty() {
            if let Some(frame) = to_server.pop_front() {
                messages += 1;
                let actions = self.server.receive_frame(&frame);
                self.server_actions(actions, server_doc, &mut to_client);
            }
            if let Some(frame) = to_client.pop_front() {
                messages += 1;
                let actions = self.client.receive_frame(&frame);
                self.client_actions(actions, client_doc, &mut to_server);
            }
        }
        messages
    }

    fn client_actions(
        &mut self,
        actions: Vec<ClientAction>,
        doc: &mut Automerge,
        out: &mut VecDeque<Vec<u8>>,
    ) {
        for action in actions {
            match action {
                ClientAction::Send(frame) => out.push_back(frame),
                ClientAction::Sync {
                    document_id,
                    message,
                } => {
                    self.client
                        .apply(document_id, message, doc)
                        .expect("valid sync message");
                    // Committing to the device store is a no-op here.
                    let more = self.client.committed(document_id, doc);
                    self.client_actions(more, doc, out);
                }
                other => panic!("unexpected client action {other:?}"),
            }
        }
    }

    fn server_actions(
        &mut self,
        actions: Vec<ServerAction>,
        doc: &mut Automerge,
        out: &mut VecDeque<Vec<u8>>,
    ) {
        for action in actions {
            match action {
                ServerAction::Send(frame) => out.push_back(frame),
                ServerAction::CheckAccess(document_id) => {
                    let more = self.server.access_decided(document_id, Access::ReadWrite);
                    self.server_actions(more, doc, out);
                }
                ServerAction::Sync {
                    document_id,
                    request,
                    permission,
                    message,
                } => {
                    if !self.server_sync.has_peer(&0) {
                        self.server_sync.add_peer(0, permission, None);
                    }
                    let receipt = self
                        .server_sync
                        .receive(&0, request, message, doc)
                        .expect("valid sync message");
                    if !receipt.changes.is_empty() {
                        // Committing to the server store is a no-op here.
                        self.server_sync.committed();
                    }
                    for (_, message) in self.server_sync.generate(doc) {
                        out.extend(self.server.sync_frame(document_id, message));
                    }
                }
                other => panic!("unexpected server action {other:?}"),
            }
        }
    }
}

/// Syncs with automerge alone, driven like [`Stack::sync`]; returns the messages exchanged.
fn sync_direct(client: &mut Automerge, server: &mut Automerge) -> usize {
    let (mut client_state, mut server_state) = (sync::State::new(), sync::State::new());
    let mut to_server = VecDeque::new();
    let mut to_client = VecDeque::new();
    let mut messages = 0;
    to_server.extend(client.generate_sync_message(&mut client_state));
    while !to_server.is_empty() || !to_client.is_empty() {
        if let Some(message) = to_server.pop_front() {
            messages += 1;
            server
                .receive_sync_message(&mut server_state, message)
                .expect("valid sync message");
            to_client.extend(server.generate_sync_message(&mut server_state));
        }
        if let Some(message) = to_client.pop_front() {
            messages += 1;
            client
                .receive_sync_message(&mut client_state, message)
                .expect("valid sync message");
            to_server.extend(client.generate_sync_message(&mut client_state));
        }
    }
    messages
}

fn bench_sync(c: &mut Criterion) {
    let mut group = c.benchmark_group("sync");
    group.warm_up_time(Duration::from_secs(1));
    for n in DIVERGENCES {
        let (client, server) = diverged(n);

        // Both ways must converge, and the message counts are part of the result.
        let (mut c1, mut s1) = (client.clone(), server.clone());
        let ours = Stack::joined().sync(&mut c1, &mut s1);
        assert_eq!(c1.get_heads(), s1.get_heads(), "our stack converged");
        let (mut c2, mut s2) = (client.clone(), server.clone());
        let direct = sync_direct(&mut c2, &mut s2);
        assert_eq!(c2.get_heads(), s2.get_heads(), "automerge converged");
        println!(
            "sync of {n} diverged changes: {ours} messages through our stack, {direct} with \
             automerge directly (round trips: {} vs {})",
            ours.div_ceil(2),
            direct.div_ceil(2)
        );

        if n >= 10_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(20));
        } else {
            group.sample_size(30);
            group.measurement_time(Duration::from_secs(5));
        }
        group.bench_function(BenchmarkId::new("ours", n), |b| {
            b.iter_batched(
                || (Stack::joined(), client.clone(), server.clone()),
                // The replicas are returned so that dropping them is not timed.
                |(mut stack, mut c, mut s)| (stack.sync(&mut c, &mut s), c, s),
                BatchSize::PerIteration,
            )
        });
        group.bench_function(BenchmarkId::new("direct", n), |b| {
            b.iter_batched(
                || (client.clone(), server.clone()),
                |(mut c, mut s)| (sync_direct(&mut c, &mut s), c, s),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench_codec, bench_sync);
criterion_main!(benches);
