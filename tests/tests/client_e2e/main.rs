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

mod club_devices;
mod coordinators;
mod faults;
mod flags;
mod token_swap;

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
