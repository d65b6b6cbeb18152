//! Stock `@automerge/automerge-repo` clients (Node, `tests/interop/`) against the real
//! `clubsync-server`: what a web or React Native app on automerge-repo relies on.
//!
//! 1. A collection a JS client creates is read by a Rust device through `clubsync-core`'s
//!    typed API, and the reverse.
//! 2. Two JS clients, one of them offline for a while, converge through the server.
//! 3. A JS client with no token, a wrong token or another club's token gets nothing.
//! 4. Ephemeral messages pass between two JS clients of one club, not to another club's.
//! 5. A JS client that also holds a document clubsync does not store (`repo.create()` with no
//!    initial value) keeps syncing its club records.
//! 6. A JS client with a volunteer's token that deletes or rewrites donations is refused
//!    (`forgery.rs`): nothing of the forgery is stored, and the other devices keep syncing.
//!
//! Needs `tests/interop/node_modules` (`./run-tests` runs `npm ci` there); fails without it
//! unless `CLUBSYNC_SKIP_JS=1`.

use clubsync_testkit::harness as common;

use std::collections::{BTreeMap, BTreeSet};

use automerge::ChangeHash;
use clubsync_core::collection::{DonationSource, StreetCollection};
use clubsync_core::document::TypedDocument;
use clubsync_protocol::ids::decode_head;
use clubsync_protocol::{AutomergeUrl, DocumentId};
use clubsync_tests::node::{self, js_enabled, run_ok};
use common::records::{Joined, new_collection, record_donation};
use common::{LIMIT, QUIET, ServerProcess, connect};
use serde_json::Value;

mod forgery;

/// A running server with the demo club, each demo invite redeemed once (an invite connects
/// one device).
struct DemoClub {
    server: ServerProcess,
    /// The club document's id, which a device of the club is told to sync first.
    club_document: String,
    members: BTreeMap<String, Joined>,
}

impl DemoClub {
    fn start(dir: &std::path::Path) -> Self {
        let server = ServerProcess::start(dir, &[]);
        let mut members = BTreeMap::new();
        let mut club_document = String::new();
        for (person, invite) in &server.invites {
            let (status, joined) = server.join(invite, &format!("{person}'s phone"));
            assert_eq!(status, 200, "{joined}");
            club_document = joined["club_document"].as_str().expect("a club").to_owned();
            members.insert(person.clone(), Joined::from_answer(&joined));
        }
        Self {
            server,
            club_document,
            members,
        }
    }

    /// The websocket URL of `person`'s device.
    fn url(&self, person: &str) -> String {
        self.server.ws_url(Some(&self.members[person].token))
    }

    /// The id of `person`'s device, which the records it writes name.
    fn device(&self, person: &str) -> &str {
        &self.members[person].device
    }
}

fn document_of(url: &Value) -> DocumentId {
    let url: AutomergeUrl = url
        .as_str()
        .expect("a URL")
        .parse()
        .expect("an automerge URL");
    url.document_id
}

fn amounts(donations: &Value) -> Vec<i64> {
    let mut out: Vec<i64> = donations
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| d["amount_minor"].as_i64().expect("an integer amount"))
        .collect();
    out.sort_unstable();
    out
}

/// A JSON list of whole numbers, sorted.
fn numbers(list: &Value) -> Vec<i64> {
    let mut out: Vec<i64> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|n| n.as_i64().expect("a whole number"))
        .collect();
    out.sort_unstable();
    out
}

fn heads(json: &Value) -> BTreeSet<ChangeHash> {
    json.as_array()
        .expect("heads")
        .iter()
        .map(|h| decode_head(h.as_str().expect("a head")).expect("a bs58check head"))
        .collect()
}

/// Syncs `doc` from the server into a new Rust device of `person` and opens it as a typed
/// street collection; also returns its heads.
async fn read_in_rust(
    club: &DemoClub,
    person: &str,
    doc: DocumentId,
) -> (StreetCollection, BTreeSet<ChangeHash>) {
    let mut device = connect(&club.url(person)).await.expect("connects");
    device.want(doc);
    device.sync(QUIET, LIMIT).await;
    assert_eq!(device.seen.closed, None);
    let automerge = device.docs[&doc].clone();
    let heads = automerge.get_heads().into_iter().collect();
    let collection = StreetCollection::from_automerge(automerge)
        .expect("the JS document is a valid street collection for clubsync-core");
    (collection, heads)
}

