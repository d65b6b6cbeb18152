//! The server's connections hold against clients that hold them (issue 14): sockets that
//! trickle half a request are closed after the header timeout, connections past the server's
//! limit are answered 503 at once, a phone that vanished (it never answers a ping) is closed,
//! and one device's connections racing through the upgrade cannot pass its cap. Meanwhile a
//! real device still gets in and syncs.

use clubsync_testkit::harness as common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use clubsync_protocol::DocumentId;
use common::records::{donations, new_collection, record_donation};
use common::{LIMIT, QUIET, ServerProcess, connect, http_text};

/// A metric's value in the server's `/metrics`.
fn metric(server: &ServerProcess, line: &str) -> Option<u64> {
    common::metric(server.addr, line)
}

/// Waits, at most `limit`, until `check` holds.
fn eventually(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A socket that sends the first half of a request and then nothing.
fn trickle(server: &ServerProcess) -> TcpStream {
    let mut socket = TcpStream::connect(server.addr).expect("connects");
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: clubsync\r\nx-half: ")
        .expect("writes");
    socket
}

/// True once the server has closed `socket` (a read returns end of stream or an error).
fn closed_by_server(socket: &mut TcpStream) -> bool {
    socket
        .set_read_timeout(Some(Duration::from_millis(10)))
        .expect("timeout");
    let mut buf = [0u8; 512];
    match socket.read(&mut buf) {
        // End of stream; anything the server sent first is read by the next look.
        Ok(n) => n == 0,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

#[tokio::test]
async fn past_the_connection_limit_a_new_connection_is_answered_503_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A header timeout longer than the test: only the limit is at work here.
    let server = ServerProcess::start(
        dir.path(),
        &["--max-connections", "1000", "--header-timeout-secs", "3600"],
    );
    // 5,000 sockets trickle half a request each: the first thousand take every slot, every
    // other one is answered 503 with Retry-After at once, and so is a real request.
    let mut sockets: Vec<TcpStream> = (0..5000).map(|_| trickle(&server)).collect();
    let mut full = TcpStream::connect(server.addr).expect("connects");
    full.write_all(b"GET /healthz HTTP/1.1\r\nhost: clubsync\r\n\r\n")
        .expect("writes");
    let mut answer = String::new();
    let _ = full.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 503") && answer.contains("retry-after: 5"),
        "while every slot is held: {answer:?}"
    );
    // Each 503 is written as its connection is accepted: look without waiting, a few rounds.
    let mut busy = 0;
    for round in 0..20 {
        let mut waiting = Vec::new();
        for mut socket in sockets.drain(..) {
            socket.set_nonblocking(true).expect("non-blocking");
            let mut start = [0u8; 12];
            match socket.read(&mut start) {
                Ok(12) if &start == b"HTTP/1.1 503" => busy += 1,
                _ => waiting.push(socket),
            }
        }
        sockets = waiting;
        if busy >= 4000 || round == 19 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(
        busy, 4000,
        "every socket past the thousandth was answered 503"
    );
    // Once the held sockets go, the server answers again, and counted every refusal.
    drop(sockets);
    let refused = || {
        let (status, _, text) = http_text(server.addr, "GET", "/metrics", &[]);
        (status == 200).then_some(text)
    };
    eventually("the server answers again", Duration::from_secs(10), || {
        refused().is_some()
    });
    assert!(
        metric(&server, "clubsync_refusals_total{reason=\"server_full\"}") >= Some(4001),
        "every 503 is counted"
    );
}

#[tokio::test]
async fn trickling_sockets_are_closed_after_the_header_timeout_and_cannot_lock_clubs_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(
        dir.path(),
        &["--max-connections", "200", "--header-timeout-secs", "2"],
    );
    let lee = server.joined("Volunteer Lee");
    // Two hundred sockets take every slot with half a request each ...
    let mut held: Vec<TcpStream> = (0..200).map(|_| trickle(&server)).collect();
    // ... and each is closed two seconds after it was opened, so a device gets in.
    eventually(
        "every trickling socket closed",
        Duration::from_secs(30),
        || held.iter_mut().all(closed_by_server),
    );
    let collection = DocumentId::random();
    let mut doc = new_collection(&lee, "Market Square");
    record_donation(&mut doc, &lee, 500);
    let mut phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("a device gets in once the trickling sockets are gone");
    phone.docs.insert(collection, doc);
    phone.sync(QUIET, LIMIT).await;
    assert!(phone.all_saved_on_server(collection));
}

#[tokio::test]
async fn a_phone_that_vanished_is_closed_and_frees_its_device_slots() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &["--ping-secs", "1"]);
    let lee = server.joined("Volunteer Lee");

    // Eight connections of one phone that then vanish: nothing reads them, so nothing answers
    // the server's pings. The device's ninth connection is refused meanwhile.
    let mut vanished = Vec::new();
    for _ in 0..8 {
        vanished.push(
            connect(&server.ws_url(Some(&lee.token)))
                .await
                .expect("connects"),
        );
    }
    let refused = connect(&server.ws_url(Some(&lee.token))).await.err();
    assert!(
        refused.as_deref().is_some_and(|e| e.starts_with("429")),
        "{refused:?}"
    );

    // Within about three ping intervals the server closes them and counts them gone.
    eventually(
        "the vanished connections closed",
        Duration::from_secs(10),
        || metric(&server, "clubsync_connections") == Some(0),
    );
    assert_eq!(
        metric(
            &server,
            "clubsync_refusals_total{reason=\"silent_connection\"}"
        ),
        Some(8)
    );

    // The device connects again and syncs; a connection that answers pings stays open.
    let collection = DocumentId::random();
    let mut doc = new_collection(&lee, "Market Square");
    record_donation(&mut doc, &lee, 500);
    let mut phone = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("its slots are free again");
    phone.docs.insert(collection, doc);
    phone.sync(Duration::from_secs(4), LIMIT).await;
    assert_eq!(
        phone.seen.closed, None,
        "a device that reads is never closed for silence"
    );
    assert!(phone.all_saved_on_server(collection));
    assert_eq!(donations(&phone.docs[&collection]), (1, 500));
    drop(vanished);
}

