//! Flag resolutions: a coordinator's note on one device hides the flag on every device once they
//! merge, a flag that names more raises itself again, and the record rules refuse a resolution
//! from anyone but a coordinator writing in their own name.

mod fixtures;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT};
use clubsync_core::collection::StreetCollection;
use clubsync_core::document::TypedDocument;
use clubsync_core::error::RecordError;
use clubsync_core::flags::Flag;
use clubsync_core::ids::{MemberId, ResolutionId};
use clubsync_core::resolution::{NewResolution, Resolvable, Resolved};
use clubsync_core::rules::shape::add_missing_containers;
use clubsync_core::rules::{Rule, Writer, check_changes};
use fixtures::*;

fn coordinator(member: MemberId) -> Writer {
    Writer {
        member,
        device: "laptop-1".into(),
        club_document: None,
        coordinator: true,
    }
}

fn resolution<'a>(flag: &'a Flag, by: MemberId, note: &'a str, minute: i64) -> NewResolution<'a> {
    NewResolution {
        id: ResolutionId::new_v7(at(minute)),
        flag,
        how: Resolved::Explained,
        note,
        by,
        device: "laptop-1",
        at: at(minute),
    }
}

fn issued_twice(flags: &[Flag]) -> Vec<&Flag> {
    flags
        .iter()
        .filter(|f| matches!(f, Flag::TinIssuedTwice { .. }))
        .collect()
}

#[test]
fn a_flag_resolved_on_one_device_is_hidden_on_another_until_it_names_more() {
    let w = world();
    let mut phone_a = fixtures::World {
        collection: replica(&w.collection),
        ..world_with(&w)
    };
    let mut phone_b = fixtures::World {
        collection: replica(&w.collection),
        ..world_with(&w)
    };
    phone_a.issue(2, w.ben, "S-1", 0);
    phone_b.issue(2, w.cho, "S-2", 1);
    let mut laptop = replica(&w.collection);
    sync(&mut laptop, &phone_a.collection);
    sync(&mut laptop, &phone_b.collection);

    let flags = laptop.flags().expect("flags");
    let flag = issued_twice(&flags)[0].clone();
    let before = laptop.heads();
    laptop
        .resolve_flag(&resolution(
            &flag,
            w.ana,
            "Ben passed tin 2 to Cho at 10:05",
            5,
        ))
        .expect("resolved");
    check_changes(laptop.automerge(), &before, &coordinator(w.ana)).expect("a valid resolution");
    assert!(
        issued_twice(
            &laptop
                .open_flags(laptop.flags().expect("flags"))
                .expect("open")
        )
        .is_empty()
    );

    // Phone B hears of the resolution: the flag is gone there too, with who and why.
    sync(&mut phone_b.collection, &laptop);
    let b = &phone_b.collection;
    assert!(issued_twice(&b.open_flags(b.flags().expect("flags")).expect("open")).is_empty());
    let held = b.resolutions().expect("resolutions");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].by, w.ana);
    assert_eq!(held[0].note, "Ben passed tin 2 to Cho at 10:05");
    assert_eq!(held[0].kind, "tin_issued_twice");

    // A third collector given tin 2 at once: the flag names more, and shows again.
    let mut phone_c = fixtures::World {
        collection: replica(&w.collection),
        ..world_with(&w)
    };
    phone_c.issue(2, w.ana, "S-3", 2);
    sync(&mut phone_b.collection, &phone_c.collection);
    let b = &phone_b.collection;
    let open = b.open_flags(b.flags().expect("flags")).expect("open");
    assert_eq!(issued_twice(&open).len(), 1, "{open:?}");
}

#[test]
fn two_active_counts_and_an_empty_note_cannot_be_resolved() {
    let w = world();
    let mut collection = replica(&w.collection);
    let flag = Flag::TwoActiveCounts {
        tin: clubsync_core::ids::TinNumber(1),
        custody: clubsync_core::ids::CustodyId::new_v7(T0),
        counts: vec![],
    };
    assert!(matches!(
        collection.resolve_flag(&resolution(&flag, w.ana, "fine", 1)),
        Err(RecordError::FlagNotResolvable("two_active_counts"))
    ));
    let flag = Flag::NegativeStock {
        item: clubsync_core::ids::ItemId::new_v7(T0),
        quantity: -4,
    };
    assert!(matches!(
        collection.resolve_flag(&resolution(&flag, w.ana, "  ", 1)),
        Err(RecordError::EmptyField("note"))
    ));
}

