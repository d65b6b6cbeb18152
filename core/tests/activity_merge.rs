//! Petitions, events, sponsored activities and stock edited on two devices and merged: what
//! survives, and what is flagged for a human.

mod fixtures;

use clubsync_core::error::RecordError;
use clubsync_core::event::{
    Assignment, AssignmentStatus, Event, EventType, NewEvent, Shift, ShiftRole,
};
use clubsync_core::flags::Flag;
use clubsync_core::ids::{
    AssignmentId, ConsentId, ItemId, MovementId, PaymentId, PledgeId, ShiftId, SignatureId,
};
use clubsync_core::petition::{
    ConsentMethod, NewConsent, NewPetition, NewSignature, Petition, SignatureSource,
};
use clubsync_core::sponsorship::{
    NewPayment, NewPledge, NewSponsoredActivity, PledgeUnit, SponsoredActivity,
};
use clubsync_core::stock::{Item, MaterialsStock, MovementKind, NewMovement};
use clubsync_protocol::ids::DocumentId;
use fixtures::{at, gbp, replica, sync, world};

fn petition() -> Petition {
    let new = NewPetition {
        club: DocumentId::random(),
        title: "Protect defectors".into(),
        text: "We ask the minister to ...".into(),
        deadline: None,
        retain_until: Some(at(100_000)),
    };
    Petition::create(None, &new, at(0)).expect("created")
}

fn signature(name: &str, postcode: &str, minute: i64) -> NewSignature {
    NewSignature {
        id: SignatureId::new_v7(at(minute)),
        name: name.into(),
        postcode: Some(postcode.into()),
        town: None,
        email: Some("x@example.org".into()),
        phone: None,
        at: at(minute),
        collector: world().ana,
        event: None,
        source: SignatureSource::Paper {
            sheet: "A".into(),
            line: minute,
        },
        comment: None,
    }
}

fn consent(person: &str, given: bool, minute: i64) -> NewConsent {
    NewConsent {
        id: ConsentId::new_v7(at(minute)),
        person: person.into(),
        purpose: "campaign_updates".into(),
        wording_version: "v2".into(),
        method: ConsentMethod::Device,
        at: at(minute),
        collector: world().ana,
        given,
    }
}

#[test]
fn a_concurrent_grant_and_withdrawal_resolve_to_withdrawn() {
    let mut office = petition();
    let sig = office
        .sign(&signature("Kim Ji-woo", "LS1 6AB", 0))
        .expect("signed")
        .key();
    let sig = sig.as_str();
    office
        .record_consent(&consent(sig, true, 1))
        .expect("granted");
    let mut phone = replica(&office);
    // Offline: the phone records a withdrawal; the office (later by the clock) a new grant.
    phone
        .record_consent(&consent(sig, false, 2))
        .expect("withdrawn");
    office
        .record_consent(&consent(sig, true, 50))
        .expect("granted again");
    sync(&mut office, &phone);
    sync(&mut phone, &office);
    assert!(!office.consent_given(sig, "campaign_updates").expect("read"));
    assert!(!phone.consent_given(sig, "campaign_updates").expect("read"));

    // A grant made after seeing the withdrawal gives consent again.
    office
        .record_consent(&consent(sig, true, 60))
        .expect("granted knowingly");
    assert!(office.consent_given(sig, "campaign_updates").expect("read"));
    assert!(
        !office
            .consent_given("sig-2", "campaign_updates")
            .expect("never asked")
    );
}

#[test]
fn signatures_from_two_devices_are_all_kept_and_likely_duplicates_flagged() {
    let mut a = petition();
    let mut b = replica(&a);
    a.sign(&signature("Kim Ji-woo", "LS1 6AB", 1))
        .expect("signed");
    a.sign(&signature("Lee Min", "LS2 7CD", 2)).expect("signed");
    b.sign(&signature("kim jiwoo", "ls16ab", 3))
        .expect("signed");
    sync(&mut a, &b);
    assert_eq!(a.signatures().expect("read").len(), 3);
    let flags = a.flags().expect("flags");
    assert!(
        flags.iter().any(
            |f| matches!(f, Flag::LikelyDuplicateSignatures { signatures } if signatures.len() == 2)
        ),
        "{flags:?}"
    );
}

#[test]
fn a_text_edited_offline_while_another_device_started_signing_is_flagged() {
    let mut a = petition();
    let mut b = replica(&a);
    b.set_text("An edited text", at(1))
        .expect("b has no signatures yet");
    a.sign(&signature("Park", "LS3 1AA", 2)).expect("signed");
    sync(&mut a, &b);
    assert!(
        a.flags()
            .expect("flags")
            .iter()
            .any(|f| matches!(f, Flag::PetitionTextChanged { .. }))
    );
}

