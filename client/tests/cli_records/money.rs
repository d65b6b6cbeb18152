//! Money from the command line: any donation reversed with a reason, and a collection banked,
//! spent, remitted and reconciled only when the cash is in the bank (or with a reason), and
//! the permit entered and its warnings; a sponsored walk from pledges to its sheet.

use super::*;

#[test]
fn a_mistyped_card_donation_is_reversed_and_every_total_is_right_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    device(home, Role::Coordinator);
    let id = created_id(
        &ok(home, &["collection", "create", "Station", "--tins", "1"]),
        "collection",
    );
    ok(
        home,
        &["collection", "donate", "Station", "500", "--source", "card"],
    );
    ok(
        home,
        &[
            "collection",
            "donate",
            "Station",
            "2.00",
            "--source",
            "cash",
        ],
    );
    let listed = ok(home, &["collection", "donations", "Station"]);
    let line = listed
        .lines()
        .find(|l| l.contains("500.00 GBP"))
        .unwrap_or_else(|| panic!("no 500.00 in\n{listed}"));
    assert!(line.contains(" card "), "{line}");
    assert!(
        listed
            .lines()
            .any(|l| l.contains(" cash ") && l.contains("2.00 GBP")),
        "{listed}"
    );
    let short = line.split_whitespace().next().expect("an id");

    let why = refused(
        home,
        &["collection", "reverse", "Station", short, "--reason", " "],
    );
    assert!(why.contains("reason must not be empty"), "{why}");
    let why = refused(
        home,
        &["collection", "reverse", "Station", "0194", "--reason", "x"],
    );
    assert!(why.contains("at least 8 characters"), "{why}");

    let out = ok(
        home,
        &[
            "collection",
            "reverse",
            "Station",
            short,
            "--reason",
            "typed 500.00 for 5.00",
        ],
    );
    assert!(
        out.contains("Reversed donation") && out.contains("500.00 GBP"),
        "{out}"
    );
    ok(
        home,
        &[
            "collection",
            "donate",
            "Station",
            "5.00",
            "--source",
            "card",
        ],
    );
    let why = refused(
        home,
        &[
            "collection",
            "reverse",
            "Station",
            short,
            "--reason",
            "again",
        ],
    );
    assert!(why.contains("already reversed"), "{why}");

    let c = collection(home, &id);
    assert_eq!(c.donations_outside_tins_total().expect("total").minor, 700);
    let listed = ok(home, &["collection", "donations", "Station"]);
    assert!(
        listed
            .lines()
            .any(|l| l.contains("500.00 GBP") && l.contains("(reversed)")),
        "{listed}"
    );
    let show = ok(home, &["collection", "show", "Station"]);
    assert!(show.contains("7.00 GBP"), "{show}");
}

#[test]
fn a_collection_is_banked_spent_remitted_and_reconciled_only_when_the_cash_is_in_the_bank() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    device(home, Role::Coordinator);
    let id = created_id(
        &ok(home, &["collection", "create", "Market", "--tins", "1"]),
        "collection",
    );
    ok(
        home,
        &["collection", "issue-tin", "Market", "1", "--seal", "S-1"],
    );
    ok(home, &["collection", "return-tin", "Market", "1"]);
    ok(
        home,
        &[
            "collection",
            "count",
            "Market",
            "1",
            "--place",
            "Hall",
            "--counter",
            "Ana",
            "--counter",
            "Ben",
            "--denomination",
            "2:5",
        ],
    );
    ok(
        home,
        &["collection", "donate", "Market", "3", "--source", "cash"],
    );
    ok(
        home,
        &["collection", "donate", "Market", "20", "--source", "card"],
    );
    ok(
        home,
        &["collection", "close", "Market", "--stage", "counted"],
    );

    let why = refused(
        home,
        &["collection", "close", "Market", "--stage", "reconciled"],
    );
    assert!(
        why.contains("13.00 GBP to bank") && why.contains("0.00 GBP banked"),
        "{why}"
    );
    let out = ok(
        home,
        &[
            "collection",
            "bank",
            "Market",
            "12.50",
            "--reference",
            "slip 004512",
        ],
    );
    assert!(
        out.contains("Saved deposit: 12.50 GBP") && out.contains("0.50 GBP still to bank"),
        "{out}"
    );
    let why = refused(home, &["collection", "expense", "Market", "4"]);
    assert!(why.contains("say what the expense paid for"), "{why}");
    ok(
        home,
        &[
            "collection",
            "expense",
            "Market",
            "4",
            "--for",
            "permit fee",
            "--reference",
            "R-88",
        ],
    );
    ok(
        home,
        &[
            "collection",
            "remit",
            "Market",
            "28.50",
            "--reference",
            "NGO-031",
        ],
    );
    let ledger = ok(home, &["collection", "ledger", "Market"]);
    for line in [
        "Counted from tins:        10.00 GBP",
        "Cash outside tins:        3.00 GBP",
        "Banked:                   12.50 GBP",
        "Banked minus cash:        -0.50 GBP",
        "Remitted minus due:       0.00 GBP",
    ] {
        assert!(ledger.contains(line), "{line} in\n{ledger}");
    }
    assert!(
        ledger.contains("ref slip 004512") && ledger.contains("permit fee"),
        "{ledger}"
    );

    // A 50p coin the bank refused: reconciled with the reason, and flagged.
    let out = ok(
        home,
        &[
            "collection",
            "close",
            "Market",
            "--stage",
            "reconciled",
            "--difference",
            "the bank refused a forged 50p coin",
        ],
    );
    assert!(out.contains("is now reconciled"), "{out}");
    let flags = ok(home, &["flags"]);
    assert!(
        flags.contains("reconciled with a difference: 12.50 GBP banked, 13.00 GBP to bank"),
        "{flags}"
    );
    let c = collection(home, &id);
    assert_eq!(
        c.status().expect("status"),
        clubsync_core::stage::Stage::Reconciled
    );
}

