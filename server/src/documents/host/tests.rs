//! The host's rules as stories, with no shell: inputs in, effects out.

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT};
use clubsync_core::document::DocumentKind;
use clubsync_protocol::{DocumentId, Permission};
use uuid::Uuid;

use super::*;
use crate::identity::DeviceId;
use clubsync_core::ids::MemberId;

const DOC: DocumentId = DocumentId::from_bytes([4; 16]);

fn club(n: u8) -> ClubId {
    ClubId::from_uuid(Uuid::from_bytes([n; 16]))
}

fn peer(club_n: u8, device: u8) -> PeerInfo {
    PeerInfo {
        club: club(club_n),
        device: DeviceId::from_uuid(Uuid::from_bytes([device; 16])),
        member: MemberId::from_uuid(Uuid::from_bytes([device; 16])),
        club_document: None,
        coordinator: false,
    }
}

fn host(registered: Option<(ClubId, DocumentKind)>) -> DocumentHost {
    DocumentHost::new(
        DOC,
        Loaded {
            registered,
            ..Loaded::default()
        },
        HostLimits {
            max_document_bytes: 1 << 20,
        },
        Default::default(),
    )
}

/// A phone's event document with one change, and the sync message that carries it.
fn phone_with_event() -> (Automerge, sync::State, sync::Message) {
    let mut phone = Automerge::new();
    let mut tx = phone.transaction();
    tx.put(ROOT, "kind", "event").expect("put");
    tx.put(ROOT, "schema_version", 1).expect("put");
    tx.put(ROOT, "title", "Concert").expect("put");
    for container in ["status", "shifts", "assignments"] {
        tx.put_object(ROOT, container, ObjType::Map).expect("map");
    }
    tx.commit();
    let mut state = sync::State::new();
    let mut message = phone.generate_sync_message(&mut state).expect("first");
    // The server has nothing: carry the change in the first message.
    message.changes = phone
        .get_changes(&[])
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect::<Vec<_>>()
        .into();
    (phone, state, message)
}

fn sync_from(conn: ConnId, who: PeerInfo, message: sync::Message) -> Input {
    Input::Batch {
        commands: vec![DocCommand::Sync {
            conn,
            peer: who,
            permission: Permission::ReadWrite,
            request: false,
            message,
        }],
        now_ms: 1_000,
    }
}

fn sync_frames(effects: &Effects) -> usize {
    effects
        .frames
        .iter()
        .filter(|(_, f)| matches!(f, Outbound::Sync(..)))
        .count()
}

#[test]
fn a_new_document_is_registered_then_committed_and_only_then_acknowledged() {
    let mut host = host(None);
    let creator = peer(1, 1);
    let (_, _, message) = phone_with_event();

    // 1. The changes are applied; the host asks to register the document, and says nothing.
    let effects = host.handle(sync_from(1, creator, message));
    assert_eq!(
        effects.register,
        Some(Registration {
            club: club(1),
            kind: DocumentKind::Event,
            device: creator.device,
        })
    );
    assert!(effects.commit.is_none() && sync_frames(&effects) == 0);

    // 2. Registered: now it asks to commit, still silent.
    let effects = host.handle(Input::Registered(Ok(())));
    let commit = effects.commit.as_ref().expect("a commit");
    // The phone's change, and the server's: the `resolutions` container this earlier-built
    // document lacked, added by the one writer that may create containers.
    assert_eq!(commit.change_count, 2);
    assert!(matches!(
        automerge::ReadDoc::get(host.doc(), ROOT, "resolutions"),
        Ok(Some(_))
    ));
    assert_eq!(sync_frames(&effects), 0, "heads leaked before the commit");

    // 3. Committed: the phone hears the heads, and the club's index is asked for an entry.
    let effects = host.handle(Input::Committed);
    assert_eq!(sync_frames(&effects), 1);
    let index = effects.index.expect("an index request");
    assert_eq!((index.club, index.title.as_str()), (club(1), "Concert"));
}

