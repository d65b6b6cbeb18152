//! The durability rule and the sync of one document with its peers, as stories.

use super::*;
use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};

fn doc_with(key: &str) -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(ROOT, key, 1).expect("put on a fresh doc");
    tx.commit();
    doc
}

#[test]
fn nothing_is_generated_until_received_changes_are_committed() {
    // 1. A device has a donation the server has not seen.
    let mut device = doc_with("donation");
    let mut device_state = sync::State::new();
    let mut server = Automerge::new();
    let mut sync = DocumentSync::new();
    sync.add_peer("device", Permission::ReadWrite, None);

    // 2. The device's first message carries only heads; the server answers.
    let first = device
        .generate_sync_message(&mut device_state)
        .expect("first message");
    let receipt = sync
        .receive(&"device", false, first, &mut server)
        .expect("valid message");
    assert!(receipt.changes.is_empty());
    let answer = sync.generate(&server);
    assert_eq!(answer.len(), 1);
    device
        .receive_sync_message(&mut device_state, answer[0].1.clone())
        .expect("valid answer");

    // 3. The device sends its change; the server applies it but stays silent.
    let with_change = device
        .generate_sync_message(&mut device_state)
        .expect("message with the change");
    let receipt = sync
        .receive(&"device", false, with_change, &mut server)
        .expect("valid change");
    assert_eq!(receipt.change_count, 1);
    assert!(sync.is_uncommitted());
    assert!(
        sync.generate(&server).is_empty(),
        "heads leaked before commit"
    );

    // 4. The chunk loads into a fresh document: it is what storage must keep.
    let mut stored = Automerge::new();
    stored
        .load_incremental(&receipt.changes)
        .expect("receipt chunk loads");
    assert_eq!(stored.get_heads(), server.get_heads());

    // 5. After the commit the server acknowledges the new heads.
    sync.committed();
    let ack = sync.generate(&server);
    assert_eq!(ack.len(), 1);
    assert_eq!(ack[0].1.heads, server.get_heads());
    assert!(server.get(ROOT, "donation").expect("read").is_some());
}

#[test]
fn a_bloom_filter_that_would_break_generate_is_refused() {
    // 1. The server has a change; a peer says it has changes summarised by a bloom filter
    //    with one entry and no bits (automerge 0.12 would divide by zero generating for it).
    let mut server = doc_with("donation");
    let mut sync = DocumentSync::new();
    sync.add_peer(1u32, Permission::ReadWrite, None);
    let hostile = crate::sync_check::message_with_bloom(&[1, 0, 7]);

    // 2. The message is refused and nothing is applied or remembered.
    let heads = server.get_heads();
    let refused = sync.receive(&1, false, hostile, &mut server);
    assert!(matches!(refused, Err(DocSyncError::BadSyncMessage(_))));
    assert_eq!(server.get_heads(), heads);

    // 3. Generating for that peer still works (automerge 0.12 would panic here had the
    //    filter been accepted).
    assert_eq!(sync.generate(&server).len(), 1);
}

/// Syncs a client document with the server until neither has anything to send, committing
/// at once.
fn settle(
    sync: &mut DocumentSync<&'static str>,
    server: &mut Automerge,
    name: &'static str,
    client: &mut Automerge,
    state: &mut sync::State,
) {
    for _ in 0..20 {
        let mut quiet = true;
        if let Some(m) = client.generate_sync_message(state) {
            sync.receive(&name, false, m, server).expect("valid");
            sync.committed();
            quiet = false;
        }
        if let Some(m) = sync.generate_for(&name, server) {
            client.receive_sync_message(state, m).expect("valid");
            quiet = false;
        }
        if quiet {
            return;
        }
    }
    panic!("did not settle");
}

/// A document of a fixed actor whose changes are committed at a fixed time, so their hashes
/// (and so every bloom filter that holds them) are the same in every run.
fn fixed_doc(actor: u8) -> Automerge {
    Automerge::new().with_actor(automerge::ActorId::from([actor; 16]))
}

/// Puts `key` in `doc` as one change, committed at time 0.
fn put_fixed(doc: &mut Automerge, key: &str) {
    let mut tx = doc.transaction();
    tx.put(ROOT, key, 1).expect("put");
    tx.commit_with(automerge::transaction::CommitOptions::default().with_time(0));
}

