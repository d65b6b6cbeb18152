//! The codec's rules, one test each, and frames the JS encoder makes.

use super::*;

const LIMIT: usize = 1 << 20;

fn peer(s: &str) -> PeerId {
    PeerId::new(s).expect("valid peer id")
}

fn every_message() -> Vec<Message> {
    let doc = DocumentId::random();
    vec![
        Message::Join(Join {
            sender_id: peer("client"),
            peer_metadata: Some(PeerMetadata {
                storage_id: Some(StorageId::random()),
                is_ephemeral: false,
            }),
            supported_protocol_versions: vec!["1".into()],
        }),
        Message::Peer(Peer {
            sender_id: peer("server"),
            target_id: peer("client"),
            peer_metadata: Some(PeerMetadata::default()),
            selected_protocol_version: "1".into(),
        }),
        Message::Error(ErrorMessage {
            sender_id: Some(peer("server")),
            target_id: None,
            message: "device revoked".into(),
        }),
        Message::Request(SyncData {
            sender_id: peer("a"),
            target_id: peer("b"),
            document_id: doc,
            data: vec![0x42, 1, 2],
        }),
        Message::Sync(SyncData {
            sender_id: peer("a"),
            target_id: peer("b"),
            document_id: doc,
            data: vec![],
        }),
        Message::DocUnavailable(DocUnavailable {
            sender_id: peer("a"),
            target_id: peer("b"),
            document_id: doc,
        }),
        Message::Ephemeral(Ephemeral {
            sender_id: peer("a"),
            target_id: peer("b"),
            count: 1 << 40,
            session_id: "s".into(),
            document_id: doc,
            data: vec![0xa0],
        }),
        Message::RemoteHeadsChanged(RemoteHeadsChanged {
            sender_id: peer("a"),
            target_id: peer("b"),
            document_id: doc,
            new_heads: vec![(
                StorageId::random(),
                RemoteHeads {
                    heads: vec!["x".into()],
                    timestamp: 1_764_000_000_000,
                },
            )],
        }),
        Message::RemoteSubscriptionChange(RemoteSubscriptionChange {
            sender_id: peer("a"),
            target_id: peer("b"),
            add: Some(vec![StorageId::random()]),
            remove: None,
        }),
        Message::Leave(Leave {
            sender_id: peer("a"),
        }),
    ]
}

#[test]
fn every_message_round_trips() {
    for m in every_message() {
        assert_eq!(decode(&encode(&m), LIMIT), Ok(m));
    }
}

#[test]
fn large_integers_are_written_as_js_numbers_the_way_cbor_x_writes_them() {
    let ephemeral = |count| {
        Message::Ephemeral(Ephemeral {
            sender_id: peer("a"),
            target_id: peer("b"),
            count,
            session_id: "s".into(),
            document_id: DocumentId::from_bytes([0; 16]),
            data: vec![],
        })
    };
    // The bytes after the "count" key, as cbor-x 1.6 writes the same JS number.
    let after_count = |count| {
        let frame = encode(&ephemeral(count));
        let key = b"\x65count";
        let at = frame
            .windows(key.len())
            .position(|w| w == key)
            .expect("count key written");
        frame[at + key.len()..].to_vec()
    };
    assert!(after_count(1).starts_with(&[0x01]));
    assert!(after_count(u64::from(u32::MAX)).starts_with(&[0x1a, 0xff, 0xff, 0xff, 0xff]));
    assert!(after_count((1 << 32) + 7).starts_with(&[0xfb, 0x41, 0xf0, 0, 0, 0, 0x70, 0, 0]));
    assert!(after_count(MAX_SAFE_INTEGER_U64).starts_with(&[0xfb, 0x43, 0x3f, 0xff, 0xff]));
    // Past 2^53 - 1 no float is exact: an 8-byte integer (a BigInt to JS), still exact here.
    assert!(after_count(1 << 53).starts_with(&[0x1b, 0, 0x20, 0, 0, 0, 0, 0, 0]));
    for count in [
        0,
        u64::from(u32::MAX) + 1,
        MAX_SAFE_INTEGER_U64,
        1 << 53,
        u64::MAX,
    ] {
        assert_eq!(
            decode(&encode(&ephemeral(count)), LIMIT),
            Ok(ephemeral(count))
        );
    }
}

#[test]
fn an_oversized_frame_is_refused_before_parsing() {
    let frame = vec![0u8; 100];
    assert_eq!(
        decode(&frame, 99),
        Err(DecodeError::FrameTooLarge {
            size: 100,
            limit: 99
        })
    );
}

