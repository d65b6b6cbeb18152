//! Every refusal the typed API makes, each asserting its specific error, and that a refused
//! record leaves the document exactly as it was (no half record).

mod fixtures;

use clubsync_core::collection::{DonationSource, NewCount};
use clubsync_core::currency::Currency;
use clubsync_core::document::TypedDocument;
use clubsync_core::error::RecordError;
use clubsync_core::ids::{CountId, DonationId, MemberId, SignatureId, TinNumber};
use clubsync_core::money::Money;
use clubsync_core::petition::{NewPetition, NewSignature, Petition, SignatureSource};
use clubsync_core::stage::Stage;
use clubsync_protocol::ids::DocumentId;
use fixtures::{World, at, card_donation, world};

/// Runs `f` on the world's collection and checks the heads did not move.
fn refused<T: std::fmt::Debug>(
    w: &mut World,
    f: impl FnOnce(&mut World) -> Result<T, RecordError>,
) -> RecordError {
    let before = w.collection.heads();
    let err = f(w).expect_err("must be refused");
    assert_eq!(
        w.collection.heads(),
        before,
        "a refused record must write nothing"
    );
    err
}

#[test]
fn zero_and_negative_amounts_are_refused() {
    let mut w = world();
    for minor in [0, -1, -500] {
        let d = card_donation(minor, w.ana, 1);
        let err = refused(&mut w, |w| w.collection.record_donation(&d));
        assert!(
            matches!(err, RecordError::AmountNotPositive(m) if m == minor),
            "{err}"
        );
    }
}

#[test]
fn an_unknown_currency_is_refused() {
    let err = Currency::new("XYZ").expect_err("not ISO 4217");
    assert!(
        matches!(err, RecordError::UnknownCurrency(ref c) if c == "XYZ"),
        "{err}"
    );
}

#[test]
fn money_in_another_currency_than_the_collection_is_refused() {
    let mut w = world();
    let mut d = card_donation(500, w.ana, 1);
    d.amount = Money::new(500, Currency::new("EUR").expect("EUR"));
    let err = refused(&mut w, |w| w.collection.record_donation(&d));
    assert!(matches!(err, RecordError::CurrencyMismatch { .. }), "{err}");
}

#[test]
fn a_donation_into_an_unknown_tin_is_refused() {
    let mut w = world();
    let mut d = card_donation(500, w.ana, 1);
    d.source = DonationSource::Tin(TinNumber(99));
    let err = refused(&mut w, |w| w.collection.record_donation(&d));
    assert!(
        matches!(err, RecordError::UnknownTin(TinNumber(99))),
        "{err}"
    );
}

#[test]
fn a_donation_into_a_tin_not_issued_is_refused() {
    let mut w = world();
    let mut d = card_donation(500, w.ana, 1);
    d.source = DonationSource::Tin(TinNumber(2));
    let err = refused(&mut w, |w| w.collection.record_donation(&d));
    assert!(
        matches!(err, RecordError::TinNotIssued(TinNumber(2))),
        "{err}"
    );

    // Issued, it is accepted; returned, it is refused again.
    let custody = w.issue(2, w.cho, "S-7", 0);
    w.collection.record_donation(&d).expect("tin is out");
    w.give_back(custody, 60);
    let mut later = d.clone();
    later.id = DonationId::new_v7(at(61));
    let err = refused(&mut w, |w| w.collection.record_donation(&later));
    assert!(
        matches!(err, RecordError::TinNotIssued(TinNumber(2))),
        "{err}"
    );
}

#[test]
fn the_same_donation_id_twice_is_refused() {
    let mut w = world();
    let d = card_donation(500, w.ana, 1);
    w.collection.record_donation(&d).expect("first");
    let err = refused(&mut w, |w| w.collection.record_donation(&d));
    assert!(matches!(err, RecordError::DuplicateId(_)), "{err}");
    assert_eq!(w.collection.donations().expect("readable").len(), 1);
}