#[tokio::test]
async fn a_collection_a_js_client_creates_is_read_by_a_rust_device_through_core() {
    if !js_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());

    // 1. A JS client creates a collection with three card donations and waits until the
    //    server has said it holds them.
    let created = run_ok(
        "create.mjs",
        &[
            "--url",
            &club.url("Volunteer Lee"),
            "--device",
            club.device("Volunteer Lee"),
            "--club",
            &club.club_document,
            "--title",
            "High Street, 14 March",
            "--donation",
            "250",
            "--donation",
            "1000",
            "--donation",
            "123456789",
        ],
    );
    let doc = document_of(&created["url"]);

    // 2. A Rust device of another member reads it through the typed API.
    let (collection, rust_heads) = read_in_rust(&club, "Volunteer Park", doc).await;
    assert_eq!(rust_heads, heads(&created["heads"]));
    assert_eq!(collection.title().expect("title"), "High Street, 14 March");
    assert_eq!(collection.currency().expect("currency").code(), "GBP");
    let donations = collection.donations().expect("donations read");
    let mut read: Vec<i64> = donations.iter().map(|d| d.amount.minor).collect();
    read.sort_unstable();
    assert_eq!(read, vec![250, 1000, 123_456_789]);
    for d in &donations {
        assert_eq!(d.amount.currency.code(), "GBP");
        assert!(matches!(d.source, DonationSource::Card));
        assert_eq!(d.device, club.device("Volunteer Lee"));
        assert!(!d.reversed && !d.post_close);
    }
    let js_ids: BTreeSet<String> = created["donations"]
        .as_array()
        .expect("donations")
        .iter()
        .map(|d| d["id"].as_str().expect("an id").to_owned())
        .collect();
    let rust_ids: BTreeSet<String> = donations.iter().map(|d| d.id.to_string()).collect();
    assert_eq!(rust_ids, js_ids);
    assert_eq!(
        collection
            .donations_outside_tins_total()
            .expect("a total")
            .minor,
        250 + 1000 + 123_456_789
    );
}

#[tokio::test]
async fn donations_a_rust_device_records_are_read_by_a_js_client() {
    if !js_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());

    // 1. A Rust device records two donations through clubsync-core; the server saves them.
    let doc = DocumentId::random();
    let mut device = connect(&club.url("Volunteer Park"))
        .await
        .expect("connects");
    let park = &club.members["Volunteer Park"];
    let mut collection = new_collection(park, "Station Entrance");
    record_donation(&mut collection, park, 250);
    record_donation(&mut collection, park, 1999);
    device.docs.insert(doc, collection);
    device.sync(QUIET, LIMIT).await;
    assert!(device.all_saved_on_server(doc));

    // 2. A JS client finds it and reads the same records.
    let read = run_ok(
        "read.mjs",
        &[
            "--url",
            &club.url("Volunteer Lee"),
            "--doc",
            &doc.url().to_string(),
            "--min-donations",
            "2",
        ],
    );
    assert_eq!(read["kind"], "street_collection");
    assert_eq!(read["title"], "Station Entrance");
    assert_eq!(read["currency"], "GBP");
    assert_eq!(amounts(&read["donations"]), vec![250, 1999]);
    for d in read["donations"].as_array().expect("donations") {
        assert_eq!(d["currency"], "GBP");
        assert_eq!(d["source"], "card");
        assert_eq!(d["device"], park.device.as_str());
    }
    let local: BTreeSet<ChangeHash> = device.docs[&doc].get_heads().into_iter().collect();
    assert_eq!(heads(&read["heads"]), local);
}

#[tokio::test]
async fn two_js_clients_one_of_them_offline_converge_through_the_server() {
    if !js_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());

    let result = run_ok(
        "concurrent.mjs",
        &[
            "--url-a",
            &club.url("Volunteer Lee"),
            "--url-b",
            &club.url("Volunteer Park"),
            "--device-a",
            club.device("Volunteer Lee"),
            "--device-b",
            club.device("Volunteer Park"),
            "--club",
            &club.club_document,
        ],
    );
    // While B was offline each saw only its own new donations: the edits were concurrent.
    assert_eq!(numbers(&result["whileOffline"]["a"]), vec![100, 301, 302]);
    assert_eq!(numbers(&result["whileOffline"]["b"]), vec![100, 201, 202]);
    // After B came back both hold everything, at the same heads.
    let all = vec![100, 201, 202, 301, 302];
    assert_eq!(numbers(&result["a"]["amounts"]), all);
    assert_eq!(numbers(&result["b"]["amounts"]), all);
    let converged = heads(&result["a"]["heads"]);
    assert_eq!(heads(&result["b"]["heads"]), converged);
    assert_eq!(converged.len(), 2, "two concurrent branches, merged");

    // The server holds that same version: a Rust device pulls it.
    let doc = document_of(&result["url"]);
    let (collection, rust_heads) = read_in_rust(&club, "Coordinator Kim", doc).await;
    assert_eq!(rust_heads, converged);
    let mut read: Vec<i64> = collection
        .donations()
        .expect("donations")
        .iter()
        .map(|d| d.amount.minor)
        .collect();
    read.sort_unstable();
    assert_eq!(read, all);
}

