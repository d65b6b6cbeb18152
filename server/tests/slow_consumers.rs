//! Devices that take more than they give cannot hold the server or the other devices (issue 14):
//! a device that stops reading is closed in bounded time and syncs everything when it comes
//! back; one that floods a document with ephemeral messages has them cut to its rate and size;
//! a flood of joins with wrong codes from one address is answered 429 while a club member
//! elsewhere joins at once.

use clubsync_testkit::harness as common;

use std::time::{Duration, Instant};

use clubsync_core::collection::{DonationSource, NewDonation, StreetCollection};
use clubsync_core::currency::Currency;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::DonationId;
use clubsync_core::money::Money;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;
use common::records::{Joined, donations, new_collection};
use common::{LIMIT, QUIET, ServerProcess, connect};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A metric's value in the server's `/metrics`.
fn metric(server: &ServerProcess, line: &str) -> Option<u64> {
    common::metric(server.addr, line)
}

/// A card donation with a long note (a collector's account of the day, say), so that a few
/// hundred of them are more than the kernel's socket buffers hold.
fn record_long_donation(
    collection: &mut StreetCollection,
    by: &Joined,
    pence: i64,
    note_bytes: usize,
) {
    let at = Timestamp(1_764_000_000_000 + pence);
    let gbp = Currency::new("GBP").expect("GBP");
    collection
        .record_donation(&NewDonation {
            id: DonationId::new_v7(at),
            source: DonationSource::Card,
            amount: Money::new(pence, gbp),
            at,
            collector: by.member,
            device: by.device.clone(),
            note: Some(varied_text(pence as u64, note_bytes)),
        })
        .expect("a valid donation");
}

/// `len` letters that do not compress (the server refuses a message that inflates far past its
/// size, as a deflate bomb does).
fn varied_text(seed: u64, len: usize) -> String {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            char::from(b'a' + ((x >> 33) % 26) as u8)
        })
        .collect()
}

#[tokio::test]
async fn a_device_that_stops_reading_is_closed_and_the_others_keep_syncing() {
    let dir = tempfile::tempdir().expect("temp dir");
    // One MiB may wait for a device (32 by default).
    let server = ServerProcess::start(dir.path(), &["--outbox-mib", "1"]);
    let lee = server.joined("Volunteer Lee");
    let park = server.joined("Volunteer Park");
    let kim = server.joined("Coordinator Kim");
    let collection = DocumentId::random();

    let mut writer = connect(&server.ws_url(Some(&park.token)))
        .await
        .expect("Park connects");
    writer
        .docs
        .insert(collection, new_collection(&park, "Station"));
    writer.sync(QUIET, LIMIT).await;
    assert!(writer.all_saved_on_server(collection));

    // Lee's phone opens the collection, then stops reading (the app froze in a pocket). Its
    // socket takes in little, so what the server sends it soon waits in the server.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .set_recv_buffer_size(4096)
        .expect("a small receive buffer");
    let stream = socket.connect(server.addr).await.expect("connects");
    let mut stalled = common::connect_on(stream, &server.ws_url(Some(&lee.token)))
        .await
        .expect("Lee connects");
    stalled.want(collection);
    stalled.sync(QUIET, LIMIT).await;
    assert!(stalled.docs.contains_key(&collection));

    // Kim's laptop reads all along, in a task of its own.
    let mut reader = connect(&server.ws_url(Some(&kim.token)))
        .await
        .expect("Kim connects");
    reader.want(collection);
    reader.sync(QUIET, LIMIT).await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reading = {
        let done = done.clone();
        tokio::spawn(async move {
            while !done.load(std::sync::atomic::Ordering::Relaxed) && reader.seen.closed.is_none() {
                reader.sync(Duration::from_millis(100), LIMIT).await;
            }
            reader
        })
    };

    // Park records 12 MB of donations: more than the kernel and the outbox hold for Lee.
    let started = Instant::now();
    let mut expected = (0usize, 0i64);
    let mut record =
        StreetCollection::from_automerge(writer.docs[&collection].clone()).expect("a collection");
    for batch in 0..30 {
        for i in 0..20 {
            let pence = 100 + batch * 20 + i;
            record_long_donation(&mut record, &park, pence, 20_000);
            expected = (expected.0 + 1, expected.1 + pence);
        }
        writer.docs.insert(collection, record.automerge().clone());
        writer.sync(Duration::from_millis(50), LIMIT).await;
    }
    writer.sync(QUIET, LIMIT).await;
    assert_eq!(writer.seen.closed, None, "the writer is never held up");
    assert!(writer.all_saved_on_server(collection));

    // Lee's connection is closed as fallen behind, in bounded time, and counted.
    let fell_behind = || metric(&server, "clubsync_refusals_total{reason=\"fell_behind\"}");
    while fell_behind().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the stalled device is closed within a minute"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        fell_behind(),
        Some(1),
        "only the stalled device fell behind"
    );
    // Kim kept syncing all along and has every donation.
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut reader = reading.await.expect("Kim's task");
    reader.sync(QUIET, LIMIT).await;
    assert_eq!(reader.seen.closed, None, "Kim's phone is never closed");
    assert_eq!(donations(&reader.docs[&collection]), expected);

    // Lee's phone wakes: it finds its connection closed, connects again, and gets everything.
    let woke = Instant::now();
    while stalled.seen.closed.is_none() && woke.elapsed() < Duration::from_secs(30) {
        stalled.sync(QUIET, LIMIT).await;
    }
    // (Its buffers were full, so the reason could not reach it: the server's log and metrics
    // have it.)
    assert!(
        stalled.seen.closed.is_some(),
        "Lee's old connection was closed"
    );
    assert!(
        donations(&stalled.docs[&collection]).0 < expected.0,
        "the stalled device did not get everything on the old connection"
    );
    let mut again = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("Lee connects again");
    let copy = stalled.docs.remove(&collection).expect("Lee's copy");
    again.docs.insert(collection, copy);
    let back = Instant::now();
    while donations(&again.docs[&collection]) != expected
        && again.seen.closed.is_none()
        && back.elapsed() < Duration::from_secs(60)
    {
        again.sync(QUIET, LIMIT).await;
    }
    assert_eq!(
        donations(&again.docs[&collection]),
        expected,
        "closed: {:?}",
        again.seen.closed
    );
}

