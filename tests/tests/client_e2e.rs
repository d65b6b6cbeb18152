//! The `clubsync` CLI and the real `clubsync-server`, end to end: offline records on several
//! devices, a server killed mid-sync, connections cut mid-transfer, a device killed while
//! recording, and a revoked device. Every device is a real `clubsync` process with its own
//! directory; every connection goes through a loopback proxy the test controls
//! (`clubsync_testkit::proxy`), so devices keep one server address while the server restarts.
//!
//! What a club relies on: no donation is lost or counted twice, and what a device was told is
//! saved on the server survives the server's crash.

use clubsync_testkit::harness as common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use automerge::{ChangeHash, ReadDoc};
use clubsync_client::DeviceHome;
use clubsync_core::collection::StreetCollection;
use clubsync_core::document::TypedDocument;
use clubsync_core::store::{DocumentStore, SqliteStore};
use clubsync_protocol::DocumentId;
use clubsync_testkit::proxy::CuttingProxy;
use common::{ServerProcess, admin, client_bin};
use rand::{Rng, SeedableRng};

/// The longest any one `clubsync` command may take before the test kills it and fails.
const COMMAND_LIMIT: Duration = Duration::from_secs(180);

/// One device: a `clubsync` device directory.
struct Device {
    name: &'static str,
    home: PathBuf,
}

