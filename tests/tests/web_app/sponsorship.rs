//! A sponsored walk from the phone (issue 16, item 6): created per km, two sponsors taken door
//! to door (one with Gift Aid, refused until the postcode is given), 10 km walked and a payment;
//! the CLI's sheet and its CSV agree with the phone.

use super::*;

#[test]
fn a_sponsored_walk_is_run_from_the_phone_and_the_cli_agrees() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    let code = club.kims_device_invite();
    let script = BrowserScript::start(
        "sponsorship.mjs",
        &[
            "--base",
            &club.base(),
            "--coordinator",
            &code,
            "--screens",
            &screens(),
        ],
        &fail_dir("sponsorship"),
    );
    let result = script.finish();
    let id = result["activity"]
        .as_str()
        .expect("the activity's id")
        .to_owned();
    club.kim.ok(&["sync"]);
    let sheet = club.kim.ok(&["sponsorship", "show", &id]);
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
    let csv = club.kim.ok(&["report", "sponsorship", "--document", &id]);
    assert!(csv.contains("LS1 4AP"), "{csv}");
}
