//! The server killed with SIGKILL in the middle of a burst of writes: after each restart, every
//! donation whose change the server had acknowledged (its heads, sent back to the device,
//! included it) is there.

use clubsync_testkit::harness as common;

use std::collections::BTreeSet;
use std::time::Duration;

use clubsync_protocol::DocumentId;
use common::records::{donations, new_collection, record_donation};
use common::{QUIET, ServerProcess, connect};

const DEVICES: usize = 3;

fn rounds() -> usize {
    std::env::var("CLUBSYNC_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

#[tokio::test]
async fn acknowledged_changes_survive_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let collection = DocumentId::random();
    let mut tokens = Vec::new();
    // Amounts are unique per donation, so each can be found after a crash.
    let mut acknowledged: BTreeSet<i64> = BTreeSet::new();

    for round in 0..rounds() {
        let server = ServerProcess::start(dir.path(), &[]);
        if tokens.is_empty() {
            for person in ["Volunteer Lee", "Volunteer Park", "Coordinator Kim"] {
                tokens.push(server.joined(person));
            }
        }

        // 1. Everything acknowledged before is still there.
        let mut reader = connect(&server.ws_url(Some(&tokens[2].token)))
            .await
            .expect("connects");
        reader.want(collection);
        reader.sync(QUIET, Duration::from_secs(20)).await;
        if round > 0 {
            let present = read_until_present(&mut reader, collection, &acknowledged).await;
            let missing: Vec<_> = acknowledged.difference(&present).collect();
            assert!(
                missing.is_empty(),
                "round {round}: acknowledged donations lost: {missing:?}"
            );
        } else {
            reader
                .docs
                .insert(collection, new_collection(&tokens[2], "Crash test"));
            reader.sync(QUIET, Duration::from_secs(20)).await;
        }

        // 2. Three devices write as fast as the server acknowledges; the server dies mid-burst.
        let kill_after = Duration::from_millis(600 + (389 * round as u64) % 900);
        let mut writers = Vec::new();
        for (d, who) in tokens.iter().enumerate().take(DEVICES) {
            let url = server.ws_url(Some(&who.token));
            let who = who.clone();
            writers.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                let Ok(mut phone) = connect(&url).await else {
                    return acked;
                };
                phone.want(collection);
                phone
                    .sync(Duration::from_millis(200), Duration::from_secs(10))
                    .await;
                for i in 0..10_000i64 {
                    let amount = (round as i64 * DEVICES as i64 + d as i64) * 1_000_000 + i + 1;
                    let doc = phone.docs.get_mut(&collection).expect("held");
                    if doc.get_heads().is_empty() {
                        break;
                    }
                    record_donation(doc, &who, amount);
                    phone
                        .sync(Duration::from_millis(30), Duration::from_secs(2))
                        .await;
                    if phone.seen.closed.is_some() {
                        break;
                    }
                    if phone.all_saved_on_server(collection) {
                        acked.push(amount);
                    }
                }
                acked
            }));
        }
        tokio::time::sleep(kill_after).await;
        server.kill();
        for writer in writers {
            acknowledged.extend(writer.await.expect("writer task"));
        }
        if (round + 1) % 50 == 0 {
            eprintln!(
                "round {}: {} donations acknowledged so far, none lost",
                round + 1,
                acknowledged.len()
            );
        }
    }

    // 3. A last restart: everything acknowledged in every round is there, exactly once.
    let server = ServerProcess::start(dir.path(), &[]);
    let mut reader = connect(&server.ws_url(Some(&tokens[2].token)))
        .await
        .expect("connects");
    reader.want(collection);
    reader.sync(QUIET, Duration::from_secs(20)).await;
    let present = read_until_present(&mut reader, collection, &acknowledged).await;
    let doc = &reader.docs[&collection];
    assert!(
        acknowledged.len() > rounds(),
        "the burst acknowledged almost nothing"
    );
    let missing: Vec<_> = acknowledged.difference(&present).collect();
    assert!(
        missing.is_empty(),
        "acknowledged donations lost: {missing:?}"
    );
    eprintln!(
        "{} donations acknowledged over {} crashes; {} present",
        acknowledged.len(),
        rounds(),
        present.len()
    );
    let (count, _) = donations(doc);
    assert_eq!(count, present.len(), "a donation appears twice");
}

/// Syncs `reader` until its copy holds every amount of `wanted`, for at most a minute (a large
/// document after hundreds of rounds takes the server a while to load and send); the amounts
/// it then holds.
async fn read_until_present<S>(
    reader: &mut common::Device<S>,
    collection: DocumentId,
    wanted: &BTreeSet<i64>,
) -> BTreeSet<i64>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let started = std::time::Instant::now();
    loop {
        let present = reader
            .docs
            .get(&collection)
            .filter(|d| !d.get_heads().is_empty())
            .map(amounts)
            .unwrap_or_default();
        if wanted.is_subset(&present)
            || started.elapsed() > Duration::from_secs(60)
            || reader.seen.closed.is_some()
        {
            return present;
        }
        reader.sync(QUIET, Duration::from_secs(20)).await;
    }
}

fn amounts(doc: &automerge::Automerge) -> BTreeSet<i64> {
    common::records::amounts(doc)
}
