//! Records waiting on a phone for more than a day are warned about and can be saved to a file
//! (issue 15, item 6): the file holds the phone's unsent donations, readable by core.

use super::*;
use clubsync_core::document::TypedDocument;

#[test]
fn a_phone_warns_after_a_day_of_waiting_and_saves_its_unsent_records_to_a_file() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    let out = tempfile::tempdir().expect("a temp dir");
    let script = BrowserScript::start(
        "unsynced.mjs",
        &[
            "--base",
            &club.base(),
            "--invite",
            club.invite("Volunteer Lee"),
            "--collection",
            &club.collection.to_string(),
            "--tin",
            "4",
            "--out",
            &out.path().to_string_lossy(),
        ],
        &fail_dir("unsynced"),
    );
    let result = script.finish();
    let amounts = numbers(&result["amounts"]);
    let documents = result["documents"].as_array().expect("exported documents");
    let exported = documents
        .iter()
        .find(|d| d["id"] == club.collection.to_string())
        .unwrap_or_else(|| panic!("the collection is not in the file: {result}"));
    let bytes = std::fs::read(exported["path"].as_str().expect("a path")).expect("the file");
    let collection = StreetCollection::load(&bytes).expect("a street collection");
    let (on_tin, collectors, _) = tin_donations(&collection, 4);
    assert_eq!(on_tin, amounts, "the file holds every unsent donation");
    assert_eq!(collectors.len(), amounts.len());
    // None of them reached the server: the phone never came back online.
    let (on_server, _) = club.on_server();
    assert!(tin_donations(&on_server, 4).0.is_empty());
}