#[test]
fn the_rules_refuse_a_resolution_from_a_volunteer_in_anothers_name_or_of_nothing() {
    let mut w = world();
    let custody = w.issue(1, w.ben, "S-1", 0);
    let flag = Flag::TinReturnedTwice {
        tin: clubsync_core::ids::TinNumber(1),
        custody,
    };
    let base = w.collection.heads();

    let mut by_volunteer = replica(&w.collection);
    by_volunteer
        .resolve_flag(&resolution(&flag, w.ben, "ok", 1))
        .expect("written");
    let volunteer = Writer {
        coordinator: false,
        ..coordinator(w.ben)
    };
    let refusal = check_changes(by_volunteer.automerge(), &base, &volunteer).expect_err("refused");
    assert_eq!(refusal.rule, Rule::NotACoordinator);

    let mut in_anothers_name = replica(&w.collection);
    in_anothers_name
        .resolve_flag(&resolution(&flag, w.cho, "ok", 1))
        .expect("written");
    let refusal = check_changes(in_anothers_name.automerge(), &base, &coordinator(w.ana))
        .expect_err("refused");
    assert_eq!(refusal.rule, Rule::NotACoordinator);

    // A resolution naming a custody entry the document does not hold.
    let ghost = Flag::TinReturnedTwice {
        tin: clubsync_core::ids::TinNumber(1),
        custody: clubsync_core::ids::CustodyId::new_v7(at(9)),
    };
    let mut of_nothing = replica(&w.collection);
    of_nothing
        .resolve_flag(&resolution(&ghost, w.ana, "ok", 1))
        .expect("written");
    let refusal =
        check_changes(of_nothing.automerge(), &base, &coordinator(w.ana)).expect_err("refused");
    assert_eq!(refusal.rule, Rule::UnknownReference);
}

/// A street collection as a build before resolutions made it: every container but
/// `resolutions`.
fn made_by_an_earlier_build() -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(ROOT, "kind", "street_collection").expect("put");
    tx.put(ROOT, "schema_version", 1).expect("put");
    tx.put(ROOT, "created_at", T0.millis()).expect("put");
    tx.put(
        ROOT,
        "club",
        clubsync_protocol::ids::DocumentId::random().to_string(),
    )
    .expect("put");
    tx.put(ROOT, "currency", "GBP").expect("put");
    for c in [
        "permit",
        "status",
        "tins",
        "custody",
        "donations",
        "reversals",
        "counts",
        "ledger",
        "returns",
    ] {
        tx.put_object(ROOT, c, ObjType::Map).expect("container");
    }
    tx.commit();
    doc
}

#[test]
fn an_earlier_document_opens_and_the_server_adds_its_resolutions_once() {
    let w = world();
    let mut old = made_by_an_earlier_build();
    // An earlier app may still create one: the server accepts it whole.
    check_changes(&old, &[], &coordinator(w.ana)).expect("an earlier document is accepted");

    let mut collection = StreetCollection::from_automerge(old.clone()).expect("opens");
    assert!(collection.resolutions().expect("none").is_empty());
    let flag = Flag::NegativeStock {
        item: clubsync_core::ids::ItemId::new_v7(T0),
        quantity: -1,
    };
    assert!(matches!(
        collection.resolve_flag(&resolution(&flag, w.ana, "recounted", 1)),
        Err(RecordError::NotUpgradedYet("resolutions"))
    ));

    // A device may not add the container itself.
    let before = old.get_heads();
    let mut forged = old.clone();
    let mut tx = forged.transaction();
    tx.put_object(ROOT, "resolutions", ObjType::Map)
        .expect("put");
    tx.commit();
    let refusal = check_changes(&forged, &before, &coordinator(w.ana)).expect_err("refused");
    assert_eq!(refusal.rule, Rule::ContainerReplaced);

    assert_eq!(
        add_missing_containers(&mut old, at(2)).expect("added"),
        vec!["resolutions"]
    );
    assert!(
        add_missing_containers(&mut old, at(3))
            .expect("nothing")
            .is_empty()
    );
    let mut collection = StreetCollection::from_automerge(old).expect("opens");
    collection
        .resolve_flag(&resolution(&flag, w.ana, "recounted", 4))
        .expect("resolved once upgraded");
}