fn returned_tin_count(w: &mut World) -> NewCount {
    let custody = w.issue(1, w.cho, "S-1", 0);
    w.give_back(custody, 100);
    w.count(custody, 110)
}

#[test]
fn the_same_counter_twice_is_refused() {
    let mut w = world();
    let mut count = returned_tin_count(&mut w);
    count.counter2 = count.counter1;
    let err = refused(&mut w, |w| w.collection.record_count(&count, &w.club));
    assert!(
        matches!(err, RecordError::SameCounterTwice(m) if m == w.ana),
        "{err}"
    );
}

#[test]
fn an_under_16_counter_is_refused() {
    let mut w = world();
    let mut count = returned_tin_count(&mut w);
    count.counter2 = w.kid;
    let err = refused(&mut w, |w| w.collection.record_count(&count, &w.club));
    assert!(
        matches!(err, RecordError::CounterUnder16(m) if m == w.kid),
        "{err}"
    );
}

#[test]
fn a_counter_who_is_not_a_member_is_refused() {
    let mut w = world();
    let mut count = returned_tin_count(&mut w);
    let stranger = MemberId::new_v7(at(0));
    count.counter1 = stranger;
    let err = refused(&mut w, |w| w.collection.record_count(&count, &w.club));
    assert!(
        matches!(err, RecordError::UnknownMember(m) if m == stranger),
        "{err}"
    );
}

#[test]
fn counting_a_tin_still_out_and_bad_denominations_are_refused() {
    let mut w = world();
    let custody = w.issue(3, w.cho, "S-3", 0);
    let count = w.count(custody, 10);
    let err = refused(&mut w, |w| w.collection.record_count(&count, &w.club));
    assert!(
        matches!(err, RecordError::TinNotReturned(c) if c == custody),
        "{err}"
    );

    w.give_back(custody, 20);
    let mut bad = w.count(custody, 30);
    bad.denominations[0].quantity = 0;
    let err = refused(&mut w, |w| w.collection.record_count(&bad, &w.club));
    assert!(matches!(err, RecordError::InvalidDenominations(_)), "{err}");
}

#[test]
fn a_second_count_without_superseding_is_refused() {
    let mut w = world();
    let count = returned_tin_count(&mut w);
    let first = w
        .collection
        .record_count(&count, &w.club)
        .expect("first count");
    let mut second = count.clone();
    second.id = CountId::new_v7(at(120));
    let err = refused(&mut w, |w| w.collection.record_count(&second, &w.club));
    assert!(
        matches!(err, RecordError::CountExists { count, .. } if count == first),
        "{err}"
    );
}

#[test]
fn only_the_two_counters_may_sign_and_both_signatures_lock_the_count() {
    use clubsync_core::collection::CountStatus;
    let mut w = world();
    let count = returned_tin_count(&mut w);
    let id = w.collection.record_count(&count, &w.club).expect("counted");
    let err = refused(&mut w, |w| w.collection.sign_count(id, w.cho, at(120)));
    assert!(
        matches!(err, RecordError::NotACounter(m) if m == w.cho),
        "{err}"
    );
    assert_eq!(
        w.collection.sign_count(id, w.ana, at(121)).expect("signed"),
        CountStatus::SignedByOne
    );
    assert_eq!(
        w.collection.sign_count(id, w.ben, at(122)).expect("signed"),
        CountStatus::Locked
    );
    assert_eq!(
        w.collection
            .count(id)
            .expect("read")
            .expect("exists")
            .total
            .minor,
        850
    );
}

#[test]
fn issuing_a_tin_to_an_under_16_or_twice_is_refused() {
    use clubsync_core::collection::IssueTin;
    use clubsync_core::ids::CustodyId;
    let mut w = world();
    let issue = IssueTin {
        id: CustodyId::new_v7(at(0)),
        tin: TinNumber(1),
        collector: w.kid,
        seal: "S-9".into(),
        issued_by: w.ana,
        at: at(0),
    };
    let err = refused(&mut w, |w| w.collection.issue_tin(&issue, &w.club));
    assert!(
        matches!(err, RecordError::CollectorUnder16(m) if m == w.kid),
        "{err}"
    );
    w.issue(1, w.ben, "S-10", 1);
    let again = IssueTin {
        id: CustodyId::new_v7(at(2)),
        collector: w.cho,
        ..issue
    };
    let err = refused(&mut w, |w| w.collection.issue_tin(&again, &w.club));
    assert!(
        matches!(err, RecordError::TinAlreadyIssued(TinNumber(1))),
        "{err}"
    );
}

