//! `idle` (S1): N devices connect, join, sync one street collection and stay idle; the
//! server's resident memory before and after, over N, is the memory per idle connection
//! (target: at most 64 KiB, and at most a fifth of the reference server's).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clubsync_protocol::DocumentId;
use tokio::sync::{Semaphore, mpsc, watch};

use super::{CONNECT_CONCURRENCY, ensure_open_files, seed};
use crate::device::Device;
use crate::records::new_collection;
use crate::report::{Better, Bytes, CompareTable, Number, verdict};
use crate::target::{Pair, Servers, Target};

/// The target of issue 4, in bytes per connection.
const TARGET_BYTES: f64 = 64.0 * 1024.0;

/// The target of issue 6: at most this share of the reference server's memory per connection.
const TARGET_SHARE: f64 = 0.2;

/// What one server did.
struct Idle {
    before: u64,
    after: u64,
    connect_time: Duration,
    per_connection: f64,
}

/// Runs the scenario with `connections` devices against each server and prints its table.
/// `settle`: how long the server is left alone before each reading of its memory.
pub async fn run(servers: &Servers, connections: usize, settle: Duration) -> anyhow::Result<()> {
    ensure_open_files(connections)?;
    // The same document id on both servers; the document itself is made for each server
    // (see `measure`).
    let collection = DocumentId::random();
    let mut results = Pair::default();
    for kind in servers.kinds() {
        eprintln!("idle: {connections} connections to {kind}...");
        let mut target = servers.start(kind, &[])?;
        let result = measure(&mut target, connections, collection, settle)
            .await
            .with_context(|| format!("idle against {kind}"))?;
        eprintln!(
            "idle against {kind}: {} per connection",
            crate::report::bytes(result.per_connection)
        );
        results.set(kind, result);
    }

    let mut table = CompareTable::new(format!("S1 idle: {connections} connections"));
    table.row(
        "time to connect, join and sync the collection",
        results.get(|r| r.connect_time),
        Better::Lower,
        "",
    );
    table.row(
        "server resident memory before",
        results.get(|r| Bytes(r.before as f64)),
        Better::Neither,
        "",
    );
    table.row(
        "server resident memory with all idle",
        results.get(|r| Bytes(r.after as f64)),
        Better::Lower,
        "",
    );
    let (ours, theirs) = results.get(|r| r.per_connection);
    let target = match (ours, theirs) {
        (Some(ours), Some(theirs)) => format!(
            "at most 64 KiB: {}; at most 1/5 of the reference: {}",
            verdict(ours <= TARGET_BYTES),
            verdict(ours <= TARGET_SHARE * theirs)
        ),
        (Some(ours), None) => format!("at most 64 KiB: {}", verdict(ours <= TARGET_BYTES)),
        _ => "at most 64 KiB and 1/5 of the reference".into(),
    };
    table.row(
        "memory per idle connection",
        results.get(|r| Bytes(r.per_connection)),
        Better::Lower,
        target,
    );
    table.row(
        "connections",
        results.get(|_| Number(connections as f64)),
        Better::Neither,
        "",
    );
    table.print();
    Ok(())
}

/// Connects the devices to one server and reads its memory.
async fn measure(
    target: &mut Target,
    connections: usize,
    collection: DocumentId,
    settle: Duration,
) -> anyhow::Result<Idle> {
    // Device 0 puts the collection on the server; devices 1..=N connect. The collection is
    // made here, for this server, not once for both: it names this server's club
    // (clubsync-server refuses a new document of another club). The same empty collection on
    // both servers.
    target.prepare(connections + 1).await?;
    let base = new_collection("Idle, Market Square", target.writer(0)?.club)?;
    seed(target, 0, collection, base).await?;
    tokio::time::sleep(settle).await;
    let before = target.resident_bytes()?;

    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<anyhow::Result<()>>();
    let (stop_tx, stop_rx) = watch::channel(false);
    let dropped = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(connections);
    for i in 1..=connections {
        let url = target.url(i)?;
        let gate = gate.clone();
        let dropped = dropped.clone();
        let ready = ready_tx.clone();
        let mut stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await;
            let joined = Device::join_and_fetch(&url, collection)
                .await
                .with_context(|| format!("device {i}"));
            drop(permit);
            let mut device = match joined {
                Ok(device) => device,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            let _ = ready.send(Ok(()));
            // Idle: answer whatever the server sends (and its pings) until told to stop.
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    frame = device.next() => if let Err(e) = frame {
                        eprintln!("device {i} lost its connection: {e:#}");
                        dropped.fetch_add(1, Ordering::Relaxed);
                        return;
                    },
                }
            }
            device.close().await;
        }));
    }
    drop(ready_tx);
    for _ in 0..connections {
        ready_rx
            .recv()
            .await
            .context("a device task ended without a word")??;
    }
    let connect_time = started.elapsed();
    tokio::time::sleep(settle).await;
    let after = target.resident_bytes()?;
    let lost = dropped.load(Ordering::Relaxed);

    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    if lost > 0 {
        bail!("{lost} of {connections} devices lost their connection before the memory was read");
    }
    Ok(Idle {
        before,
        after,
        connect_time,
        per_connection: (after as f64 - before as f64) / connections as f64,
    })
}