#[test]
fn a_writer_is_told_its_change_is_saved_even_when_its_next_message_came_first() {
    // Every actor id and commit time is fixed. With random ones the test failed about one
    // run in fifty: after `settle`, each phone holds the server's last bloom filter (of the
    // change "start"), and a phone leaves out of its next message any change that the
    // filter seems to hold. About one new change in a hundred is such a false positive
    // (measured: 72 of A's and 56 of B's 5,000 first messages carried no change), so there
    // was sometimes nothing to relay yet, or nothing of A's to receive. automerge's sync
    // sends the change one round later, when the server asks for the heads it lacks:
    // nothing is lost, but this test's story needs the change in the first message.
    //
    // 1. Two phones and the server share a document.
    let mut server = fixed_doc(1);
    put_fixed(&mut server, "start");
    let mut sync = DocumentSync::new();
    sync.add_peer("a", Permission::ReadWrite, None);
    sync.add_peer("b", Permission::ReadWrite, None);
    let (mut a, mut a_state) = (fixed_doc(0xa), sync::State::new());
    let (mut b, mut b_state) = (fixed_doc(0xb), sync::State::new());
    settle(&mut sync, &mut server, "a", &mut a, &mut a_state);
    settle(&mut sync, &mut server, "b", &mut b, &mut b_state);

    // 2. Phone A records a donation and sends it.
    put_fixed(&mut a, "a1");
    let m1 = a
        .generate_sync_message(&mut a_state)
        .expect("A sends its change");
    assert_eq!(m1.changes.len(), 1, "A's message carries its donation");

    // 3. Phone B's donation reaches the server first, is committed and relayed to A.
    put_fixed(&mut b, "b1");
    let from_b = b
        .generate_sync_message(&mut b_state)
        .expect("B sends its change");
    assert_eq!(from_b.changes.len(), 1, "B's message carries its donation");
    sync.receive(&"b", false, from_b, &mut server)
        .expect("valid");
    sync.committed();
    let relay = sync.generate_for(&"a", &server).expect("relay of b1 to A");

    // 4. The server receives A's change (not yet committed); A receives the relay and
    //    answers with its heads, which now equal the server's.
    let receipt = sync.receive(&"a", false, m1, &mut server).expect("valid");
    assert_eq!(receipt.change_count, 1);
    a.receive_sync_message(&mut a_state, relay).expect("valid");
    let m2 = a
        .generate_sync_message(&mut a_state)
        .expect("A answers the relay");
    assert!(m2.changes.is_empty());
    sync.receive(&"a", false, m2, &mut server).expect("valid");

    // 5. After the commit A must hear the heads that include its donation.
    sync.committed();
    let ack = sync
        .generate_for(&"a", &server)
        .expect("A is told its change is saved");
    let mut told = ack.heads.clone();
    told.sort();
    let mut heads = server.get_heads();
    heads.sort();
    assert_eq!(told, heads);
    a.receive_sync_message(&mut a_state, ack).expect("valid");
    assert!(
        a.generate_sync_message(&mut a_state).is_none(),
        "and then all is quiet"
    );
}

#[test]
fn a_request_for_a_document_nobody_has_is_unavailable() {
    let mut server = Automerge::new();
    let mut sync = DocumentSync::new();
    sync.add_peer(1u32, Permission::ReadWrite, None);
    let empty = Automerge::new()
        .generate_sync_message(&mut sync::State::new())
        .expect("first message");
    let receipt = sync
        .receive(&1, true, empty, &mut server)
        .expect("valid message");
    assert!(receipt.unavailable);
    assert!(sync.generate(&server).is_empty());
}

#[test]
fn a_read_only_peers_changes_are_not_applied() {
    let mut observer = doc_with("forged");
    let mut observer_state = sync::State::new();
    let mut server = doc_with("real");
    let mut sync = DocumentSync::new();
    sync.add_peer("observer", Permission::ReadOnly, None);
    for _ in 0..10 {
        let mut quiet = true;
        if let Some(m) = observer.generate_sync_message(&mut observer_state) {
            sync.receive(&"observer", false, m, &mut server)
                .expect("valid message");
            quiet = false;
        }
        for (_, m) in sync.generate(&server) {
            observer
                .receive_sync_message(&mut observer_state, m)
                .expect("valid message");
            quiet = false;
        }
        if quiet {
            break;
        }
    }
    assert!(server.get(ROOT, "forged").expect("read").is_none());
    assert!(observer.get(ROOT, "real").expect("read").is_some());
}
