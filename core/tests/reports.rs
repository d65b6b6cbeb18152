//! Reports built from real documents and written as CSV: what a coordinator hands to the
//! council, the bank and the NGO.

mod fixtures;

use clubsync_core::collection::{LedgerKind, NewLedgerEntry};
use clubsync_core::ids::{LedgerEntryId, SignatureId};
use clubsync_core::petition::{NewPetition, NewSignature, Petition, SignatureSource};
use clubsync_core::reports::{PetitionDelivery, Reconciliation, TinCountSheet, Totals};
use clubsync_core::time_zone::ClubTimeZone;
use clubsync_protocol::ids::DocumentId;
use fixtures::{at, card_donation, gbp, world};

fn csv_of(
    write: impl FnOnce(&mut Vec<u8>) -> Result<(), clubsync_core::reports::ReportError>,
) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("CSV written");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn the_tin_sheet_lists_each_tin_with_its_count_and_a_grand_total() {
    let mut w = world();
    let c1 = w.issue(1, w.cho, "S-1", 0);
    let c2 = w.issue(2, w.ben, "S-2", 0);
    w.give_back(c1, 100);
    w.give_back(c2, 100);
    w.collection
        .record_count(&w.count(c1, 110), &w.club)
        .expect("counted");
    let mut second = w.count(c2, 111);
    second.denominations = vec![clubsync_core::collection::Denomination {
        value_minor: 1000,
        quantity: 2,
    }];
    w.collection
        .record_count(&second, &w.club)
        .expect("counted");

    let sheet = TinCountSheet::build(&w.collection, &w.club).expect("sheet");
    assert_eq!(sheet.rows.len(), 2);
    assert_eq!(sheet.grand_total.minor, 850 + 2000);
    let csv = csv_of(|out| sheet.write_csv(out));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "tin,seal,collector,issued,returned,seal_intact,denominations,total,currency,counter_1,counter_2,place"
    );
    assert!(lines[1].starts_with("1,S-1,Cho,2026-03-14T10:00:00Z,2026-03-14T11:40:00Z,yes,3x2.00; 5x0.50,8.50,GBP,Ana,Ben,"), "{}", lines[1]);
    assert!(
        lines[3].starts_with("TOTAL,") && lines[3].contains(",28.50,GBP,"),
        "{}",
        lines[3]
    );
}

#[test]
fn reconciliation_highlights_money_counted_but_not_banked() {
    let mut w = world();
    let c1 = w.issue(1, w.cho, "S-1", 0);
    w.give_back(c1, 100);
    w.collection
        .record_count(&w.count(c1, 110), &w.club)
        .expect("counted");
    w.collection
        .record_donation(&card_donation(1500, w.ana, 5))
        .expect("card");
    let entry = |kind, minor, minute| NewLedgerEntry {
        id: LedgerEntryId::new_v7(at(minute)),
        kind,
        amount: gbp(minor),
        reference: Some("BANK-1".into()),
        reverses: None,
        created_by: w.ana,
        device: "laptop".into(),
        at: at(minute),
        note: None,
    };
    w.collection
        .record_ledger_entry(&entry(LedgerKind::Deposit, 800, 200))
        .expect("banked");
    w.collection
        .record_ledger_entry(&entry(LedgerKind::Remittance, 2300, 300))
        .expect("remitted");

    let r = Reconciliation::build(&w.collection).expect("built");
    assert_eq!(
        (r.counted.minor, r.banked.minor, r.outside_tins.minor),
        (850, 800, 1500)
    );
    assert_eq!(r.banked_minus_counted.minor, -50);
    assert_eq!(r.remitted_minus_due.minor, 0);
    let csv = csv_of(|out| r.write_csv(out));
    assert!(
        csv.contains("banked_minus_counted,-0.50,GBP,DIFFERENCE"),
        "{csv}"
    );
    assert!(
        csv.contains("remitted_minus_due,0.00,GBP,\n")
            || csv.contains("remitted_minus_due,0.00,GBP,\r\n"),
        "{csv}"
    );
}

#[test]
fn totals_by_event_and_collector_add_tins_and_other_donations_once() {
    let mut w = world();
    let c1 = w.issue(1, w.cho, "S-1", 0);
    w.give_back(c1, 100);
    w.collection
        .record_count(&w.count(c1, 110), &w.club)
        .expect("counted");
    w.collection
        .record_donation(&card_donation(1500, w.cho, 5))
        .expect("card");
    let totals = Totals::build(&[&w.collection], &w.club).expect("totals");
    let cho = totals
        .rows
        .iter()
        .find(|r| r.group == "collector" && r.name == "Cho")
        .expect("Cho");
    assert_eq!((cho.counted_minor, cho.other_minor), (850, 1500));
    let event = totals
        .rows
        .iter()
        .find(|r| r.group == "event")
        .expect("event row");
    assert_eq!(event.counted_minor + event.other_minor, 2350);
    let csv = csv_of(|out| totals.write_csv(out));
    assert!(csv.contains("collector,Cho,8.50,15.00,23.50,GBP"), "{csv}");
}

