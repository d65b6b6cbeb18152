//! The coordinators' admin API end to end: the real binary, plain HTTP on loopback, devices
//! syncing over real websockets.

use clubsync_testkit::harness as common;

use std::time::{Duration, Instant};

use automerge::Automerge;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::{MemberId, SignatureId};
use clubsync_core::petition::{NewPetition, NewSignature, Petition, SignatureSource};
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;
use common::records::{new_collection, record_donation};
use common::{LIMIT, QUIET, ServerProcess, admin, connect, http, http_text, printed_code};
use serde_json::{Value, json};

/// `Authorization` header of a token.
fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A JSON request with a token.
fn call(
    server: &ServerProcess,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let auth = bearer(token);
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    http(
        server.addr,
        method,
        path,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        &body,
    )
}

/// The id of the first device in a device list whose name is `name`.
fn device_named(devices: &Value, name: &str) -> String {
    devices
        .as_array()
        .expect("a list")
        .iter()
        .find(|d| d["name"] == name)
        .and_then(|d| d["id"].as_str())
        .unwrap_or_else(|| panic!("no device {name:?} in {devices}"))
        .to_owned()
}

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

/// A petition with one signature that gave an email and a phone number.
fn petition_with_a_signature() -> Automerge {
    let at = Timestamp(1_764_000_000_000);
    let mut petition = Petition::create(
        None,
        &NewPetition {
            club: DocumentId::random(),
            title: "Free the journalists".into(),
            text: "We call for the release of every jailed journalist.".into(),
            deadline: None,
            retain_until: None,
        },
        at,
    )
    .expect("a valid petition");
    petition
        .sign(&NewSignature {
            id: SignatureId::new_v7(at),
            name: "Asha Khan".into(),
            postcode: Some("LS1 1AA".into()),
            town: None,
            email: Some("asha@example.org".into()),
            phone: Some("+44 7700 900123".into()),
            at,
            collector: MemberId::new_v7(at),
            event: None,
            source: SignatureSource::Device,
            comment: None,
        })
        .expect("a valid signature");
    petition.automerge().clone()
}

#[tokio::test]
async fn reports_are_exported_as_csv_from_what_devices_synced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let kim = server.token_for("Coordinator Kim");
    let lee = server.token_for("Volunteer Lee");

    // 1. Lee's phone syncs a street collection with two card donations, and a petition.
    let collection = DocumentId::random();
    let petition = DocumentId::random();
    let mut doc = new_collection("High Street Saturday");
    record_donation(&mut doc, 500);
    record_donation(&mut doc, 1000);
    let mut phone = connect(&server.ws_url(Some(&lee)))
        .await
        .expect("Lee connects");
    phone.docs.insert(collection, doc);
    phone.docs.insert(petition, petition_with_a_signature());
    phone.sync(QUIET, LIMIT).await;
    assert_eq!(phone.seen.closed, None);

    // 2. Kim's document list names both, with the reports each makes.
    let (status, documents) = call(&server, &kim, "GET", "/api/club/documents", None);
    assert_eq!(status, 200, "{documents}");
    let listed = |id: DocumentId| {
        documents
            .as_array()
            .and_then(|all| all.iter().find(|d| d["id"] == id.to_string()))
            .cloned()
            .unwrap_or_else(|| panic!("{id} is not listed in {documents}"))
    };
    assert_eq!(listed(collection)["kind"], "street_collection");
    assert_eq!(
        listed(petition)["reports"],
        json!([format!(
            "/api/club/reports/petition-delivery.csv?document={petition}"
        )])
    );

    // 3. The reconciliation and the totals hold the donations, as a CSV download.
    let csv = |report: &str, document: DocumentId| {
        let path = format!("/api/club/reports/{report}.csv?document={document}");
        http_text(
            server.addr,
            "GET",
            &path,
            &[("authorization", &bearer(&kim))],
        )
    };
    let (status, headers, body) = csv("reconciliation", collection);
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"reconciliation-high-street-saturday.csv\""
    );
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "figure,amount,currency,check");
    assert!(
        lines.contains(&"donations_outside_tins,15.00,GBP,"),
        "{body}"
    );
    assert!(lines.contains(&"counted,0.00,GBP,"), "{body}");
    let (status, _, body) = csv("totals", collection);
    assert_eq!(status, 200, "{body}");
    assert!(
        body.lines()
            .any(|l| l == "event,High Street Saturday,0.00,15.00,15.00,GBP"),
        "{body}"
    );
    let (status, headers, body) = http_text(
        server.addr,
        "GET",
        "/api/club/reports/totals.csv",
        &[("authorization", &bearer(&kim))],
    );
    assert_eq!(status, 200, "totals of every collection: {body}");
    assert!(headers["content-disposition"].contains("totals-high-street-saturday.csv"));
    assert!(
        body.contains("event,High Street Saturday,0.00,15.00,15.00,GBP"),
        "{body}"
    );
    let (status, _, body) = csv("tin-count-sheet", collection);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.lines().count(), 2, "a header and a total: {body}");
    assert!(body.lines().any(|l| l.starts_with("TOTAL,")), "{body}");

    // 4. The petition delivery list has names, postcodes and dates: never email or phone.
    let (status, headers, body) = csv("petition-delivery", petition);
    assert_eq!(status, 200, "{body}");
    assert!(headers["content-disposition"].contains(&format!("petition-delivery-{petition}.csv")));
    assert_eq!(
        body.lines().collect::<Vec<_>>(),
        ["name,postcode_or_town,date", "Asha Khan,LS1 1AA,2025-11-24"]
    );
    assert!(!body.contains("asha@example.org") && !body.contains("7700"));
    assert!(!body.contains("email") && !body.contains("phone"));

    // 5. Wrong requests are named.
    let (status, _, body) = csv("petition-delivery", collection);
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("wrong_document_kind"), "{body}");
    let (status, _, body) = csv("payslips", collection);
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("reconciliation.csv"), "{body}");
    let (status, body) = call(
        &server,
        &kim,
        "GET",
        "/api/club/reports/reconciliation.csv",
        None,
    );
    assert_eq!((status, &body["error"]), (400, &json!("missing_document")));
    let (status, body) = call(
        &server,
        &kim,
        "GET",
        "/api/club/reports/reconciliation.csv?document=not-an-id",
        None,
    );
    assert_eq!((status, &body["error"]), (400, &json!("bad_id")));
    let (status, _) = call(
        &server,
        &lee,
        "GET",
        &format!("/api/club/reports/reconciliation.csv?document={collection}"),
        None,
    );
    assert_eq!(status, 403);
}
