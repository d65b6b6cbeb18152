//! Records shared between the club's phones and the CLI.

use super::*;

#[test]
fn other_phones_of_the_club_see_new_records_without_reloading() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    let tin = 4;
    let script = BrowserScript::start(
        "live.mjs",
        &[
            "--base",
            &club.base(),
            "--invite-lee",
            club.invite("Volunteer Lee"),
            "--invite-park",
            club.invite("Volunteer Park"),
            "--collection",
            &club.collection.to_string(),
            "--petition",
            &club.petition.to_string(),
            "--tin",
            &tin.to_string(),
        ],
        &fail_dir("live"),
    );

    let result = script.finish();
    eprintln!(
        "live: shown on the other phone after (ms) {}; timings (ms) {}; notes {}",
        result["latencyMs"], result["timings"], result["notes"]
    );

    let (collection, petition) = club.on_server();
    let lee = club.member("Volunteer Lee");
    let (amounts, collectors, _) = tin_donations(&collection, tin);
    assert_eq!(
        amounts,
        numbers(&result["amounts"]),
        "the server's donations on tin {tin}, not reversed"
    );
    assert!(
        collectors.iter().all(|c| *c == lee),
        "every donation names Lee"
    );

    // The undone donation is on the server as a reversed entry, and Park's phone (no tin, another
    // member) showed the whole collection as core counts it: reversals left out, and the tin
    // donations as a tally.
    let donations = collection.donations().expect("donations");
    let reversed: Vec<i64> = donations
        .iter()
        .filter(|d| d.reversed)
        .map(|d| d.amount.minor)
        .collect();
    assert_eq!(
        reversed,
        vec![result["undone"].as_i64().expect("the undone amount")],
        "the one donation Lee undid is reversed on the server"
    );
    let kept: Vec<_> = donations.iter().filter(|d| !d.reversed).collect();
    let tally: i64 = kept
        .iter()
        .filter(|d| matches!(d.source, DonationSource::Tin(_)))
        .map(|d| d.amount.minor)
        .sum();
    for phone in ["parkShown", "leeShown"] {
        assert_eq!(
            (
                result[phone]["count"].as_i64(),
                result[phone]["tally"].as_i64()
            ),
            (Some(kept.len() as i64), Some(tally)),
            "{phone}: collection-donation-count and collection-tally-total against the server's \
             donations not reversed ({} of them, {} tallied in tins)",
            kept.len(),
            pounds(tally)
        );
    }
    let mut names: Vec<String> = petition
        .signatures()
        .expect("signatures")
        .into_iter()
        .map(|s| s.name)
        .collect();
    names.sort();
    let mut want: Vec<String> = result["signers"]
        .as_array()
        .expect("signers")
        .iter()
        .map(|s| s["name"].as_str().expect("a name").to_owned())
        .collect();
    want.sort();
    assert_eq!(names, want, "the server's signatures");
}

#[test]
fn the_cli_and_the_app_read_each_others_records_in_pounds() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    let tin = 5;
    let mut script = BrowserScript::start(
        "cli.mjs",
        &[
            "--base",
            &club.base(),
            "--invite",
            club.invite("Volunteer Lee"),
            "--collection",
            &club.collection.to_string(),
            "--tin",
            &tin.to_string(),
            "--second-counter",
            "Coordinator Kim",
            "--screens",
            &screens(),
        ],
        &fail_dir("cli"),
    );

    // Lee's phone took tin 5; Kim's laptop records a donation into it, for Lee.
    script.checkpoint("tin-issued");
    club.kim.ok(&["sync"]);
    let out = club.kim.ok(&[
        "collection",
        "donate",
        COLLECTION,
        "4.20",
        "--tin",
        &tin.to_string(),
        "--member",
        "Volunteer Lee",
    ]);
    assert!(out.contains("4.20 GBP"), "{out}");
    club.kim.ok(&["sync"]);
    script.resume(json!({ "minor": 420 }));
    let result = script.finish();
    eprintln!(
        "cli: the CLI's donation shown in the app after {} ms; timings (ms) {}; notes {}",
        result["cliShownAfterMs"], result["timings"], result["notes"]
    );

    // The app's donations and its count, read by the CLI.
    let tally = result["tally"].as_i64().expect("the tally");
    let (collection, _) = club.on_server();
    let (amounts, _, currencies) = tin_donations(&collection, tin);
    let mut want = numbers(&result["appAmounts"]);
    want.push(420);
    want.sort_unstable();
    assert_eq!(
        amounts, want,
        "tin {tin}'s donations: the CLI's and the app's"
    );
    assert!(currencies.iter().all(|c| c == "GBP"), "{currencies:?}");
    let counts = collection.counts().expect("counts");
    assert_eq!(counts.len(), 1, "one count of tin {tin}");
    let count = &counts[0];
    assert_eq!(
        (count.tin, count.total.minor, count.total.currency.code()),
        (TinNumber(tin), tally, "GBP"),
        "the app's count"
    );
    assert_eq!(
        count.signed_by.len(),
        2,
        "both counters signed the count in the app"
    );

    let show = club.kim.ok(&["collection", "show", COLLECTION]);
    assert!(show.contains("amounts in GBP"), "{show}");
    let tin_row = show
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{tin} ")))
        .unwrap_or_else(|| panic!("no row for tin {tin} in `collection show`:\n{show}"));
    assert!(
        tin_row.contains("returned, counted")
            && tin_row.contains(&format!("3 ({})", pounds(tally))),
        "tin {tin}'s row in `collection show` (3 donations, {} in the tally, counted): {tin_row}",
        pounds(tally)
    );
    let report = club.kim.ok(&["report", "totals", "--document", COLLECTION]);
    let row = format!(
        "event,{COLLECTION},{},0.00,{},GBP",
        pounds(tally),
        pounds(tally)
    );
    assert!(
        report.lines().any(|l| l == row),
        "`clubsync report totals` should have the row {row:?}:\n{report}"
    );
}
