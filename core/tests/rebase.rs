//! A device whose copy holds a change the server refused gets unstuck: its copy is rebuilt on
//! the server's state and every record of its own that keeps the rules is written again.

mod fixtures;

use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};
use clubsync_core::collection::StreetCollection;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::{DonationId, MemberId};
use clubsync_core::rules::rebase::rebase;
use clubsync_core::rules::{Rule, Writer, check_changes};
use fixtures::*;

fn writer(member: MemberId) -> Writer {
    Writer {
        member,
        device: "phone-1".into(),
        club_document: None,
        coordinator: false,
    }
}

#[test]
fn a_refused_deletion_is_left_out_and_the_valid_records_after_it_are_kept() {
    let mut w = world();
    let by = writer(w.ben);
    let custody = w.issue(1, w.ben, "A-1", 1);
    let first = w
        .collection
        .record_donation(&card_donation(500, w.ben, 2))
        .expect("donation");
    // What the server confirmed.
    let server = w.collection.automerge().clone();

    // On the phone: a buggy deletion of the first donation, then two valid records, then one
    // with a bad amount written by hand.
    let mut phone = w.collection.clone();
    let doc = phone.automerge_mut();
    let (_, donations) = doc.get(ROOT, "donations").expect("read").expect("there");
    let mut tx = doc.transaction();
    tx.delete(&donations, first.key()).expect("delete");
    tx.commit();
    let second = phone
        .record_donation(&card_donation(250, w.ben, 3))
        .expect("donation");
    w.collection = phone;
    w.give_back(custody, 4);
    let mut phone = w.collection.clone();
    let doc = phone.automerge_mut();
    let (_, donations) = doc.get(ROOT, "donations").expect("read").expect("there");
    let mut tx = doc.transaction();
    let bad = DonationId::new_v7(at(5)).key();
    let record = tx
        .put_object(&donations, bad.as_str(), automerge::ObjType::Map)
        .expect("map");
    for (k, v) in [
        ("source", "card"),
        ("currency", "GBP"),
        ("device", "phone-1"),
    ] {
        tx.put(&record, k, v).expect("put");
    }
    tx.put(&record, "amount_minor", -1).expect("put");
    tx.put(&record, "at", at(5).0).expect("put");
    tx.put(&record, "collector", w.ben.key()).expect("put");
    tx.commit();
    assert!(
        check_changes(phone.automerge(), &server.get_heads(), &by).is_err(),
        "the phone's changes, as they are, are refused"
    );

    let rebased = rebase(phone.automerge(), &server, &by).expect("rebased");
    assert_eq!(
        rebased.kept,
        vec![format!("custody/{custody}"), format!("donations/{second}")]
    );
    let [dropped] = &rebased.dropped[..] else {
        panic!("one record left out: {:?}", rebased.dropped)
    };
    assert_eq!(dropped.rule, Rule::AmountNotPositive);
    assert_eq!(dropped.path, format!("donations/{bad}"));

    // The rebuilt copy is what the server will accept, and holds every valid record.
    check_changes(&rebased.doc, &server.get_heads(), &by).expect("accepted as a whole");
    let collection = StreetCollection::from_automerge(rebased.doc).expect("a collection");
    let ids: Vec<DonationId> = collection
        .donations()
        .expect("read")
        .iter()
        .map(|d| d.id)
        .collect();
    assert!(ids.contains(&first), "the server's donation is back");
    assert!(ids.contains(&second), "the later valid donation is kept");
    assert_eq!(ids.len(), 2);
    let entry = collection
        .custody_entry(custody)
        .expect("read")
        .expect("there");
    assert!(entry.returned.is_some(), "the tin's return is kept");
}
