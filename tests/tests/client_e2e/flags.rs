//! Flags from the CLI (issue 15, item 5): two phones give tin 7 out offline, the coordinator
//! sees the flag, resolves it with a note on her laptop, and after a sync it is gone on a
//! volunteer's device too; the server's `GET /api/flags` agrees. A volunteer's device that
//! forges a resolution is refused by the server.

use super::*;
use clubsync_core::flags::Flag;
use clubsync_core::ids::{CustodyId, ResolutionId};
use clubsync_core::resolution::{NewResolution, Resolvable, Resolved};

/// `GET /api/flags` with `device`'s token: (status, body).
fn flags_api(club: &Club, device: &Device) -> (u16, serde_json::Value) {
    let db = rusqlite::Connection::open(device.home.join("device.sqlite")).expect("opens");
    let token: String = db
        .query_row("SELECT token FROM memberships", [], |r| r.get(0))
        .expect("one club joined");
    let server = club.server.as_ref().expect("running");
    let bearer = format!("Bearer {token}");
    common::http(
        server.addr,
        "GET",
        "/api/flags",
        &[("authorization", &bearer)],
        "",
    )
}

#[test]
fn a_flag_resolved_on_the_coordinators_laptop_is_gone_on_every_device() {
    let club = Club::start();
    // Offline, Lee and Park each take tin 7.
    club.lee.ok(&[
        "collection",
        "issue-tin",
        &club.collection,
        "7",
        "--seal",
        "A-1",
    ]);
    club.park.ok(&[
        "collection",
        "issue-tin",
        &club.collection,
        "7",
        "--seal",
        "A-2",
    ]);
    for device in [&club.lee, &club.park, &club.kim, &club.lee] {
        device.ok(&["sync"]);
    }

    let listed = club.kim.ok(&["flags"]);
    assert!(
        listed.contains(
            "1. High Street, Saturday (street collection): tin 7 is issued to 2 collectors at once"
        ),
        "{listed}"
    );
    let show = club.kim.ok(&["collection", "show", &club.collection]);
    assert!(
        show.contains("Flags (for a coordinator to resolve: clubsync flags):")
            && show.contains("tin 7 is issued to 2 collectors at once"),
        "{show}"
    );
    let (status, body) = flags_api(&club, &club.park);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["open"][0]["kind"], "tin_issued_twice", "{body}");
    assert_eq!(body["open"][0]["tin"], 7, "{body}");

    // A volunteer is told it is for coordinators, and nothing is written.
    let refused = club.lee.run(&["flags", "resolve", "1", "--note", "fine"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("only coordinators"));

    // A volunteer's device that writes one anyway (a stolen phone, another program) is refused
    // by the server, which never stores or relays it.
    {
        let mut home = DeviceHome::open(&club.lee.home).expect("opens");
        let membership = home.membership(None).expect("a club");
        let custody: Vec<CustodyId> = club
            .lee
            .collection(&club.collection_id)
            .custody_log()
            .expect("custody")
            .into_iter()
            .filter(|c| c.tin.0 == 7)
            .map(|c| c.id)
            .collect();
        let flag = Flag::TinIssuedTwice {
            tin: clubsync_core::ids::TinNumber(7),
            custody,
        };
        let at = clubsync_client::now();
        home.write(&club.collection_id, |c: &mut StreetCollection| {
            Ok(c.resolve_flag(&NewResolution {
                id: ResolutionId::new_v7(at),
                flag: &flag,
                how: Resolved::Explained,
                note: "nothing to see",
                by: membership.member()?,
                device: &membership.device_id,
                at,
            })?)
        })
        .expect("written on the device");
    }
    let out = club.lee.run(&["sync"]);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(said.contains("not_a_coordinator"), "{said}");
    assert!(
        on_server(&club.data_dir(), &club.collection_id)
            .resolutions()
            .expect("readable")
            .is_empty(),
        "the forged resolution never reached the server's store"
    );

    // Kim resolves it on her laptop, offline first, then syncs.
    let done = club.kim.ok(&[
        "flags",
        "resolve",
        "1",
        "--note",
        "Lee handed tin 7 to Park at 11:00",
    ]);
    assert!(done.contains("Resolved on this device"), "{done}");
    assert!(club.kim.ok(&["flags"]).contains("No open flags"));
    club.kim.ok(&["sync"]);
    club.park.ok(&["sync"]);
    let park = club.park.ok(&["flags", "--resolved"]);
    assert!(park.contains("No open flags"), "{park}");
    assert!(
        park.contains("tin issued twice explained by Coordinator Kim")
            && park.contains("Lee handed tin 7 to Park at 11:00"),
        "{park}"
    );
    let show = club.park.ok(&["collection", "show", &club.collection]);
    assert!(show.contains("Flags: none (1 resolved"), "{show}");
    let (_, body) = flags_api(&club, &club.park);
    assert_eq!(body["open"], serde_json::json!([]), "{body}");
    assert_eq!(body["resolved"][0]["by"], "Coordinator Kim", "{body}");
}