#[test]
fn an_overbooked_shift_is_flagged_after_merge() {
    let w = world();
    let new = NewEvent {
        club: DocumentId::random(),
        title: "Briggate collection".into(),
        event_type: EventType::StreetCollection,
        starts_at: at(0),
        ends_at: at(480),
        place: "Briggate".into(),
        collection: Some(DocumentId::random()),
    };
    let mut coordinator = Event::create(None, &new, at(0)).expect("created");
    let shift = Shift {
        id: ShiftId::new_v7(at(0)),
        role: ShiftRole::Collector,
        place: "North end".into(),
        starts_at: at(0),
        ends_at: at(120),
        people_needed: 1,
        adults_only: false,
    };
    coordinator.add_shift(&shift, at(0)).expect("shift");
    let mut phone = replica(&coordinator);
    for (doc, member) in [(&mut coordinator, w.ana), (&mut phone, w.ben)] {
        let a = Assignment {
            id: AssignmentId::new_v7(at(1)),
            shift: shift.id,
            member,
            status: AssignmentStatus::Accepted,
            attended: None,
        };
        doc.assign(&a, &w.club, at(1)).expect("assigned");
    }
    assert!(coordinator.flags().expect("flags").is_empty());
    sync(&mut coordinator, &phone);
    assert_eq!(
        coordinator.assignments().expect("read").len(),
        2,
        "add-wins: both kept"
    );
    assert_eq!(
        coordinator.flags().expect("flags"),
        vec![Flag::OverbookedShift {
            shift: shift.id,
            needed: 1,
            accepted: 2
        }]
    );
    // A member under 16 cannot take a collector shift.
    let kid = Assignment {
        id: AssignmentId::new_v7(at(2)),
        shift: shift.id,
        member: w.kid,
        status: AssignmentStatus::Tentative,
        attended: None,
    };
    assert!(matches!(
        coordinator.assign(&kid, &w.club, at(2)),
        Err(RecordError::CollectorUnder16(_))
    ));
}

#[test]
fn stock_handed_out_on_two_devices_can_go_negative_and_is_flagged() {
    let w = world();
    let mut office = MaterialsStock::create(None, DocumentId::random(), at(0)).expect("created");
    let item = Item {
        id: ItemId::new_v7(at(0)),
        name: "Leaflet".into(),
        language: "en".into(),
        version: "3".into(),
    };
    office.add_item(&item, at(0)).expect("item");
    let movement = |kind, quantity, minute| NewMovement {
        id: MovementId::new_v7(at(minute)),
        item: item.id,
        kind,
        quantity,
        event: None,
        at: at(minute),
        by: w.ana,
    };
    office
        .record_movement(&movement(MovementKind::Received, 100, 1))
        .expect("received");
    let mut stall = replica(&office);
    office
        .record_movement(&movement(MovementKind::HandedOut, 80, 2))
        .expect("handed out");
    stall
        .record_movement(&movement(MovementKind::IssuedToEvent, 50, 3))
        .expect("issued");
    sync(&mut office, &stall);
    assert_eq!(office.stock().expect("stock")[&item.id], -30);
    assert_eq!(
        office.flags().expect("flags"),
        vec![Flag::NegativeStock {
            item: item.id,
            quantity: -30
        }]
    );
    assert!(matches!(
        office.record_movement(&movement(MovementKind::Lost, 0, 4)),
        Err(RecordError::QuantityNotPositive(0))
    ));
}

#[test]
fn pledges_are_frozen_after_the_first_payment_and_outstanding_is_derived() {
    let w = world();
    let new = NewSponsoredActivity {
        club: DocumentId::random(),
        title: "Sponsored walk".into(),
        participant: w.ben,
        unit: PledgeUnit::PerKm,
        currency: gbp(1).currency,
    };
    let mut walk = SponsoredActivity::create(None, &new, at(0)).expect("created");
    let pledge = NewPledge {
        id: PledgeId::new_v7(at(1)),
        sponsor_name: "Mrs Smith".into(),
        house: Some("12".into()),
        postcode: Some("LS6 2AA".into()),
        amount: gbp(150),
        gift_aid: true,
        at: at(1),
    };
    walk.record_pledge(&pledge).expect("pledged");
    walk.amend_pledge(pledge.id, gbp(200), at(2))
        .expect("amendable before payment");
    walk.set_units_completed(10, at(3)).expect("walked");
    let mut phone = replica(&walk);
    let pay = |minute, minor| NewPayment {
        id: PaymentId::new_v7(at(minute)),
        pledge: pledge.id,
        amount: gbp(minor),
        at: at(minute),
        received_by: w.ana,
        device: "phone".into(),
    };
    walk.record_payment(&pay(4, 1000)).expect("paid");
    phone.record_payment(&pay(5, 500)).expect("paid");
    sync(&mut walk, &phone);
    let p = &walk.pledges().expect("read")[0];
    assert_eq!(
        (p.pledged.minor, p.paid.minor, p.outstanding.minor),
        (2000, 1500, 500)
    );
    assert!(matches!(
        walk.amend_pledge(pledge.id, gbp(100), at(6)),
        Err(RecordError::PledgeFrozen(_))
    ));
}