#[test]
fn the_petition_delivery_never_contains_email_or_phone() {
    let new = NewPetition {
        club: DocumentId::random(),
        title: "Protect defectors".into(),
        text: "We ask the minister to ...".into(),
        deadline: None,
        retain_until: None,
    };
    let mut p = Petition::create(None, &new, at(0)).expect("created");
    for (i, (name, postcode, town)) in [
        ("Kim Ji-woo", Some("LS1 6AB"), None),
        ("Lee, Min", None, Some("Leeds")),
    ]
    .into_iter()
    .enumerate()
    {
        p.sign(&NewSignature {
            id: SignatureId::new_v7(at(i as i64)),
            name: name.into(),
            postcode: postcode.map(Into::into),
            town: town.map(Into::into),
            email: Some(format!("signer{i}@example.org")),
            phone: Some("+44 7700 900123".into()),
            at: at(i as i64),
            collector: w_member(),
            event: None,
            source: SignatureSource::Device,
            comment: Some("private comment".into()),
        })
        .expect("signed");
    }
    let delivery = PetitionDelivery::build(&p, &london()).expect("built");
    assert_eq!(delivery.count, 2);
    let csv = csv_of(|out| delivery.write_csv(out));
    assert!(
        !csv.contains('@') && !csv.contains("7700") && !csv.contains("private"),
        "{csv}"
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        [
            "name,postcode_or_town,date",
            "Kim Ji-woo,LS1 6AB,2026-03-14",
            "\"Lee, Min\",Leeds,2026-03-14"
        ]
    );
}

fn london() -> ClubTimeZone {
    ClubTimeZone::named("Europe/London").expect("a zone")
}

#[test]
fn a_signature_given_in_seoul_at_half_past_eight_is_dated_that_day_on_the_delivery_list() {
    let new = NewPetition {
        club: DocumentId::random(),
        title: "Protect defectors".into(),
        text: "We ask the minister to ...".into(),
        deadline: None,
        retain_until: None,
    };
    // 2026-03-14 08:30 in Seoul: 2026-03-13 23:30 UTC.
    let seoul = ClubTimeZone::named("Asia/Seoul").expect("a zone");
    let morning = seoul.at(2026, 3, 14, 8 * 3600 + 1800).expect("a moment");
    let mut p = Petition::create(None, &new, morning).expect("created");
    p.sign(&NewSignature {
        id: SignatureId::new_v7(morning),
        name: "Park Seo-yeon".into(),
        postcode: Some("04524".into()),
        town: None,
        email: None,
        phone: None,
        at: morning,
        collector: w_member(),
        event: None,
        source: SignatureSource::Device,
        comment: None,
    })
    .expect("signed");
    let in_seoul = csv_of(|out| {
        PetitionDelivery::build(&p, &seoul)
            .expect("built")
            .write_csv(out)
    });
    assert!(
        in_seoul.contains("Park Seo-yeon,04524,2026-03-14"),
        "{in_seoul}"
    );
    let in_utc = csv_of(|out| {
        PetitionDelivery::build(&p, &ClubTimeZone::utc())
            .expect("built")
            .write_csv(out)
    });
    assert!(
        in_utc.contains("Park Seo-yeon,04524,2026-03-13"),
        "{in_utc}"
    );
}

fn w_member() -> clubsync_core::ids::MemberId {
    clubsync_core::ids::MemberId::new_v7(at(0))
}

#[test]
fn the_sponsorship_sheet_totals_pledged_paid_and_outstanding() {
    use clubsync_core::ids::{PaymentId, PledgeId};
    use clubsync_core::reports::SponsorshipSheet;
    use clubsync_core::sponsorship::{
        NewPayment, NewPledge, NewSponsoredActivity, PledgeUnit, SponsoredActivity,
    };
    let w = world();
    let new = NewSponsoredActivity {
        club: DocumentId::random(),
        title: "Sponsored swim".into(),
        participant: w.ben,
        unit: PledgeUnit::Flat,
        currency: gbp(0).currency,
    };
    let mut swim = SponsoredActivity::create(None, &new, at(0)).expect("created");
    for (i, (name, minor, gift_aid)) in [("Mr Jones", 2000, true), ("Ms Park", 500, false)]
        .into_iter()
        .enumerate()
    {
        let id = PledgeId::new_v7(at(i as i64));
        swim.record_pledge(&NewPledge {
            id,
            sponsor_name: name.into(),
            house: Some("4".into()),
            postcode: Some("LS6 1AA".into()),
            amount: gbp(minor),
            gift_aid,
            at: at(i as i64),
        })
        .expect("pledged");
        if gift_aid {
            swim.record_payment(&NewPayment {
                id: PaymentId::new_v7(at(10)),
                pledge: id,
                amount: gbp(minor),
                at: at(10),
                received_by: w.ana,
                device: "phone".into(),
            })
            .expect("paid");
        }
    }
    let sheet = SponsorshipSheet::build(&swim, &london()).expect("built");
    assert_eq!(
        (
            sheet.pledged.minor,
            sheet.paid.minor,
            sheet.outstanding.minor
        ),
        (2500, 2000, 500)
    );
    let csv = csv_of(|out| sheet.write_csv(out));
    assert!(
        csv.contains("Mr Jones,4,LS6 1AA,20.00,20.00,2026-03-14,yes,GBP"),
        "{csv}"
    );
    assert!(
        csv.contains("TOTAL,,,25.00,20.00,outstanding 5.00,,GBP"),
        "{csv}"
    );
}
