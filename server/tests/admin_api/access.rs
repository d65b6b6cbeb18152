//! Who opens the coordinators' API, and what a coordinator does with devices and invites.

use super::*;

/// The invite code printed by `clubsync-server invite`.
#[tokio::test]
async fn only_a_coordinators_valid_token_opens_the_admin_api() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);

    // 1. No token, a made-up token: 401 with a JSON reason.
    let (status, body) = http(server.addr, "GET", "/api/club/devices", &[], "");
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "no_token");
    let (status, body) = call(&server, "cst_not-a-token", "GET", "/api/club/devices", None);
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "unauthorized");

    // 2. A volunteer and an observer: 403, saying which role is needed.
    for person in ["Volunteer Lee", "Observer Choi"] {
        let token = server.token_for(person);
        let (status, body) = call(&server, &token, "GET", "/api/club/devices", None);
        assert_eq!(status, 403, "{person}: {body}");
        let message = body["message"].as_str().expect("a message");
        assert!(message.contains("coordinator role"), "{message}");
    }

    // 3. The coordinator sees the club and who is asking.
    let kim = server.token_for("Coordinator Kim");
    let (status, club) = call(&server, &kim, "GET", "/api/club", None);
    assert_eq!(status, 200, "{club}");
    assert_eq!(club["name"], "Demo Club");
    assert_eq!(club["profile"]["currency"], "GBP");
    assert_eq!(club["you"]["role"], "coordinator");
    let (status, members) = call(&server, &kim, "GET", "/api/club/members", None);
    assert_eq!(status, 200, "{members}");
    assert_eq!(members.as_array().map(Vec::len), Some(3), "{members}");

    // 4. Unknown endpoints and methods are JSON errors too.
    let (status, body) = call(&server, &kim, "GET", "/api/club/nothing", None);
    assert_eq!(
        (status, &body["error"]),
        (404, &json!("not_found")),
        "{body}"
    );
    let (status, body) = call(&server, &kim, "PUT", "/api/club/devices", None);
    assert_eq!(status, 405, "{body}");
    assert_eq!(body["error"], "method_not_allowed");
}

