//! A table of bad inputs, each sent to the running server on its own connection: each is answered
//! with its own error, while another device's records keep syncing and nothing is lost.

use clubsync_testkit::harness as common;

use automerge::sync::SyncDoc;
use clubsync_protocol::message::{Join, SyncData};
use clubsync_protocol::{DocumentId, Message, PeerId, codec};
use common::records::{donations, new_collection, record_donation};
use common::{LIMIT, QUIET, ServerProcess, connect};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// How a bad input must be answered.
enum Expect {
    /// The connection closes with an error whose text contains this.
    Closed(&'static str),
    /// The connection stays open (the message was skipped).
    StaysOpen,
}

fn sync_frame(sender: &str, doc: DocumentId, data: Vec<u8>) -> Vec<u8> {
    codec::encode(&Message::Sync(SyncData {
        sender_id: PeerId::new(sender).expect("peer id"),
        target_id: PeerId::new("server").expect("peer id"),
        document_id: doc,
        data,
    }))
}

#[tokio::test]
async fn every_bad_input_gets_its_own_error_and_nothing_is_lost() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &["--max-frame-bytes", "65536"]);
    let lee = server.token_for("Volunteer Lee");
    let park = server.joined("Volunteer Park");

    // A collector's phone stays connected and keeps recording throughout.
    let collection = DocumentId::random();
    let mut collector = connect(&server.ws_url(Some(&park.token)))
        .await
        .expect("connects");
    let mut doc = new_collection(&park, "Market Square");
    record_donation(&mut doc, &park, 100);
    collector.docs.insert(collection, doc);
    collector.sync(QUIET, LIMIT).await;

    let valid_first_message = automerge::Automerge::new()
        .generate_sync_message(&mut automerge::sync::State::new())
        .expect("a first message")
        .encode();
    // A new document sent whole (as automerge sends it to a peer with nothing) whose one
    // deflated column inflates to 56 MiB: refused before automerge inflates it.
    let mut bomb_message = valid_first_message_of_a_change();
    bomb_message.changes = vec![common::hostile::deflated_column_bomb(56)].into();
    let table: Vec<(&str, WsMessage, Expect)> = vec![
        (
            "text frame",
            WsMessage::Text("{\"type\":\"sync\"}".into()),
            Expect::Closed("text frames"),
        ),
        (
            "non-CBOR bytes",
            WsMessage::Binary(vec![0xff, 0x00, 0x13].into()),
            Expect::Closed("CBOR"),
        ),
        (
            "CBOR of the wrong shape",
            WsMessage::Binary(vec![0x83, 1, 2, 3].into()),
            Expect::Closed("not the map"),
        ),
        (
            "unknown message type",
            WsMessage::Binary(
                [&[0xa1u8, 0x64][..], b"type", &[0x66], b"gossip"]
                    .concat()
                    .into(),
            ),
            Expect::StaysOpen,
        ),
        (
            "oversized frame",
            WsMessage::Binary(sync_frame("x", DocumentId::random(), vec![0x42; 100_000]).into()),
            Expect::Closed("over the limit of 65536 bytes"),
        ),
        (
            "garbage automerge bytes",
            WsMessage::Binary(
                sync_frame("SELF", DocumentId::random(), vec![0x42, 0xde, 0xad]).into(),
            ),
            Expect::Closed("not a valid automerge sync message"),
        ),
        (
            "a document whose deflated column is a bomb",
            WsMessage::Binary(
                sync_frame("SELF", DocumentId::random(), bomb_message.encode()).into(),
            ),
            Expect::Closed("a deflated column of a document"),
        ),
        (
            "forged senderId",
            WsMessage::Binary(
                sync_frame(
                    "someone-else",
                    DocumentId::random(),
                    valid_first_message.clone(),
                )
                .into(),
            ),
            Expect::Closed("claims sender"),
        ),
        (
            "a second join",
            WsMessage::Binary(
                codec::encode(&Message::Join(Join {
                    sender_id: PeerId::new("again").expect("peer id"),
                    peer_metadata: None,
                    supported_protocol_versions: vec!["1".into()],
                }))
                .into(),
            ),
            Expect::Closed("handshake is already done"),
        ),
    ];

    for (name, input, expect) in table {
        let mut device = connect(&server.ws_url(Some(&lee))).await.expect("connects");
        let input = match input {
            // Frames that need this connection's own peer id as sender.
            WsMessage::Binary(bytes)
                if name == "garbage automerge bytes"
                    || name == "a document whose deflated column is a bomb" =>
            {
                let Message::Sync(mut m) = codec::decode(&bytes, usize::MAX).expect("ours") else {
                    unreachable!()
                };
                m.sender_id = device.peer_id().clone();
                m.target_id = device.server_peer();
                WsMessage::Binary(codec::encode(&Message::Sync(m)).into())
            }
            other => other,
        };
        device.send_raw(input).await;
        device.sync(QUIET, LIMIT).await;
        match expect {
            Expect::Closed(text) => {
                let closed = device.seen.closed.clone().unwrap_or_default();
                assert!(
                    closed.contains(text),
                    "{name}: expected an error with {text:?}, got {closed:?}"
                );
            }
            Expect::StaysOpen => {
                assert_eq!(
                    device.seen.closed, None,
                    "{name}: the connection should stay open"
                );
            }
        }

        // Meanwhile the collector records one more donation, which syncs as usual.
        record_donation(
            collector.docs.get_mut(&collection).expect("held"),
            &park,
            100,
        );
        collector.sync(QUIET, LIMIT).await;
        assert_eq!(
            collector.seen.closed, None,
            "{name} disturbed another connection"
        );
    }

    // Every donation reached the server: a fresh device reads all ten.
    let mut laptop = connect(&server.ws_url(Some(&lee))).await.expect("connects");
    laptop.want(collection);
    laptop.sync(QUIET, LIMIT).await;
    assert_eq!(donations(&laptop.docs[&collection]), (10, 1000));
}