#[tokio::test]
async fn ephemeral_floods_are_cut_to_the_senders_rate_and_size() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let lee = server.joined("Volunteer Lee");
    let kim = server.joined("Coordinator Kim");
    let collection = DocumentId::random();

    let mut flooder = connect(&server.ws_url(Some(&lee.token)))
        .await
        .expect("Lee connects");
    flooder
        .docs
        .insert(collection, new_collection(&lee, "Market"));
    flooder.sync(QUIET, LIMIT).await;
    let mut watcher = connect(&server.ws_url(Some(&kim.token)))
        .await
        .expect("Kim connects");
    watcher.want(collection);
    watcher.sync(QUIET, LIMIT).await;

    // A presence message of 64 KiB, and then 1,000 small ones as fast as the socket takes them.
    flooder.ephemeral(collection, vec![0xAB; 64 * 1024]).await;
    let started = Instant::now();
    for i in 0..1000u32 {
        flooder
            .ephemeral(collection, i.to_be_bytes().to_vec())
            .await;
    }
    let elapsed = started.elapsed();
    watcher.sync(QUIET, LIMIT).await;
    let relayed = &watcher.seen.ephemeral;
    assert!(
        relayed.iter().all(|data| data.len() == 4),
        "the 64 KiB message is not relayed"
    );
    // A burst of 40, then 20 a second.
    let allowed = 40 + (elapsed.as_secs_f64() * 20.0).ceil() as usize + 1;
    assert!(
        !relayed.is_empty() && relayed.len() <= allowed,
        "{} relayed in {elapsed:?} (at most {allowed})",
        relayed.len()
    );
    assert_eq!(
        metric(
            &server,
            "clubsync_refusals_total{reason=\"ephemeral_too_large\"}"
        ),
        Some(1)
    );
    assert!(
        metric(
            &server,
            "clubsync_refusals_total{reason=\"ephemeral_rate\"}"
        )
        .is_some_and(|n| n as usize >= 1000 - allowed),
        "the rest are counted"
    );
    // The flooder is not closed for it, and its records still sync.
    common::records::record_donation(
        flooder.docs.get_mut(&collection).expect("the collection"),
        &lee,
        700,
    );
    flooder.sync(QUIET, LIMIT).await;
    assert_eq!(flooder.seen.closed, None);
    assert!(flooder.all_saved_on_server(collection));
    watcher.sync(QUIET, LIMIT).await;
    assert_eq!(donations(&watcher.docs[&collection]), (1, 700));
}

/// `POST /api/join` with `body`, sent from the loopback address `from`; the status.
async fn join_from(server: &ServerProcess, from: [u8; 4], body: &str) -> (u16, String) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(std::net::SocketAddr::from((from, 0)))
        .expect("binds a loopback address");
    let mut stream = socket.connect(server.addr).await.expect("connects");
    let request = format!(
        "POST /api/join HTTP/1.1\r\nhost: clubsync\r\ncontent-type: application/json\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, answer)
}

#[tokio::test]
async fn a_flood_of_wrong_codes_is_held_off_while_a_member_elsewhere_joins() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(dir.path(), &["--joins-per-minute", "30"]);
    let wrong = r#"{"invite": "ABCD-EFGH-JKMN-PQRS-T", "device_name": "guesser"}"#;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut retry_after = None;
    for _ in 0..2000 {
        let (status, answer) = join_from(&server, [127, 0, 0, 1], wrong).await;
        if status == 429 && retry_after.is_none() {
            retry_after = answer
                .lines()
                .find_map(|l| l.strip_prefix("retry-after: ").map(str::to_owned));
        }
        *statuses.entry(status).or_default() += 1;
    }
    // Thirty guesses are looked at (and found wrong); every other one is turned away.
    assert_eq!(statuses.get(&404), Some(&30), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&1970), "{statuses:?}");
    assert_eq!(retry_after.as_deref(), Some("2"), "told when to come back");

    // Meanwhile Lee, at another address, joins with a real code at once.
    let invite = &server.invites["Volunteer Lee"];
    let body = format!(r#"{{"invite": "{invite}", "device_name": "Lee's phone"}}"#);
    let (status, answer) = join_from(&server, [127, 0, 0, 2], &body).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"token\""));
}
