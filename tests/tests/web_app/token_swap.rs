//! A phone swaps its device token when the server says and keeps each club's documents apart
//! (issue 14, items 2 and 6).

use super::*;

#[test]
fn a_phone_swaps_its_token_and_a_second_club_does_not_list_the_first_clubs_documents() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    let other = club.server.other_club_invite("Busan Friends");
    let script = BrowserScript::start(
        "token.mjs",
        &[
            "--base",
            &club.base(),
            "--invite",
            club.invite("Volunteer Lee"),
            "--other-invite",
            &other,
            "--collection",
            &club.collection.to_string(),
        ],
        &fail_dir("token"),
    );
    let result = script.finish();
    // The collection Lee made on the phone reached the server (and Kim's laptop) in the first
    // club, under the swapped token.
    let made: DocumentId = result["made"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("the made collection's id");
    club.kim.ok(&["sync"]);
    let home = club.kim.home();
    let collection: StreetCollection = home.load(&made).expect("Lee's collection on Kim's laptop");
    assert_eq!(collection.title().expect("title"), "Lee's own stall");
}