#[test]
fn a_failed_commit_acknowledges_nothing_and_reloads_from_storage() {
    let mut host = host(Some((club(1), DocumentKind::Event)));
    let (_, _, message) = phone_with_event();
    let effects = host.handle(sync_from(1, peer(1, 1), message));
    assert!(effects.commit.is_some());

    let effects = host.handle(Input::CommitFailed("disk full".into()));
    assert_eq!(sync_frames(&effects), 0);
    assert!(effects.reload, "memory holds uncommitted changes: reload");
    assert!(
        effects
            .frames
            .iter()
            .any(|(c, f)| *c == 1
                && matches!(f, Outbound::Refuse(r) if r.contains("could not save")))
    );
    let effects = host.handle(Input::Reloaded(Ok(Box::default())));
    assert!(effects.frames.is_empty());
    assert!(host.is_idle(), "every peer was told to reconnect");
}

#[test]
fn commands_that_arrive_during_a_commit_wait_for_it() {
    let mut host = host(Some((club(1), DocumentKind::Event)));
    let (mut phone, mut state, message) = phone_with_event();
    let _ = host.handle(sync_from(1, peer(1, 1), message));

    // A second change arrives while the first commit is on its way to disk.
    let mut tx = phone.transaction();
    tx.put(ROOT, "title", "Concert, 7 pm").expect("put");
    tx.commit();
    let mut second = phone.generate_sync_message(&mut state).expect("second");
    second.changes = vec![
        phone
            .get_last_local_change()
            .expect("one")
            .raw_bytes()
            .to_vec(),
    ]
    .into();
    let effects = host.handle(sync_from(1, peer(1, 1), second));
    assert!(
        effects.commit.is_none() && effects.frames.is_empty(),
        "queued"
    );

    // The first commit's answer lets the queued batch go on to its own commit, and the heads
    // sent with the answer are those of the first commit only.
    let effects = host.handle(Input::Committed);
    assert!(
        effects.commit.is_some(),
        "the queued change is committed next"
    );
    assert!(!host.is_idle());
}

#[test]
fn another_clubs_device_gets_unavailable_for_a_registered_document() {
    let mut host = host(Some((club(1), DocumentKind::Event)));
    let (_, _, message) = phone_with_event();
    let effects = host.handle(sync_from(9, peer(2, 2), message));
    assert!(effects.commit.is_none());
    assert!(matches!(&effects.frames[..], [(9, Outbound::Unavailable(d))] if *d == DOC));
}

#[test]
fn a_document_that_is_not_a_clubsync_document_is_refused_alone() {
    let mut host = host(None);
    let mut stray = Automerge::new();
    let mut tx = stray.transaction();
    tx.put(ROOT, "anything", 1).expect("put");
    tx.commit();
    let mut message = stray
        .generate_sync_message(&mut sync::State::new())
        .expect("first");
    message.changes = vec![
        stray
            .get_last_local_change()
            .expect("one")
            .raw_bytes()
            .to_vec(),
    ]
    .into();
    let effects = host.handle(sync_from(1, peer(1, 1), message));
    assert!(effects.register.is_none() && effects.commit.is_none());
    assert!(effects.reload);
    assert_eq!(effects.refused, vec!["not_a_clubsync_document"]);
    assert!(matches!(
        &effects.frames[..],
        [(1, Outbound::Unavailable(_))]
    ));
}

/// A street collection with one card donation, as storage holds it, and the donation's id.
fn stored_collection() -> (Automerge, clubsync_core::ids::DonationId) {
    use clubsync_core::collection::{DonationSource, NewCollection, NewDonation, StreetCollection};
    use clubsync_core::currency::Currency;
    use clubsync_core::document::TypedDocument;
    use clubsync_core::ids::DonationId;
    use clubsync_core::money::Money;
    use clubsync_core::timestamp::Timestamp;
    let gbp = Currency::new("GBP").expect("GBP");
    let new = NewCollection {
        club: DocumentId::from_bytes([7; 16]),
        title: "High Street".into(),
        currency: gbp,
    };
    let at = Timestamp::from_millis(1_000);
    let mut collection = StreetCollection::create(None, &new, at).expect("created");
    let id = DonationId::new_v7(at);
    collection
        .record_donation(&NewDonation {
            id,
            source: DonationSource::Card,
            amount: Money::new(500, gbp),
            at,
            collector: peer(1, 1).member,
            device: peer(1, 1).device.to_string(),
            note: None,
        })
        .expect("donation");
    (collection.automerge().clone(), id)
}