/// A first sync message of a peer holding one change.
fn valid_first_message_of_a_change() -> automerge::sync::Message {
    use automerge::transaction::Transactable;
    let mut doc = automerge::Automerge::new();
    let mut tx = doc.transaction();
    tx.put(automerge::ROOT, "kind", "street_collection")
        .expect("put");
    tx.commit();
    doc.generate_sync_message(&mut automerge::sync::State::new())
        .expect("a first message")
}

#[tokio::test]
async fn a_device_of_another_club_gets_doc_unavailable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let code = server.other_club_invite("Seoul Club");

    // Demo Club's collection, with a donation.
    let collection = DocumentId::random();
    let lee = server.joined("Volunteer Lee");
    let mut phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("connects");
    let mut doc = new_collection(&lee, "Demo Club only");
    record_donation(&mut doc, &lee, 700);
    phone.docs.insert(collection, doc);
    phone.sync(QUIET, LIMIT).await;

    // A coordinator of another club asks for it, twice: unavailable both times, nothing else.
    let (status, joined) = server.join(&code, "stranger's phone");
    assert_eq!(status, 200, "{joined}");
    let them = common::records::Joined::from_answer(&joined);
    let mut stranger = connect(&server.ws_url(Some(&them.token)))
        .await
        .expect("connects");
    stranger.want(collection);
    stranger.sync(QUIET, LIMIT).await;
    stranger.sync(QUIET, LIMIT).await;
    assert!(stranger.seen.unavailable.contains(&collection));
    assert_eq!(donations_or_none(&stranger, collection), None);

    // Trying to write into it is answered the same way, and the document is unchanged.
    let mut forged = new_collection(&them, "forged");
    record_donation(&mut forged, &them, 1_000_000);
    stranger.docs.insert(collection, forged);
    stranger.sync(QUIET, LIMIT).await;
    let mut check = connect(&server.ws_url(Some(&server.token_for("Volunteer Park"))))
        .await
        .expect("connects");
    check.want(collection);
    check.sync(QUIET, LIMIT).await;
    assert_eq!(donations(&check.docs[&collection]), (1, 700));
}

#[tokio::test]
async fn a_new_document_that_is_not_a_clubsync_document_is_refused_alone() {
    // A stock automerge-repo client offers every document it holds on each connection. A new
    // document without a clubsync `kind` is answered with `doc-unavailable` and not stored; the
    // connection stays open and the device's club records keep syncing.
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let lee = server.joined("Volunteer Lee");
    let mut phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("connects");

    // 1. The phone holds a stray document and a collection with a donation.
    let stray = DocumentId::random();
    phone.edit(stray, "x", 1);
    let collection = DocumentId::random();
    let mut doc = new_collection(&lee, "Station Entrance");
    record_donation(&mut doc, &lee, 250);
    phone.docs.insert(collection, doc);
    phone.sync(QUIET, LIMIT).await;
    assert_eq!(phone.seen.closed, None);
    assert!(phone.seen.unavailable.contains(&stray));
    assert!(phone.all_saved_on_server(collection));

    // 2. Still connected: the next donation is saved too.
    record_donation(phone.docs.get_mut(&collection).expect("held"), &lee, 300);
    phone.sync(QUIET, LIMIT).await;
    assert_eq!(phone.seen.closed, None);
    assert!(phone.all_saved_on_server(collection));

    // 3. Nothing of the stray document was stored.
    let mut laptop = connect(&server.ws_url(Some(&server.token_for("Volunteer Park"))))
        .await
        .expect("connects");
    laptop.want(stray);
    laptop.want(collection);
    laptop.sync(QUIET, LIMIT).await;
    assert_eq!(laptop.seen.unavailable, vec![stray]);
    assert!(laptop.docs[&stray].get_heads().is_empty());
    assert_eq!(donations(&laptop.docs[&collection]), (2, 550));
}

fn donations_or_none<S>(device: &common::Device<S>, doc: DocumentId) -> Option<(usize, i64)> {
    let d = device.docs.get(&doc)?;
    if d.get_heads().is_empty() {
        None
    } else {
        Some(donations(d))
    }
}

