//! `commit`: K devices spread over D street collections each record a donation, send it and
//! wait until the server's heads include it, again and again for T seconds. The server's
//! counters give changes persisted per second and changes per commit (group commit).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use automerge::Automerge;
use clubsync_protocol::DocumentId;
use tokio::sync::{Semaphore, mpsc, watch};

use super::{CONNECT_CONCURRENCY, ensure_open_files};
use crate::device::Device;
use crate::records::{new_collection, record_donation};
use crate::report::{Table, ms, percentile, verdict};
use crate::server::{ServerProcess, cpu_time_of};

/// How long a change waits for the server's acknowledgement before the writer reconnects (see
/// `Written::stalls`).
const STALL_AFTER: Duration = Duration::from_secs(2);

/// How many reconnections one change may need before the run fails.
const MAX_RESTARTS: u32 = 3;

/// What one writer did.
#[derive(Default)]
struct Written {
    /// The time each change took to be acknowledged.
    latencies: Vec<Duration>,
    /// Changes the server committed without ever announcing heads that include them to their
    /// writer, until it reconnected after `STALL_AFTER`. Seen with several writers on one
    /// document: the writer's heads-only reply to another writer's change reaches the server
    /// in the same batch as its change, automerge's `receive_sync_message` then records the
    /// writer as knowing the server's heads (`last_sent_heads`), and the server has nothing
    /// more to say. A fault of the durability receipt, reported in BENCHMARKS.md.
    stalls: usize,
}

