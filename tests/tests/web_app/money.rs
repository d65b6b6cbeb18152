//! Money outside tins from the phone (issue 16, item 1): a card payment typed as 500 for 5.00 is
//! undone with a reason, 5.00 by card and 2.00 in cash recorded; the server's copy, core's
//! totals and the CLI agree on 7.00, with the mistyped payment kept, reversed.

use super::*;

#[test]
fn a_mistyped_card_payment_is_undone_from_the_phone_and_every_total_is_right() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    let script = BrowserScript::start(
        "money.mjs",
        &[
            "--base",
            &club.base(),
            "--lee",
            club.invite("Volunteer Lee"),
            "--park",
            club.invite("Volunteer Park"),
            "--collection",
            &club.collection.to_string(),
            "--screens",
            &screens(),
        ],
        &fail_dir("money"),
    );
    script.finish();

    let (collection, _) = club.on_server();
    let lee = club.member("Volunteer Lee");
    let donations = collection.donations().expect("donations");
    let mut seen: Vec<(DonationSource, i64, bool)> = donations
        .iter()
        .map(|d| (d.source, d.amount.minor, d.reversed))
        .collect();
    seen.sort_by_key(|(_, minor, _)| *minor);
    assert_eq!(
        seen,
        [
            (DonationSource::Cash, 200, false),
            (DonationSource::Card, 500, false),
            (DonationSource::Card, 50_000, true),
        ]
    );
    assert!(donations.iter().all(|d| d.collector == lee));
    assert_eq!(
        collection
            .donations_outside_tins_total()
            .expect("total")
            .minor,
        700
    );
    let show = club.kim.ok(&["collection", "show", COLLECTION]);
    assert!(show.contains("Donations outside tins: 7.00 GBP"), "{show}");
}
