//! A collector's phone with no signal: records, reopens offline, and the server gets everything.

use super::*;

#[test]
fn a_collector_records_offline_reopens_the_app_offline_and_the_server_gets_all_25_records() {
    if !browser_enabled() {
        return;
    }
    let club = WebClub::start();
    let tin = 3;
    let mut script = BrowserScript::start(
        "offline.mjs",
        &[
            "--base",
            &club.base(),
            "--invite",
            club.invite("Volunteer Lee"),
            "--collection",
            &club.collection.to_string(),
            "--petition",
            &club.petition.to_string(),
            "--tin",
            &tin.to_string(),
            "--screens",
            &screens(),
        ],
        &fail_dir("offline"),
    );

    // Offline, with 20 donations and 5 signatures on the phone: the app says so, and the server
    // has none of them.
    // Waiting: 20 donations, 5 signatures, and the consent of the 2 signers who ticked the box
    // (a consent is a record of its own, docs/schema.md).
    let offline = script.checkpoint("offline");
    assert_eq!(
        (offline["syncState"].as_str(), offline["pending"].as_i64()),
        (Some("offline"), Some(20 + 5 + 2)),
        "offline with 27 new records, the sync indicator should say offline and 27 waiting \
         (what the phone showed: {})",
        offline["screenshots"]
    );
    let (collection, petition) = club.on_server();
    assert_eq!(
        collection.donations().expect("donations").len(),
        0,
        "the server got donations while the phone was offline"
    );
    assert_eq!(
        petition.signatures().expect("signatures").len(),
        0,
        "the server got signatures while the phone was offline"
    );
    script.resume(Value::Null);
    let result = script.finish();
    eprintln!(
        "offline: timings (ms) {}; all saved {} ms after going online; reload {}; dialled {} ms \
         after going online; server unreachable: {}; notes {}",
        result["timings"],
        result["savedAfterMs"],
        result["reload"],
        result["dialAfterOnlineMs"],
        result["serverDown"],
        result["notes"]
    );
    assert_eq!(
        (
            result["reloaded"]["state"].as_str(),
            result["reloaded"]["pending"].as_i64()
        ),
        (Some("offline"), Some(27)),
        "after the offline reload the indicator should still say offline, 27 waiting: {}",
        result["reloaded"]
    );
    assert_eq!(
        result["reload"]["fromServiceWorker"], true,
        "the offline reload should be answered by the service worker: {}",
        result["reload"]
    );

    // The websocket: never dialled with no network, dialled at once when it came back, and
    // redialled with backoff (1 s doubling, jittered by a fifth) while the server refused it.
    assert_eq!(
        (
            result["offlineDials"].as_i64(),
            result["offlineSocketErrors"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0)),
        "offline after the reload, the app should not dial the server (websockets opened, \
         console errors about websockets: {})",
        result["offlineSocketErrors"]
    );
    let dial = result["dialAfterOnlineMs"]
        .as_i64()
        .expect("dialAfterOnlineMs");
    assert!(
        (0..1000).contains(&dial),
        "the app should dial as soon as the network is back, not {dial} ms later"
    );
    let down = &result["serverDown"];
    let first = down["firstDialMs"].as_i64().expect("firstDialMs");
    assert!(
        (0..1000).contains(&first),
        "with the server unreachable, the first dial should still come at once when the network \
         is back, not {first} ms later"
    );
    let gaps = numbers_in_order(&down["gapsMs"]);
    let nominal = [1000, 2000, 4000];
    assert!(
        gaps.len() == 3
            && gaps
                .iter()
                .zip(nominal)
                .all(|(gap, n)| (n * 8 / 10 - 150..=n * 12 / 10 + 500).contains(gap)),
        "with the server unreachable the app should redial after about 1, 2 and 4 s (each \
         +-20%), not after {gaps:?} ms"
    );

    // The server holds all 25, exactly as typed.
    let (collection, petition) = club.on_server();
    let lee = club.member("Volunteer Lee");
    let (amounts, collectors, currencies) = tin_donations(&collection, tin);
    assert_eq!(
        amounts,
        numbers(&result["amounts"]),
        "the server's donations on tin {tin} (pence), against what the phone recorded"
    );
    assert_eq!(amounts.len(), 20);
    assert_eq!(
        collection.donations().expect("donations").len(),
        20,
        "no other donations"
    );
    assert!(
        collectors.iter().all(|c| *c == lee),
        "every donation names Lee as collector"
    );
    assert!(
        currencies.iter().all(|c| c == "GBP"),
        "every donation is in pounds: {currencies:?}"
    );

    let signatures = petition.signatures().expect("signatures");
    let signers = result["signers"].as_array().expect("signers");
    let mut got: Vec<(String, Option<String>)> = signatures
        .iter()
        .map(|s| (s.name.clone(), s.postcode.clone()))
        .collect();
    let mut want: Vec<(String, Option<String>)> = signers
        .iter()
        .map(|s| {
            (
                s["name"].as_str().expect("a name").to_owned(),
                s["postcode"].as_str().map(str::to_owned),
            )
        })
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "the server's signatures against the phone's");
    let hash = petition.text_hash().expect("the text hash");
    assert!(
        signatures
            .iter()
            .all(|s| s.text_hash == hash && s.collector == lee),
        "each signature is of the petition's text and names Lee as collector"
    );
    assert_eq!(
        result["petitionText"].as_str(),
        Some(PETITION_TEXT),
        "the petition screen shows the petition's text"
    );

    // Consent: only the two who ticked the box, with the wording version they were shown.
    let consents = petition.consents().expect("consents");
    let ticked: Vec<&str> = signers
        .iter()
        .filter(|s| s["consent"] == true)
        .map(|s| s["name"].as_str().expect("a name"))
        .collect();
    let mut consenting: Vec<&str> = consents
        .iter()
        .filter(|c| c.event.given)
        .filter_map(|c| {
            signatures
                .iter()
                .find(|s| s.id.to_string() == c.event.person)
        })
        .map(|s| s.name.as_str())
        .collect();
    consenting.sort_unstable();
    assert_eq!(
        consenting, ticked,
        "consents given, by signer (only those who ticked the box)"
    );
    let wording = result["wording"].as_str().unwrap_or_default();
    assert!(
        consents
            .iter()
            .all(|c| !wording.is_empty() && wording.contains(&c.event.wording_version)),
        "each consent keeps the wording version the screen showed ({wording:?}): {:?}",
        consents
            .iter()
            .map(|c| &c.event.wording_version)
            .collect::<Vec<_>>()
    );
}
