//! Device tokens with a lifetime (`--token-lifetime-days`, issue 14): a join says when the token
//! expires, a swap gives a new one with a new lifetime, and a token past its lifetime is refused
//! with `token_expired`, for syncing and for swapping alike, while other devices go on.

use clubsync_testkit::harness as common;

use common::records::new_collection;
use common::{LIMIT, QUIET, ServerProcess, connect, http};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn now_ms() -> i64 {
    clubsync_core::timestamp::Timestamp::from_millis(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default(),
    )
    .millis()
}

fn swap(server: &ServerProcess, token: &str) -> (u16, serde_json::Value) {
    let bearer = format!("Bearer {token}");
    http(
        server.addr,
        "POST",
        "/api/device/token",
        &[("authorization", &bearer)],
        "",
    )
}

#[tokio::test]
async fn a_token_past_its_lifetime_is_refused_and_a_swapped_one_lives_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &["--token-lifetime-days", "30"]);
    let (status, joined) = server.join(&server.invites["Volunteer Lee"], "Lee's phone");
    assert_eq!(status, 200, "{joined}");
    let expires = joined["token_expires_at"]
        .as_i64()
        .expect("the join says when");
    assert!(
        (expires - (now_ms() + 30 * DAY_MS)).abs() < 60_000,
        "{joined}"
    );
    let lee = common::records::Joined::from_answer(&joined);
    let park = server.joined("Volunteer Park");

    // Park swaps in time: the new token says when it expires and syncs.
    let (status, swapped) = swap(&server, &park.token);
    assert_eq!(status, 200, "{swapped}");
    let new_token = swapped["token"].as_str().expect("a token").to_owned();
    assert!(swapped["expires_at"].as_i64().is_some());
    let mut phone = connect(&server.ws_url(Some(&new_token)))
        .await
        .expect("the new token syncs");
    let collection = clubsync_protocol::DocumentId::random();
    phone
        .docs
        .insert(collection, new_collection(&park, "Station"));
    phone.sync(QUIET, LIMIT).await;
    assert!(phone.all_saved_on_server(collection));

    // Lee's token is made 31 days old: refused, saying why, for syncing and for swapping.
    let db = rusqlite::Connection::open(dir.path().join("server.sqlite")).expect("opens");
    db.execute(
        "UPDATE devices SET token_issued_at = ?1 WHERE id = ?2",
        rusqlite::params![now_ms() - 31 * DAY_MS, lee.device],
    )
    .expect("ages the token");
    let refused = connect(&server.ws_url(Some(&lee.token))).await.err();
    let refused = refused.expect("refused");
    assert!(
        refused.starts_with("401")
            && refused.contains("token_expired")
            && refused.contains("30 days"),
        "{refused}"
    );
    let (status, body) = swap(&server, &lee.token);
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("token_expired")),
        "{body}"
    );

    // Park's device is not held up by any of it.
    phone.sync(QUIET, LIMIT).await;
    assert_eq!(phone.seen.closed, None);
}
