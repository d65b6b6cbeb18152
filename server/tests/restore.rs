//! Backups that restore (issue 14): a backup taken while devices write holds every change the
//! server acknowledged before it began, and `clubsync-server restore` puts it back, refusing a
//! live server's directory and anything that is not a sound backup.

use clubsync_testkit::harness as common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clubsync_protocol::DocumentId;
use common::records::{amounts, donations, new_collection, record_donation};
use common::{LIMIT, QUIET, ServerProcess, admin, connect, http_text};

#[tokio::test]
async fn a_backup_taken_during_writes_restores_every_change_acknowledged_before_it() {
    let live = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(live.path(), &[]);
    let lee = server.joined("Volunteer Lee");
    let park = server.joined("Volunteer Park");
    let collection = DocumentId::random();
    let mut phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("Lee connects");
    phone
        .docs
        .insert(collection, new_collection(&lee, "Station"));
    phone.sync(QUIET, LIMIT).await;
    assert!(phone.all_saved_on_server(collection));

    // Two phones record donations as fast as the server acknowledges them.
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for (d, who) in [lee.clone(), park.clone()].into_iter().enumerate() {
        let url = server.ws_url(Some(&who.token));
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut phone = connect(&url).await.expect("connects");
            phone.want(collection);
            phone.sync(QUIET, LIMIT).await;
            let mut amount = (d as i64 + 1) * 1_000_000;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                amount += 1;
                record_donation(phone.docs.get_mut(&collection).expect("held"), &who, amount);
                phone.sync(Duration::from_millis(20), LIMIT).await;
                assert_eq!(phone.seen.closed, None);
                if phone.all_saved_on_server(collection) {
                    acknowledged.lock().expect("lock").insert(amount);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    // The backup starts while they write, and they go on writing during and after it.
    let before: BTreeSet<i64> = acknowledged.lock().expect("lock").clone();
    let backups = tempfile::tempdir().expect("temp dir");
    let backup = backups.path().join("2026-12-02");
    let (ok, out) = {
        let (data, to) = (live.path().to_owned(), backup.clone());
        tokio::task::spawn_blocking(move || {
            admin(&data, &["backup", to.to_str().expect("utf-8 path")])
        })
        .await
        .expect("the backup runs")
    };
    assert!(ok, "{out}");
    assert!(
        out.contains("restore"),
        "the backup says how to restore: {out}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer");
    }
    let after = acknowledged.lock().expect("lock").len();
    assert!(
        before.len() >= 5 && after > before.len(),
        "writes went on around the backup: {} before, {after} in all",
        before.len()
    );
    drop(server);

    // Restored into a new data directory, the server has everything acknowledged before the
    // backup began, each once.
    let restored = tempfile::tempdir().expect("temp dir");
    let (ok, out) = admin(
        restored.path(),
        &["restore", backup.to_str().expect("utf-8 path")],
    );
    assert!(ok, "{out}");
    assert!(out.contains("Restored"), "{out}");
    let server = ServerProcess::start(restored.path(), &[]);
    let mut reader = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("Lee's device is known to the restored server");
    reader.want(collection);
    reader.sync(QUIET, LIMIT).await;
    let present = amounts(&reader.docs[&collection]);
    let missing: Vec<_> = before.difference(&present).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup, lost: {missing:?}"
    );
    assert_eq!(donations(&reader.docs[&collection]).0, present.len());

    // Lee's phone still holds what came after the backup, and sends it again.
    phone
        .docs
        .insert(collection, reader.docs[&collection].clone());
    let mut lee_again = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("connects");
    lee_again.docs = std::mem::take(&mut phone.docs);
    lee_again.sync(QUIET, LIMIT).await;
    assert!(lee_again.all_saved_on_server(collection));
}

#[test]
fn a_restore_into_a_live_servers_directory_is_refused_and_later_keeps_the_old_files() {
    let live = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(live.path(), &[]);
    let backups = tempfile::tempdir().expect("temp dir");
    let backup = backups.path().join("monday");
    let (ok, out) = admin(live.path(), &["backup", backup.to_str().expect("utf-8")]);
    assert!(ok, "{out}");
    let before = std::fs::read(live.path().join("server.sqlite")).expect("the database");

    let (ok, out) = admin(live.path(), &["restore", backup.to_str().expect("utf-8")]);
    assert!(!ok, "a live server's directory is refused");
    assert!(out.contains("stop it first"), "{out}");
    let (status, _, _) = http_text(server.addr, "GET", "/healthz", &[]);
    assert_eq!(status, 200, "the server goes on serving");
    assert_eq!(
        std::fs::read(live.path().join("server.sqlite")).expect("the database"),
        before,
        "nothing was touched"
    );

    // Once the server is stopped, the restore goes through and keeps what was there.
    assert!(server.terminate().success());
    let (ok, out) = admin(live.path(), &["restore", backup.to_str().expect("utf-8")]);
    assert!(ok, "{out}");
    let aside: Vec<_> = std::fs::read_dir(live.path())
        .expect("lists")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("before-restore-")
        })
        .collect();
    assert_eq!(aside.len(), 1, "{out}");
    assert!(aside[0].path().join("server.sqlite").is_file());
    assert!(out.contains("before-restore-"), "{out}");
    // And the server starts on the restored directory.
    let server = ServerProcess::start(live.path(), &[]);
    let (status, _, _) = http_text(server.addr, "GET", "/healthz", &[]);
    assert_eq!(status, 200);
}

#[test]
fn what_is_not_a_sound_backup_is_refused_and_the_data_directory_is_untouched() {
    let data = tempfile::tempdir().expect("temp dir");
    let (ok, out) = admin(data.path(), &["init"]);
    assert!(ok, "{out}");
    let before = std::fs::read(data.path().join("server.sqlite")).expect("the database");
    let elsewhere = tempfile::tempdir().expect("temp dir");

    let empty = elsewhere.path().join("empty");
    std::fs::create_dir(&empty).expect("made");
    let (ok, out) = admin(data.path(), &["restore", empty.to_str().expect("utf-8")]);
    assert!(!ok);
    assert!(out.contains("not a clubsync backup"), "{out}");

    let damaged = elsewhere.path().join("damaged");
    std::fs::create_dir(&damaged).expect("made");
    std::fs::write(damaged.join("server.sqlite"), b"this is not a database").expect("written");
    let started = Instant::now();
    let (ok, out) = admin(data.path(), &["restore", damaged.to_str().expect("utf-8")]);
    assert!(!ok);
    assert!(
        out.contains("damaged") || out.contains("not a database"),
        "{out}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));

    assert_eq!(
        std::fs::read(data.path().join("server.sqlite")).expect("the database"),
        before,
        "the data directory's database is untouched"
    );
    assert!(
        !std::fs::read_dir(data.path())
            .expect("lists")
            .filter_map(|e| e.ok())
            .any(|e| e
                .file_name()
                .to_string_lossy()
                .starts_with("before-restore-")),
        "nothing was moved aside"
    );
}
