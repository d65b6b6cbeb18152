//! A device swaps its token for a new one when it is a week old (issue 14): the sync goes on
//! with the new token, the old one (a copy taken off the phone, say) stops working, and a device
//! whose token is not due keeps it.

use super::*;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn token_of(device: &Device) -> String {
    let db = rusqlite::Connection::open(device.home.join("device.sqlite")).expect("opens");
    db.query_row("SELECT token FROM memberships", [], |r| r.get(0))
        .expect("one club joined")
}

/// Makes the device's token `days` old: the week the server gave it is over.
fn age_token(device: &Device, days: i64) {
    let db = rusqlite::Connection::open(device.home.join("device.sqlite")).expect("opens");
    let then = clubsync_client::now().millis() - days * DAY_MS;
    let changed = db
        .execute(
            "UPDATE token_state SET saved_at = ?1, rotate_after = ?2",
            [then, then + 7 * DAY_MS],
        )
        .expect("updates");
    assert_eq!(changed, 1, "the join recorded the token's age");
}

/// The status of `POST /api/device/token` with `token`, straight to the server.
fn swap_status(club: &Club, token: &str) -> u16 {
    let server = club.server.as_ref().expect("running");
    let bearer = format!("Bearer {token}");
    common::http(
        server.addr,
        "POST",
        "/api/device/token",
        &[("authorization", &bearer)],
        "",
    )
    .0
}

#[test]
fn a_week_old_token_is_swapped_at_sync_and_the_old_one_stops_working() {
    let club = Club::start();
    let fresh = token_of(&club.park);
    let old = token_of(&club.lee);

    age_token(&club.lee, 8);
    club.lee.ok(&["sync"]);
    let new = token_of(&club.lee);
    assert_ne!(new, old, "the week-old token was swapped");
    assert!(new.starts_with("cst_"));
    // The sync used the new token, so the old one is dead: a copy of it is worth nothing.
    assert_eq!(swap_status(&club, &old), 401, "the old token is refused");

    // The new token keeps syncing, and is not swapped again until it is due.
    club.lee
        .ok(&["collection", "donate", &club.collection, "5.00"]);
    club.lee.ok(&["sync"]);
    assert_eq!(token_of(&club.lee), new);
    club.kim.ok(&["sync"]);
    let (count, _, total) = tally(&club.kim.collection(&club.collection_id));
    assert_eq!((count, total), (1, 500), "Lee's donation arrived");

    // Park's token is a day old: kept.
    club.park.ok(&["sync"]);
    assert_eq!(token_of(&club.park), fresh);
}
