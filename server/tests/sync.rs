//! The server end to end: the real binary, real websockets on loopback, real SQLite files.

use clubsync_testkit::harness as common;

use std::time::{Duration, Instant};

use clubsync_protocol::DocumentId;
use common::records::{donations, new_collection, record_donation};
use common::{LIMIT, QUIET, ServerProcess, admin, connect};

#[tokio::test]
async fn two_devices_of_one_club_converge() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let lee = server.joined("Volunteer Lee");
    let park = server.joined("Volunteer Park");

    // 1. Lee records two donations in a new street collection and syncs.
    let collection = DocumentId::random();
    let mut phone_a = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("Lee connects");
    let mut doc = new_collection(&lee, "High Street, Saturday");
    record_donation(&mut doc, &lee, 500);
    record_donation(&mut doc, &lee, 1000);
    phone_a.docs.insert(collection, doc);
    phone_a.sync(QUIET, LIMIT).await;
    assert_eq!(phone_a.seen.closed, None);

    // 2. Park asks for the document and gets both donations.
    let mut phone_b = connect(&server.ws_url(Some(&park.token)))
        .await
        .expect("Park connects");
    phone_b.want(collection);
    phone_b.sync(QUIET, LIMIT).await;
    assert_eq!(donations(&phone_b.docs[&collection]), (2, 1500));

    // 3. Park records one more; Lee, still connected, receives it by relay.
    record_donation(phone_b.docs.get_mut(&collection).expect("held"), &park, 200);
    phone_b.sync(QUIET, LIMIT).await;
    phone_a.sync(QUIET, LIMIT).await;
    assert_eq!(donations(&phone_a.docs[&collection]), (3, 1700));
}

#[tokio::test]
async fn a_device_without_a_valid_token_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);

    let err = connect(&server.ws_url(None)).await.err().expect("refused");
    assert!(
        err.starts_with("401") && err.contains("no device token"),
        "{err}"
    );

    let err = connect(&server.ws_url(Some("cst_not-a-real-token")))
        .await
        .err()
        .expect("refused");
    assert!(err.starts_with("401"), "{err}");
}

#[tokio::test]
async fn invites_are_one_time_and_unknown_codes_are_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let code = server.invites["Volunteer Lee"].clone();
    let (status, _) = server.join(&code, "Lee's phone");
    assert_eq!(status, 200);
    let (status, body) = server.join(&code, "Lee's second phone");
    assert_eq!(status, 410, "{body}");
    assert_eq!(body["error"], "invite_used");
    let (status, body) = server.join("NOPE-NOPE-NO", "a phone");
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("like K7QM-X2PA-9F")),
        "{body}"
    );
    let (status, body) = server.join("K7QM-X2PA-9F", "a phone");
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"], "invite_not_found");
}

#[tokio::test]
async fn a_revoked_device_is_cut_off_within_a_second_and_refused_after() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let (status, joined) = server.join(&server.invites["Volunteer Lee"], "Lee's phone");
    assert_eq!(status, 200);
    let token = joined["token"].as_str().expect("token").to_owned();
    let device = joined["device_id"].as_str().expect("device id").to_owned();

    let mut phone = connect(&server.ws_url(Some(&token)))
        .await
        .expect("connects");
    phone.want(DocumentId::random());
    phone.sync(QUIET, Duration::from_secs(1)).await;
    assert_eq!(phone.seen.closed, None);

    // A coordinator revokes the phone from the command line while it is connected.
    let (ok, out) = admin(dir.path(), &["revoke", &device]);
    assert!(ok, "{out}");
    let started = Instant::now();
    phone
        .sync(Duration::from_secs(3), Duration::from_secs(3))
        .await;
    let closed = phone
        .seen
        .closed
        .clone()
        .expect("the connection was closed");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        started.elapsed()
    );
    assert!(closed.contains("revoked"), "{closed}");

    let err = connect(&server.ws_url(Some(&token)))
        .await
        .err()
        .expect("refused");
    assert!(err.starts_with("401") && err.contains("revoked"), "{err}");
}

#[tokio::test]
async fn a_restart_keeps_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let collection = DocumentId::random();
    let token = {
        let server = ServerProcess::start(dir.path(), &[]);
        let lee = server.joined("Volunteer Lee");
        let token = lee.token.clone();
        let mut phone = connect(&server.ws_url(Some(&token)))
            .await
            .expect("connects");
        let mut doc = new_collection(&lee, "Concert");
        for i in 0..20 {
            record_donation(&mut doc, &lee, 100 + i);
        }
        phone.docs.insert(collection, doc);
        phone.sync(QUIET, LIMIT).await;
        let status = server.terminate();
        assert!(status.success(), "graceful shutdown exits 0: {status}");
        token
    };
    let server = ServerProcess::start(dir.path(), &[]);
    let mut laptop = connect(&server.ws_url(Some(&token)))
        .await
        .expect("reconnects");
    laptop.want(collection);
    laptop.sync(QUIET, LIMIT).await;
    assert_eq!(donations(&laptop.docs[&collection]), (20, (100..120).sum()));
}