#[tokio::test]
async fn a_coordinator_invites_a_device_and_revokes_one_whose_socket_closes_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let kim = server.token_for("Coordinator Kim");
    let lee = server.token_for("Volunteer Lee");

    // 1. Kim lists the devices: her own and Lee's, neither revoked.
    let (status, devices) = call(&server, &kim, "GET", "/api/club/devices", None);
    assert_eq!(status, 200, "{devices}");
    assert_eq!(devices.as_array().map(Vec::len), Some(2), "{devices}");
    let lee_device = device_named(&devices, "Volunteer Lee");
    assert!(
        devices
            .as_array()
            .is_some_and(|d| d.iter().all(|d| d["revoked"] == false)),
        "{devices}"
    );
    let seen = |devices: &Value, name: &str| {
        devices
            .as_array()
            .and_then(|all| all.iter().find(|d| d["name"] == name))
            .map(|d| d["last_seen_at"].clone())
            .unwrap_or(Value::Null)
    };
    // Kim's device authenticated just now; Lee's has not connected yet.
    assert!(seen(&devices, "Coordinator Kim").is_string(), "{devices}");
    assert!(seen(&devices, "Volunteer Lee").is_null(), "{devices}");

    // 2. Kim makes an invite; a new phone redeems it.
    let (status, made) = call(
        &server,
        &kim,
        "POST",
        "/api/club/invites",
        Some(json!({ "role": "volunteer", "name": "Volunteer Yoon", "ttl_hours": 24 })),
    );
    assert_eq!(status, 201, "{made}");
    let code = made["code"].as_str().expect("a code");
    let (status, joined) = server.join(code, "Yoon's phone");
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["role"], "volunteer");
    let (_, invites) = call(&server, &kim, "GET", "/api/club/invites", None);
    let listed = invites
        .as_array()
        .and_then(|all| all.iter().find(|i| i["id"] == made["id"]))
        .expect("the invite is listed");
    assert_eq!(listed["status"], "used");
    assert_eq!(listed["used_by_device"], joined["device_id"]);
    assert_eq!(listed["under_16"], false, "adult unless the invite says so");
    assert!(listed.get("code").is_none(), "codes are never listed");

    // An invite for a member under 16 makes a member who is not 16 or over.
    let (status, young) = call(
        &server,
        &kim,
        "POST",
        "/api/club/invites",
        Some(json!({ "role": "volunteer", "name": "Volunteer Seo", "under_16": true })),
    );
    assert_eq!((status, &young["under_16"]), (201, &json!(true)), "{young}");
    let (status, joined) = server.join(young["code"].as_str().expect("a code"), "Seo's phone");
    assert_eq!(status, 200, "{joined}");
    let (_, members) = call(&server, &kim, "GET", "/api/club/members", None);
    let age = |name: &str| {
        members
            .as_array()
            .and_then(|all| all.iter().find(|m| m["display_name"] == name))
            .map(|m| m["age16plus"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(age("Volunteer Seo"), json!(false), "{members}");
    assert_eq!(age("Volunteer Yoon"), json!(true), "{members}");

    // 3. Bad input is named; an unused invite is withdrawn and its code refused; a used one
    //    cannot be withdrawn.
    let (status, body) = call(
        &server,
        &kim,
        "POST",
        "/api/club/invites",
        Some(json!({ "role": "admin", "name": "X" })),
    );
    assert_eq!(
        (status, &body["error"]),
        (422, &json!("bad_role")),
        "{body}"
    );
    let (status, body) = call(&server, &kim, "POST", "/api/club/invites", Some(json!([1])));
    assert_eq!(
        (status, &body["error"]),
        (422, &json!("bad_body")),
        "{body}"
    );
    let (_, spare) = call(
        &server,
        &kim,
        "POST",
        "/api/club/invites",
        Some(json!({ "role": "observer", "name": "Observer Han" })),
    );
    let spare_path = format!("/api/club/invites/{}", spare["id"].as_str().expect("id"));
    let (status, withdrawn) = call(&server, &kim, "DELETE", &spare_path, None);
    assert_eq!(status, 200, "{withdrawn}");
    assert_eq!(withdrawn["status"], "withdrawn");
    let (status, body) = server.join(spare["code"].as_str().expect("code"), "Han's phone");
    assert_eq!((status, &body["error"]), (410, &json!("invite_withdrawn")));
    let used_path = format!("/api/club/invites/{}", made["id"].as_str().expect("id"));
    let (status, body) = call(&server, &kim, "DELETE", &used_path, None);
    assert_eq!(
        (status, &body["error"]),
        (409, &json!("invite_used")),
        "{body}"
    );

    // 4. Lee's phone is connected when Kim revokes it: the socket closes within a second,
    //    saying why, and the token is refused from then on.
    let mut phone = connect(&server.ws_url(Some(&lee)))
        .await
        .expect("Lee connects");
    phone.want(DocumentId::random());
    phone.sync(QUIET, Duration::from_secs(1)).await;
    assert_eq!(phone.seen.closed, None);
    let (_, devices) = call(&server, &kim, "GET", "/api/club/devices", None);
    assert!(seen(&devices, "Volunteer Lee").is_string(), "{devices}");
    let path = format!("/api/club/devices/{lee_device}/revoke");
    let started = Instant::now();
    let (status, revoked) = call(&server, &kim, "POST", &path, None);
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["device"]["revoked"], true);
    assert_eq!(revoked["closed_connections"], 1);
    phone
        .sync(Duration::from_secs(2), Duration::from_secs(2))
        .await;
    let closed = phone.seen.closed.clone().expect("the socket was closed");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    assert!(closed.contains("revoked"), "{closed}");
    let err = connect(&server.ws_url(Some(&lee))).await.err();
    assert!(err.is_some_and(|e| e.starts_with("401")));
    let (status, body) = call(&server, &lee, "GET", "/api/club", None);
    assert_eq!((status, &body["error"]), (401, &json!("revoked")), "{body}");

    // 5. Revoking again changes nothing and says so.
    let (status, again) = call(&server, &kim, "POST", &path, None);
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["newly_revoked"], false);
    assert_eq!(
        again["device"]["revoked_at"],
        revoked["device"]["revoked_at"]
    );
}