fn cbor(build: impl FnOnce(&mut Encoder<&mut Vec<u8>>) -> WResult) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = Encoder::new(&mut out);
    assert!(build(&mut e).is_ok());
    out
}

#[test]
fn floats_for_integers_and_undefined_storage_ids_are_accepted() {
    let doc = DocumentId::random();
    let frame = cbor(|e| {
        e.map(7)?;
        e.str("type")?.str("ephemeral")?;
        e.str("senderId")?.str("a")?;
        e.str("targetId")?.str("b")?;
        e.str("count")?.f64(3.0)?;
        e.str("sessionId")?.str("s")?;
        e.str("documentId")?.str(&doc.to_string())?;
        e.str("data")?.bytes(&[1])?;
        Ok(())
    });
    match decode(&frame, LIMIT) {
        Ok(Message::Ephemeral(m)) => assert_eq!(m.count, 3),
        other => panic!("expected an ephemeral message, got {other:?}"),
    }

    let join = cbor(|e| {
        e.map(4)?;
        e.str("type")?.str("join")?;
        e.str("senderId")?.str("a")?;
        e.str("supportedProtocolVersions")?.array(1)?.str("1")?;
        e.str("metadata")?.map(2)?;
        e.str("storageId")?.undefined()?;
        e.str("isEphemeral")?.bool(true)?;
        Ok(())
    });
    match decode(&join, LIMIT) {
        Ok(Message::Join(j)) => assert_eq!(
            j.peer_metadata,
            Some(PeerMetadata {
                storage_id: None,
                is_ephemeral: true
            })
        ),
        other => panic!("expected a join, got {other:?}"),
    }
}

#[test]
fn a_fractional_or_negative_count_is_refused() {
    let doc = DocumentId::random();
    for bad in [1.5f64, -1.0, f64::NAN] {
        let frame = cbor(|e| {
            e.map(7)?;
            e.str("type")?.str("ephemeral")?;
            e.str("senderId")?.str("a")?;
            e.str("targetId")?.str("b")?;
            e.str("count")?.f64(bad)?;
            e.str("sessionId")?.str("s")?;
            e.str("documentId")?.str(&doc.to_string())?;
            e.str("data")?.bytes(&[1])?;
            Ok(())
        });
        assert!(matches!(
            decode(&frame, LIMIT),
            Err(DecodeError::WrongType { field: "count", .. })
        ));
    }
}

#[test]
fn malformed_frames_name_their_problem() {
    assert!(matches!(decode(&[], LIMIT), Err(DecodeError::NotCbor(_))));
    assert!(matches!(
        decode(&[0xbf, 0x61], LIMIT),
        Err(DecodeError::NotCbor(_))
    ));
    assert!(matches!(
        decode(&[0xff], LIMIT),
        Err(DecodeError::NotAMap(_))
    ));
    assert!(matches!(
        decode(&[0x01], LIMIT),
        Err(DecodeError::NotAMap(_))
    ));
    assert_eq!(decode(&[0xa0], LIMIT), Err(DecodeError::MissingType));
    let unknown = cbor(|e| {
        e.map(1)?.str("type")?.str("hello")?;
        Ok(())
    });
    let err = decode(&unknown, LIMIT).expect_err("unknown type");
    assert!(err.is_unknown_type());
    let no_doc = cbor(|e| {
        e.map(4)?.str("type")?.str("sync")?;
        e.str("senderId")?.str("a")?;
        e.str("targetId")?.str("b")?;
        e.str("data")?.bytes(&[])?;
        Ok(())
    });
    assert_eq!(
        decode(&no_doc, LIMIT),
        Err(DecodeError::MissingField {
            message_type: "sync",
            field: "documentId"
        })
    );
    let mut trailing = encode(&every_message()[9]);
    trailing.push(0);
    assert_eq!(decode(&trailing, LIMIT), Err(DecodeError::TrailingBytes(1)));
    let dup = cbor(|e| {
        e.map(2)?
            .str("type")?
            .str("leave")?
            .str("type")?
            .str("leave")?;
        Ok(())
    });
    assert_eq!(
        decode(&dup, LIMIT),
        Err(DecodeError::DuplicateKey("type".into()))
    );
}

#[test]
fn indefinite_length_maps_and_strings_are_read() {
    let frame = cbor(|e| {
        e.begin_map()?;
        e.str("type")?.begin_str()?.str("lea")?.str("ve")?.end()?;
        e.str("senderId")?.str("a")?;
        e.end()?;
        Ok(())
    });
    assert_eq!(
        decode(&frame, LIMIT),
        Ok(Message::Leave(Leave {
            sender_id: peer("a")
        }))
    );
}
