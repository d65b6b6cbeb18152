//! Street collection documents edited offline on two and three devices, then merged.

mod fixtures;

use clubsync_core::collection::{NewReturn, Supersede};
use clubsync_core::document::TypedDocument;
use clubsync_core::error::RecordError;
use clubsync_core::flags::Flag;
use clubsync_core::ids::{CountId, ReturnId};
use clubsync_core::stage::Stage;
use fixtures::{at, card_donation, replica, sync, world};

#[test]
fn concurrent_donations_on_three_devices_are_all_kept_and_summed() {
    let w = world();
    // 1. Three phones start from the same collection and go offline.
    let mut phones = [
        replica(&w.collection),
        replica(&w.collection),
        replica(&w.collection),
    ];
    let mut recorded = Vec::new();
    for (i, phone) in phones.iter_mut().enumerate() {
        for j in 0..5 {
            let minor = 100 * (i as i64 + 1) + j;
            let id = phone
                .record_donation(&card_donation(minor, w.ana, j))
                .expect("recorded");
            recorded.push((id, minor));
        }
    }
    // 2. They sync pairwise until everyone has everything.
    for _ in 0..2 {
        for i in 0..3 {
            for j in 0..3 {
                if i != j {
                    let from = phones[j].clone();
                    sync(&mut phones[i], &from);
                }
            }
        }
    }
    // 3. Every phone holds all 15 donations and the same total.
    let expected: i64 = recorded.iter().map(|(_, m)| m).sum();
    for phone in &phones {
        let donations = phone.donations().expect("readable");
        assert_eq!(donations.len(), 15);
        for (id, minor) in &recorded {
            let d = donations
                .iter()
                .find(|d| d.id == *id)
                .expect("donation kept");
            assert_eq!(d.amount.minor, *minor);
        }
        assert_eq!(
            phone.donations_outside_tins_total().expect("total").minor,
            expected
        );
    }
    assert_eq!(phones[0].heads().len(), phones[1].heads().len());
}

#[test]
fn a_change_applied_twice_changes_nothing() {
    let w = world();
    let mut phone = replica(&w.collection);
    let mut laptop = replica(&w.collection);
    let before = phone.heads();
    phone
        .record_donation(&card_donation(500, w.ana, 1))
        .expect("recorded");
    let chunk = phone.changes_since(&before);

    // The laptop receives the same change twice (a re-delivered frame, a retried upload).
    laptop
        .automerge_mut()
        .load_incremental(&chunk)
        .expect("applies");
    let heads_once = laptop.heads();
    laptop
        .automerge_mut()
        .load_incremental(&chunk)
        .expect("applies again");
    sync(&mut laptop, &phone);

    assert_eq!(laptop.heads(), heads_once);
    assert_eq!(laptop.donations().expect("readable").len(), 1);
    assert_eq!(
        laptop.donations_outside_tins_total().expect("total").minor,
        500
    );
}

#[test]
fn concurrent_status_changes_end_at_the_furthest() {
    let w = world();
    let mut a = replica(&w.collection);
    let mut b = replica(&w.collection);
    let mut c = replica(&w.collection);
    a.advance_status(Stage::Counted, at(10)).expect("advanced");
    b.advance_status(Stage::Held, at(11)).expect("advanced");
    c.advance_status(Stage::Reconciled, at(5))
        .expect("advanced");
    for other in [&b, &c] {
        sync(&mut a, other);
    }
    sync(&mut b, &c);
    sync(&mut b, &a);
    assert_eq!(a.status().expect("status"), Stage::Reconciled);
    assert_eq!(b.status().expect("status"), Stage::Reconciled);
    // Moving "back" is a no-op: the furthest stage stays.
    assert_eq!(
        a.advance_status(Stage::Held, at(20)).expect("no-op"),
        Stage::Reconciled
    );
}

