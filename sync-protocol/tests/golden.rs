//! Golden vectors: our CBOR codec against the real JS encoder and decoder, both ways.
//!
//! `tests/golden/vectors/` holds frames written by `@automerge/automerge-repo`'s own `cbor.encode`
//! (see `tests/golden/js/generate.mjs`) and a manifest of what each frame means, in the JSON form
//! documented in `tests/golden/js/manifest-form.mjs`. One test decodes those frames with
//! [`codec::decode`]; the other encodes the same messages with [`codec::encode`] and has
//! `tests/golden/js/verify.mjs` read them with automerge-repo's decoder.
//!
//! The JS half needs `npm ci` in `tests/golden/js`; without it that test fails, unless
//! `CLUBSYNC_SKIP_JS=1` says to skip it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use clubsync_protocol::codec;
use clubsync_protocol::message::*;
use clubsync_protocol::{DocumentId, PeerId, StorageId};
use serde_json::{Map, Value, json};

/// Generous: the largest golden frame is well under a kilobyte.
const MAX_FRAME_BYTES: usize = 1 << 20;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
}

struct Vector {
    file: String,
    message: Value,
}

fn golden_vectors() -> Vec<Vector> {
    let path = golden_dir().join("vectors").join("manifest.json");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let manifest: Value = serde_json::from_str(&text).expect("manifest.json is JSON");
    let vectors = manifest["vectors"]
        .as_array()
        .expect("manifest has a vectors array");
    assert!(!vectors.is_empty(), "manifest.json lists no vectors");
    vectors
        .iter()
        .map(|v| Vector {
            file: v["file"]
                .as_str()
                .expect("vector has a file name")
                .to_owned(),
            message: v["message"].clone(),
        })
        .collect()
}

// ------------------------------------------------------------------ Message <-> manifest form

fn metadata_json(meta: &Option<PeerMetadata>) -> Value {
    match meta {
        None => Value::Null,
        Some(m) => json!({
            "storageId": m.storage_id.as_ref().map(StorageId::as_str),
            "isEphemeral": m.is_ephemeral,
        }),
    }
}

fn ids_json(ids: &Option<Vec<StorageId>>) -> Value {
    match ids {
        None => Value::Null,
        Some(ids) => ids.iter().map(|id| Value::from(id.as_str())).collect(),
    }
}

/// The manifest form of a message (see `js/manifest-form.mjs`).
fn to_json(message: &Message) -> Value {
    let t = message.type_name();
    match message {
        Message::Join(m) => json!({
            "type": t,
            "senderId": m.sender_id.as_str(),
            "peerMetadata": metadata_json(&m.peer_metadata),
            "supportedProtocolVersions": m.supported_protocol_versions,
        }),
        Message::Peer(m) => json!({
            "type": t,
            "senderId": m.sender_id.as_str(),
            "targetId": m.target_id.as_str(),
            "peerMetadata": metadata_json(&m.peer_metadata),
            "selectedProtocolVersion": m.selected_protocol_version,
        }),
        Message::Error(m) => json!({
            "type": t,
            "senderId": m.sender_id.as_ref().map(PeerId::as_str),
            "targetId": m.target_id.as_ref().map(PeerId::as_str),
            "message": m.message,
        }),
        Message::Request(m) | Message::Sync(m) => json!({
            "type": t,
            "senderId": m.sender_id.as_str(),
            "targetId": m.target_id.as_str(),
            "documentId": m.document_id.to_string(),
            "data": hex::encode(&m.data),
        }),
        Message::DocUnavailable(m) => json!({
            "type": t,
            "senderId": m.sender_id.as_str(),
            "targetId": m.target_id.as_str(),
            "documentId": m.document_id.to_string(),
        }),
        Message::Ephemeral(m) => json!({
            "type": t,
            "senderId": m.sender_id.as_str(),
            "targetId": m.target_id.as_str(),
            "count": m.count,
            "sessionId": m.session_id,
            "documentId": m.document_id.to_string(),
            "data": hex::encode(&m.data),
        }),
        Message::RemoteHeadsChanged(m) => {
            let new_heads: Map<String, Value> = m
                .new_heads
                .iter()
                .map(|(storage, heads)| {
                    let entry = json!({ "heads": heads.heads, "timestamp": heads.timestamp });
                    (storage.as_str().to_owned(), entry)
                })
                .collect();
            json!({
                "type": t,
                "senderId": m.sender_id.as_str(),
                "targetId": m.target_id.as_str(),
                "documentId": m.document_id.to_string(),
                "newHeads": new_heads,
            })
        }
        Message::RemoteSubscriptionChange(m) => json!({
            "type": t,
            "senderId": m.sender_id.as_str(),
            "targetId": m.target_id.as_str(),
            "add": ids_json(&m.add),
            "remove": ids_json(&m.remove),
        }),
        Message::Leave(m) => json!({ "type": t, "senderId": m.sender_id.as_str() }),
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("manifest field {key:?} is not text in {v}"))
        .to_owned()
}