#[test]
fn a_seal_used_before_is_refused_on_any_tin() {
    use clubsync_core::collection::IssueTin;
    use clubsync_core::ids::CustodyId;
    let mut w = world();
    let first = w.issue(1, w.ben, "S-10", 1);
    w.give_back(first, 30);
    for tin in [TinNumber(1), TinNumber(2)] {
        // The same seal, padded as a person might type it.
        let again = IssueTin {
            id: CustodyId::new_v7(at(40)),
            tin,
            collector: w.cho,
            seal: " S-10 ".into(),
            issued_by: w.ana,
            at: at(40),
        };
        let err = refused(&mut w, |w| w.collection.issue_tin(&again, &w.club));
        assert!(
            matches!(&err, RecordError::SealReused { seal, tin: TinNumber(1) } if seal == "S-10"),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("each issue of a tin gets a new seal")
        );
    }
}

#[test]
fn the_return_status_cannot_be_set_without_submitting_a_return() {
    let mut w = world();
    let err = refused(&mut w, |w| {
        w.collection.advance_status(Stage::ReturnSubmitted, at(1))
    });
    assert!(matches!(err, RecordError::ReturnBlocked(_)), "{err}");
}

fn petition(deadline: i64) -> Petition {
    let new = NewPetition {
        club: DocumentId::random(),
        title: "Stop forced repatriation".into(),
        text: "We call on the government to ...".into(),
        deadline: Some(at(deadline)),
        retain_until: None,
    };
    Petition::create(None, &new, at(0)).expect("petition created")
}

fn signature(name: &str, minute: i64) -> NewSignature {
    NewSignature {
        id: SignatureId::new_v7(at(minute)),
        name: name.into(),
        postcode: Some("LS1 6AB".into()),
        town: None,
        email: None,
        phone: None,
        at: at(minute),
        collector: MemberId::new_v7(at(0)),
        event: None,
        source: SignatureSource::Device,
        comment: None,
    }
}

#[test]
fn signing_past_the_deadline_is_refused() {
    let mut p = petition(60);
    let before = p.heads();
    let err = p
        .sign(&signature("Kim Ji-woo", 61))
        .expect_err("past deadline");
    assert!(
        matches!(err, RecordError::PastDeadline { deadline, at: a } if deadline == at(60) && a == at(61)),
        "{err}"
    );
    assert_eq!(p.heads(), before);
    p.sign(&signature("Kim Ji-woo", 60))
        .expect("on the deadline is fine");
}

#[test]
fn the_text_is_frozen_once_signing_starts() {
    let mut p = petition(600);
    p.set_text("We call on the government to act.", at(1))
        .expect("editable before signing");
    p.sign(&signature("Lee", 2)).expect("signed");
    let before = p.heads();
    let err = p.set_text("Something else", at(3)).expect_err("frozen");
    assert!(matches!(err, RecordError::PetitionTextFrozen), "{err}");
    assert_eq!(p.heads(), before);
    assert_eq!(p.frozen_at().expect("read"), Some(at(2)));
    let signed = p.signatures().expect("read");
    assert_eq!(
        signed[0].text_hash,
        clubsync_core::petition::text_hash("We call on the government to act.")
    );
}

#[test]
fn a_signature_without_postcode_or_town_is_refused() {
    let mut p = petition(600);
    let mut s = signature("Park", 1);
    s.postcode = None;
    let err = p.sign(&s).expect_err("no place");
    assert!(matches!(err, RecordError::NoPostcodeOrTown), "{err}");
    assert!(p.signatures().expect("read").is_empty());
}
