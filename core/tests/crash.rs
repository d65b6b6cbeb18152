//! The crash test: a child process records donations in a loop, printing the id of each one
//! once its store call returned (the "saved" a collector sees), and is killed with SIGKILL at
//! random moments. After every kill the store must open, and every donation the child
//! reported as saved must be there exactly once.
//!
//! The child also compacts the document every 25 donations, so some kills land mid-compaction.
//!
//! The child is this same test binary, re-run with an environment variable that turns the
//! otherwise empty test `crash_child_writer` into the writer loop.

mod fixtures;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use automerge::ActorId;
use clubsync_core::collection::StreetCollection;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::DonationId;
use clubsync_core::store::{DocumentStore, SqliteStore};
use clubsync_protocol::ids::DocumentId;
use rand::Rng;

const STORE_ENV: &str = "CLUBSYNC_CRASH_CHILD_STORE";
const DOC_ENV: &str = "CLUBSYNC_CRASH_CHILD_DOC";
const KILLS: usize = 24;

/// The child: does nothing in a normal test run.
#[test]
fn crash_child_writer() {
    let (Ok(path), Ok(doc)) = (std::env::var(STORE_ENV), std::env::var(DOC_ENV)) else {
        return;
    };
    let id: DocumentId = doc.parse().expect("document id from the parent");
    let mut store = SqliteStore::open(&path).expect("child opens the store");
    let w = fixtures::world();
    let mut collection = match store.load(&id).expect("child loads") {
        Some(doc) => StreetCollection::from_automerge(doc).expect("a collection"),
        None => {
            let c = w.collection.clone();
            store
                .append_chunk(&id, &c.automerge().save())
                .expect("initial state committed");
            c
        }
    };
    // A new device session: never reuse an actor whose last change may not have been saved.
    collection.automerge_mut().set_actor(ActorId::random());
    println!("READY");
    for i in 0.. {
        let before = collection.heads();
        let donation = fixtures::card_donation(100 + i % 900, w.ana, i);
        let donation_id = collection.record_donation(&donation).expect("recorded");
        store
            .append_chunk(&id, &collection.changes_since(&before))
            .expect("committed");
        println!("COMMITTED {donation_id}");
        if i % 25 == 24 {
            // Compaction too may be cut by the kill: it must be all or nothing.
            store.compact(&id).expect("compacted");
        }
    }
}

#[test]
fn donations_reported_as_saved_survive_sigkill_exactly_once() {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("phone.db");
    let doc = DocumentId::random();
    let mut rng = rand::rng();
    let mut reported: Vec<DonationId> = Vec::new();

    for round in 0..KILLS {
        let mut child = Command::new(&exe)
            .args([
                "crash_child_writer",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(STORE_ENV, &path)
            .env(DOC_ENV, doc.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("child starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines_tx, lines) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });

        // 1. Let the child run: sometimes kill it while it opens the store, usually after
        //    a random number of saved donations plus a random few hundred microseconds.
        let mut seen = Vec::new();
        if round % 6 == 5 {
            std::thread::sleep(Duration::from_micros(rng.random_range(0..20_000)));
        } else {
            let wanted = rng.random_range(0..60);
            let mut committed = 0;
            while committed < wanted || seen.is_empty() {
                let line = lines
                    .recv_timeout(Duration::from_secs(60))
                    .expect("child makes progress");
                committed += usize::from(line.starts_with("COMMITTED "));
                seen.push(line);
            }
            std::thread::sleep(Duration::from_micros(rng.random_range(0..3_000)));
        }
        // 2. SIGKILL (what `Child::kill` sends on Unix).
        child.kill().expect("killed");
        child.wait().expect("reaped");
        reader.join().expect("reader thread");
        seen.extend(lines.try_iter());
        let before = reported.len();
        for line in &seen {
            if let Some(id) = line.strip_prefix("COMMITTED ") {
                reported.push(id.parse().expect("a donation id"));
            }
        }

        // 3. The store opens, and every reported donation is there exactly once.
        let store = SqliteStore::open(&path).expect("store opens after SIGKILL");
        store.check_integrity().expect("SQLite file sound");
        let Some(loaded) = store.load(&doc).expect("document loads after SIGKILL") else {
            assert!(
                reported.is_empty(),
                "donations were reported but the document is gone"
            );
            continue;
        };
        let collection = StreetCollection::from_automerge(loaded).expect("a collection");
        let stored: Vec<DonationId> = collection
            .donations()
            .expect("readable")
            .iter()
            .map(|d| d.id)
            .collect();
        let unique: HashSet<DonationId> = stored.iter().copied().collect();
        assert_eq!(
            unique.len(),
            stored.len(),
            "round {round}: a donation is duplicated"
        );
        for id in &reported {
            assert!(
                unique.contains(id),
                "round {round}: donation {id} was reported saved but is lost"
            );
        }
        // At most one saved donation per kill can be missing its report (killed mid-print).
        assert!(
            stored.len() <= reported.len() + round + 1,
            "round {round}: unexplained donations"
        );
        eprintln!(
            "round {round}: {} new reported, {} stored",
            reported.len() - before,
            stored.len()
        );
    }
    assert!(
        reported.len() > KILLS,
        "the child saved donations between kills"
    );
}