fn opt_text(v: &Value, key: &str) -> Option<String> {
    (!v[key].is_null()).then(|| text(v, key))
}

fn peer(v: &Value, key: &str) -> PeerId {
    PeerId::new(text(v, key)).expect("manifest peer id is valid")
}

fn storage(s: &str) -> StorageId {
    StorageId::new(s).expect("manifest storage id is valid")
}

fn document(v: &Value) -> DocumentId {
    text(v, "documentId")
        .parse()
        .expect("manifest document id is valid")
}

fn data(v: &Value) -> Vec<u8> {
    hex::decode(text(v, "data")).expect("manifest data is hex")
}

fn uint(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("manifest field {key:?} is not a non-negative integer in {v}"))
}

fn texts(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("manifest list is not an array: {v}"))
        .iter()
        .map(|s| s.as_str().expect("manifest list holds text").to_owned())
        .collect()
}

fn metadata(v: &Value) -> Option<PeerMetadata> {
    let m = &v["peerMetadata"];
    (!m.is_null()).then(|| PeerMetadata {
        storage_id: opt_text(m, "storageId").map(|s| storage(&s)),
        is_ephemeral: m["isEphemeral"]
            .as_bool()
            .expect("isEphemeral is a boolean"),
    })
}

fn storage_ids(v: &Value, key: &str) -> Option<Vec<StorageId>> {
    (!v[key].is_null()).then(|| texts(&v[key]).iter().map(|s| storage(s)).collect())
}

/// The message a manifest entry describes.
fn from_json(v: &Value) -> Message {
    let sync_data = || SyncData {
        sender_id: peer(v, "senderId"),
        target_id: peer(v, "targetId"),
        document_id: document(v),
        data: data(v),
    };
    match text(v, "type").as_str() {
        "join" => Message::Join(Join {
            sender_id: peer(v, "senderId"),
            peer_metadata: metadata(v),
            supported_protocol_versions: texts(&v["supportedProtocolVersions"]),
        }),
        "peer" => Message::Peer(Peer {
            sender_id: peer(v, "senderId"),
            target_id: peer(v, "targetId"),
            peer_metadata: metadata(v),
            selected_protocol_version: text(v, "selectedProtocolVersion"),
        }),
        "error" => Message::Error(ErrorMessage {
            sender_id: opt_text(v, "senderId").map(|s| PeerId::new(s).expect("valid peer id")),
            target_id: opt_text(v, "targetId").map(|s| PeerId::new(s).expect("valid peer id")),
            message: text(v, "message"),
        }),
        "request" => Message::Request(sync_data()),
        "sync" => Message::Sync(sync_data()),
        "doc-unavailable" => Message::DocUnavailable(DocUnavailable {
            sender_id: peer(v, "senderId"),
            target_id: peer(v, "targetId"),
            document_id: document(v),
        }),
        "ephemeral" => Message::Ephemeral(Ephemeral {
            sender_id: peer(v, "senderId"),
            target_id: peer(v, "targetId"),
            count: uint(v, "count"),
            session_id: text(v, "sessionId"),
            document_id: document(v),
            data: data(v),
        }),
        "remote-heads-changed" => Message::RemoteHeadsChanged(RemoteHeadsChanged {
            sender_id: peer(v, "senderId"),
            target_id: peer(v, "targetId"),
            document_id: document(v),
            new_heads: v["newHeads"]
                .as_object()
                .expect("newHeads is an object")
                .iter()
                .map(|(id, entry)| {
                    let heads = RemoteHeads {
                        heads: texts(&entry["heads"]),
                        timestamp: uint(entry, "timestamp"),
                    };
                    (storage(id), heads)
                })
                .collect(),
        }),
        "remote-subscription-change" => {
            Message::RemoteSubscriptionChange(RemoteSubscriptionChange {
                sender_id: peer(v, "senderId"),
                target_id: peer(v, "targetId"),
                add: storage_ids(v, "add"),
                remove: storage_ids(v, "remove"),
            })
        }
        "leave" => Message::Leave(Leave {
            sender_id: peer(v, "senderId"),
        }),
        other => panic!("manifest has a message of unknown type {other:?}"),
    }
}