/// The last change of `doc`, in a sync message as a phone that knows the server's heads sends it.
fn message_with_last_change(doc: &Automerge) -> sync::Message {
    let mut message = doc
        .generate_sync_message(&mut sync::State::new())
        .expect("a message");
    message.changes = vec![
        doc.get_last_local_change()
            .expect("one")
            .raw_bytes()
            .to_vec(),
    ]
    .into();
    message
}

#[test]
fn a_forged_deletion_is_rolled_back_and_refused_to_its_sender_alone() {
    use automerge::ReadDoc;
    let (stored, donation) = stored_collection();
    let mut host = collection_host(&stored, 1 << 20);
    let donations = |doc: &Automerge| {
        let (_, obj) = doc.get(ROOT, "donations").expect("read").expect("there");
        doc.keys(&obj).collect::<Vec<_>>()
    };
    // Phone 1 deletes the donation; phone 2 records one of its own, in the same batch.
    let mut forger = stored.fork();
    let obj = forger
        .get(ROOT, "donations")
        .expect("read")
        .expect("there")
        .1;
    let mut tx = forger.transaction();
    tx.delete(&obj, donation.key()).expect("delete");
    tx.commit();
    let mut honest = stored.fork();
    let obj = honest
        .get(ROOT, "donations")
        .expect("read")
        .expect("there")
        .1;
    let mut tx = honest.transaction();
    let record = tx.put_object(&obj, "0194f1a2-7c3e-7d41-9b6e-2f0c4a1d5e77", ObjType::Map);
    let record = record.expect("map");
    for (key, value) in [("source", "card"), ("currency", "GBP")] {
        tx.put(&record, key, value).expect("put");
    }
    tx.put(&record, "amount_minor", 250).expect("put");
    tx.put(&record, "at", 2_000).expect("put");
    tx.put(&record, "collector", peer(1, 2).member.key())
        .expect("put");
    tx.put(&record, "device", peer(1, 2).device.to_string())
        .expect("put");
    tx.commit();
    let command = |conn, who, message| DocCommand::Sync {
        conn,
        peer: who,
        permission: Permission::ReadWrite,
        request: false,
        message,
    };
    let effects = host.handle(Input::Batch {
        commands: vec![
            command(1, peer(1, 1), message_with_last_change(&forger)),
            command(2, peer(1, 2), message_with_last_change(&honest)),
        ],
        now_ms: 3_000,
    });
    assert_eq!(effects.refused, vec!["record_deleted"]);
    assert!(!effects.reload, "the other phone is not disconnected");
    let refusal = effects
        .frames
        .iter()
        .find_map(|(c, f)| match f {
            Outbound::Refuse(text) if *c == 1 => Some(text.clone()),
            _ => None,
        })
        .expect("the forger is told");
    assert!(
        refusal.contains(&format!("donations/{donation}")) && refusal.contains("record_deleted"),
        "{refusal}"
    );
    let commit = effects.commit.expect("a commit");
    assert_eq!(commit.change_count, 1);
    let [row] = &commit.provenance[..] else {
        panic!("one provenance row: {:?}", commit.provenance)
    };
    assert_eq!(row.device, peer(1, 2).device.to_string());
    assert_eq!(row.member, peer(1, 2).member.to_string());
    assert_eq!(row.received_at, 3_000);
    assert_eq!(
        row.records,
        vec!["donations/0194f1a2-7c3e-7d41-9b6e-2f0c4a1d5e77"]
    );
    let effects = host.handle(Input::Committed);
    assert!(
        effects.frames.iter().all(|(c, _)| *c == 2),
        "only phone 2 hears"
    );
    assert_eq!(sync_frames(&effects), 1);
    let kept = donations(host.doc());
    assert!(
        kept.contains(&donation.key()),
        "the forged deletion is rolled back"
    );
    assert_eq!(kept.len(), 2, "the honest donation is kept");
}

