//! Devices of a club offline and back, revoked, over TLS, watching.

use super::*;

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

#[test]
fn a_coordinator_reads_who_sent_each_change_with_clubsync_audit() {
    let club = Club::start();
    club.lee.ok(&[
        "collection",
        "donate",
        &club.collection,
        "7.50",
        "--source",
        "card",
    ]);
    club.lee.ok(&["sync"]);
    club.kim.ok(&["sync"]);
    let trail = club.kim.ok(&["audit", "High Street"]);
    assert!(
        trail.contains("lee") && trail.contains("Volunteer Lee") && trail.contains("donations/"),
        "{trail}"
    );
    assert!(trail.contains("kim") && trail.contains("tins/"), "{trail}");
    // Only the change that wrote Lee's donation, by its record.
    let donation = trail
        .split_whitespace()
        .find(|w| w.starts_with("donations/"))
        .expect("a donation record")
        .trim_end_matches(',')
        .to_owned();
    let only = club
        .kim
        .ok(&["audit", &club.collection, "--record", &donation]);
    assert!(only.contains("1 change(s)."), "{only}");
    // A volunteer is told it is for coordinators.
    let refused = club.lee.run(&["audit", "High Street"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("coordinator"), "{message}");
}