/// Creates a second club with the admin CLI and returns a token of a coordinator of it.
fn token_of_another_club(server: &ServerProcess) -> String {
    let code = server.other_club_invite("Seoul Club");
    let (status, joined) = server.join(&code, "stranger's phone");
    assert_eq!(status, 200, "{joined}");
    joined["token"].as_str().expect("a token").to_owned()
}

#[tokio::test]
async fn js_clients_without_access_get_nothing() {
    if !js_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());
    let created = run_ok(
        "create.mjs",
        &[
            "--url",
            &club.url("Volunteer Lee"),
            "--device",
            club.device("Volunteer Lee"),
            "--club",
            &club.club_document,
            "--donation",
            "500",
        ],
    );
    let url = created["url"].as_str().expect("a URL");

    // No token and a wrong token: the upgrade is refused (401), so no handshake, no document.
    let wrong = format!("cst_{}", "0".repeat(64));
    for ws in [club.server.ws_url(None), club.server.ws_url(Some(&wrong))] {
        let run = node::run("refused.mjs", &["--url", &ws, "--doc", url]);
        assert!(run.success, "{}", run.output);
        assert_eq!(run.json["joined"], false, "{}", run.output);
        assert_ne!(run.json["outcome"], "found", "{}", run.output);
        assert_eq!(run.json["donations"], serde_json::json!([]));
        let errors = run.json["connectionErrors"].to_string();
        assert!(errors.contains("401"), "{}", run.output);
    }

    // Another club's device connects, but the server answers `doc-unavailable` for the
    // document, as if it did not exist.
    let stranger = club
        .server
        .ws_url(Some(&token_of_another_club(&club.server)));
    let run = node::run("refused.mjs", &["--url", &stranger, "--doc", url]);
    assert!(run.success, "{}", run.output);
    assert_eq!(run.json["joined"], true, "{}", run.output);
    assert_eq!(run.json["outcome"], "unavailable", "{}", run.output);
    assert_eq!(run.json["donations"], serde_json::json!([]));

    // The same script with a token of the document's club does get it: the refusals above are
    // about access, not a broken client.
    let run = node::run(
        "refused.mjs",
        &["--url", &club.url("Observer Choi"), "--doc", url],
    );
    assert!(!run.success, "{}", run.output);
    assert_eq!(run.json["outcome"], "found", "{}", run.output);
    assert_eq!(amounts(&run.json["donations"]), vec![500]);
}

#[tokio::test]
async fn ephemeral_messages_pass_within_a_club_and_not_to_another_club() {
    if !js_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());
    let created = run_ok(
        "create.mjs",
        &[
            "--url",
            &club.url("Volunteer Lee"),
            "--device",
            club.device("Volunteer Lee"),
            "--club",
            &club.club_document,
        ],
    );
    let stranger = club
        .server
        .ws_url(Some(&token_of_another_club(&club.server)));
    let heard = run_ok(
        "ephemeral.mjs",
        &[
            "--url-a",
            &club.url("Volunteer Lee"),
            "--url-b",
            &club.url("Volunteer Park"),
            "--url-other",
            &stranger,
            "--doc",
            created["url"].as_str().expect("a URL"),
        ],
    );
    let to_b = heard["b"].as_array().expect("a list");
    assert!(!to_b.is_empty());
    assert!(
        to_b.iter()
            .all(|m| m == &serde_json::json!({ "text": "at the station entrance" })),
        "{heard}"
    );
    assert_eq!(heard["other"], serde_json::json!([]), "{heard}");
    assert_eq!(heard["otherOutcome"], "unavailable", "{heard}");
}

#[tokio::test]
async fn a_js_client_holding_a_stray_document_keeps_syncing_its_club_records() {
    if !js_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());
    let result = run_ok(
        "stray.mjs",
        &[
            "--url",
            &club.url("Volunteer Lee"),
            "--device",
            club.device("Volunteer Lee"),
            "--club",
            &club.club_document,
        ],
    );
    assert_eq!(numbers(&result["amounts"]), vec![700]);
    assert_eq!(result["strayOutcome"], "unavailable", "{result}");
    let (collection, rust_heads) =
        read_in_rust(&club, "Volunteer Park", document_of(&result["url"])).await;
    assert_eq!(rust_heads, heads(&result["heads"]));
    let donations = collection.donations().expect("donations");
    assert_eq!(donations.len(), 1);
    assert_eq!(donations[0].amount.minor, 700);
}
