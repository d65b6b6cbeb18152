//! Banking from the coordinator's browser (issue 16, item 4): the CLI counts a tin and records
//! cash outside tins; Kim's browser records the deposit and an expense, is refused
//! "reconciled" while 0.50 is missing, and reconciles with the reason; the server's copy holds
//! the deposit, the expense, the reasoned difference and the status, and flags the difference.
//! Kim then enters the permit (issue 16, item 3), and the collection screen and the CLI say it
//! has ended.

use super::*;
use clubsync_core::collection::LedgerKind;
use clubsync_core::flags::Flag;
use clubsync_core::stage::Stage;

#[test]
fn a_coordinator_banks_and_reconciles_a_collection_from_the_browser() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    // Lee joins from her laptop, so that she is a member who can count with Kim.
    let lee = Laptop {
        home: club._dir.path().join("lee"),
    };
    lee.ok(&[
        "join",
        &club.server.addr.to_string(),
        club.invite("Volunteer Lee"),
        "--name",
        "Lee's laptop",
    ]);
    club.kim.ok(&["sync"]);
    // Tin 3 with Lee, back and counted at 10.00 by Kim and Lee; 3.00 handed over in cash.
    let cli = |args: &[&str]| club.kim.ok(args);
    cli(&[
        "collection",
        "issue-tin",
        COLLECTION,
        "3",
        "--seal",
        "B-3",
        "--collector",
        "Volunteer Lee",
    ]);
    cli(&["collection", "return-tin", COLLECTION, "3"]);
    cli(&[
        "collection",
        "count",
        COLLECTION,
        "3",
        "--place",
        "Club room",
        "--counter",
        "Coordinator Kim",
        "--counter",
        "Volunteer Lee",
        "--denomination",
        "2:5",
    ]);
    cli(&["collection", "donate", COLLECTION, "3", "--source", "cash"]);
    cli(&["collection", "close", COLLECTION, "--stage", "counted"]);
    cli(&["sync"]);
    let code = club.kims_device_invite();
    let script = BrowserScript::start(
        "banking.mjs",
        &[
            "--base",
            &club.base(),
            "--coordinator",
            &code,
            "--collection",
            &club.collection.to_string(),
            "--screens",
            &screens(),
        ],
        &fail_dir("banking"),
    );
    script.finish();

    let (collection, _) = club.on_server();
    assert_eq!(collection.status().expect("status"), Stage::Reconciled);
    let ledger = collection.ledger().expect("ledger");
    let of = |kind| {
        ledger
            .iter()
            .filter(|e| e.entry.kind == kind)
            .map(|e| {
                (
                    e.entry.amount.minor,
                    e.entry.reference.clone(),
                    e.entry.note.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of(LedgerKind::Deposit),
        [(1250, Some("slip 004512".into()), None)]
    );
    assert_eq!(
        of(LedgerKind::Expense),
        [(400, Some("LCC-R-88".into()), Some("permit fee".into()))]
    );
    assert_eq!(
        of(LedgerKind::Difference),
        [(50, None, Some("the bank refused a forged 50p coin".into()))]
    );
    assert!(
        collection
            .flags()
            .expect("flags")
            .iter()
            .any(|f| matches!(f, Flag::BankedDiffersFromCash { .. })),
        "the difference stays flagged"
    );
    let permit = collection.permit().expect("permit");
    assert_eq!(
        (
            permit.authority.as_deref(),
            permit.reference.as_deref(),
            permit.last_day.as_deref()
        ),
        (
            Some("Leeds City Council"),
            Some("SC/2020/007"),
            Some("2020-03-14")
        )
    );
    let show = club.kim.ok(&["collection", "show", COLLECTION]);
    assert!(
        show.contains("Permit: the permit ended on 2020-03-14"),
        "{show}"
    );
    let ledger_text = club.kim.ok(&["collection", "ledger", COLLECTION]);
    assert!(
        ledger_text.contains("Banked minus cash:        -0.50 GBP"),
        "{ledger_text}"
    );
}