impl Device {
    fn new(dir: &Path, name: &'static str) -> Self {
        Self {
            name,
            home: dir.join(name),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(client_bin());
        command
            .arg("--home")
            .arg(&self.home)
            .args(args)
            .env("CLUBSYNC_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Runs `clubsync <args>` to the end (killed after [`COMMAND_LIMIT`]).
    fn run(&self, args: &[&str]) -> Output {
        let child = self.command(args).spawn().expect("clubsync starts");
        finish(child, COMMAND_LIMIT)
    }

    /// Runs a command that must succeed; returns its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{}: `clubsync {}` failed: {}\n{}",
            self.name,
            args.join(" "),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn join(&self, proxy: &CuttingProxy, invite: &str) {
        self.ok(&[
            "join",
            &proxy.addr().to_string(),
            invite,
            "--name",
            self.name,
        ]);
    }

    /// Records `rows` donations from a CSV file in one command; returns their sum in pence.
    fn import(&self, collection: &str, rows: usize, tin: Option<u32>, rng: &mut impl Rng) -> i64 {
        let mut csv = String::from(if tin.is_some() {
            "amount,tin\n"
        } else {
            "amount\n"
        });
        let mut sum = 0;
        for _ in 0..rows {
            let pence: i64 = rng.random_range(1..=5_000);
            sum += pence;
            csv.push_str(&format!("{}.{:02}", pence / 100, pence % 100));
            if let Some(tin) = tin {
                csv.push_str(&format!(",{tin}"));
            }
            csv.push('\n');
        }
        let file = self
            .home
            .with_extension(format!("{rows}-{}.csv", rng.random::<u32>()));
        std::fs::write(&file, csv).expect("write the CSV");
        let out = self.ok(&["collection", "import", collection, &file.to_string_lossy()]);
        assert!(out.contains(&format!("Saved {rows} donations")), "{out}");
        sum
    }

    /// The collection as this device holds it.
    fn collection(&self, id: &DocumentId) -> StreetCollection {
        DeviceHome::open(&self.home)
            .expect("the device directory opens")
            .load(id)
            .expect("the collection is on the device")
    }

    /// The heads the server confirmed to this device for a document.
    fn confirmed_heads(&self, id: &DocumentId) -> Vec<ChangeHash> {
        DeviceHome::open(&self.home)
            .expect("the device directory opens")
            .server_heads(id)
            .expect("readable")
    }

    fn device_id(&self) -> String {
        let out = self.ok(&["clubs"]);
        out.lines()
            .find_map(|l| l.trim().strip_prefix("device:"))
            .map(|id| id.trim().to_owned())
            .expect("`clubs` shows the device id")
    }
}

/// Waits for a child (killing it after `limit`) and collects its output.
fn finish(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "a clubsync command ran past {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The id `collection create` printed: `Created collection <ID> "<title>"`.
fn created_id(output: &str) -> String {
    output
        .lines()
        .find_map(|l| l.strip_prefix("Created collection "))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no collection id in {output:?}"))
}

/// Donations of a collection: their ids (each once) and total in pence.
fn tally(collection: &StreetCollection) -> (usize, BTreeSet<String>, i64) {
    let donations = collection.donations().expect("readable donations");
    let ids: BTreeSet<String> = donations.iter().map(|d| d.id.key()).collect();
    let total = donations.iter().map(|d| d.amount.minor).sum();
    (donations.len(), ids, total)
}

/// The collection as the server stored it (read from its database file).
fn on_server(data_dir: &Path, id: &DocumentId) -> StreetCollection {
    let store = SqliteStore::open(data_dir.join("documents.sqlite")).expect("the server store");
    let doc = store.load(id).expect("loads").expect("the server has it");
    StreetCollection::from_automerge(doc).expect("a street collection")
}

fn seeded_rng(test: &str) -> rand::rngs::StdRng {
    let seed = std::env::var("CLUBSYNC_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("{test}: CLUBSYNC_TEST_SEED={seed}");
    rand::rngs::StdRng::seed_from_u64(seed)
}

/// A demo club served behind a proxy, a coordinator and two volunteers joined, and a street
/// collection with 30 tins that all three hold.
struct Club {
    dir: tempfile::TempDir,
    server: Option<ServerProcess>,
    proxy: CuttingProxy,
    kim: Device,
    lee: Device,
    park: Device,
    collection: String,
    collection_id: DocumentId,
}

impl Club {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let server = ServerProcess::start(&dir.path().join("server"), &[]);
        let proxy = CuttingProxy::start(server.addr).expect("the proxy listens");
        let kim = Device::new(dir.path(), "kim");
        let lee = Device::new(dir.path(), "lee");
        let park = Device::new(dir.path(), "park");
        kim.join(&proxy, &server.invites["Coordinator Kim"]);
        lee.join(&proxy, &server.invites["Volunteer Lee"]);
        park.join(&proxy, &server.invites["Volunteer Park"]);
        let created = kim.ok(&[
            "collection",
            "create",
            "High Street, Saturday",
            "--tins",
            "1-30",
        ]);
        let collection = created_id(&created);
        kim.ok(&["sync"]);
        lee.ok(&["sync"]);
        park.ok(&["sync"]);
        let collection_id: DocumentId = collection.parse().expect("a document id");
        Self {
            dir,
            server: Some(server),
            proxy,
            kim,
            lee,
            park,
            collection,
            collection_id,
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("server")
    }

    fn devices(&self) -> [&Device; 3] {
        [&self.kim, &self.lee, &self.park]
    }

    fn stop_server(&mut self) {
        if let Some(server) = self.server.take() {
            assert!(server.terminate().success(), "the server stops cleanly");
        }
    }

    fn kill_server(&mut self) {
        if let Some(server) = self.server.take() {
            server.kill();
        }
    }

    fn start_server(&mut self) {
        let server = ServerProcess::start(&self.data_dir(), &[]);
        self.proxy.retarget(server.addr);
        self.server = Some(server);
    }

    /// Every device and the server hold the same collection, with `count` donations (each once)
    /// totalling `total` pence.
    fn assert_converged(&self, count: usize, total: i64) {
        let server = on_server(&self.data_dir(), &self.collection_id);
        let (n, ids, sum) = tally(&server);
        assert_eq!(
            (n, ids.len(), sum),
            (count, count, total),
            "the server's copy"
        );
        for device in self.devices() {
            let copy = device.collection(&self.collection_id);
            let (n, device_ids, sum) = tally(&copy);
            assert_eq!(
                (n, device_ids.len(), sum),
                (count, count, total),
                "{}'s copy: donations, distinct ids, total",
                device.name
            );
            assert_eq!(
                device_ids, ids,
                "{} has the server's donations",
                device.name
            );
            let status = device.ok(&["status"]);
            assert!(
                status.contains("All saved on the server"),
                "{}: {status}",
                device.name
            );
        }
    }
}

#[test]
fn three_devices_record_offline_and_converge_to_the_exact_total() {
    let mut rng = seeded_rng("three_devices");
    let mut club = Club::start();
    // Offline: the server is stopped while everyone records.
    club.stop_server();
    let mut expected = 0;
    for (device, tin) in club.devices().into_iter().zip([1u32, 2, 3]) {
        device.ok(&[
            "collection",
            "issue-tin",
            &club.collection,
            &tin.to_string(),
            "--seal",
            &format!("SEAL-{tin}"),
        ]);
        expected += device.import(&club.collection, 1_000, Some(tin), &mut rng);
    }
    // Tin custody on another tin too: issued and returned offline.
    club.kim.ok(&[
        "collection",
        "issue-tin",
        &club.collection,
        "10",
        "--seal",
        "SEAL-10",
    ]);
    club.kim
        .ok(&["collection", "return-tin", &club.collection, "10"]);
    club.start_server();
    // Each syncs in a random order; a second round brings everyone the others' records.
    let mut order = club.devices();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    for device in order.iter().chain(order.iter()) {
        device.ok(&["sync"]);
    }
    club.assert_converged(3_000, expected);
    let custody = club
        .lee
        .collection(&club.collection_id)
        .custody_log()
        .expect("custody");
    assert_eq!(
        custody.len(),
        4,
        "tins 1, 2, 3 and 10 were issued: {custody:?}"
    );
}

#[test]
fn a_server_killed_mid_sync_keeps_everything_it_confirmed() {
    let rounds: usize = std::env::var("CLUBSYNC_CLIENT_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let mut rng = seeded_rng("server_killed");
    let mut club = Club::start();
    let mut expected = 0;
    let mut count = 0;
    for round in 0..rounds {
        for device in [&club.lee, &club.park] {
            expected += device.import(&club.collection, 150, None, &mut rng);
            count += 150;
        }
        let syncing: Vec<Child> = [&club.lee, &club.park]
            .iter()
            .map(|d| {
                d.command(&["sync", "--retry", "--max-backoff", "1"])
                    .spawn()
                    .expect("clubsync starts")
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.random_range(0..600)));
        club.kill_server();
        // What the server confirmed to a device must be in its store after the crash.
        let server = on_server(&club.data_dir(), &club.collection_id);
        for device in [&club.lee, &club.park] {
            for head in device.confirmed_heads(&club.collection_id) {
                assert!(
                    server.automerge().get_change_by_hash(&head).is_some(),
                    "round {round}: {} was told change {head} is saved, but the server lost it",
                    device.name
                );
            }
        }
        club.start_server();
        for child in syncing {
            let out = finish(child, COMMAND_LIMIT);
            assert!(
                out.status.success(),
                "round {round}: a sync did not complete after the restart: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    for device in club.devices().into_iter().chain(club.devices()) {
        device.ok(&["sync"]);
    }
    club.assert_converged(count, expected);
}

#[test]
fn a_sync_cut_in_the_middle_resumes_without_duplicates() {
    let mut rng = seeded_rng("cut_mid_sync");
    let club = Club::start();
    // A large upload, cut three times in the middle.
    let mut expected = club.kim.import(&club.collection, 5_000, None, &mut rng);
    club.proxy.cut_next(3, 40 * 1024);
    club.kim.ok(&["sync", "--retry", "--max-backoff", "1"]);
    assert_eq!(club.proxy.cuts(), 3, "the upload was cut three times");
    // A large download, cut three times in the middle (and another upload with it).
    expected += club.park.import(&club.collection, 2_000, None, &mut rng);
    club.park.ok(&["sync"]);
    club.proxy.cut_next(3, 40 * 1024);
    club.lee.ok(&["sync", "--retry", "--max-backoff", "1"]);
    assert_eq!(club.proxy.cuts(), 6, "the download was cut three times");
    for device in club.devices() {
        device.ok(&["sync"]);
    }
    club.assert_converged(7_000, expected);
}

#[test]
fn a_device_killed_while_recording_keeps_every_donation_it_reported_saved() {
    let mut rng = seeded_rng("device_killed");
    let club = Club::start();
    let mut reported = BTreeSet::new();
    let mut killed = 0;
    for i in 0..40 {
        let amount = format!("{}.{:02}", 1 + i, rng.random_range(0..100));
        let mut child = club
            .kim
            .command(&["collection", "donate", &club.collection, &amount])
            .spawn()
            .expect("clubsync starts");
        if rng.random_bool(0.5) {
            std::thread::sleep(Duration::from_millis(rng.random_range(0..60)));
            let _ = child.kill();
            killed += 1;
        }
        let out = finish(child, COMMAND_LIMIT);
        if out.status.success() {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let id = stdout
                .lines()
                .find_map(|l| l.strip_prefix("Saved donation "))
                .and_then(|rest| rest.split(':').next())
                .unwrap_or_else(|| panic!("no donation id in {stdout:?}"))
                .to_owned();
            reported.insert(id);
        }
    }
    assert!(
        killed > 0 && !reported.is_empty(),
        "some runs were killed, some finished"
    );
    let home = DeviceHome::open(&club.kim.home).expect("the device opens after the kills");
    home.store().check_integrity().expect("the store is sound");
    let (_, ids, _) = tally(&home.load(&club.collection_id).expect("the collection"));
    let missing: Vec<_> = reported.difference(&ids).collect();
    assert!(missing.is_empty(), "reported saved but lost: {missing:?}");
    // And they all reach the server.
    club.kim.ok(&["sync"]);
    let (_, on_server_ids, _) = tally(&on_server(&club.data_dir(), &club.collection_id));
    assert!(
        reported.is_subset(&on_server_ids),
        "every reported donation is on the server"
    );
}

#[test]
fn a_revoked_device_is_told_so_and_stops_retrying() {
    let club = Club::start();
    let mut watching = club
        .lee
        .command(&["sync", "--watch", "--max-backoff", "1"])
        .spawn()
        .expect("clubsync starts");
    // Let it connect, then revoke it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while club.proxy.accepted() < 5 && Instant::now() < deadline {
        // 3 joins and 4 syncs went through the proxy before; wait for the watcher's connection.
        std::thread::sleep(Duration::from_millis(50));
        if watching.try_wait().expect("wait").is_some() {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let (ok, out) = admin(&club.data_dir(), &["revoke", &club.lee.device_id()]);
    assert!(ok, "{out}");
    let out = finish(watching, Duration::from_secs(20));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the watcher stops with an error");
    assert!(stderr.contains("revoked"), "it says why: {stderr}");
    // From then on it does not even try the network.
    let before = club.proxy.accepted();
    let again = club.lee.run(&["sync"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("revoked"));
    assert_eq!(
        club.proxy.accepted(),
        before,
        "a revoked device does not reconnect"
    );
    let status = club.lee.ok(&["status"]);
    assert!(status.contains("revoked"), "{status}");
}

#[test]
fn devices_sync_over_tls_pinning_a_self_signed_certificate() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("server");
    let server = ServerProcess::start(&data, &["--self-signed"]);
    assert_eq!(server.scheme, "https");
    let cert = data.join("self-signed-cert.pem");
    let cert = cert.to_string_lossy();
    let address = format!("https://localhost:{}", server.addr.port());
    // Without the certificate, TLS refuses the server, and says so.
    let stranger = Device::new(dir.path(), "stranger");
    let refused = stranger.run(&["join", &address, &server.invites["Observer Choi"]]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(stderr.contains("TLS"), "{stderr}");
    // Pinning it, a coordinator records and a volunteer reads, both over wss://.
    let kim = Device::new(dir.path(), "kim");
    let lee = Device::new(dir.path(), "lee");
    let invite = &server.invites["Coordinator Kim"];
    kim.ok(&["join", &address, invite, "--ca-cert", &cert]);
    lee.ok(&[
        "join",
        &address,
        &server.invites["Volunteer Lee"],
        "--ca-cert",
        &cert,
    ]);
    let collection = created_id(&kim.ok(&["collection", "create", "Over TLS"]));
    kim.ok(&["collection", "donate", &collection, "12.34"]);
    kim.ok(&["sync"]);
    lee.ok(&["sync"]);
    let id: DocumentId = collection.parse().expect("a document id");
    let (count, _, total) = tally(&lee.collection(&id));
    assert_eq!((count, total), (1, 1234));
}

#[test]
fn watching_devices_pass_on_records_as_they_are_made() {
    let club = Club::start();
    let watchers: Vec<Child> = [&club.kim, &club.lee]
        .iter()
        .map(|d| {
            d.command(&["sync", "--watch", "--max-backoff", "1"])
                .spawn()
                .expect("clubsync starts")
        })
        .collect();
    // Kim records with another command while her watcher runs: it notices and sends it, and
    // Lee's watcher receives it, with no `sync` run by anyone.
    let saved = club
        .kim
        .ok(&["collection", "donate", &club.collection, "7.50"]);
    assert!(saved.contains("Saved donation"), "{saved}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (count, _, total) = tally(&club.lee.collection(&club.collection_id));
        if (count, total) == (1, 750) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Lee's watching device did not get Kim's donation within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Ctrl-C (SIGTERM here) stops a watcher cleanly.
    for child in watchers {
        let pid = child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let out = finish(child, Duration::from_secs(20));
        assert!(
            out.status.success(),
            "a watcher stops cleanly: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let status = club.kim.ok(&["status"]);
    assert!(status.contains("All saved on the server"), "{status}");
}