// ------------------------------------------------------------------ tests

#[test]
fn the_golden_vectors_cover_every_message_type() {
    let covered: BTreeSet<String> = golden_vectors()
        .iter()
        .map(|v| text(&v.message, "type"))
        .collect();
    let all: BTreeSet<String> = [
        "join",
        "peer",
        "error",
        "request",
        "sync",
        "doc-unavailable",
        "ephemeral",
        "remote-heads-changed",
        "remote-subscription-change",
        "leave",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(covered, all);
}

#[test]
fn rust_decodes_every_frame_the_js_encoder_sends() {
    let dir = golden_dir().join("vectors");
    let mut failures = Vec::new();
    for v in golden_vectors() {
        let path = dir.join(&v.file);
        let frame = fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let message = match codec::decode(&frame, MAX_FRAME_BYTES) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{}: decode failed: {e}", v.file));
                continue;
            }
        };
        let actual = to_json(&message);
        if actual != v.message {
            failures.push(format!(
                "{}:\n  decoded  {actual}\n  expected {}",
                v.file, v.message
            ));
            continue;
        }
        if let Message::Request(m) | Message::Sync(m) = &message
            && let Err(e) = automerge::sync::Message::decode(&m.data)
        {
            failures.push(format!(
                "{}: automerge cannot read the sync data: {e}",
                v.file
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rust_reads_back_what_it_encodes_for_every_golden_message() {
    for v in golden_vectors() {
        let message = from_json(&v.message);
        assert_eq!(
            to_json(&message),
            v.message,
            "{}: manifest form round trip",
            v.file
        );
        let frame = codec::encode(&message);
        assert_eq!(
            codec::decode(&frame, MAX_FRAME_BYTES),
            Ok(message),
            "{}: encode then decode",
            v.file
        );
    }
}

#[test]
fn js_automerge_repo_decodes_every_frame_rust_encodes() {
    let js = golden_dir().join("js");
    if std::env::var("CLUBSYNC_SKIP_JS").as_deref() == Ok("1") {
        eprintln!(
            "skipped: CLUBSYNC_SKIP_JS=1, so Rust frames were not checked with automerge-repo's decoder"
        );
        return;
    }
    assert!(
        js.join("node_modules")
            .join("@automerge")
            .join("automerge-repo")
            .is_dir(),
        "{} has no node_modules: run the project's test command (`./run-tests`, which runs \
         `npm ci` there), or `cd sync-protocol/tests/golden/js && npm ci`; or set CLUBSYNC_SKIP_JS=1 \
         to skip the JS half of the golden tests",
        js.display()
    );

    let out = tempfile::tempdir().expect("create a temp dir");
    let mut entries = Vec::new();
    for v in golden_vectors() {
        let message = from_json(&v.message);
        let frame = codec::encode(&message);
        fs::write(out.path().join(&v.file), &frame).expect("write a frame to the temp dir");
        entries.push(json!({ "file": v.file, "message": to_json(&message) }));
    }
    let manifest = json!({ "about": "frames encoded by clubsync_protocol::codec::encode", "vectors": entries });
    let manifest = serde_json::to_string_pretty(&manifest).expect("serialize manifest");
    fs::write(out.path().join("manifest.json"), manifest).expect("write manifest.json");

    let result = Command::new("node")
        .arg(js.join("verify.mjs"))
        .arg(out.path())
        .current_dir(&js)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node (is Node.js 20+ on PATH?): {e}"));
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    println!("{stdout}");
    assert!(
        result.status.success(),
        "verify.mjs rejected frames encoded by Rust ({}):\n{stdout}\n{stderr}",
        result.status
    );
}