#[test]
fn a_change_under_another_devices_actor_is_refused() {
    use automerge::ActorId;
    let (stored, _) = stored_collection();
    let mut host = collection_host(&stored, 1 << 20);
    // Phone 2 writes under its actor; the server now knows that actor is phone 2's.
    let actor = ActorId::random();
    let mut phone = stored.fork();
    phone.set_actor(actor.clone());
    let mut tx = phone.transaction();
    tx.put(ROOT, "title", "High Street, morning").expect("put");
    tx.commit();
    let effects = host.handle(sync_from(2, peer(1, 2), message_with_last_change(&phone)));
    assert!(effects.refused.is_empty(), "{:?}", effects.frames);
    let _ = host.handle(Input::Committed);
    // Phone 3 sends the next change of that actor, as if it were phone 2's.
    let mut forger = phone.fork();
    forger.set_actor(actor);
    let mut tx = forger.transaction();
    tx.put(ROOT, "title", "Forged").expect("put");
    tx.commit();
    let effects = host.handle(sync_from(3, peer(1, 3), message_with_last_change(&forger)));
    assert_eq!(effects.refused, vec!["actor_of_another_device"]);
    assert!(effects.commit.is_none());
    assert!(effects.frames.iter().any(|(c, f)| *c == 3
        && matches!(f, Outbound::Refuse(text) if text.contains("actor_of_another_device"))));
}

/// A host of the stored collection, with room for `max_document_bytes`.
fn collection_host(stored: &Automerge, max_document_bytes: u64) -> DocumentHost {
    DocumentHost::new(
        DOC,
        Loaded {
            doc: stored.clone(),
            registered: Some((club(1), DocumentKind::StreetCollection)),
            ..Loaded::default()
        },
        HostLimits { max_document_bytes },
        Default::default(),
    )
}

/// A retitling of `doc` by actor `actor` (the next change of that actor).
fn retitled(doc: &Automerge, actor: &automerge::ActorId, title: &str) -> Automerge {
    let mut copy = doc.fork();
    copy.set_actor(actor.clone());
    let mut tx = copy.transaction();
    tx.put(ROOT, "title", title).expect("put");
    tx.commit();
    copy
}

#[test]
fn a_duplicate_actor_and_sequence_number_is_refused_to_its_sender_alone() {
    let (stored, _) = stored_collection();
    let mut host = collection_host(&stored, 1 << 20);
    let actor = automerge::ActorId::random();
    // One device, two connections (a laptop's two tabs, say), each with its own copy: both
    // make "the next change" of the same actor, with different content.
    let first = retitled(&stored, &actor, "High Street, morning");
    let second = retitled(&stored, &actor, "High Street, evening");
    let _ = host.handle(sync_from(1, peer(1, 1), message_with_last_change(&first)));
    let _ = host.handle(Input::Committed);
    let effects = host.handle(Input::Batch {
        commands: vec![
            DocCommand::Sync {
                conn: 2,
                peer: peer(1, 1),
                permission: Permission::ReadWrite,
                request: false,
                message: message_with_last_change(&second),
            },
            DocCommand::Leave { conn: 9 },
        ],
        now_ms: 2_000,
    });
    assert_eq!(effects.refused, vec!["malformed_automerge"]);
    assert!(!effects.reload, "nobody else is disconnected");
    assert!(
        effects.frames.iter().all(|(c, _)| *c == 2),
        "only the sender hears: {:?}",
        effects.frames
    );
    assert!(!host.is_idle(), "connection 1 is still on the document");
}

#[test]
fn changes_past_the_size_limit_are_refused_before_they_are_applied() {
    let (stored, _) = stored_collection();
    let stored_bytes = stored.save().len() as u64;
    let mut host = DocumentHost::new(
        DOC,
        Loaded {
            doc: stored.clone(),
            size: StoredSize {
                bytes: stored_bytes,
                chunks: 0,
                chunk_bytes: 0,
            },
            registered: Some((club(1), DocumentKind::StreetCollection)),
            ..Loaded::default()
        },
        HostLimits {
            max_document_bytes: stored_bytes + 64,
        },
        Default::default(),
    );
    let long = "x".repeat(4_000);
    let big = retitled(&stored, &automerge::ActorId::random(), &long);
    let effects = host.handle(sync_from(1, peer(1, 1), message_with_last_change(&big)));
    assert_eq!(effects.refused, vec!["document_too_large"]);
    assert!(!effects.reload && effects.commit.is_none());
    assert!(matches!(&effects.frames[..], [(1, Outbound::Refuse(t))] if t.contains("limit of")));
    assert_eq!(
        host.doc().get_heads(),
        stored.get_heads(),
        "nothing was applied"
    );
}
