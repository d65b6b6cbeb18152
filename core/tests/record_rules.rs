//! The record rules the server checks on every change (`rules::check_changes`): each rule is
//! kept by core's own writers, and each forgery a device could send is refused by name.

mod fixtures;

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ROOT, ReadDoc};
use clubsync_core::collection::{DonationSource, NewDonation, TinReturn};
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::{DonationId, MemberId, ReversalId, TinNumber};
use clubsync_core::rules::{Refusal, Rule, Writer, check_changes};
use clubsync_core::stage::Stage;
use fixtures::*;

fn writer(member: MemberId) -> Writer {
    Writer {
        member,
        device: "phone-1".into(),
        club_document: None,
        coordinator: false,
    }
}

/// Runs `edit` on a copy of `doc` and checks the changes it made.
fn after(
    doc: &Automerge,
    by: &Writer,
    edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>),
) -> Result<(), Refusal> {
    let mut copy = doc.clone();
    let before = copy.get_heads();
    let mut tx = copy.transaction();
    edit(&mut tx);
    tx.commit();
    check_changes(&copy, &before, by).map(|_| ())
}

fn obj(doc: &Automerge, path: &[&str]) -> automerge::ObjId {
    let mut at = ROOT;
    for key in path {
        at = match doc.get(&at, *key).expect("readable") {
            Some((automerge::Value::Object(_), id)) => id,
            other => panic!("{key} is not an object: {other:?}"),
        };
    }
    at
}

fn refused(result: Result<(), Refusal>) -> Rule {
    match result {
        Err(refusal) => refusal.rule,
        Ok(()) => panic!("the change was accepted"),
    }
}

/// Every write of core's street collection, checked as the server checks it.
#[test]
fn core_writers_keep_every_rule() {
    let mut w = world();
    let by = writer(w.ana);
    let mut heads: Vec<ChangeHash> = w.collection.heads();
    let check = |doc: &Automerge, heads: &mut Vec<ChangeHash>, what: &str| {
        let checked = check_changes(doc, heads, &by).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(!checked.changes.is_empty(), "{what} made a change");
        *heads = doc.get_heads();
        checked
    };
    let custody = w.issue(1, w.ben, "A-1", 1);
    let checked = check(w.collection.automerge(), &mut heads, "issue a tin");
    assert_eq!(checked.records, vec![format!("custody/{custody}")]);
    w.collection
        .record_donation(&card_donation(500, w.ben, 2))
        .expect("card donation");
    check(w.collection.automerge(), &mut heads, "a card donation");
    let tin = NewDonation {
        id: DonationId::new_v7(at(3)),
        source: DonationSource::Tin(TinNumber(1)),
        ..card_donation(200, w.ben, 3)
    };
    w.collection.record_donation(&tin).expect("tin tally");
    check(w.collection.automerge(), &mut heads, "a tin tally");
    w.collection
        .reverse_donation(
            ReversalId::new_v7(at(4)),
            tin.id,
            "tapped twice",
            w.ana,
            at(4),
        )
        .expect("reversal");
    check(w.collection.automerge(), &mut heads, "a reversal");
    w.give_back(custody, 5);
    check(w.collection.automerge(), &mut heads, "a tin's return");
    let count = w.count(custody, 6);
    w.collection.record_count(&count, &w.club).expect("count");
    check(w.collection.automerge(), &mut heads, "a count");
    w.collection
        .sign_count(count.id, w.ana, at(7))
        .expect("signed");
    check(w.collection.automerge(), &mut heads, "the writer signs");
    w.collection
        .advance_status(Stage::Counted, at(8))
        .expect("status");
    check(w.collection.automerge(), &mut heads, "a status moves on");
}

/// A forged deletion of a donation, as a stock client holding a volunteer's token sent it.
#[test]
fn deleting_a_record_is_refused() {
    let mut w = world();
    let d = w
        .collection
        .record_donation(&card_donation(500, w.ben, 1))
        .expect("donation");
    let doc = w.collection.automerge();
    let donations = obj(doc, &["donations"]);
    let result = after(doc, &writer(w.ben), |tx| {
        tx.delete(&donations, d.key()).expect("delete")
    });
    let refusal = result.expect_err("refused");
    assert_eq!(refusal.rule, Rule::RecordDeleted);
    assert_eq!(refusal.path, format!("donations/{d}"));
    assert!(refusal.to_string().contains("record_deleted"), "{refusal}");
}