#[tokio::test]
async fn too_many_connections_of_one_device_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let token = server.token_for("Volunteer Lee");
    let mut open = Vec::new();
    for _ in 0..8 {
        open.push(
            connect(&server.ws_url(Some(&token)))
                .await
                .expect("connects"),
        );
    }
    let err = connect(&server.ws_url(Some(&token)))
        .await
        .err()
        .expect("the ninth is refused");
    assert!(
        err.starts_with("429") && err.contains("open connections"),
        "{err}"
    );
}

#[tokio::test]
async fn a_document_past_the_size_limit_is_refused_and_the_stored_one_is_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &["--max-document-bytes", "20000"]);
    let collection = DocumentId::random();
    let lee = server.joined("Volunteer Lee");
    let mut phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("connects");
    let mut doc = new_collection(&lee, "Small");
    record_donation(&mut doc, &lee, 1);
    phone.docs.insert(collection, doc);
    phone.sync(QUIET, LIMIT).await;
    assert_eq!(phone.seen.closed, None);

    // Four hundred more donations: far past 20,000 bytes.
    let doc = phone.docs.get_mut(&collection).expect("held");
    for i in 0..400 {
        record_donation(doc, &lee, 1000 + i);
    }
    phone.sync(QUIET, LIMIT).await;
    let closed = phone.seen.closed.clone().expect("refused");
    assert!(closed.contains("limit of 20000 bytes"), "{closed}");

    let mut check = connect(&server.ws_url(Some(&server.token_for("Volunteer Park"))))
        .await
        .expect("connects");
    check.want(collection);
    check.sync(QUIET, LIMIT).await;
    assert_eq!(donations(&check.docs[&collection]), (1, 1));
}

#[tokio::test]
async fn a_connection_sending_too_fast_is_told_to_slow_down() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &["--messages-per-second", "5"]);
    let mut device = connect(&server.ws_url(Some(&server.token_for("Volunteer Lee"))))
        .await
        .expect("connects");
    let unknown = [&[0xa1u8, 0x64][..], b"type", &[0x66], b"gossip"].concat();
    for _ in 0..50 {
        device
            .send_raw(WsMessage::Binary(unknown.clone().into()))
            .await;
    }
    device.sync(QUIET, LIMIT).await;
    let closed = device.seen.closed.clone().expect("closed");
    assert!(closed.contains("messages a second"), "{closed}");
}

#[tokio::test]
async fn a_device_creating_documents_past_its_daily_quota_is_told_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &["--max-new-documents-per-day", "2"]);
    let lee = server.joined("Volunteer Lee");
    let mut phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("connects");
    let made: Vec<DocumentId> = (0..2).map(|_| DocumentId::random()).collect();
    for (n, id) in made.iter().enumerate() {
        phone
            .docs
            .insert(*id, new_collection(&lee, &format!("Collection {n}")));
    }
    phone.sync(QUIET, LIMIT).await;
    assert_eq!(phone.seen.closed, None);
    assert!(made.iter().all(|id| phone.all_saved_on_server(*id)));

    // The third new document of the day is refused with the reason; the first two are kept.
    let third = DocumentId::random();
    phone
        .docs
        .insert(third, new_collection(&lee, "One too many"));
    phone.sync(QUIET, LIMIT).await;
    let closed = phone.seen.closed.clone().expect("refused");
    assert!(
        closed.contains("new documents in the last 24 hours"),
        "{closed}"
    );
    let mut laptop = connect(&server.ws_url(Some(&server.token_for("Volunteer Park"))))
        .await
        .expect("connects");
    for id in made.iter().chain([&third]) {
        laptop.want(*id);
    }
    laptop.sync(QUIET, LIMIT).await;
    assert!(!laptop.docs[&made[0]].get_heads().is_empty());
    assert!(!laptop.docs[&made[1]].get_heads().is_empty());
    assert!(
        laptop.seen.unavailable.contains(&third),
        "{:?}",
        laptop.seen
    );
}

#[tokio::test]
async fn a_connection_naming_too_many_unknown_documents_is_answered_unavailable_past_the_cap() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &["--messages-per-second", "5000"]);
    let mut phone = connect(&server.ws_url(Some(&server.token_for("Volunteer Lee"))))
        .await
        .expect("connects");
    // 1,000 unknown ids are each answered (unavailable: the server has none of them); the
    // 1,001st is refused before any document host starts for it.
    let ids: Vec<DocumentId> = (0..1_001).map(|_| DocumentId::random()).collect();
    for id in &ids {
        phone.want(*id);
    }
    phone.sync(QUIET, LIMIT).await;
    assert_eq!(phone.seen.closed, None);
    assert_eq!(phone.seen.unavailable.len(), 1_001, "every id is answered");
    let (_, _, metrics) = common::http_text(server.addr, "GET", "/metrics", &[]);
    assert!(
        metrics.contains("clubsync_refusals_total{reason=\"new_documents_per_connection\"} 1"),
        "{metrics}"
    );
}