#[test]
fn two_counts_of_one_tin_are_flagged_and_block_the_return() {
    let mut w = world();
    let custody = w.issue(1, w.cho, "S-100", 0);
    w.give_back(custody, 120);
    let mut laptop = replica(&w.collection);
    let mut phone = replica(&w.collection);
    laptop
        .record_count(&w.count(custody, 130), &w.club)
        .expect("counted on laptop");
    phone
        .record_count(&w.count(custody, 131), &w.club)
        .expect("counted on phone");
    sync(&mut laptop, &phone);

    let flags = laptop.flags().expect("flags");
    assert!(
        flags.iter().any(
            |f| matches!(f, Flag::TwoActiveCounts { custody: c, counts, .. }
            if *c == custody && counts.len() == 2)
        ),
        "{flags:?}"
    );
    let ret = NewReturn {
        id: ReturnId::new_v7(at(200)),
        reference: None,
        by: w.ana,
        at: at(200),
    };
    assert!(laptop.submit_return(&ret).is_err(), "the return is blocked");

    // A correction superseding one of them clears the flag.
    let counts = laptop.counts().expect("counts");
    let mut fix = w.count(custody, 140);
    fix.id = CountId::new_v7(at(140));
    fix.supersedes = Some(Supersede {
        counts: vec![counts[0].id],
        reason: "recounted".into(),
    });
    // The other is still active, so superseding one alone is refused locally...
    assert!(matches!(
        laptop.record_count(&fix, &w.club),
        Err(RecordError::CountExists { count, .. }) if count == counts[1].id
    ));
    // ...and a recount superseding both clears the flag and unblocks the return.
    fix.supersedes = Some(Supersede {
        counts: vec![counts[0].id, counts[1].id],
        reason: "counted twice".into(),
    });
    laptop
        .record_count(&fix, &w.club)
        .expect("recount recorded");
    assert!(laptop.flags().expect("flags").is_empty());
    let active: Vec<_> = laptop
        .counts()
        .expect("counts")
        .into_iter()
        .filter(|c| c.active)
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].total.minor, 850);
    laptop.submit_return(&ret).expect("return submitted");
}

#[test]
fn a_tin_issued_on_two_devices_at_once_and_a_reused_seal_are_flagged() {
    let w = world();
    let mut a = fixtures::World {
        collection: replica(&w.collection),
        ..fixtures::world_with(&w)
    };
    let mut b = fixtures::World {
        collection: replica(&w.collection),
        ..fixtures::world_with(&w)
    };
    a.issue(2, w.ana, "S-1", 0);
    b.issue(2, w.ben, "S-2", 1);
    b.issue(3, w.cho, "S-1", 2);
    sync(&mut a.collection, &b.collection);
    let flags = a.collection.flags().expect("flags");
    assert!(
        flags
            .iter()
            .any(|f| matches!(f, Flag::TinIssuedTwice { tin, custody }
        if tin.0 == 2 && custody.len() == 2)),
        "{flags:?}"
    );
    assert!(
        flags
            .iter()
            .any(|f| matches!(f, Flag::SealUsedTwice { seal, .. } if seal == "S-1"))
    );
}

#[test]
fn entries_merged_after_the_return_are_post_close_adjustments() {
    let w = world();
    let mut office = replica(&w.collection);
    let mut phone = replica(&w.collection);
    office
        .record_donation(&card_donation(1000, w.ana, 1))
        .expect("recorded");
    // The phone records a donation offline, before the return but unsynced.
    let late = phone
        .record_donation(&card_donation(700, w.ben, 2))
        .expect("recorded");
    let ret = NewReturn {
        id: ReturnId::new_v7(at(300)),
        reference: Some("R-1".into()),
        by: w.ana,
        at: at(300),
    };
    office.submit_return(&ret).expect("submitted");
    assert_eq!(office.status().expect("status"), Stage::ReturnSubmitted);
    sync(&mut office, &phone);

    let donations = office.donations().expect("readable");
    let late = donations.iter().find(|d| d.id == late).expect("kept");
    assert!(late.post_close);
    assert!(
        donations
            .iter()
            .filter(|d| d.id != late.id)
            .all(|d| !d.post_close)
    );
    // The reported figure is the one submitted.
    assert_eq!(
        office.donations_outside_tins_total().expect("total").minor,
        1000
    );
}

/// The club and member ids of `w`, for building a second world around a replica.
#[test]
fn a_tin_returned_and_issued_again_is_not_flagged() {
    let mut w = world();
    let morning = w.issue(1, w.cho, "S-1", 0);
    w.give_back(morning, 120);
    w.issue(1, w.ben, "S-2", 180);
    assert!(w.collection.flags().expect("flags").is_empty());
    assert_eq!(
        w.collection
            .active_custody(clubsync_core::ids::TinNumber(1))
            .expect("read")
            .expect("out")
            .collector,
        w.ben
    );
}