#[test]
fn rewriting_an_amount_is_refused_and_so_is_replacing_a_record() {
    let mut w = world();
    let d = w
        .collection
        .record_donation(&card_donation(500, w.ben, 1))
        .expect("donation");
    let doc = w.collection.automerge();
    let record = obj(doc, &["donations", &d.key()]);
    let donations = obj(doc, &["donations"]);
    let by = writer(w.ben);
    assert_eq!(
        refused(after(doc, &by, |tx| tx
            .put(&record, "amount_minor", 1)
            .expect("put"))),
        Rule::FieldChanged
    );
    assert_eq!(
        refused(after(doc, &by, |tx| {
            let fresh = tx
                .put_object(&donations, d.key(), ObjType::Map)
                .expect("map");
            tx.put(&fresh, "amount_minor", 1).expect("put");
        })),
        Rule::RecordDeleted
    );
}

#[test]
fn a_new_record_with_a_bad_amount_or_another_device_is_refused() {
    let w = world();
    let doc = w.collection.automerge();
    let donations = obj(doc, &["donations"]);
    let by = writer(w.ben);
    let write = |minor: i64, currency: &'static str, device: &'static str| {
        let donations = donations.clone();
        move |tx: &mut automerge::transaction::Transaction<'_>| {
            let d = tx
                .put_object(&donations, DonationId::new_v7(at(1)).key(), ObjType::Map)
                .expect("map");
            tx.put(&d, "source", "card").expect("put");
            tx.put(&d, "amount_minor", minor).expect("put");
            tx.put(&d, "currency", currency).expect("put");
            tx.put(&d, "at", at(1).0).expect("put");
            tx.put(&d, "collector", w.ben.key()).expect("put");
            tx.put(&d, "device", device).expect("put");
            tx.put(&d, "from_a_newer_version", "kept").expect("put");
        }
    };
    assert!(after(doc, &by, write(500, "GBP", "phone-1")).is_ok());
    assert_eq!(
        refused(after(doc, &by, write(-500, "GBP", "phone-1"))),
        Rule::AmountNotPositive
    );
    assert_eq!(
        refused(after(doc, &by, write(500, "EUR", "phone-1"))),
        Rule::CurrencyMismatch
    );
    assert_eq!(
        refused(after(doc, &by, write(500, "GBP", "phone-2"))),
        Rule::WrongDevice
    );
}

#[test]
fn a_tin_tally_must_name_a_tin_of_the_collection() {
    let mut w = world();
    let custody = w.issue(1, w.ben, "A-1", 1);
    let doc = w.collection.automerge();
    let donations = obj(doc, &["donations"]);
    let result = after(doc, &writer(w.ben), |tx| {
        let d = tx
            .put_object(&donations, DonationId::new_v7(at(2)).key(), ObjType::Map)
            .expect("map");
        tx.put(&d, "source", "tin").expect("put");
        tx.put(&d, "tin", 99).expect("put");
        tx.put(&d, "custody", custody.key()).expect("put");
        tx.put(&d, "amount_minor", 100).expect("put");
        tx.put(&d, "currency", "GBP").expect("put");
        tx.put(&d, "at", at(2).0).expect("put");
        tx.put(&d, "collector", w.ben.key()).expect("put");
        tx.put(&d, "device", "phone-1").expect("put");
    });
    assert_eq!(refused(result), Rule::UnknownReference);
}

#[test]
fn statuses_and_containers_only_grow() {
    let w = world();
    let doc = w.collection.automerge();
    let status = obj(doc, &["status"]);
    let by = writer(w.ana);
    assert_eq!(
        refused(after(doc, &by, |tx| tx
            .delete(&status, "planned")
            .expect("del"))),
        Rule::StatusMovedBack
    );
    assert_eq!(
        refused(after(doc, &by, |tx| {
            tx.put_object(ROOT, "donations", ObjType::Map).expect("map");
        })),
        Rule::ContainerReplaced
    );
    assert_eq!(
        refused(after(doc, &by, |tx| tx
            .put(ROOT, "currency", "EUR")
            .expect("put"))),
        Rule::FieldChanged
    );
    // Title is last-writer-wins; a root key this build does not know is kept.
    assert!(
        after(doc, &by, |tx| tx
            .put(ROOT, "title", "Renamed")
            .expect("put"))
        .is_ok()
    );
    assert!(after(doc, &by, |tx| tx.put(ROOT, "newer_field", 1).expect("put")).is_ok());
}