#[tokio::test]
async fn a_coordinator_of_another_club_gets_404_for_the_demo_clubs_ids() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let kim = server.token_for("Coordinator Kim");
    let (ok, out) = admin(
        dir.path(),
        &[
            "club",
            "create",
            "--country",
            "KR",
            "--currency",
            "KRW",
            "Seoul Club",
        ],
    );
    assert!(ok, "{out}");
    let (ok, out) = admin(
        dir.path(),
        &[
            "invite",
            "--club",
            "Seoul Club",
            "--role",
            "coordinator",
            "--name",
            "Coordinator Seo",
        ],
    );
    assert!(ok, "{out}");
    let (status, joined) = server.join(&printed_code(&out), "Seo's laptop");
    assert_eq!(status, 200, "{joined}");
    let seo = joined["token"].as_str().expect("token").to_owned();

    // 1. Seo sees the Seoul club and only its device.
    let (_, club) = call(&server, &seo, "GET", "/api/club", None);
    assert_eq!(club["name"], "Seoul Club");
    let (_, devices) = call(&server, &seo, "GET", "/api/club/devices", None);
    assert_eq!(devices.as_array().map(Vec::len), Some(1), "{devices}");

    // 2. The demo club's device, invite and club document are not found, exactly like ids
    //    that exist nowhere.
    let (_, demo_devices) = call(&server, &kim, "GET", "/api/club/devices", None);
    let kim_device = device_named(&demo_devices, "Coordinator Kim");
    let (_, demo_invites) = call(&server, &kim, "GET", "/api/club/invites", None);
    let demo_invite = demo_invites[0]["id"]
        .as_str()
        .expect("an invite")
        .to_owned();
    let (_, demo_club) = call(&server, &kim, "GET", "/api/club", None);
    let demo_document = demo_club["club_document"].as_str().expect("id").to_owned();
    let nowhere = "00000000-0000-4000-8000-000000000000";
    for (method, theirs, unknown) in [
        (
            "POST",
            format!("/api/club/devices/{kim_device}/revoke"),
            format!("/api/club/devices/{nowhere}/revoke"),
        ),
        (
            "DELETE",
            format!("/api/club/invites/{demo_invite}"),
            format!("/api/club/invites/{nowhere}"),
        ),
        (
            "GET",
            format!("/api/club/reports/totals.csv?document={demo_document}"),
            format!(
                "/api/club/reports/totals.csv?document={}",
                DocumentId::random()
            ),
        ),
    ] {
        let (status, body) = call(&server, &seo, method, &theirs, None);
        assert_eq!(status, 404, "{theirs}: {body}");
        let (unknown_status, unknown_body) = call(&server, &seo, method, &unknown, None);
        assert_eq!(unknown_status, 404, "{unknown}: {unknown_body}");
        assert_eq!(body["error"], unknown_body["error"]);
    }

    // 3. Nothing of the demo club changed.
    let (_, after) = call(&server, &kim, "GET", "/api/club/devices", None);
    assert!(
        after
            .as_array()
            .is_some_and(|d| d.iter().all(|d| d["revoked"] == false))
    );
    let (_, invites) = call(&server, &kim, "GET", "/api/club/invites", None);
    assert_eq!(invites[0]["status"], demo_invites[0]["status"]);
}
