//! The disk fills in the middle of a burst of donations, then frees (issue 14): no change the
//! server acknowledged is lost, devices are told to try again (their changes stay on them),
//! and the same server process takes everything once there is room, without a restart.
//!
//! The data directory is on a small tmpfs mounted for the test (root is needed to mount it, as
//! on the project's machines and in CI); a file fills it to the last byte and is then deleted.

use clubsync_testkit::harness as common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clubsync_protocol::DocumentId;
use common::records::{Joined, amounts, donations, new_collection, record_donation};
use common::{Device, LIMIT, QUIET, ServerProcess, connect, http_text};
use tokio::net::TcpStream;
use tokio_tungstenite::MaybeTlsStream;

/// A tmpfs mounted for the test, unmounted when dropped.
struct SmallDisk {
    mount: PathBuf,
    _parent: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(mib: u32) -> Self {
        let parent = tempfile::tempdir().expect("temp dir");
        let mount = parent.path().join("disk");
        std::fs::create_dir(&mount).expect("mount point");
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={mib}m,mode=0700"),
                "tmpfs",
            ])
            .arg(&mount)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a {mib} MiB tmpfs failed: this test needs root (as on the project's \
             machines and CI)"
        );
        Self {
            mount,
            _parent: parent,
        }
    }

    /// Fills the disk to the last byte with a file; returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.mount.join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        let small = [0u8; 512];
        while file.write_all(&small).is_ok() {}
        while file.write_all(&[0]).is_ok() {}
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mount).status();
    }
}

type Phone = Device<MaybeTlsStream<TcpStream>>;

/// Connects `who`, retrying while the server answers 503 (a full disk), for at most 30 s.
async fn connect_retrying(server: &ServerProcess, who: &Joined) -> (Phone, usize) {
    let started = Instant::now();
    let mut unavailable = 0;
    loop {
        match connect(&server.ws_url(Some(&who.token))).await {
            Ok(phone) => return (phone, unavailable),
            Err(e) if e.starts_with("503") => unavailable += 1,
            Err(e) => panic!("connecting: {e}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "connected within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[tokio::test]
async fn a_disk_that_fills_and_frees_loses_nothing_acknowledged_and_needs_no_restart() {
    let disk = SmallDisk::mount(48);
    let data = disk.mount.join("data");
    let server = ServerProcess::start(&data, &[]);
    let lee = server.joined("Volunteer Lee");
    let kim = server.joined("Coordinator Kim");
    let collection = DocumentId::random();

    let (mut phone, _) = connect_retrying(&server, &lee).await;
    phone
        .docs
        .insert(collection, new_collection(&lee, "Station"));
    let mut acknowledged = std::collections::BTreeSet::new();
    for pence in 1..=20 {
        record_donation(phone.docs.get_mut(&collection).expect("held"), &lee, pence);
        phone.sync(Duration::from_millis(50), LIMIT).await;
        assert!(phone.all_saved_on_server(collection));
        acknowledged.insert(pence);
    }

    // The disk fills. Lee goes on recording: the server cannot save, says so, and Lee's phone
    // keeps every donation and tries again.
    let filler = disk.fill();
    let mut told_to_retry = 0;
    let mut unavailable = 0;
    for pence in 21..=60 {
        record_donation(phone.docs.get_mut(&collection).expect("held"), &lee, pence);
        phone.sync(Duration::from_millis(50), LIMIT).await;
        if phone.all_saved_on_server(collection) {
            acknowledged.insert(pence);
        }
        if let Some(reason) = phone.seen.closed.take() {
            assert!(
                reason.contains("could not save") || reason.contains("try again"),
                "a full disk is a reason to try again: {reason}"
            );
            told_to_retry += 1;
            let docs = std::mem::take(&mut phone.docs);
            let (again, refused) = connect_retrying(&server, &lee).await;
            unavailable += refused;
            phone = again;
            phone.docs = docs;
        }
    }
    assert!(
        told_to_retry + unavailable > 0,
        "the full disk was noticed and said"
    );
    assert!(
        acknowledged.len() < 60,
        "nothing is acknowledged that could not be saved"
    );
    let (status, _, _) = http_text(server.addr, "GET", "/healthz", &[]);
    assert_eq!(status, 200, "the server is alive on a full disk");

    // Room again: the same server takes everything.
    std::fs::remove_file(&filler).expect("the filler goes");
    let started = Instant::now();
    loop {
        phone.sync(QUIET, LIMIT).await;
        if phone.all_saved_on_server(collection) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "everything saved within a minute of the disk freeing (closed: {:?})",
            phone.seen.closed
        );
        if phone.seen.closed.take().is_some() {
            let docs = std::mem::take(&mut phone.docs);
            phone = connect_retrying(&server, &lee).await.0;
            phone.docs = docs;
        } else {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    let (mut laptop, _) = connect_retrying(&server, &kim).await;
    laptop.want(collection);
    laptop.sync(QUIET, LIMIT).await;
    let present = amounts(&laptop.docs[&collection]);
    let lost: Vec<_> = acknowledged.difference(&present).collect();
    assert!(lost.is_empty(), "acknowledged and lost: {lost:?}");
    assert_eq!(
        donations(&laptop.docs[&collection]),
        (60, (1..=60).sum()),
        "every donation once, including those recorded while the disk was full"
    );

    // The store is sound after it all.
    drop(laptop);
    drop(phone);
    assert!(server.terminate().success());
    let backup = disk.mount.join("check");
    let (ok, out) = common::admin(&data, &["backup", path_str(&backup)]);
    assert!(ok, "the store reads whole after the fault: {out}");
}
