//! Stories of the whole server side, in the simulated world: the protocol's connection and the
//! server's shipping document host together, with devices on an in-memory network.

use clubsync_protocol::{Access, DocumentId};
use clubsync_testkit::sim::{Dir, World};

#[test]
fn an_observers_phone_does_not_even_send_its_changes() {
    // 1. The server holds a document with a donation; an observer's phone has a change of its own.
    let doc = DocumentId::from_bytes([5; 16]);
    let mut world = World::new(2);
    world.edit(0, doc, "donation", 500);
    world.connect(0);
    world.run_until_quiet(1_000);
    world
        .server
        .access
        .insert(("device-1".into(), doc), Access::ReadOnly);
    world.edit(1, doc, "forged", 1);

    // 2. The observer syncs: the server's read-only sync state tells automerge not to send.
    world.connect(1);
    world.run_until_quiet(1_000);

    // 3. The observer reads the document; its change is not in the store.
    assert!(clubsync_testkit::sim::content(&world.clients[1].docs[&doc]).contains_key("donation"));
    let stored = clubsync_testkit::sim::content(&world.server_reloaded(&doc));
    assert!(stored.contains_key("donation"));
    assert!(
        !stored.contains_key("forged"),
        "an observer's change reached the store"
    );
}

#[test]
fn an_observer_without_changes_receives_the_document() {
    let doc = DocumentId::from_bytes([6; 16]);
    let mut world = World::new(2);
    world.edit(0, doc, "donation", 500);
    world.connect(0);
    world.run_until_quiet(1_000);
    world
        .server
        .access
        .insert(("device-1".into(), doc), Access::ReadOnly);
    world.open(1, doc);
    world.connect(1);
    world.run_until_quiet(1_000);
    assert!(world.server.closes.is_empty(), "{:?}", world.server.closes);
    assert!(clubsync_testkit::sim::content(&world.clients[1].docs[&doc]).contains_key("donation"));
}

#[test]
fn a_request_for_a_document_nobody_has_is_unavailable_until_someone_brings_it() {
    let doc = DocumentId::from_bytes([7; 16]);
    let mut world = World::new(2);
    world.open(1, doc);
    world.connect(1);
    world.run_until_quiet(1_000);
    assert!(world.clients[1].unavailable.contains(&doc));

    // Device 0 brings the document: device 1, still connected, receives it.
    world.edit(0, doc, "created", 1);
    world.connect(0);
    world.run_until_quiet(1_000);
    assert!(clubsync_testkit::sim::content(&world.clients[1].docs[&doc]).contains_key("created"));
}

#[test]
fn a_duplicated_frame_changes_nothing() {
    let doc = DocumentId::from_bytes([3; 16]);
    let mut world = World::new(1);
    world.edit(0, doc, "donation", 500);
    world.connect(0);
    // Deliver the join, then duplicate every frame once on the way to the server.
    world.deliver(0, Dir::ToServer);
    for _ in 0..50 {
        world.duplicate_frame(0, Dir::ToServer);
        world.deliver(0, Dir::ToServer);
        world.deliver(0, Dir::ToServer);
        world.deliver(0, Dir::ToClient);
        world.commit();
    }
    world.heal();
    let stored = world.server_reloaded(&doc);
    assert_eq!(stored.get_changes(&[]).len(), 1, "one change, stored once");
}
