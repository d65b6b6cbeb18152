//! A phone whose change the server refused recovers every valid record (issue 13, item 5).

use super::*;

#[test]
fn a_phone_whose_change_is_refused_keeps_every_valid_record_and_says_what_was_refused() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    let tin = 6;
    let script = BrowserScript::start(
        "refused.mjs",
        &[
            "--base",
            &club.base(),
            "--invite",
            club.invite("Volunteer Lee"),
            "--collection",
            &club.collection.to_string(),
            "--tin",
            &tin.to_string(),
        ],
        &fail_dir("refused"),
    );
    let result = script.finish();
    eprintln!(
        "refused: the app said {}; timings (ms) {}",
        result["notice"], result["timings"]
    );

    // The server holds the three donations the phone recorded, the one the forged change
    // deleted among them, and nothing else.
    let (collection, _) = club.on_server();
    let (amounts, collectors, _) = tin_donations(&collection, tin);
    assert_eq!(
        amounts,
        numbers(&result["amounts"]),
        "the server's donations on tin {tin}"
    );
    let lee = club.member("Volunteer Lee");
    assert!(
        collectors.iter().all(|c| *c == lee),
        "every donation names Lee"
    );
    let deleted = result["deleted"]
        .as_str()
        .expect("the deleted donation's id");
    assert!(
        collection
            .donations()
            .expect("donations")
            .iter()
            .any(|d| d.id.to_string() == deleted),
        "the donation the forged change deleted is still on the server"
    );
}
