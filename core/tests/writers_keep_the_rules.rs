//! Every writer of core's typed documents keeps the record rules the server checks
//! (`rules::check_changes`): each write below, checked as the server checks what a device
//! sends, must pass. A writer that breaks a rule would have its device's changes refused.

mod fixtures;

use automerge::ChangeHash;
use clubsync_core::club::Role;
use clubsync_core::document::{DocumentKind, TypedDocument};
use clubsync_core::event::{
    Assignment, AssignmentStatus, Event, EventType, NewEvent, Shift, ShiftRole,
};
use clubsync_core::ids::{
    AssignmentId, ConsentId, ItemId, MemberId, MovementId, PaymentId, PledgeId, ShiftId,
    SignatureId, TargetId,
};
use clubsync_core::petition::{
    ConsentMethod, NewConsent, NewPetition, NewSignature, Petition, SignatureSource,
};
use clubsync_core::rules::{Writer, check_changes};
use clubsync_core::sponsorship::{
    NewPayment, NewPledge, NewSponsoredActivity, PledgeUnit, SponsoredActivity,
};
use clubsync_core::stage::Stage;
use clubsync_core::stock::{Item, MaterialsStock, MovementKind, NewMovement};
use clubsync_protocol::ids::DocumentId;
use fixtures::{at, gbp, world};

fn writer(member: MemberId) -> Writer {
    Writer {
        member,
        device: "phone-1".into(),
        club_document: None,
        coordinator: false,
    }
}

/// Runs one write on `doc` and checks the changes it made as the server would.
fn checked<D: TypedDocument>(doc: &mut D, by: &Writer, what: &str, write: impl FnOnce(&mut D)) {
    let before: Vec<ChangeHash> = doc.heads();
    write(doc);
    assert_ne!(doc.heads(), before, "{what} made no change");
    if let Err(refusal) = check_changes(doc.automerge(), &before, by) {
        panic!("{what}: refused: {refusal}");
    }
}

#[test]
fn petition_writers_keep_the_rules() {
    let w = world();
    let by = writer(w.ana);
    let new = NewPetition {
        club: DocumentId::random(),
        title: "Protect defectors".into(),
        text: "We ask the minister to act.".into(),
        deadline: Some(at(10_000)),
        retain_until: Some(at(100_000)),
    };
    let mut p = Petition::create(None, &new, at(0)).expect("created");
    check_changes(p.automerge(), &[], &by).expect("a new petition, whole");
    checked(&mut p, &by, "a target", |p| {
        p.add_target(TargetId::new_v7(at(1)), "The Foreign Secretary", at(1))
            .expect("target");
    });
    checked(&mut p, &by, "the text, before signing", |p| {
        p.set_text("We ask the minister to act now.", at(2))
            .expect("text");
    });
    for (minute, source) in [
        (3, SignatureSource::Device),
        (
            4,
            SignatureSource::Paper {
                sheet: "A".into(),
                line: 1,
            },
        ),
    ] {
        checked(&mut p, &by, "a signature", |p| {
            p.sign(&NewSignature {
                id: SignatureId::new_v7(at(minute)),
                name: "Kim Ji-woo".into(),
                postcode: Some("LS1 6AB".into()),
                town: None,
                email: Some("kim@example.org".into()),
                phone: None,
                at: at(minute),
                collector: w.ana,
                event: None,
                source,
                comment: None,
            })
            .expect("signed");
        });
    }
    for (minute, given) in [(5, true), (6, false)] {
        checked(&mut p, &by, "a consent event", |p| {
            p.record_consent(&NewConsent {
                id: ConsentId::new_v7(at(minute)),
                person: p.signatures().expect("read")[0].id.key(),
                purpose: "campaign_updates".into(),
                wording_version: "v2".into(),
                method: ConsentMethod::Device,
                at: at(minute),
                collector: w.ana,
                given,
            })
            .expect("consent");
        });
    }
}