#[test]
fn a_tins_return_is_written_once_and_signatures_are_the_signers_own() {
    let mut w = world();
    let custody = w.issue(1, w.ben, "A-1", 1);
    let doc = w.collection.automerge().clone();
    let entry = obj(&doc, &["custody", &custody.key()]);
    let by = writer(w.ana);
    // The return fields, once, are allowed; writing them over a return is not.
    assert!(
        after(&doc, &by, |tx| {
            tx.put(&entry, "returned_at", at(2).0).expect("put");
            tx.put(&entry, "returned_to", w.ana.key()).expect("put");
            tx.put(&entry, "seal_intact", true).expect("put");
        })
        .is_ok()
    );
    w.collection
        .return_tin(
            custody,
            &TinReturn {
                at: at(2),
                to: w.ana,
                seal_intact: true,
            },
        )
        .expect("returned");
    let doc = w.collection.automerge().clone();
    assert_eq!(
        refused(after(&doc, &by, |tx| tx
            .put(&entry, "seal_intact", false)
            .expect("put"))),
        Rule::FieldChanged
    );
    let count = w.count(custody, 3);
    w.collection.record_count(&count, &w.club).expect("count");
    let doc = w.collection.automerge().clone();
    let signatures = obj(&doc, &["counts", &count.id.key(), "signatures"]);
    // Ana's device signs for Ana; it may not sign for Ben.
    assert!(
        after(&doc, &by, |tx| tx
            .put(&signatures, w.ana.key(), at(4).0)
            .expect("put"))
        .is_ok()
    );
    let forged = after(&doc, &by, |tx| {
        tx.put(&signatures, w.ben.key(), at(4).0).expect("put")
    })
    .expect_err("refused");
    assert_eq!(forged.rule, Rule::SignedForAnother);
    assert_eq!(
        forged.path,
        format!("counts/{}/signatures/{}", count.id, w.ben)
    );
}

#[test]
fn a_count_with_one_counter_twice_is_refused() {
    let mut w = world();
    let custody = w.issue(1, w.ben, "A-1", 1);
    w.give_back(custody, 2);
    let count = w.count(custody, 3);
    w.collection.record_count(&count, &w.club).expect("count");
    // Another count of the same tin, written by hand with Ana as both counters.
    let mut copy = w.collection.automerge().fork();
    let before = copy.get_heads();
    let counts = obj(&copy, &["counts"]);
    let mut tx = copy.transaction();
    let forged = tx
        .put_object(
            &counts,
            clubsync_core::ids::CountId::new_v7(at(4)).key(),
            ObjType::Map,
        )
        .expect("map");
    tx.put(&forged, "custody", custody.key()).expect("put");
    tx.put(&forged, "tin", 1).expect("put");
    tx.put(&forged, "place", "Club room").expect("put");
    tx.put(&forged, "at", at(4).0).expect("put");
    tx.put(&forged, "counter1", w.ana.key()).expect("put");
    tx.put(&forged, "counter2", w.ana.key()).expect("put");
    tx.put(&forged, "amount_minor", 0).expect("put");
    tx.put(&forged, "currency", "GBP").expect("put");
    tx.put_object(&forged, "denominations", ObjType::Map)
        .expect("map");
    tx.commit();
    let refusal = check_changes(&copy, &before, &writer(w.ana)).expect_err("refused");
    assert_eq!(refusal.rule, Rule::SameCounterTwice);
}

#[test]
fn a_new_document_of_another_club_is_refused() {
    let w = world();
    let mut by = writer(w.ana);
    by.club_document = Some(clubsync_protocol::ids::DocumentId::random());
    let doc = w.collection.automerge();
    let refusal = check_changes(doc, &[], &by).expect_err("refused");
    assert_eq!(refusal.rule, Rule::NotAClubsyncDocument);
    by.club_document = None;
    let checked = check_changes(doc, &[], &by).expect("a new document, whole");
    assert_eq!(checked.changes.len(), doc.get_changes(&[]).len());
}

/// A petition's first signature freezes its text: `frozen_at` and `frozen_hash` are written
/// then, once; the text and those fields never change after.
#[test]
fn a_petitions_first_signature_freezes_it_once() {
    use clubsync_core::ids::SignatureId;
    use clubsync_core::petition::{NewPetition, NewSignature, Petition, SignatureSource};
    let w = world();
    let mut petition = Petition::create(
        None,
        &NewPetition {
            club: clubsync_protocol::ids::DocumentId::random(),
            title: "Free them".into(),
            text: "Release every prisoner.".into(),
            deadline: None,
            retain_until: None,
        },
        at(0),
    )
    .expect("created");
    let by = writer(w.ana);
    let before = petition.heads();
    petition
        .sign(&NewSignature {
            id: SignatureId::new_v7(at(1)),
            name: "Asha Khan".into(),
            postcode: Some("LS1 1AA".into()),
            town: None,
            email: None,
            phone: None,
            at: at(1),
            collector: w.ana,
            event: None,
            source: SignatureSource::Device,
            comment: None,
        })
        .expect("signed");
    let doc = petition.automerge();
    check_changes(doc, &before, &by).expect("the first signature freezes the text");
    assert_eq!(
        refused(after(doc, &by, |tx| tx
            .put(ROOT, "frozen_at", 5)
            .expect("put"))),
        Rule::FieldChanged
    );
    assert_eq!(
        refused(after(doc, &by, |tx| tx
            .put(ROOT, "text", "Other words")
            .expect("put"))),
        Rule::TextFrozen
    );
}