#[tokio::test]
async fn connections_racing_through_the_upgrade_cannot_pass_the_device_cap() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let lee = server.joined("Volunteer Lee");
    let url = server.ws_url(Some(&lee.token));
    let attempts = (0..24).map(|_| connect(&url));
    let devices: Vec<_> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .flatten()
        .collect();
    // Some were refused before the upgrade (429), some after it (closed with a reason); the
    // server never counts more than eight open for the device.
    eventually("the server settles", Duration::from_secs(5), || {
        metric(&server, "clubsync_connections").is_some_and(|n| n <= 8)
    });
    assert_eq!(metric(&server, "clubsync_connections"), Some(8));
    assert!(devices.len() >= 8, "{} connected", devices.len());
    let refused = metric(
        &server,
        "clubsync_refusals_total{reason=\"too_many_connections\"}",
    );
    assert_eq!(
        refused,
        Some(16),
        "every connection past the eighth is refused"
    );
}

#[test]
fn joins_are_slowed_per_address_through_the_real_listener() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &["--joins-per-minute", "3"]);
    let wrong = r#"{"invite": "ABCD-EFGH-JKMN-PQRST", "device_name": "guesser"}"#;
    let headers = [("content-type", "application/json")];
    let statuses: Vec<u16> = (0..4)
        .map(|_| common::http(server.addr, "POST", "/api/join", &headers, wrong).0)
        .collect();
    assert_eq!(statuses, [404, 404, 404, 429]);
}

#[tokio::test]
async fn sockets_that_never_finish_a_tls_handshake_are_bounded_and_timed_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &["--self-signed"]);
    let cert = dir.path().join("self-signed-cert.pem");
    // 1,100 sockets open and never send a ClientHello: past 1,024 at once, each is closed at
    // once instead of holding a task.
    let mut stalled: Vec<TcpStream> = (0..1100)
        .map(|_| TcpStream::connect(server.addr).expect("connects"))
        .collect();
    eventually(
        "the sockets past the handshake limit closed",
        Duration::from_secs(5),
        || {
            stalled
                .iter_mut()
                .map(closed_by_server)
                .filter(|c| *c)
                .count()
                >= 76
        },
    );
    // The rest time out (10 s), and a device then completes its handshake and joins.
    eventually(
        "every stalled handshake timed out",
        Duration::from_secs(30),
        || stalled.iter_mut().all(closed_by_server),
    );
    let (status, joined) =
        common::tls::join(server.addr, &cert, &server.invites["Volunteer Lee"]).await;
    assert_eq!(status, 200, "{joined}");
}

/// The README's club-room set-up: `--self-signed --self-signed-host` with the name phones use.
/// A phone that dials the server by that name completes the handshake with the pinned
/// certificate; one that dials it by a name the certificate does not hold is refused.
#[tokio::test]
async fn the_lan_certificate_names_the_host_phones_dial() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(
        dir.path(),
        &[
            "--self-signed",
            "--self-signed-host",
            "clubroom.lan",
            "--self-signed-host",
            "192.168.1.20",
        ],
    );
    assert_eq!(server.scheme, "https");
    let cert = dir.path().join("self-signed-cert.pem");
    for name in ["clubroom.lan", "192.168.1.20", "localhost"] {
        common::tls::connect_as(server.addr, &cert, name)
            .await
            .unwrap_or_else(|e| panic!("the certificate should hold {name}: {e}"));
    }
    let refused = common::tls::connect_as(server.addr, &cert, "elsewhere.lan").await;
    let Err(err) = refused else {
        panic!("a name the certificate lacks is refused")
    };
    assert!(err.contains("certificate"), "{err}");
}
