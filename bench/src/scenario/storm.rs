//! `storm` (S3): D devices, each holding N donations recorded offline in a shared street
//! collection, connect at the same moment. Measured: the time until the server has every change
//! (every device has been told heads that include its own changes) and the time until every
//! device has converged (holds every device's donations). Target: at least 3x faster than the
//! reference server.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use automerge::{ActorId, Automerge, ChangeHash};
use clubsync_protocol::DocumentId;
use tokio::sync::{mpsc, watch};

use super::{ensure_open_files, seed};
use crate::device::Device;
use crate::records::{new_collection, record_donation};
use crate::report::{Better, Bytes, CompareTable, Number, percentile, verdict};
use crate::server::cpu_time_of;
use crate::target::{Pair, Servers, Target};

/// The target of issue 6: at least this many times faster than the reference.
const TARGET_RATIO: f64 = 3.0;

/// How long the storm may last before the run fails.
const STORM_LIMIT: Duration = Duration::from_secs(1800);

/// How many times the devices of one storm may reconnect, all together, before the run fails.
const MAX_RECONNECTIONS: u64 = 10_000;

/// What one device saw, from the start of the storm.
struct DeviceTimes {
    /// The server's heads included every change of this device.
    uploaded: Duration,
    /// The device held every device's changes.
    converged: Duration,
}

/// What one server did.
struct Storm {
    /// The last device's `uploaded`: the server has every change.
    uploaded: Duration,
    /// The last device's `converged`: every device has converged.
    converged: Duration,
    /// Every device's `converged`, sorted.
    per_device: Vec<Duration>,
    server_cpu: Duration,
    bench_cpu: Duration,
    /// Bytes received by all devices.
    received: u64,
    /// The server's resident memory once every device had converged.
    resident: u64,
    /// How many times a device lost its connection and connected again.
    reconnections: u64,
}

/// Runs the scenario against each server and prints its table.
pub async fn run(servers: &Servers, devices: usize, donations: usize) -> anyhow::Result<()> {
    if devices == 0 || donations == 0 {
        bail!("give at least one device and one donation");
    }
    ensure_open_files(devices + 1)?;

    // The same collection id on both servers. The collection and the offline copies are made
    // for each server after its device tokens (see `measure`), not once for both: the
    // collection names that server's club and each device's donations name the device of its
    // token, as clubsync-server checks. Their shape is the same on both: one base collection,
    // and each device's copy with its own N donations (one change each), the same amounts.
    let collection = DocumentId::random();

    let mut results = Pair::default();
    for kind in servers.kinds() {
        eprintln!("storm: {devices} devices reconnect to {kind} at once...");
        let mut target = servers.start(kind, &[])?;
        let result = measure(&mut target, collection, devices, donations)
            .await
            .with_context(|| format!("storm against {kind}"))?;
        eprintln!(
            "storm against {kind}: every change on the server after {:.2} s, every device \
             converged after {:.2} s, {} connections lost",
            result.uploaded.as_secs_f64(),
            result.converged.as_secs_f64(),
            result.reconnections
        );
        results.set(kind, result);
    }

    let changes = devices * donations;
    let (ours, theirs) = results.get(|r| r.converged);
    let target = match (ours, theirs) {
        (Some(ours), Some(theirs)) => format!(
            "3x faster than the reference: {}",
            verdict(ours.as_secs_f64() * TARGET_RATIO <= theirs.as_secs_f64())
        ),
        _ => "3x faster than the reference".into(),
    };
    let mut table = CompareTable::new(format!(
        "S3 reconnect storm: {devices} devices x {donations} offline donations ({changes} changes)"
    ));
    table.row(
        "all connected at once → the server has every change",
        results.get(|r| r.uploaded),
        Better::Lower,
        "",
    );
    table.row(
        "all connected at once → every device has converged",
        (ours, theirs),
        Better::Lower,
        target,
    );
    table.row(
        "a device converged, p50",
        results.get(|r| percentile(&r.per_device, 50.0)),
        Better::Lower,
        "",
    );
    table.row(
        "server CPU during the storm",
        results.get(|r| r.server_cpu),
        Better::Lower,
        "",
    );
    table.row(
        "bench devices' CPU during the storm",
        results.get(|r| r.bench_cpu),
        Better::Lower,
        "",
    );
    table.row(
        "bytes received by all devices",
        results.get(|r| Bytes(r.received as f64)),
        Better::Lower,
        "",
    );
    table.row(
        "server resident memory after",
        results.get(|r| Bytes(r.resident as f64)),
        Better::Lower,
        "",
    );
    table.row(
        "connections lost during the storm (the device connected again)",
        results.get(|r| Number(r.reconnections as f64)),
        Better::Lower,
        "",
    );
    table.row(
        "devices converged (every donation, the same heads)",
        results.get(|r| Number(r.per_device.len() as f64)),
        Better::Neither,
        format!("all {devices}"),
    );
    table.print();
    Ok(())
}

