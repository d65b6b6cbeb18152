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
//! 4. A phone whose change the server refuses (a deletion forged as a buggy app version would
//!    make it, offline, with a valid donation after it) has its copy rebuilt by the server, says
//!    what was refused, and the server ends with every valid donation.
//! 5. A phone swaps its device token when the server says (the old one is refused after), and a
//!    phone that joins a second club does not list the first club's documents.
//! 6. A phone in Korean, on a clock far from the club's, shows every main screen in Korean and
//!    every time on the club's clock, and keeps the language chosen on home.
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

mod banking;
mod coordinator;
mod events;
mod flags;
mod korean;
mod money;
mod offline_collector;
mod refused_change;
mod shared_records;
mod sponsorship;
mod token_swap;
mod unsynced;

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

    /// A code for another device of Coordinator Kim (her laptop's CLI took her demo invite),
    /// made with `clubsync invite --device-for` on that laptop.
    fn kims_device_invite(&self) -> String {
        common::printed_code(&self.kim.ok(&["invite", "--device-for", "Coordinator Kim"]))
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