#[test]
fn permit_fields_merge_per_field_and_bad_dates_are_refused() {
    use clubsync_core::collection::Permit;
    let w = world();
    let mut a = replica(&w.collection);
    let mut b = replica(&w.collection);
    let ref_only = Permit {
        reference: Some("LCC/2026/114".into()),
        ..Permit::default()
    };
    let due_only = Permit {
        return_due: Some("2026-04-14".into()),
        ..Permit::default()
    };
    a.set_permit(&ref_only, at(1)).expect("set");
    b.set_permit(&due_only, at(2)).expect("set");
    sync(&mut a, &b);
    let permit = a.permit().expect("read");
    assert_eq!(permit.reference.as_deref(), Some("LCC/2026/114"));
    assert_eq!(permit.return_due.as_deref(), Some("2026-04-14"));
    let bad = Permit {
        first_day: Some("14/03/2026".into()),
        ..Permit::default()
    };
    assert!(matches!(
        a.set_permit(&bad, at(3)),
        Err(RecordError::InvalidDate {
            field: "first_day",
            ..
        })
    ));
}

#[test]
fn a_reversed_donation_is_left_out_of_the_total_even_if_reversed_twice_concurrently() {
    use clubsync_core::ids::ReversalId;
    let w = world();
    let mut a = replica(&w.collection);
    let d = a
        .record_donation(&card_donation(900, w.ana, 1))
        .expect("recorded");
    a.record_donation(&card_donation(100, w.ana, 2))
        .expect("recorded");
    let mut b = replica(&a);
    a.reverse_donation(
        ReversalId::new_v7(at(3)),
        d,
        "typed 9.00 for 0.90",
        w.ana,
        at(3),
    )
    .expect("reversed");
    b.reverse_donation(ReversalId::new_v7(at(4)), d, "duplicate", w.ben, at(4))
        .expect("reversed");
    sync(&mut a, &b);
    assert_eq!(a.donations_outside_tins_total().expect("total").minor, 100);
    assert!(matches!(
        a.reverse_donation(ReversalId::new_v7(at(5)), d, "again", w.ana, at(5)),
        Err(RecordError::AlreadyReversed(x)) if x == d
    ));
}

#[test]
fn a_return_recorded_on_two_devices_at_once_is_flagged() {
    use clubsync_core::collection::TinReturn;
    let mut w = world();
    let custody = w.issue(1, w.cho, "S-1", 0);
    let mut a = replica(&w.collection);
    let mut b = replica(&w.collection);
    a.return_tin(
        custody,
        &TinReturn {
            at: at(100),
            to: w.ana,
            seal_intact: true,
        },
    )
    .expect("returned");
    b.return_tin(
        custody,
        &TinReturn {
            at: at(101),
            to: w.ben,
            seal_intact: false,
        },
    )
    .expect("returned");
    assert!(a.flags().expect("flags").is_empty());
    sync(&mut a, &b);
    assert_eq!(
        a.flags().expect("flags"),
        vec![Flag::TinReturnedTwice {
            tin: clubsync_core::ids::TinNumber(1),
            custody
        }]
    );
}

#[test]
fn money_handled_by_a_member_not_recorded_16_or_over_is_flagged_with_the_club() {
    use clubsync_core::club::Role;
    let mut w = world();
    // Cho was recorded 16 or over when they took tin 1 and counted it; a coordinator then
    // corrects the club document (or the phone wrote before the correction reached it).
    let custody = w.issue(1, w.cho, "S-1", 1);
    w.give_back(custody, 30);
    let mut count = w.count(custody, 40);
    count.counter2 = w.cho;
    w.collection
        .record_count(&count, &w.club)
        .expect("counted while Cho is an adult");
    assert_eq!(w.collection.age_flags(&w.club).expect("read"), Vec::new());

    w.club
        .update_member(w.cho, Role::Volunteer, false, at(50))
        .expect("corrected");
    let flags = w.collection.age_flags(&w.club).expect("read");
    assert_eq!(
        flags,
        vec![Flag::MoneyHandledByUnder16 {
            member: w.cho,
            records: vec![
                format!("custody/{}", custody.key()),
                format!("counts/{}", count.id.key())
            ],
        }]
    );
    assert!(flags[0].to_string().contains("not recorded as 16 or over"));
}
