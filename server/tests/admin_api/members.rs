//! A coordinator runs the club's members from the API: a second device for a member, roles,
//! "now 16", a member who leaves (devices revoked, live sockets cut, kept as former), the club's
//! time zone; and each change reaches the club document that every device syncs.

use clubsync_core::club::{Club, Role};

use super::*;

/// The id of the member named `name` in a member list.
fn member_named(members: &Value, name: &str) -> String {
    members
        .as_array()
        .and_then(|all| all.iter().find(|m| m["display_name"] == name))
        .and_then(|m| m["id"].as_str())
        .unwrap_or_else(|| panic!("no member {name:?} in {members}"))
        .to_owned()
}

#[tokio::test]
async fn a_coordinator_adds_a_laptop_changes_roles_and_a_member_leaves() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let kim = server.joined("Coordinator Kim");
    let lee = server.joined("Volunteer Lee");
    let (_, members) = call(&server, &kim.token, "GET", "/api/club/members", None);
    let kim_id = member_named(&members, "Coordinator Kim");
    let lee_id = member_named(&members, "Volunteer Lee");
    assert_eq!(
        (kim_id.clone(), lee_id.clone()),
        (kim.member.to_string(), lee.member.to_string())
    );

    // 1. A laptop for Kim herself: the same member, not a second Kim.
    let (status, invite) = call(
        &server,
        &kim.token,
        "POST",
        "/api/club/invites",
        Some(json!({ "member_id": kim_id })),
    );
    assert_eq!(status, 201, "{invite}");
    assert_eq!(invite["member_id"], json!(kim_id));
    assert_eq!(invite["role"], "coordinator");
    let (status, laptop) = server.join(invite["code"].as_str().expect("a code"), "Kim's laptop");
    assert_eq!(status, 200, "{laptop}");
    assert_eq!(laptop["member_id"], json!(kim_id));
    let (_, members) = call(&server, &kim.token, "GET", "/api/club/members", None);
    let kims: Vec<_> = members
        .as_array()
        .expect("a list")
        .iter()
        .filter(|m| m["display_name"] == "Coordinator Kim")
        .collect();
    assert_eq!(kims.len(), 1, "{members}");
    assert_eq!(kims[0]["active_devices"], 2);
    // A device invite takes the member alone.
    let (status, body) = call(
        &server,
        &kim.token,
        "POST",
        "/api/club/invites",
        Some(json!({ "member_id": kim_id, "role": "observer" })),
    );
    assert_eq!(
        (status, &body["error"]),
        (422, &json!("bad_body")),
        "{body}"
    );

    // 2. Lee, syncing, becomes a coordinator: his open socket is cut so he reconnects with it.
    let mut phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("Lee connects");
    phone.want(lee.club_document);
    phone.sync(QUIET, LIMIT).await;
    let (status, changed) = call(
        &server,
        &kim.token,
        "PATCH",
        &format!("/api/club/members/{lee_id}"),
        Some(json!({ "role": "coordinator", "age16plus": true })),
    );
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["role"], "coordinator");
    phone.sync(QUIET, LIMIT).await;
    let closed = phone.seen.closed.clone().unwrap_or_default();
    assert!(closed.contains("role in the club changed"), "{closed:?}");
    let (status, _) = call(&server, &lee.token, "GET", "/api/club/devices", None);
    assert_eq!(status, 200, "Lee's token opens the coordinators' API now");
    let (status, body) = call(
        &server,
        &kim.token,
        "PATCH",
        &format!("/api/club/members/{lee_id}"),
        Some(json!({ "role": "treasurer" })),
    );
    assert_eq!(
        (status, &body["error"]),
        (422, &json!("bad_role")),
        "{body}"
    );

    // 3. The club's clock.
    let (status, body) = call(
        &server,
        &kim.token,
        "PATCH",
        "/api/club",
        Some(json!({ "time_zone": "Mars/Olympus" })),
    );
    assert_eq!(
        (status, &body["error"]),
        (422, &json!("bad_time_zone")),
        "{body}"
    );
    let (status, _) = call(
        &server,
        &kim.token,
        "PATCH",
        "/api/club",
        Some(json!({ "time_zone": "Asia/Seoul" })),
    );
    assert_eq!(status, 200);

    // 4. Kim leaves; Lee stays the coordinator, so the club keeps one. Lee cannot leave then.
    let mut laptop_socket = connect(&server.ws_url(laptop["token"].as_str()))
        .await
        .expect("Kim's laptop connects");
    laptop_socket.want(kim.club_document);
    laptop_socket.sync(QUIET, LIMIT).await;
    let (status, left) = call(
        &server,
        &lee.token,
        "POST",
        &format!("/api/club/members/{kim_id}/leave"),
        None,
    );
    assert_eq!(status, 200, "{left}");
    assert_eq!(
        left["revoked_devices"].as_array().map(Vec::len),
        Some(2),
        "{left}"
    );
    assert!(left["member"]["left_at"].is_string(), "{left}");
    laptop_socket.sync(QUIET, LIMIT).await;
    assert!(
        laptop_socket.seen.closed.is_some(),
        "the laptop's socket is cut at once"
    );
    let (status, body) = call(&server, &kim.token, "GET", "/api/club", None);
    assert_eq!((status, &body["error"]), (401, &json!("revoked")), "{body}");
    let (status, body) = call(
        &server,
        &lee.token,
        "POST",
        &format!("/api/club/members/{lee_id}/leave"),
        None,
    );
    assert_eq!(
        (status, &body["error"]),
        (409, &json!("last_coordinator")),
        "{body}"
    );
    let (status, body) = call(
        &server,
        &lee.token,
        "PATCH",
        &format!("/api/club/members/{kim_id}"),
        Some(json!({ "role": "volunteer" })),
    );
    assert_eq!(
        (status, &body["error"]),
        (409, &json!("member_left")),
        "{body}"
    );

    // 5. The club document says all of it, for every device.
    let mut reader = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("Lee reconnects");
    reader.want(lee.club_document);
    let deadline = Instant::now() + LIMIT;
    let club = loop {
        reader.sync(QUIET, Duration::from_secs(2)).await;
        let club =
            Club::from_automerge(reader.docs[&lee.club_document].clone()).expect("a club document");
        let (lee_member, kim_member) = (lee.member, kim.member);
        let done = club
            .member(lee_member)
            .ok()
            .flatten()
            .is_some_and(|m| m.role == Role::Coordinator)
            && club.left_at(kim_member).ok().flatten().is_some()
            && club.time_zone().name() == "Asia/Seoul";
        if done || Instant::now() > deadline {
            break club;
        }
    };
    let (lee_member, kim_member) = (lee.member, kim.member);
    assert_eq!(
        club.member(lee_member).expect("read").map(|m| m.role),
        Some(Role::Coordinator)
    );
    assert!(
        club.left_at(kim_member).expect("read").is_some(),
        "Kim is former"
    );
    assert!(
        club.member(kim_member).expect("read").is_some(),
        "and still listed"
    );
    assert_eq!(club.time_zone().name(), "Asia/Seoul");
}
