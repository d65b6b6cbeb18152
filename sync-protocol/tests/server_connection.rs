//! The server connection's rules, one story each: what a well-behaved client gets, and what a
//! misbehaving or unauthorised one gets instead. No sockets: frames in, actions out.

use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use clubsync_protocol::message::*;
use clubsync_protocol::{
    Access, DocumentId, Limits, Message, PeerId, ProtocolError, ServerAction, ServerConnection,
    codec,
};

fn peer(s: &str) -> PeerId {
    PeerId::new(s).expect("valid peer id")
}

fn server() -> ServerConnection {
    ServerConnection::new(peer("server"), PeerMetadata::default(), Limits::default())
}

fn join_frame(sender: &str) -> Vec<u8> {
    codec::encode(&Message::Join(Join {
        sender_id: peer(sender),
        peer_metadata: None,
        supported_protocol_versions: vec!["1".into()],
    }))
}

fn joined_server() -> ServerConnection {
    let mut s = server();
    let actions = s.receive_frame(&join_frame("phone"));
    assert!(matches!(actions[1], ServerAction::Joined { .. }));
    s
}

fn sync_frame(sender: &str, doc: DocumentId, data: Vec<u8>, request: bool) -> Vec<u8> {
    let body = SyncData {
        sender_id: peer(sender),
        target_id: peer("server"),
        document_id: doc,
        data,
    };
    codec::encode(&if request {
        Message::Request(body)
    } else {
        Message::Sync(body)
    })
}

/// Decodes a frame the connection made.
fn decode(frame: &[u8]) -> Message {
    codec::decode(frame, usize::MAX).expect("frames we made decode")
}

/// An automerge sync message, for building frames by hand.
fn first_sync_message(doc: &Automerge) -> automerge::sync::Message {
    doc.generate_sync_message(&mut automerge::sync::State::new())
        .expect("a first message always exists")
}

fn doc_with_donation() -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(ROOT, "donation", 500).expect("put");
    tx.commit();
    doc
}

/// The error the connection closed with, after checking that an `error` frame went first.
fn closed_with(actions: &[ServerAction]) -> &ProtocolError {
    match actions {
        [ServerAction::Send(frame), ServerAction::Close(e)] => {
            let Message::Error(msg) = decode(frame) else {
                panic!("an error frame precedes the close")
            };
            assert_eq!(msg.message, e.to_string(), "the peer is told why");
            e
        }
        other => panic!("expected an error frame and a close, got {other:?}"),
    }
}

#[test]
fn join_is_answered_with_peer_and_version_1() {
    let mut s = server();
    let actions = s.receive_frame(&join_frame("phone"));
    let ServerAction::Send(frame) = &actions[0] else {
        panic!("peer frame first")
    };
    let Message::Peer(p) = decode(frame) else {
        panic!("a peer message")
    };
    assert_eq!(p.target_id, peer("phone"));
    assert_eq!(p.selected_protocol_version, "1");
    assert_eq!(s.remote(), Some(&peer("phone")));
}

#[test]
fn a_client_without_version_1_is_refused() {
    let mut s = server();
    let frame = codec::encode(&Message::Join(Join {
        sender_id: peer("phone"),
        peer_metadata: None,
        supported_protocol_versions: vec!["2".into()],
    }));
    let actions = s.receive_frame(&frame);
    assert!(matches!(
        closed_with(&actions),
        ProtocolError::UnsupportedVersion(_)
    ));
}

#[test]
fn anything_before_join_is_refused() {
    let mut s = server();
    let frame = sync_frame("phone", DocumentId::random(), vec![0x42], false);
    let actions = s.receive_frame(&frame);
    assert!(matches!(
        closed_with(&actions),
        ProtocolError::HandshakeExpected {
            expected: "join",
            got: "sync"
        }
    ));
    assert!(
        s.receive_frame(&join_frame("phone")).is_empty(),
        "a closed connection stays closed"
    );
}

#[test]
fn text_frames_non_cbor_and_wrong_shapes_close_with_their_reason() {
    let mut s = joined_server();
    assert_eq!(
        closed_with(&s.receive_text_frame()),
        &ProtocolError::TextFrame
    );

    let mut s = joined_server();
    let e = closed_with(&s.receive_frame(b"\xff\xfe not cbor")).clone();
    assert!(matches!(e, ProtocolError::Decode(_)), "{e}");

    let mut s = joined_server();
    let e = closed_with(&s.receive_frame(&[0xa1, 0x64, b't', b'y', b'p', b'e', 0x01])).clone();
    assert!(e.to_string().contains("\"type\""), "{e}");
}

#[test]
fn an_unknown_message_type_is_reported_and_the_connection_goes_on() {
    let mut s = joined_server();
    let frame = [&[0xa1u8, 0x64][..], b"type", &[0x65], b"hello"].concat();
    let actions = s.receive_frame(&frame);
    assert!(matches!(actions[..], [ServerAction::Report(_)]));
    assert!(!s.is_closed());
}

#[test]
fn a_forged_sender_is_refused() {
    let mut s = joined_server();
    let doc = DocumentId::random();
    let frame = sync_frame(
        "someone-else",
        doc,
        first_sync_message(&Automerge::new()).encode(),
        true,
    );
    let actions = s.receive_frame(&frame);
    assert!(matches!(
        closed_with(&actions),
        ProtocolError::ForgedSender { .. }
    ));
}

#[test]
fn garbage_automerge_data_is_refused_with_the_document_named() {
    let mut s = joined_server();
    let doc = DocumentId::random();
    let actions = s.receive_frame(&sync_frame("phone", doc, vec![0x42, 0xff, 0xff], false));
    match closed_with(&actions) {
        ProtocolError::BadSyncMessage { document, .. } => assert_eq!(*document, doc),
        other => panic!("expected BadSyncMessage, got {other}"),
    }
}