/// Runs the scenario and prints its table.
pub async fn run(bin: &Path, devices: usize, documents: usize, seconds: u64) -> anyhow::Result<()> {
    if devices == 0 || documents == 0 || documents > devices {
        bail!("give at least one device and one document, and no more documents than devices");
    }
    ensure_open_files(devices + documents)?;
    let server = ServerProcess::start(bin)?;
    // Devices 0..K write; devices K..K+D only create the documents.
    let tokens = server.tokens_for(devices + documents).await?;

    // 1. One creator per document makes the collection; the server commits it.
    let mut collections = Vec::with_capacity(documents);
    for j in 0..documents {
        let id = DocumentId::random();
        let club = tokens.writer(devices + j)?.club;
        let mut creator = Device::connect(&server.ws_url(tokens.for_device(devices + j)?))
            .await
            .context("a creator connects")?;
        creator
            .open(id, new_collection(&format!("Group commit {j}"), club)?)
            .await?;
        creator
            .until(Duration::from_secs(30), Device::in_sync)
            .await
            .context("a new collection reaches the server")?;
        creator.close().await;
        collections.push(id);
    }

    // 2. The writers connect and sync their collection, then wait for the start.
    eprintln!("connecting {devices} writers on {documents} documents...");
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<anyhow::Result<()>>();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<anyhow::Result<Written>>();
    let (start_tx, start_rx) = watch::channel::<Option<tokio::time::Instant>>(None);
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    for i in 0..devices {
        let url = server.ws_url(tokens.for_device(i)?);
        // Its donations name the device of its token, as the server checks.
        let name = tokens.writer(i)?.device.clone();
        let collection = collections[i % documents];
        let (gate, ready, done) = (gate.clone(), ready_tx.clone(), done_tx.clone());
        let mut start = start_rx.clone();
        tokio::spawn(async move {
            let permit = gate.acquire_owned().await;
            let joined = Device::join_and_fetch(&url, collection)
                .await
                .with_context(|| format!("writer {i}"));
            drop(permit);
            let device = match joined {
                Ok(device) => device,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            let _ = ready.send(Ok(()));
            let deadline = loop {
                if let Some(deadline) = *start.borrow_and_update() {
                    break deadline;
                }
                if start.changed().await.is_err() {
                    return;
                }
            };
            let written = write_until(device, &url, &name, deadline).await;
            let _ = done.send(written.with_context(|| format!("writer {i}")));
        });
    }
    drop((ready_tx, done_tx));
    for _ in 0..devices {
        ready_rx
            .recv()
            .await
            .context("a writer task ended without a word")??;
    }

    // 3. Go, and read the server's counters around the run.
    let changes_before = server.metric("clubsync_changes_persisted_total").await?;
    let commits_before = server.metric("clubsync_commits_total").await?;
    eprintln!("writing for {seconds} s...");
    let started = Instant::now();
    let server_cpu = server.cpu_time()?;
    let bench_cpu = cpu_time_of("self")?;
    start_tx.send_replace(Some(
        tokio::time::Instant::now() + Duration::from_secs(seconds),
    ));
    let mut latencies = Vec::new();
    let mut stalls = 0;
    for _ in 0..devices {
        let written = done_rx.recv().await.context("a writer task ended")??;
        latencies.extend(written.latencies);
        stalls += written.stalls;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let server_cpu = server.cpu_time()?.saturating_sub(server_cpu);
    let bench_cpu = cpu_time_of("self")?.saturating_sub(bench_cpu);
    let changes = server.metric("clubsync_changes_persisted_total").await? - changes_before;
    let commits = server.metric("clubsync_commits_total").await? - commits_before;

    latencies.sort_unstable();
    let per_commit = changes as f64 / commits.max(1) as f64;
    let mut table = Table::new(format!(
        "commit: {devices} devices on {documents} documents for {seconds} s"
    ));
    table.row(
        "changes acknowledged to devices",
        latencies.len().to_string(),
        "",
    );
    table.row(
        format!("changes never acknowledged until the writer reconnected (after {STALL_AFTER:?})"),
        stalls.to_string(),
        "0 (a fault, see BENCHMARKS.md)",
    );
    table.row(
        "changes persisted (server's /metrics)",
        changes.to_string(),
        "",
    );
    table.row("commits (server's /metrics)", commits.to_string(), "");
    table.row(
        "changes persisted per second",
        format!("{:.0}", changes as f64 / elapsed),
        "no figure set",
    );
    table.row(
        "changes per commit",
        format!("{per_commit:.3}"),
        &format!(
            "above 1 under load (group commit): {}",
            verdict(per_commit > 1.0)
        ),
    );
    table.row(
        "change sent to acknowledged, p50",
        ms(percentile(&latencies, 50.0)),
        "",
    );
    table.row(
        "change sent to acknowledged, p99",
        ms(percentile(&latencies, 99.0)),
        "",
    );
    table.row(
        "server CPU per persisted change (all its threads)",
        ms(server_cpu / changes.max(1) as u32),
        "",
    );
    table.row(
        "bench clients' CPU per acknowledged change",
        ms(bench_cpu / (latencies.len().max(1) as u32)),
        "",
    );
    table.print();
    Ok(())
}

/// One writer: records a donation (naming the device `name`), sends it, waits until the
/// server has committed it, and again, until the deadline.
async fn write_until(
    mut device: Device,
    url: &str,
    name: &str,
    deadline: tokio::time::Instant,
) -> anyhow::Result<Written> {
    let mut written = Written::default();
    let mut latencies = Vec::new();
    let mut pence = 100;
    while tokio::time::Instant::now() < deadline {
        pence += 1;
        let hash = record_donation(&mut device.doc, pence, name)?;
        let sent = Instant::now();
        device.offer().await?;
        let mut restarts = 0;
        while device
            .until(STALL_AFTER, |d| d.server_has(&hash))
            .await
            .is_err()
        {
            restarts += 1;
            if restarts > MAX_RESTARTS {
                let probe = probe(url, device.doc_id(), &hash).await;
                bail!(
                    "the server did not acknowledge change {hash} within {:?}, even after \
                     {MAX_RESTARTS} reconnections (its last heads: {:?}); a new device asking \
                     for the document: {probe}",
                    STALL_AFTER * (MAX_RESTARTS + 1),
                    device.server_heads(),
                );
            }
            device = device.reconnect(url).await?;
        }
        latencies.push(sent.elapsed());
        written.stalls += restarts.min(1) as usize;
    }
    device.close().await;
    written.latencies = latencies;
    Ok(written)
}

/// For the error of a stalled change: what a new device connecting now gets of the document.
async fn probe(url: &str, doc: Option<DocumentId>, hash: &automerge::ChangeHash) -> String {
    let Some(doc) = doc else {
        return "no document open".into();
    };
    let fetched = async {
        let mut device = Device::connect(url).await?;
        device.open(doc, Automerge::new()).await?;
        device
            .until(Duration::from_secs(5), Device::in_sync)
            .await?;
        anyhow::Ok(device)
    }
    .await;
    match fetched {
        Ok(device) if device.has(hash) => "it has the change".into(),
        Ok(device) => format!(
            "it does not have the change (server heads {:?})",
            device.server_heads()
        ),
        Err(e) => format!("it failed: {e:#}"),
    }
}