#[test]
fn event_writers_keep_the_rules() {
    let w = world();
    let by = writer(w.ana);
    let new = NewEvent {
        club: DocumentId::random(),
        title: "Briggate collection".into(),
        event_type: EventType::StreetCollection,
        starts_at: at(0),
        ends_at: at(480),
        place: "Briggate".into(),
        collection: Some(DocumentId::random()),
    };
    let mut e = Event::create(None, &new, at(0)).expect("created");
    check_changes(e.automerge(), &[], &by).expect("a new event, whole");
    let shift = Shift {
        id: ShiftId::new_v7(at(1)),
        role: ShiftRole::Collector,
        place: "North end".into(),
        starts_at: at(0),
        ends_at: at(120),
        people_needed: 2,
        adults_only: true,
    };
    checked(&mut e, &by, "a shift", |e| {
        e.add_shift(&shift, at(1)).expect("shift");
    });
    let assignment = Assignment {
        id: AssignmentId::new_v7(at(2)),
        shift: shift.id,
        member: w.ben,
        status: AssignmentStatus::NeedsAction,
        attended: None,
    };
    checked(&mut e, &by, "an assignment", |e| {
        e.assign(&assignment, &w.club, at(2)).expect("assigned");
    });
    checked(&mut e, &by, "an answer and attendance", |e| {
        e.update_assignment(assignment.id, AssignmentStatus::Accepted, Some(true), at(3))
            .expect("answered");
    });
    checked(&mut e, &by, "the status moves on", |e| {
        e.advance_status(Stage::Held, at(4)).expect("held");
    });
}

#[test]
fn sponsorship_stock_and_club_writers_keep_the_rules() {
    let mut w = world();
    let by = writer(w.ana);
    let new = NewSponsoredActivity {
        club: DocumentId::random(),
        title: "Sponsored walk".into(),
        participant: w.ben,
        unit: PledgeUnit::PerKm,
        currency: gbp(1).currency,
    };
    let mut walk = SponsoredActivity::create(None, &new, at(0)).expect("created");
    check_changes(walk.automerge(), &[], &by).expect("a new activity, whole");
    let pledge = NewPledge {
        id: PledgeId::new_v7(at(1)),
        sponsor_name: "Mrs Smith".into(),
        house: Some("12".into()),
        postcode: Some("LS6 2AA".into()),
        amount: gbp(150),
        gift_aid: true,
        at: at(1),
    };
    checked(&mut walk, &by, "a pledge", |s| {
        s.record_pledge(&pledge).expect("pledged");
    });
    checked(&mut walk, &by, "a pledge amended", |s| {
        s.amend_pledge(pledge.id, gbp(200), at(2)).expect("amended");
    });
    checked(&mut walk, &by, "units completed", |s| {
        s.set_units_completed(10, at(3)).expect("walked");
    });
    checked(&mut walk, &by, "a payment", |s| {
        s.record_payment(&NewPayment {
            id: PaymentId::new_v7(at(4)),
            pledge: pledge.id,
            amount: gbp(1000),
            at: at(4),
            received_by: w.ana,
            device: "phone-1".into(),
        })
        .expect("paid");
    });

    let mut stock = MaterialsStock::create(None, DocumentId::random(), at(0)).expect("created");
    check_changes(stock.automerge(), &[], &by).expect("a new stock, whole");
    let item = Item {
        id: ItemId::new_v7(at(0)),
        name: "Leaflet".into(),
        language: "ko".into(),
        version: "3".into(),
    };
    checked(&mut stock, &by, "an item", |s| {
        s.add_item(&item, at(0)).expect("item");
    });
    for (minute, kind, quantity) in [
        (1, MovementKind::Received, 100),
        (2, MovementKind::HandedOut, 40),
    ] {
        checked(&mut stock, &by, "a movement", |s| {
            s.record_movement(&NewMovement {
                id: MovementId::new_v7(at(minute)),
                item: item.id,
                kind,
                quantity,
                event: None,
                at: at(minute),
                by: w.ana,
            })
            .expect("moved");
        });
    }

    let ben = w.ben;
    checked(&mut w.club, &by, "a member's role and age", |c| {
        c.update_member(ben, Role::Coordinator, true, at(5))
            .expect("updated");
    });
    checked(&mut w.club, &by, "a setting", |c| {
        c.set_setting_days("petition_retention_days", 365, at(6))
            .expect("set");
    });
    checked(&mut w.club, &by, "an index entry", |c| {
        c.register_document(
            DocumentId::random(),
            DocumentKind::Petition,
            "Free them",
            at(7),
        )
        .expect("indexed");
    });
    checked(&mut w.club, &by, "the club's time zone", |c| {
        c.set_time_zone("Asia/Seoul", at(8)).expect("set");
    });
    checked(&mut w.club, &by, "a member who leaves", |c| {
        c.mark_left(ben, at(9)).expect("left");
    });
    // Leaving again keeps the first time, and writes nothing.
    let heads = w.club.automerge().get_heads();
    w.club.mark_left(ben, at(10)).expect("left again");
    assert_eq!(w.club.automerge().get_heads(), heads);
    assert_eq!(w.club.left_at(ben).expect("read"), Some(at(9)));
    assert_eq!(w.club.time_zone().name(), "Asia/Seoul");
    assert!(matches!(
        w.club.set_time_zone("Moon/Base", at(11)),
        Err(clubsync_core::error::RecordError::UnknownTimeZone(_))
    ));
}
