//! Per-club and per-role access, end to end: what an observer may do, and where ephemeral
//! messages go.

use clubsync_testkit::harness as common;

use automerge::sync::{Message as SyncMessage, MessageVersion};
use clubsync_protocol::message::SyncData;
use clubsync_protocol::{DocumentId, Message, codec};
use common::records::{donations, new_collection, record_donation};
use common::{LIMIT, QUIET, ServerProcess, connect};
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn an_observer_reads_but_a_change_it_sends_is_refused_and_not_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let collection = DocumentId::random();
    let lee = server.joined("Volunteer Lee");
    let mut collector = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("connects");
    let mut doc = new_collection(&lee, "Observed");
    record_donation(&mut doc, &lee, 300);
    collector.docs.insert(collection, doc);
    collector.sync(QUIET, LIMIT).await;

    // 1. The observer reads the collection.
    let choi = server.joined("Observer Choi");
    let observer_token = choi.token.clone();
    let mut observer = connect(&server.ws_url(Some(&observer_token)))
        .await
        .expect("connects");
    observer.want(collection);
    observer.sync(QUIET, LIMIT).await;
    assert_eq!(donations(&observer.docs[&collection]), (1, 300));

    // 2. Its own donation is not even sent by a current automerge (the server's sync state is
    //    read-only), and never stored.
    record_donation(observer.docs.get_mut(&collection).expect("held"), &choi, 5);
    observer.sync(QUIET, LIMIT).await;

    // 3. A client that sends the change anyway gets an error naming the document.
    let doc = &observer.docs[&collection];
    let changes: Vec<Vec<u8>> = doc
        .get_changes(&[])
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect();
    let forced = SyncMessage {
        heads: doc.get_heads(),
        need: vec![],
        have: vec![],
        changes: changes.into(),
        flags: None,
        version: MessageVersion::V1,
    };
    let frame = codec::encode(&Message::Sync(SyncData {
        sender_id: observer.peer_id().clone(),
        target_id: observer.server_peer(),
        document_id: collection,
        data: forced.encode(),
    }));
    observer.send_raw(WsMessage::Binary(frame.into())).await;
    observer.sync(QUIET, LIMIT).await;
    let closed = observer.seen.closed.clone().expect("refused");
    assert!(
        closed.contains("may only read") && closed.contains(&collection.to_string()),
        "{closed}"
    );

    // 4. The stored collection still holds only the collector's donation.
    let park = server.joined("Volunteer Park");
    let mut check = connect(&server.ws_url(Some(&park.token)))
        .await
        .expect("connects");
    check.want(collection);
    check.sync(QUIET, LIMIT).await;
    assert_eq!(donations(&check.docs[&collection]), (1, 300));
}

#[tokio::test]
async fn an_observer_cannot_create_documents() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let choi = server.joined("Observer Choi");
    let mut observer = connect(&server.ws_url(Some(&choi.token)))
        .await
        .expect("connects");
    let collection = DocumentId::random();
    observer
        .docs
        .insert(collection, new_collection(&choi, "Not allowed"));
    observer.sync(QUIET, LIMIT).await;
    assert!(observer.seen.unavailable.contains(&collection));
}

#[tokio::test]
async fn ephemeral_messages_reach_the_club_and_no_one_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let collection = DocumentId::random();
    let lee = server.joined("Volunteer Lee");
    let mut a = connect(&server.ws_url(Some(&lee.token))).await.expect("a");
    a.docs.insert(collection, new_collection(&lee, "Presence"));
    a.sync(QUIET, LIMIT).await;
    let park = server.joined("Volunteer Park");
    let mut b = connect(&server.ws_url(Some(&park.token))).await.expect("b");
    b.want(collection);
    b.sync(QUIET, LIMIT).await;

    let code = server.other_club_invite("Seoul Club");
    let (_, joined) = server.join(&code, "stranger");
    let mut stranger = connect(&server.ws_url(joined["token"].as_str()))
        .await
        .expect("c");
    stranger.want(collection);
    stranger.sync(QUIET, LIMIT).await;

    a.ephemeral(collection, b"at the station entrance".to_vec())
        .await;
    b.sync(QUIET, LIMIT).await;
    stranger.sync(QUIET, LIMIT).await;
    assert_eq!(b.seen.ephemeral, vec![b"at the station entrance".to_vec()]);
    assert!(stranger.seen.ephemeral.is_empty());
}
