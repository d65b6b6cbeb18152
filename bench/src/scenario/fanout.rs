//! `fanout`: one writer records donations in a street collection that M subscribers sync; the
//! latency from the writer's commit to each subscriber receiving the change (a sync message
//! whose heads include it), p50 and p99 (target: p99 under 50 ms).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use automerge::ChangeHash;
use clubsync_protocol::DocumentId;
use tokio::sync::{Semaphore, mpsc, watch};

use super::{CONNECT_CONCURRENCY, ensure_open_files};
use crate::device::Device;
use crate::records::{new_collection, record_donation};
use crate::report::{Table, ms, percentile, verdict};
use crate::server::{ServerProcess, cpu_time_of};

/// The target of issue 4.
const TARGET_P99: Duration = Duration::from_millis(50);

/// How long one donation may take to reach every subscriber before the run fails.
const ROUND_LIMIT: Duration = Duration::from_secs(60);

/// How long the writer's acknowledgement may come after the last subscriber has the change
/// before the donation is counted as unacknowledged.
const ACK_GRACE: Duration = Duration::from_secs(2);

/// The change subscribers look for: (donation number, change hash).
type Target = Option<(u64, ChangeHash)>;

/// A subscriber has donation `.0` since `.1` (or failed).
type Arrival = anyhow::Result<(u64, Instant)>;

/// Runs the scenario and prints its table.
pub async fn run(bin: &Path, subscribers: usize, donations: usize) -> anyhow::Result<()> {
    ensure_open_files(subscribers + 1)?;
    let server = ServerProcess::start(bin)?;
    let tokens = server.tokens_for(subscribers + 1).await?;

    // 1. The writer creates the collection and the server commits it.
    let collection = DocumentId::random();
    let mut writer = Device::connect(&server.ws_url(tokens.for_device(0)?))
        .await
        .context("the writer connects")?;
    writer
        .open(collection, new_collection("Fan-out, High Street")?)
        .await?;
    writer
        .until(Duration::from_secs(30), Device::in_sync)
        .await
        .context("the writer's new collection reaches the server")?;

    // 2. The subscribers connect and sync it.
    eprintln!("connecting {subscribers} subscribers...");
    let (target_tx, target_rx) = watch::channel::<Target>(None);
    let (arrival_tx, mut arrivals) = mpsc::unbounded_channel::<Arrival>();
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<anyhow::Result<()>>();
    let (stop_tx, stop_rx) = watch::channel(false);
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let mut tasks = Vec::with_capacity(subscribers);
    for i in 1..=subscribers {
        let url = server.ws_url(tokens.for_device(i)?);
        let (gate, ready, arrival) = (gate.clone(), ready_tx.clone(), arrival_tx.clone());
        let (target, stop) = (target_rx.clone(), stop_rx.clone());
        tasks.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await;
            let joined = Device::join_and_fetch(&url, collection)
                .await
                .with_context(|| format!("subscriber {i}"));
            drop(permit);
            match joined {
                Ok(device) => {
                    let _ = ready.send(Ok(()));
                    subscribe(device, target, arrival, stop).await;
                }
                Err(e) => {
                    let _ = ready.send(Err(e));
                }
            }
        }));
    }
    drop((ready_tx, arrival_tx));
    for _ in 0..subscribers {
        ready_rx
            .recv()
            .await
            .context("a subscriber task ended without a word")??;
    }

    // 3. The writer records donations one at a time; each waits for every subscriber.
    eprintln!("recording {donations} donations...");
    let mut latencies = Vec::with_capacity(subscribers * donations);
    let mut acks = Vec::with_capacity(donations);
    let run_started = Instant::now();
    let server_cpu = server.cpu_time()?;
    let bench_cpu = cpu_time_of("self")?;
    for seq in 1..=donations as u64 {
        let hash = record_donation(&mut writer.doc, 100 + seq as i64, "fan-out writer")?;
        let committed = Instant::now();
        target_tx.send_replace(Some((seq, hash)));
        writer.offer().await?;
        let mut deadline = tokio::time::Instant::now() + ROUND_LIMIT;
        let mut arrived = 0;
        let mut acked = None;
        while arrived < subscribers || acked.is_none() {
            tokio::select! {
                arrival = arrivals.recv() => {
                    let (got, at) = arrival.context("every subscriber task ended")??;
                    if got != seq {
                        bail!("a subscriber reported donation {got} during donation {seq}");
                    }
                    latencies.push(at.saturating_duration_since(committed));
                    arrived += 1;
                    if arrived == subscribers {
                        // Wait a little more for the writer's acknowledgement, not forever.
                        deadline = deadline.min(tokio::time::Instant::now() + ACK_GRACE);
                    }
                }
                frame = writer.next() => {
                    let frame = frame.context("the writer's connection")?;
                    if acked.is_none() && writer.server_has(&hash) {
                        acked = Some(frame.at.saturating_duration_since(committed));
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {
                    if arrived == subscribers {
                        break;
                    }
                    return Err(anyhow!(
                        "donation {seq}: {arrived} of {subscribers} subscribers had it after {ROUND_LIMIT:?}"
                    ));
                }
            }
        }
        acks.extend(acked);
    }
    let run_time = run_started.elapsed();
    let server_cpu = server.cpu_time()?.saturating_sub(server_cpu);
    let bench_cpu = cpu_time_of("self")?.saturating_sub(bench_cpu);
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    writer.close().await;

    latencies.sort_unstable();
    acks.sort_unstable();
    let p99 = percentile(&latencies, 99.0);
    let mut table = Table::new(format!(
        "fanout: 1 writer, {subscribers} subscribers, {donations} donations"
    ));
    table.row("deliveries measured", latencies.len().to_string(), "");
    table.row("latency p50", ms(percentile(&latencies, 50.0)), "");
    table.row(
        "latency p99",
        ms(p99),
        &format!("under 50 ms: {}", verdict(p99 < TARGET_P99)),
    );
    table.row("latency max", ms(percentile(&latencies, 100.0)), "");
    table.row(
        "writer's change committed and acknowledged, p50",
        ms(percentile(&acks, 50.0)),
        "",
    );
    table.row(
        "donations never acknowledged to the writer",
        (donations - acks.len()).to_string(),
        "0",
    );
    table.row(
        "server CPU per donation (all its threads)",
        ms(server_cpu / donations.max(1) as u32),
        "",
    );
    table.row(
        "bench clients' CPU per donation (all subscribers)",
        ms(bench_cpu / donations.max(1) as u32),
        "",
    );
    table.row(
        "donations per second (each waits for every subscriber)",
        format!("{:.1}", donations as f64 / run_time.as_secs_f64()),
        "",
    );
    table.print();
    Ok(())
}

/// A subscriber: applies what the server sends, and reports when a frame brings the change the
/// writer is waiting on.
async fn subscribe(
    mut device: Device,
    target: watch::Receiver<Target>,
    arrival: mpsc::UnboundedSender<Arrival>,
    mut stop: watch::Receiver<bool>,
) {
    let mut reported = 0;
    loop {
        let frame = tokio::select! {
            _ = stop.changed() => break,
            frame = device.next() => frame,
        };
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => {
                let _ = arrival.send(Err(e.context("a subscriber's connection")));
                return;
            }
        };
        let current = *target.borrow();
        if let Some((seq, hash)) = current
            && seq > reported
            && (frame.server_heads.contains(&hash) || device.has(&hash))
        {
            reported = seq;
            let _ = arrival.send(Ok((seq, frame.at)));
        }
    }
    device.close().await;
}
