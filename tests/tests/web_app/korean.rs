//! The app in Korean on a phone whose clock is far from the club's (issue 15, item 1): every
//! main screen in Korean with its screenshot, times on the club's clock, and the language chosen
//! on home kept after a reload.

use super::*;

#[test]
fn a_phone_in_korean_records_on_the_clubs_clock_and_keeps_its_language() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    let script = BrowserScript::start(
        "korean.mjs",
        &[
            "--base",
            &club.base(),
            "--invite",
            club.invite("Volunteer Park"),
            "--collection",
            &club.collection.to_string(),
            "--petition",
            &club.petition.to_string(),
            "--tin",
            "7",
            "--screens",
            &screens(),
        ],
        &fail_dir("korean"),
    );
    let result = script.finish();
    let amount = result["amount"].as_i64().expect("the amount donated");
    // What the Korean screens recorded is on the server, as any phone records it.
    let (collection, _) = club.on_server();
    let (amounts, collectors, currencies) = tin_donations(&collection, 7);
    assert_eq!(amounts, [amount]);
    assert_eq!(collectors, [club.member("Volunteer Park")]);
    assert_eq!(currencies, ["GBP"]);
}