#[test]
fn the_permit_is_entered_shown_and_its_warnings_follow_the_club_clock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    device(home, Role::Coordinator);
    created_id(
        &ok(home, &["collection", "create", "Briggate"]),
        "collection",
    );
    let show = ok(home, &["collection", "show", "Briggate"]);
    assert!(show.contains("Permit: no permit is recorded"), "{show}");
    let why = refused(
        home,
        &[
            "collection",
            "permit",
            "Briggate",
            "--first-day",
            "14/03/2026",
        ],
    );
    assert!(why.contains("YYYY-MM-DD"), "{why}");
    let out = ok(
        home,
        &[
            "collection",
            "permit",
            "Briggate",
            "--authority",
            "Leeds City Council",
            "--reference",
            "SC/2026/114",
            "--first-day",
            "2020-03-14",
            "--last-day",
            "2020-03-14",
            "--hours",
            "10:00-16:00",
            "--sites",
            "Briggate",
            "--return-due",
            "2020-04-14",
        ],
    );
    for line in [
        "Permit saved on this device.",
        "Authority:    Leeds City Council",
        "Days:         2020-03-14 to 2020-03-14",
        "Permit: the permit ended on 2020-03-14",
        "Permit: the return was due on 2020-04-14 and is not submitted",
    ] {
        assert!(out.contains(line), "{line} in\n{out}");
    }
    assert!(!out.contains("no permit is recorded"), "{out}");
}

#[test]
fn a_sponsored_walk_from_pledges_to_the_sheet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    device(home, Role::Coordinator);
    let out = ok(
        home,
        &[
            "sponsorship",
            "create",
            "Sponsored walk",
            "--participant",
            "Ben",
            "--unit",
            "per-km",
        ],
    );
    assert!(out.contains("for Ben Okafor, pledges per km"), "{out}");
    let why = refused(
        home,
        &[
            "sponsorship",
            "pledge",
            "walk",
            "2",
            "--sponsor",
            "Jo Bloggs",
            "--gift-aid",
        ],
    );
    assert!(
        why.contains("Gift Aid needs the sponsor's house number or name and postcode"),
        "{why}"
    );
    ok(
        home,
        &[
            "sponsorship",
            "pledge",
            "walk",
            "2",
            "--sponsor",
            "Jo Bloggs",
            "--house",
            "12",
            "--postcode",
            "LS1 4AP",
            "--gift-aid",
        ],
    );
    ok(
        home,
        &[
            "sponsorship",
            "pledge",
            "walk",
            "0.50",
            "--sponsor",
            "Sam Lee",
        ],
    );
    ok(home, &["sponsorship", "distance", "walk", "10"]);
    let out = ok(home, &["sponsorship", "pay", "walk", "jo", "20.00"]);
    assert!(out.contains("Saved 20.00 GBP from Jo Bloggs"), "{out}");
    let why = refused(home, &["sponsorship", "pay", "walk", "nobody", "1"]);
    assert!(why.contains("no sponsor matches"), "{why}");

    let sheet = ok(home, &["sponsorship", "show", "walk"]);
    assert!(
        sheet.contains("Pledged 25.00 GBP, paid 20.00 GBP, outstanding 5.00 GBP"),
        "{sheet}"
    );
    assert!(
        sheet
            .lines()
            .any(|l| l.contains("Jo Bloggs") && l.contains("Gift Aid")),
        "{sheet}"
    );
    let list = ok(home, &["sponsorship", "list"]);
    assert!(
        list.contains("2 sponsor(s), 25.00 GBP pledged, 20.00 GBP paid"),
        "{list}"
    );
    let csv = ok(home, &["report", "sponsorship", "--document", "walk"]);
    assert!(
        csv.contains("Jo Bloggs") && csv.contains("LS1 4AP"),
        "{csv}"
    );
}
