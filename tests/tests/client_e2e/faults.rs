//! The server killed mid-sync, a sync cut in the middle, a device killed while recording.

use super::*;

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

/// A change on a device that the server refuses (here a deletion of a donation, written into
/// the device's store by another program, as a buggy version would): `clubsync sync` keeps the
/// refused copy aside, rebuilds the collection on the server's copy with the device's valid
/// records written again, and syncs; nothing valid is lost.
#[test]
fn a_device_with_a_refused_change_rebuilds_its_copy_and_loses_nothing_valid() {
    use automerge::transaction::Transactable;
    use clubsync_core::store::DocumentStore as _;
    let club = Club::start();
    club.lee.ok(&[
        "collection",
        "donate",
        &club.collection,
        "5.00",
        "--source",
        "card",
    ]);
    club.lee.ok(&["sync"]);
    let first = club.lee.collection(&club.collection_id);
    let (_, ids, _) = tally(&first);
    let deleted = ids.iter().next().expect("one donation").clone();

    // Another program deletes the donation in Lee's store; then Lee records one more.
    {
        let mut store = SqliteStore::open(club.lee.home.join("documents.sqlite")).expect("store");
        let mut doc = store
            .load(&club.collection_id)
            .expect("load")
            .expect("held");
        let before = doc.get_heads();
        let (_, donations) = doc
            .get(automerge::ROOT, "donations")
            .expect("read")
            .expect("there");
        let mut tx = doc.transaction();
        tx.delete(&donations, deleted.as_str()).expect("delete");
        tx.commit();
        store
            .append_chunk(&club.collection_id, &doc.save_after(&before))
            .expect("stored");
    }
    club.lee.ok(&[
        "collection",
        "donate",
        &club.collection,
        "2.50",
        "--source",
        "card",
    ]);

    let out = club.lee.run(&["sync"]);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("the server refused a change") && said.contains("record_deleted"),
        "{said}"
    );
    assert!(said.contains("1 record(s) written again"), "{said}");
    let aside = club.lee.home.join("refused");
    assert_eq!(
        std::fs::read_dir(&aside).expect("refused/").count(),
        1,
        "the refused copy is kept"
    );

    // The server and the device agree: both donations, 7.50.
    club.kim.ok(&["sync"]);
    let (count, ids, total) = tally(&club.kim.collection(&club.collection_id));
    assert_eq!((count, total), (2, 750), "{ids:?}");
    assert!(
        ids.contains(&deleted),
        "the refused deletion was never stored"
    );
    let (count, _, total) = tally(&club.lee.collection(&club.collection_id));
    assert_eq!((count, total), (2, 750));
}
