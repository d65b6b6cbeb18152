//! The issue's own story: a stock `@automerge/automerge-repo` client holding a volunteer's token
//! deleted one card donation and rewrote another's amount to 1p, and the coordinator's totals
//! went from 21.00 to 7.01. Now each forgery is refused by name, nothing of it is stored or
//! relayed, and the collector's phone records on throughout.

use super::*;
use common::records::donations;

/// The value of `clubsync_refusals_total{reason="<rule>"}`, 0 when absent.
fn refusals(club: &DemoClub, rule: &str) -> u64 {
    let (_, _, text) = common::http_text(club.server.addr, "GET", "/metrics", &[]);
    let key = format!("clubsync_refusals_total{{reason=\"{rule}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&key))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn forged_deletions_and_rewrites_from_a_stock_client_are_refused() {
    if !js_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());
    let lee = club.members["Volunteer Lee"].clone();

    // 1. Lee's phone records two card donations: 21.00 in all.
    let doc = DocumentId::random();
    let mut phone = connect(&club.url("Volunteer Lee"))
        .await
        .expect("Lee connects");
    let mut collection = new_collection(&lee, "Station Entrance");
    record_donation(&mut collection, &lee, 1_400);
    record_donation(&mut collection, &lee, 700);
    phone.docs.insert(doc, collection);
    phone.sync(QUIET, LIMIT).await;
    assert!(phone.all_saved_on_server(doc));

    // 2. A stock client with Park's token tries each forgery in turn; after each, Lee's phone
    //    records one more donation and the server saves it.
    let mut expected = (2, 2_100);
    for (attack, rule, pence) in [
        ("delete", "record_deleted", 100),
        ("rewrite", "field_changed", 200),
        ("negative", "amount_not_positive", 300),
    ] {
        let forged = run_ok(
            "forge.mjs",
            &[
                "--url",
                &club.url("Volunteer Park"),
                "--device",
                club.device("Volunteer Park"),
                "--doc",
                &doc.url().to_string(),
                "--attack",
                attack,
            ],
        );
        assert_eq!(forged["disconnected"], true, "{attack}: {forged}");
        assert!(
            refusals(&club, rule) >= 1,
            "{attack}: no {rule} refusal counted"
        );

        record_donation(phone.docs.get_mut(&doc).expect("held"), &lee, pence);
        phone.sync(QUIET, LIMIT).await;
        assert_eq!(phone.seen.closed, None, "{attack} disturbed Lee's phone");
        assert!(phone.all_saved_on_server(doc), "{attack}");
        expected = (expected.0 + 1, expected.1 + pence);
    }

    // 3. What the server holds: every donation Lee recorded, none of the forgeries.
    let (collection, _) = read_in_rust(&club, "Coordinator Kim", doc).await;
    assert_eq!(donations(collection.automerge()), expected);
    assert_eq!(
        collection
            .donations_outside_tins_total()
            .expect("a total")
            .minor,
        2_700
    );
}
