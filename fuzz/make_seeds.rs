//! Writes the fuzz seeds in `seeds/<target>/`: a handful of small, valid inputs made from real
//! frames and real Automerge sync messages, so the fuzzer starts past the shallow checks.
//!
//! Run from `fuzz/`: `cargo run --example make_seeds [OUT_DIR]` (default `seeds`). The output is
//! deterministic except for Automerge's random actor ids.

use std::fs;
use std::path::Path;

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use clubsync_protocol::codec;
use clubsync_protocol::ids::StorageId;
use clubsync_protocol::message::*;
use clubsync_protocol::{DocumentId, PeerId};

const SERVER: &str = "fuzz-server";
const CLIENT: &str = "fuzz-client";

fn peer(id: &str) -> PeerId {
    PeerId::new(id).expect("valid peer id")
}

/// A document with `n` donation records.
fn donations(n: usize) -> Automerge {
    let mut doc = Automerge::new();
    for i in 0..n {
        let mut tx = doc.transaction();
        tx.put(ROOT, format!("donation-{i}"), 25_i64 + i as i64)
            .expect("put on the root map");
        tx.commit();
    }
    doc
}

/// The messages `client` sends while syncing with `server` until both are quiet.
fn client_messages(client: &mut Automerge, server: &mut Automerge) -> Vec<Vec<u8>> {
    let (mut cs, mut ss) = (sync::State::new(), sync::State::new());
    let mut sent = Vec::new();
    for _ in 0..20 {
        let from_client = client.generate_sync_message(&mut cs);
        if let Some(m) = &from_client {
            sent.push(m.clone().encode());
            server
                .receive_sync_message(&mut ss, m.clone())
                .expect("valid message");
        }
        let from_server = server.generate_sync_message(&mut ss);
        if let Some(m) = &from_server {
            client
                .receive_sync_message(&mut cs, m.clone())
                .expect("valid message");
        }
        if from_client.is_none() && from_server.is_none() {
            break;
        }
    }
    sent
}

/// One step of a `server_session` input (see that target's documentation for the format).
fn step(out: &mut Vec<u8>, kind: u8, access: u8, doc: u8, defer: bool, bytes: &[u8]) {
    out.push(kind | (access << 3) | (doc << 5) | (u8::from(defer) << 6));
    let len = u16::try_from(bytes.len()).expect("a step under 64 KiB");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(bytes);
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).expect("create the seed directory");
    fs::write(dir.join(name), bytes).expect("write a seed");
}

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "seeds".into());
    let out = Path::new(&out);
    let document_id = DocumentId::from_bytes([1; 16]);
    let storage = StorageId::new("fuzz-storage").expect("valid storage id");

    // decode_frame: one frame of each interesting shape.
    let frames = out.join("decode_frame");
    let sync_data = donations(1)
        .generate_sync_message(&mut sync::State::new())
        .expect("a first message")
        .encode();
    let messages = [
        (
            "join",
            Message::Join(Join {
                sender_id: peer(CLIENT),
                peer_metadata: Some(PeerMetadata {
                    storage_id: Some(storage.clone()),
                    is_ephemeral: false,
                }),
                supported_protocol_versions: vec!["1".into()],
            }),
        ),
        (
            "peer",
            Message::Peer(Peer {
                sender_id: peer(SERVER),
                target_id: peer(CLIENT),
                peer_metadata: Some(PeerMetadata::default()),
                selected_protocol_version: "1".into(),
            }),
        ),
        (
            "sync",
            Message::Sync(SyncData {
                sender_id: peer(CLIENT),
                target_id: peer(SERVER),
                document_id,
                data: sync_data,
            }),
        ),
        (
            "ephemeral",
            Message::Ephemeral(Ephemeral {
                sender_id: peer(CLIENT),
                target_id: peer(SERVER),
                count: 3,
                session_id: "session".into(),
                document_id,
                data: vec![0xa1, 0x61, 0x78, 0x01],
            }),
        ),
        (
            "remote-heads-changed",
            Message::RemoteHeadsChanged(RemoteHeadsChanged {
                sender_id: peer(SERVER),
                target_id: peer(CLIENT),
                document_id,
                new_heads: vec![(
                    storage.clone(),
                    RemoteHeads {
                        heads: vec!["2TYpRzCTxk8Bpn5Ku7Wmbvv3Y2ZEsw2CuXjJ3yNM2vMHiq3Bp".into()],
                        timestamp: 1_700_000_000_000,
                    },
                )],
            }),
        ),
        (
            "error",
            Message::Error(ErrorMessage {
                sender_id: Some(peer(SERVER)),
                target_id: None,
                message: "bad".into(),
            }),
        ),
    ];
    for (name, message) in &messages {
        write(&frames, name, &codec::encode(message));
    }

    // server_session: real exchanges, mostly past the handshake.
    let session = out.join("server_session");
    let mut client = donations(3);
    let sent = client_messages(&mut client, &mut Automerge::new());
    let mut upload = vec![1];
    for data in &sent {
        step(&mut upload, 2, 2, 0, false, data);
    }
    write(&session, "upload-read-write", &upload);

    let mut read_only = vec![1];
    for data in &sent {
        step(&mut read_only, 2, 1, 1, true, data);
    }
    step(&mut read_only, 5, 1, 1, false, b"presence");
    write(&session, "upload-read-only-deferred", &read_only);

    let mut server = donations(2);
    let mut empty = Automerge::new();
    let mut download = vec![1];
    step(&mut download, 6, 2, 0, false, b"local");
    for (i, data) in client_messages(&mut empty, &mut server).iter().enumerate() {
        step(&mut download, if i == 0 { 4 } else { 2 }, 2, 0, false, data);
    }
    write(&session, "request-download", &download);

    let mut denied = vec![1];
    step(&mut denied, 4, 0, 0, false, &sent[0]);
    step(&mut denied, 3, 2, 1, false, &sent[0]);
    write(&session, "denied-and-forged", &denied);
    println!("seeds written to {}", out.display());
}