#[tokio::test]
async fn tls_with_a_self_signed_certificate_works_end_to_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &["--self-signed"]);
    assert_eq!(server.scheme, "https");
    let cert = dir.path().join("self-signed-cert.pem");

    // 1. A device that pins the certificate joins and syncs a collection over wss://.
    let (status, joined) =
        common::tls::join(server.addr, &cert, &server.invites["Volunteer Lee"]).await;
    assert_eq!(status, 200, "{joined}");
    let lee = common::records::Joined::from_answer(&joined);
    let token = &lee.token;
    let url = format!("wss://localhost:{}/sync?token={token}", server.addr.port());
    let stream = common::tls::connect(server.addr, &cert)
        .await
        .expect("TLS handshake");
    let mut phone = common::connect_on(stream, &url)
        .await
        .expect("websocket over TLS");
    let collection = DocumentId::random();
    let mut doc = new_collection(&lee, "Over TLS");
    record_donation(&mut doc, &lee, 250);
    phone.docs.insert(collection, doc);
    phone.sync(QUIET, LIMIT).await;
    assert_eq!(phone.seen.closed, None);

    // 2. A second device reads it back over TLS.
    let stream = common::tls::connect(server.addr, &cert)
        .await
        .expect("TLS handshake");
    let mut laptop = common::connect_on(stream, &url)
        .await
        .expect("websocket over TLS");
    laptop.want(collection);
    laptop.sync(QUIET, LIMIT).await;
    assert_eq!(donations(&laptop.docs[&collection]), (1, 250));

    // 3. Plain HTTP to the TLS port gets nothing.
    let plain = connect(&format!("ws://{}/sync?token={token}", server.addr)).await;
    assert!(plain.is_err());
}

#[tokio::test]
async fn a_self_signed_certificate_is_kept_across_restarts_so_pinned_devices_keep_working() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cert = dir.path().join("self-signed-cert.pem");
    let fingerprint = |server: &ServerProcess| {
        server
            .banner
            .iter()
            .find_map(|l| {
                l.trim_start()
                    .strip_prefix("SHA-256:")
                    .map(|f| f.trim().to_owned())
            })
            .expect("the server prints the certificate's fingerprint")
    };
    let server = ServerProcess::start(dir.path(), &["--self-signed"]);
    let first = fingerprint(&server);
    assert_eq!(first.len(), 32 * 3 - 1, "{first}");
    // A device pins the certificate as it was at the first start.
    let pinned = dir.path().join("pinned.pem");
    std::fs::copy(&cert, &pinned).expect("pinned");
    let (status, joined) =
        common::tls::join(server.addr, &pinned, &server.invites["Volunteer Lee"]).await;
    assert_eq!(status, 200, "{joined}");
    let lee = common::records::Joined::from_answer(&joined);
    drop(server);

    let server = ServerProcess::start(dir.path(), &["--self-signed"]);
    assert_eq!(
        fingerprint(&server),
        first,
        "the same certificate after a restart"
    );
    let url = format!(
        "wss://localhost:{}/sync?token={}",
        server.addr.port(),
        lee.token
    );
    let stream = common::tls::connect(server.addr, &pinned)
        .await
        .expect("the pinned certificate still verifies");
    let mut phone = common::connect_on(stream, &url)
        .await
        .expect("websocket over TLS");
    let collection = DocumentId::random();
    let mut doc = new_collection(&lee, "After a restart");
    record_donation(&mut doc, &lee, 250);
    phone.docs.insert(collection, doc);
    phone.sync(QUIET, LIMIT).await;
    assert!(phone.all_saved_on_server(collection));
    // Over TLS every answer carries HSTS.
    let mut stream = common::tls::connect(server.addr, &pinned)
        .await
        .expect("TLS handshake");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).to_lowercase();
    assert!(
        answer.contains("strict-transport-security: max-age=31536000"),
        "{answer}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = dir.path().join("self-signed-key.pem");
        let mode = std::fs::metadata(&key)
            .expect("the key is kept")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the key is private");
    }
}

#[test]
fn plain_http_on_a_public_address_is_refused_unless_insecure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = std::process::Command::new(common::server_bin())
        .args(["--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing plain HTTP") && err.contains("--self-signed"),
        "{err}"
    );
}
