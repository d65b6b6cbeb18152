//! The phone app (`web/`, served by the real `clubsync-server` under `/app/`) in Debian's
//! headless Chromium, driven by the playwright-core scripts of `tests/web/`; what the app records
//! is checked on the Rust side through the `clubsync` CLI and `clubsync-core`, never through the
//! page.
//!
//! 1. A collector joins, goes offline, records 20 donations and 5 signatures, reloads the app
//!    while still offline (it opens, everything is there, and it does not dial the server), comes
//!    back online (it dials at once): the indicator says all saved, and the server holds all 25
//!    records with their exact amounts. With the server unreachable, it redials with backoff.
//! 2. Other phones of the club see new records without reloading: a tin taken, donations (in the
//!    whole collection's figures on another member's phone, an undone one left out again) and
//!    signatures.
//! 3. A donation the CLI records appears in the app; a tin the app counts is in the CLI's report
//!    with its amount in pounds.
//!
//! The runs save the screenshots of `docs/screens/` (each screen at 360 px wide). Needs
//! `/usr/bin/chromium`, `tests/web/node_modules` and the built app `web/dist` (`./run-tests`
//! makes both); fails without them unless `CLUBSYNC_SKIP_BROWSER=1`.

use clubsync_testkit::harness as common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clubsync_client::DeviceHome;
use clubsync_core::collection::{DonationSource, StreetCollection};
use clubsync_core::ids::{MemberId, TinNumber};
use clubsync_core::petition::Petition;
use clubsync_protocol::DocumentId;
use clubsync_tests::browser::{self, BrowserScript, browser_enabled};
use common::{ServerProcess, client_bin};
use serde_json::{Value, json};

/// The longest one `clubsync` command may take.
const COMMAND_LIMIT: Duration = Duration::from_secs(120);

const COLLECTION: &str = "High Street";
const PETITION: &str = "Protect defectors";
const PETITION_TEXT: &str = "We call on the Government to protect North Korean defectors in \
    China from forced return, and to welcome those who reach the United Kingdom.";

/// The coordinator's laptop: a `clubsync` device directory.
struct Laptop {
    home: PathBuf,
}

impl Laptop {
    /// Runs `clubsync --home H <args>`, which must succeed; returns its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let mut child = Command::new(client_bin())
            .arg("--home")
            .arg(&self.home)
            .args(args)
            .env("CLUBSYNC_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("clubsync starts");
        let deadline = Instant::now() + COMMAND_LIMIT;
        while child.try_wait().expect("wait").is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("output");
        assert!(
            out.status.success(),
            "`clubsync {}` failed ({}): {}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn home(&self) -> DeviceHome {
        DeviceHome::open(&self.home).expect("the laptop's device directory opens")
    }
}

/// The id in `Created <what> <ID> "<title>"`.
fn created_id(output: &str, what: &str) -> DocumentId {
    output
        .lines()
        .find_map(|l| l.strip_prefix(&format!("Created {what} ")))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no {what} id in {output:?}"))
}

/// A demo club on a server that serves the app, and its coordinator Kim's laptop, which made a
/// street collection (tins 1-20) and a petition and sent them to the server.
struct WebClub {
    _dir: tempfile::TempDir,
    server: ServerProcess,
    kim: Laptop,
    collection: DocumentId,
    petition: DocumentId,
}

impl WebClub {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let dist = browser::app_dist();
        let server = ServerProcess::start(
            &dir.path().join("server"),
            &["--web-dir", &dist.to_string_lossy()],
        );
        let kim = Laptop {
            home: dir.path().join("kim"),
        };
        kim.ok(&[
            "join",
            &server.addr.to_string(),
            &server.invites["Coordinator Kim"],
            "--name",
            "Kim's laptop",
        ]);
        let collection = created_id(
            &kim.ok(&["collection", "create", COLLECTION, "--tins", "1-20"]),
            "collection",
        );
        let petition = created_id(
            &kim.ok(&["petition", "create", PETITION, "--text", PETITION_TEXT]),
            "petition",
        );
        kim.ok(&["sync"]);
        Self {
            _dir: dir,
            server,
            kim,
            collection,
            petition,
        }
    }

    fn base(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    fn invite(&self, person: &str) -> &str {
        &self.server.invites[person]
    }

    /// Syncs Kim's laptop with the server, then reads the collection and the petition as the
    /// server holds them.
    fn on_server(&self) -> (StreetCollection, Petition) {
        self.kim.ok(&["sync"]);
        let home = self.kim.home();
        (
            home.load(&self.collection).expect("the collection"),
            home.load(&self.petition).expect("the petition"),
        )
    }

    /// The member id of `name` in the club document (after a sync).
    fn member(&self, name: &str) -> MemberId {
        self.kim.ok(&["sync"]);
        let home = self.kim.home();
        let membership = home.membership(None).expect("Kim's membership");
        let club = home.club(&membership).expect("the club document");
        let members = club.members().expect("members");
        members
            .iter()
            .find(|m| m.display_name == name)
            .map(|m| m.id)
            .unwrap_or_else(|| {
                let names: Vec<_> = members.iter().map(|m| &m.display_name).collect();
                panic!("no member {name:?} in the club document; members: {names:?}")
            })
    }
}

/// Where a failing script leaves its screenshots.
fn fail_dir(test: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("web_app")
        .join(test)
}

fn screens() -> String {
    browser::screens_dir().to_string_lossy().into_owned()
}

/// A JSON list of whole numbers, sorted.
fn numbers(list: &Value) -> Vec<i64> {
    let mut out = numbers_in_order(list);
    out.sort_unstable();
    out
}

/// A JSON list of whole numbers, in its order.
fn numbers_in_order(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list, not {list}"))
        .iter()
        .map(|n| n.as_i64().expect("a whole number"))
        .collect()
}

/// `1250` -> `"12.50"`.
fn pounds(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// The donations of `collection` on `tin`: (amounts sorted, collectors, currencies).
fn tin_donations(
    collection: &StreetCollection,
    tin: u32,
) -> (Vec<i64>, Vec<MemberId>, Vec<String>) {
    let donations = collection.donations().expect("donations read");
    let on_tin: Vec<_> = donations
        .iter()
        .filter(|d| d.source == DonationSource::Tin(TinNumber(tin)) && !d.reversed)
        .collect();
    let mut amounts: Vec<i64> = on_tin.iter().map(|d| d.amount.minor).collect();
    amounts.sort_unstable();
    (
        amounts,
        on_tin.iter().map(|d| d.collector).collect(),
        on_tin
            .iter()
            .map(|d| d.amount.currency.code().to_owned())
            .collect(),
    )
}

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
