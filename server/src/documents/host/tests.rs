//! The host's rules as stories, with no shell: inputs in, effects out.

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use clubsync_core::document::DocumentKind;
use clubsync_protocol::{DocumentId, Permission};
use uuid::Uuid;

use super::*;
use crate::identity::DeviceId;

const DOC: DocumentId = DocumentId::from_bytes([4; 16]);

fn club(n: u8) -> ClubId {
    ClubId::from_uuid(Uuid::from_bytes([n; 16]))
}

fn peer(club_n: u8, device: u8) -> PeerInfo {
    PeerInfo {
        club: club(club_n),
        device: DeviceId::from_uuid(Uuid::from_bytes([device; 16])),
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
    )
}

/// A phone's event document with one change, and the sync message that carries it.
fn phone_with_event() -> (Automerge, sync::State, sync::Message) {
    let mut phone = Automerge::new();
    let mut tx = phone.transaction();
    tx.put(ROOT, "kind", "event").expect("put");
    tx.put(ROOT, "title", "Concert").expect("put");
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
    assert_eq!(commit.change_count, 1);
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
