//! `fanout` (S2): one writer records donations in a street collection that M subscribers sync;
//! the latency from the writer's commit to each subscriber receiving the change (a sync message
//! whose heads include it), p50 and p99 (target: p99 under 50 ms, and at least 3x better than
//! the reference server).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use automerge::ChangeHash;
use clubsync_protocol::DocumentId;
use tokio::sync::{Semaphore, mpsc, watch};

use super::{CONNECT_CONCURRENCY, ensure_open_files};
use crate::device::Device;
use crate::records::{new_collection, record_donation};
use crate::report::{Better, CompareTable, Number, percentile, verdict};
use crate::server::cpu_time_of;
use crate::target::{Pair, Servers, Target};

/// The target of issue 4.
const TARGET_P99: Duration = Duration::from_millis(50);

/// The target of issue 6: at least this many times better than the reference.
const TARGET_RATIO: f64 = 3.0;

/// How long one donation may take to reach every subscriber before the run fails.
const ROUND_LIMIT: Duration = Duration::from_secs(60);

/// How long the writer's acknowledgement may come after the last subscriber has the change
/// before the donation is counted as unacknowledged.
const ACK_GRACE: Duration = Duration::from_secs(2);

/// The change subscribers look for: (donation number, change hash).
type Wanted = Option<(u64, ChangeHash)>;

/// A subscriber has donation `.0` since `.1` (or failed).
type Arrival = anyhow::Result<(u64, Instant)>;

/// What one server did.
struct Fanout {
    /// Every (donation, subscriber) latency, sorted.
    latencies: Vec<Duration>,
    /// The writer's acknowledgements, sorted.
    acks: Vec<Duration>,
    server_cpu: Duration,
    bench_cpu: Duration,
    run_time: Duration,
}

/// Runs the scenario against each server and prints its table.
pub async fn run(servers: &Servers, subscribers: usize, donations: usize) -> anyhow::Result<()> {
    ensure_open_files(subscribers + 1)?;
    let collection = DocumentId::random();
    let mut results = Pair::default();
    for kind in servers.kinds() {
        eprintln!("fanout: {subscribers} subscribers of {kind}...");
        let mut target = servers.start(kind, &[])?;
        let result = measure(&mut target, subscribers, donations, collection)
            .await
            .with_context(|| format!("fanout against {kind}"))?;
        eprintln!(
            "fanout against {kind}: p50 {}, p99 {}",
            crate::report::ms(percentile(&result.latencies, 50.0)),
            crate::report::ms(percentile(&result.latencies, 99.0))
        );
        results.set(kind, result);
    }

    let per = |d: Duration| d / donations.max(1) as u32;
    let (ours, theirs) = results.get(|r| percentile(&r.latencies, 99.0));
    let target = match (ours, theirs) {
        (Some(ours), Some(theirs)) => format!(
            "under 50 ms: {}; 3x better than the reference: {}",
            verdict(ours < TARGET_P99),
            verdict(ours.as_secs_f64() * TARGET_RATIO <= theirs.as_secs_f64())
        ),
        (Some(ours), None) => format!("under 50 ms: {}", verdict(ours < TARGET_P99)),
        _ => "under 50 ms, 3x better than the reference".into(),
    };
    let mut table = CompareTable::new(format!(
        "S2 fanout: 1 writer, {subscribers} subscribers, {donations} donations"
    ));
    table.row(
        "deliveries measured",
        results.get(|r| Number(r.latencies.len() as f64)),
        Better::Neither,
        "",
    );
    table.row(
        "latency p50",
        results.get(|r| percentile(&r.latencies, 50.0)),
        Better::Lower,
        "",
    );
    table.row("latency p99", (ours, theirs), Better::Lower, target);
    table.row(
        "latency max",
        results.get(|r| percentile(&r.latencies, 100.0)),
        Better::Lower,
        "",
    );
    table.row(
        "writer's change acknowledged (server's heads include it), p50",
        results.get(|r| percentile(&r.acks, 50.0)),
        Better::Lower,
        "",
    );
    table.row(
        "donations never acknowledged to the writer",
        results.get(|r| Number((donations - r.acks.len()) as f64)),
        Better::Neither,
        "0",
    );
    table.row(
        "server CPU per donation (all its threads)",
        results.get(|r| per(r.server_cpu)),
        Better::Lower,
        "",
    );
    table.row(
        "bench clients' CPU per donation (all subscribers)",
        results.get(|r| per(r.bench_cpu)),
        Better::Lower,
        "",
    );
    table.row(
        "donations per second (each waits for every subscriber)",
        results.get(|r| Number(donations as f64 / r.run_time.as_secs_f64())),
        Better::Higher,
        "",
    );
    table.print();
    Ok(())
}

/// Runs the fan-out against one server.
async fn measure(
    target: &mut Target,
    subscribers: usize,
    donations: usize,
    collection: DocumentId,
) -> anyhow::Result<Fanout> {
    target.prepare(subscribers + 1).await?;

    // 1. The writer (device 0) puts the collection on the server. It is made here, for this
    // server, not once for both: it names this server's club, and the donations name the
    // writer's device (clubsync-server checks both). Its shape is the same on both servers.
    let me = target.writer(0)?;
    let mut writer = Device::connect(&target.url(0)?)
        .await
        .context("the writer connects")?;
    writer
        .open(collection, new_collection("Fan-out, High Street", me.club)?)
        .await?;
    writer
        .until(Duration::from_secs(30), Device::in_sync)
        .await
        .context("the writer's new collection reaches the server")?;

    // 2. The subscribers connect and sync it.
    eprintln!("connecting {subscribers} subscribers...");
    let (target_tx, target_rx) = watch::channel::<Wanted>(None);
    let (arrival_tx, mut arrivals) = mpsc::unbounded_channel::<Arrival>();
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<anyhow::Result<()>>();
    let (stop_tx, stop_rx) = watch::channel(false);
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let mut tasks = Vec::with_capacity(subscribers);
    for i in 1..=subscribers {
        let url = target.url(i)?;
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
    let server_cpu = target.cpu_time()?;
    let bench_cpu = cpu_time_of("self")?;
    for seq in 1..=donations as u64 {
        let hash = record_donation(&mut writer.doc, 100 + seq as i64, &me.device)?;
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
    let server_cpu = target.cpu_time()?.saturating_sub(server_cpu);
    let bench_cpu = cpu_time_of("self")?.saturating_sub(bench_cpu);
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    writer.close().await;

    latencies.sort_unstable();
    acks.sort_unstable();
    Ok(Fanout {
        latencies,
        acks,
        server_cpu,
        bench_cpu,
        run_time,
    })
}

/// A subscriber: applies what the server sends, and reports when a frame brings the change the
/// writer is waiting on.
async fn subscribe(
    mut device: Device,
    target: watch::Receiver<Wanted>,
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