/// The storm against one server.
async fn measure(
    target: &mut Target,
    collection: DocumentId,
    devices: usize,
    donations: usize,
) -> anyhow::Result<Storm> {
    // Device 0 puts the base collection on the server (the devices had it before going
    // offline); devices 1..=D storm.
    target.prepare(devices + 1).await?;
    eprintln!("storm: recording {donations} donations offline on each of {devices} devices...");
    let base = new_collection("Storm, Station Road", target.writer(0)?.club)?;
    let mut offline = Vec::with_capacity(devices);
    let mut final_heads = BTreeSet::new();
    for i in 0..devices {
        // Each device is its own Automerge actor, as every phone is; its donations name the
        // device of the token it connects with (storm device i is simulated device i + 1).
        let device = target.writer(i + 1)?.device;
        let mut doc = base.clone();
        doc.set_actor(ActorId::random());
        let mut last = None;
        for k in 0..donations {
            last = Some(record_donation(&mut doc, 100 + k as i64, &device)?);
        }
        final_heads.extend(last);
        offline.push(doc);
    }
    let final_heads: Vec<ChangeHash> = final_heads.into_iter().collect();
    seed(target, 0, collection, base).await?;

    let (start_tx, start_rx) = watch::channel::<Option<Instant>>(None);
    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<anyhow::Result<DeviceTimes>>();
    let received = Arc::new(AtomicU64::new(0));
    let reconnections = Arc::new(AtomicU64::new(0));
    let final_heads: Arc<[ChangeHash]> = final_heads.into();
    let mut tasks = Vec::with_capacity(devices);
    for (i, doc) in offline.iter().enumerate() {
        let url = target.url(i + 1)?;
        let own = *doc
            .get_heads()
            .first()
            .context("an offline copy without heads")?;
        let doc = doc.clone();
        let (mut start, stop, done) = (start_rx.clone(), stop_rx.clone(), done_tx.clone());
        let (received, final_heads) = (received.clone(), final_heads.clone());
        let reconnections = reconnections.clone();
        tasks.push(tokio::spawn(async move {
            let started = loop {
                if let Some(at) = *start.borrow_and_update() {
                    break at;
                }
                if start.changed().await.is_err() {
                    return;
                }
            };
            let storm = Storming {
                own,
                final_heads: &final_heads,
                started,
                done: &done,
                reconnections: &reconnections,
            };
            match storm.reconnect(&url, collection, doc, stop).await {
                Ok(bytes) => {
                    received.fetch_add(bytes, Ordering::Relaxed);
                }
                Err(e) => {
                    let _ = done.send(Err(e.context(format!("device {}", i + 1))));
                }
            }
        }));
    }
    drop(done_tx);

    let server_cpu = target.cpu_time()?;
    let bench_cpu = cpu_time_of("self")?;
    let started = Instant::now();
    start_tx.send_replace(Some(started));
    let deadline = tokio::time::Instant::now() + STORM_LIMIT;
    let mut times = Vec::with_capacity(devices);
    while times.len() < devices {
        let next = tokio::time::timeout_at(deadline, done_rx.recv())
            .await
            .map_err(|_| {
                anyhow!(
                    "{} of {devices} devices converged within {STORM_LIMIT:?}",
                    times.len()
                )
            })?
            .context("a device task ended without a word")?;
        match next {
            Ok(t) => times.push(t),
            Err(e) => {
                let _ = stop_tx.send(true);
                return Err(e);
            }
        }
    }
    let server_cpu = target.cpu_time()?.saturating_sub(server_cpu);
    let bench_cpu = cpu_time_of("self")?.saturating_sub(bench_cpu);
    let resident = target.resident_bytes()?;
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }

    let uploaded = times.iter().map(|t| t.uploaded).max().unwrap_or_default();
    let converged = times.iter().map(|t| t.converged).max().unwrap_or_default();
    let mut per_device: Vec<Duration> = times.iter().map(|t| t.converged).collect();
    per_device.sort_unstable();
    Ok(Storm {
        uploaded,
        converged,
        per_device,
        server_cpu,
        bench_cpu,
        received: received.load(Ordering::Relaxed),
        resident,
        reconnections: reconnections.load(Ordering::Relaxed),
    })
}

/// What one device of the storm knows.
struct Storming<'a> {
    /// Its own last change.
    own: ChangeHash,
    /// The heads once every device's changes are in.
    final_heads: &'a [ChangeHash],
    /// When the storm started.
    started: Instant,
    /// Where it reports its times.
    done: &'a mpsc::UnboundedSender<anyhow::Result<DeviceTimes>>,
    /// Reconnections of all devices so far.
    reconnections: &'a AtomicU64,
}

impl Storming<'_> {
    /// Connects, offers the offline copy, and syncs until the server has its changes and it
    /// has everyone's; reports its times; then keeps answering (the server may still be
    /// syncing with it) until told to stop. Returns the bytes it received.
    async fn reconnect(
        &self,
        url: &str,
        collection: DocumentId,
        doc: Automerge,
        mut stop: watch::Receiver<bool>,
    ) -> anyhow::Result<u64> {
        let mut device = Device::connect(url).await?;
        device.open(collection, doc).await?;
        let mut uploaded = None;
        let mut converged = None;
        loop {
            if uploaded.is_none() && device.server_has(&self.own) {
                uploaded = Some(self.started.elapsed());
            }
            if converged.is_none() && device.doc.get_heads() == self.final_heads {
                converged = Some(self.started.elapsed());
            }
            if let (Some(uploaded), Some(converged)) = (uploaded, converged) {
                let _ = self.done.send(Ok(DeviceTimes {
                    uploaded,
                    converged,
                }));
                break;
            }
            if let Err(e) = device.next().await {
                // As a real client does (automerge-repo's websocket client retries too): connect
                // again and carry on from what the device holds.
                let count = self.reconnections.fetch_add(1, Ordering::Relaxed) + 1;
                if count > MAX_RECONNECTIONS {
                    return Err(e.context(format!(
                        "more than {MAX_RECONNECTIONS} reconnections in this storm"
                    )));
                }
                eprintln!("a storm device lost its connection ({e:#}); it reconnects");
                device = device.reconnect(url).await?;
            }
        }
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                frame = device.next() => if frame.is_err() { break },
            }
        }
        let received = device.bytes_received;
        device.close().await;
        Ok(received)
    }
}
