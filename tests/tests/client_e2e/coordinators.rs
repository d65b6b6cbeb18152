//! A coordinator runs the club from the `clubsync` CLI alone: invites by code (with the link
//! and its QR code), a laptop for herself, a role changed, "now 16", a lost phone revoked, which
//! erases the club's records the next time it reaches the server, and a member who leaves.

use super::*;

/// The row of `name` in a `members` or `devices` table.
fn row<'a>(table: &'a str, name: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no row {name:?} in\n{table}"))
}

#[test]
fn a_coordinator_runs_members_and_devices_from_the_cli_and_a_revoked_phone_erases_the_club() {
    let club = Club::start();
    let base = club.dir.path();

    // 1. An invite for a new volunteer under 16: code, link and QR code.
    let made = club.kim.ok(&[
        "invite",
        "--role",
        "volunteer",
        "--name",
        "Jo Park",
        "--under-16",
    ]);
    assert!(made.contains("Jo Park (volunteer, under 16)"), "{made}");
    let code = common::printed_code(&made);
    assert!(
        made.contains(&format!("/app/#join={code}")),
        "the link for a phone: {made}"
    );
    assert!(
        made.contains('█') || made.contains('▀'),
        "a QR code of the link: {made}"
    );
    let jo = Device::new(base, "jo");
    jo.join(&club.proxy, &code);
    let members = club.kim.ok(&["members"]);
    assert!(
        row(&members, "Jo Park").contains(" no "),
        "under 16: {members}"
    );

    // 2. Jo turns 16; Lee becomes an observer.
    let out = club.kim.ok(&["members", "adult", "jo"]);
    assert!(out.contains("16 or over"), "{out}");
    let out = club
        .kim
        .ok(&["members", "role", "Volunteer Lee", "observer"]);
    assert!(out.contains("now observer"), "{out}");
    let members = club.kim.ok(&["members"]);
    assert!(row(&members, "Jo Park").contains(" yes "), "{members}");
    assert!(
        row(&members, "Volunteer Lee").contains("observer"),
        "{members}"
    );
    let refused = club.kim.run(&["members", "role", "Volunteer", "observer"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("matches 2"),
        "{stderr}"
    );

    // 3. A laptop for Kim herself: the same member, with two devices.
    let made = club.kim.ok(&["invite", "--device-for", "Coordinator Kim"]);
    assert!(made.contains("another device of Coordinator Kim"), "{made}");
    let laptop = Device::new(base, "kim-laptop");
    laptop.join(&club.proxy, &common::printed_code(&made));
    let members = club.kim.ok(&["members"]);
    let kim_row = row(&members, "Coordinator Kim");
    assert!(
        kim_row.contains("coordinator") && kim_row.contains(" 2 "),
        "{members}"
    );
    assert_eq!(members.matches("Coordinator Kim").count(), 1, "{members}");

    // 4. Park's phone is lost: revoked from the laptop. At its next contact it erases the club.
    park_records_a_donation(&club);
    let devices = laptop.ok(&["devices"]);
    assert!(
        row(&devices, "park").contains("Volunteer Park"),
        "{devices}"
    );
    let out = laptop.ok(&["revoke", "park"]);
    assert!(out.contains("Revoked park of Volunteer Park"), "{out}");
    let before = DeviceHome::open(&club.park.home).expect("opens");
    let club_id = before.membership(None).expect("Park's membership").club_id;
    let held = before.documents_of(&club_id).expect("read").len();
    assert!(held >= 2, "Park's phone holds the club's documents before");
    drop(before);
    let refused = club.park.run(&["sync"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("revoked"),
        "{stderr}"
    );
    let after = DeviceHome::open(&club.park.home).expect("opens");
    assert!(
        after.load::<StreetCollection>(&club.collection_id).is_err(),
        "the collection is erased from the revoked phone"
    );
    assert!(
        after.documents_of(&club_id).expect("read").is_empty(),
        "nothing of the club is left"
    );
    let store_bytes = std::fs::read_dir(&club.park.home)
        .expect("dir")
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .flatten()
        .collect::<Vec<u8>>();
    assert!(
        !store_bytes
            .windows(b"High Street, Saturday".len())
            .any(|w| w == b"High Street, Saturday"),
        "the collection's title is not readable in the device directory's files"
    );

    // 5. Jo leaves the club: their phone is revoked, they stay listed as former.
    let out = club.kim.ok(&["members", "leave", "Jo Park"]);
    assert!(out.contains("1 device(s) revoked"), "{out}");
    let members = club.kim.ok(&["members"]);
    assert!(row(&members, "Jo Park").contains("former"), "{members}");
    let refused = jo.run(&["sync"]);
    assert!(!refused.status.success());

    // 6. Kim cannot revoke the device she types on.
    let refused = club.kim.run(&["revoke", "kim"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("is this device"),
        "{stderr}"
    );
}

/// Park records a donation on the phone (synced), so the phone holds club records.
fn park_records_a_donation(club: &Club) {
    club.park.ok(&[
        "collection",
        "donate",
        &club.collection,
        "5.00",
        "--source",
        "card",
    ]);
    club.park.ok(&["sync"]);
}