#[test]
fn an_oversized_frame_is_refused() {
    let mut s = ServerConnection::new(
        peer("server"),
        PeerMetadata::default(),
        Limits {
            max_frame_bytes: 1024,
            ..Limits::default()
        },
    );
    s.receive_frame(&join_frame("phone"));
    let big = sync_frame("phone", DocumentId::random(), vec![0x42; 2000], false);
    let e = closed_with(&s.receive_frame(&big)).clone();
    assert!(
        e.to_string().contains("over the limit of 1024 bytes"),
        "{e}"
    );
}

#[test]
fn messages_wait_for_the_access_decision_and_a_denied_document_is_unavailable() {
    // 1. A phone asks for a document of another club.
    let mut s = joined_server();
    let doc = DocumentId::random();
    let data = first_sync_message(&Automerge::new()).encode();
    let actions = s.receive_frame(&sync_frame("phone", doc, data.clone(), true));
    assert!(matches!(actions[..], [ServerAction::CheckAccess(d)] if d == doc));

    // 2. It asks again before the server decided: nothing yet, no second check.
    assert!(
        s.receive_frame(&sync_frame("phone", doc, data.clone(), true))
            .is_empty()
    );

    // 3. Denied: one doc-unavailable, nothing that shows whether the document exists.
    let actions = s.access_decided(doc, Access::Denied);
    let [ServerAction::Send(frame)] = &actions[..] else {
        panic!("one frame, got {actions:?}")
    };
    assert!(matches!(decode(frame), Message::DocUnavailable(u) if u.document_id == doc));

    // 4. Asking again gets the same answer at once.
    let actions = s.receive_frame(&sync_frame("phone", doc, data, false));
    assert!(
        matches!(&actions[..], [ServerAction::Send(f)] if matches!(decode(f), Message::DocUnavailable(_)))
    );
    assert_eq!(s.permission(&doc), None);
}

#[test]
fn an_allowed_document_delivers_the_queued_messages_in_order() {
    let mut s = joined_server();
    let doc = DocumentId::random();
    let data = first_sync_message(&doc_with_donation()).encode();
    s.receive_frame(&sync_frame("phone", doc, data.clone(), false));
    s.receive_frame(&sync_frame("phone", doc, data, false));
    let actions = s.access_decided(doc, Access::ReadWrite);
    assert_eq!(actions.len(), 2);
    assert!(
        actions
            .iter()
            .all(|a| matches!(a, ServerAction::Sync { request: false, .. }))
    );
}

#[test]
fn a_change_sent_anyway_by_an_observer_is_refused_with_an_error() {
    // A client that ignores the read-only flag (an old or a hostile one) sends a change.
    let mut s = joined_server();
    let doc = DocumentId::random();
    let data = first_sync_message(&Automerge::new()).encode();
    s.receive_frame(&sync_frame("phone", doc, data, true));
    s.access_decided(doc, Access::ReadOnly);
    let forged = doc_with_donation();
    let change = forged.get_changes(&[]).remove(0);
    let message = automerge::sync::Message {
        heads: forged.get_heads(),
        need: vec![],
        have: vec![],
        changes: vec![change.raw_bytes().to_vec()].into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    let actions = s.receive_frame(&sync_frame("phone", doc, message.encode(), false));
    assert_eq!(closed_with(&actions), &ProtocolError::ReadOnlyChange(doc));
    assert!(closed_with(&actions).to_string().contains("may only read"));
}

#[test]
fn too_many_documents_on_one_connection_is_refused() {
    let mut s = ServerConnection::new(
        peer("server"),
        PeerMetadata::default(),
        Limits {
            max_documents: 2,
            ..Limits::default()
        },
    );
    s.receive_frame(&join_frame("phone"));
    let data = first_sync_message(&Automerge::new()).encode();
    for _ in 0..2 {
        let actions = s.receive_frame(&sync_frame(
            "phone",
            DocumentId::random(),
            data.clone(),
            true,
        ));
        assert!(matches!(actions[..], [ServerAction::CheckAccess(_)]));
    }
    let actions = s.receive_frame(&sync_frame("phone", DocumentId::random(), data, true));
    assert_eq!(
        closed_with(&actions),
        &ProtocolError::TooManyDocuments { limit: 2 }
    );
}

#[test]
fn ephemeral_messages_reach_only_connections_that_may_read() {
    let doc = DocumentId::from_bytes([8; 16]);
    let mut reader = joined_server();
    let mut stranger = joined_server();
    let data = first_sync_message(&Automerge::new()).encode();
    reader.receive_frame(&sync_frame("phone", doc, data.clone(), true));
    reader.access_decided(doc, Access::ReadOnly);
    stranger.receive_frame(&sync_frame("phone", doc, data, true));
    stranger.access_decided(doc, Access::Denied);
    let e = Ephemeral {
        sender_id: peer("tablet"),
        target_id: peer("server"),
        count: 1,
        session_id: "s".into(),
        document_id: doc,
        data: vec![0xa0],
    };
    let frame = reader.ephemeral_frame(&e).expect("a reader gets it");
    assert!(matches!(decode(&frame), Message::Ephemeral(m) if m.target_id == peer("phone")));
    assert!(stranger.ephemeral_frame(&e).is_none());
}

#[test]
fn revoking_tells_the_device_why() {
    let mut s = joined_server();
    let actions = s.refuse("this device was revoked by a coordinator");
    let e = closed_with(&actions);
    assert!(e.to_string().contains("revoked"));
    assert!(s.is_closed());
}
