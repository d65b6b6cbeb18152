//! What the converge scenario checks on every device after a round: every donation, the exact
//! total, the same heads, and how the device's store holds them.

use super::*;

/// What one device holds at the end.
pub(super) struct Check {
    /// Donations in its collection.
    pub(super) count: usize,
    /// Their total, in pence.
    pub(super) total: i64,
    /// The collection's heads.
    pub(super) heads: BTreeSet<ChangeHash>,
    /// How long loading the collection from the device's store took.
    pub(super) load: Duration,
}

/// Loads every device's collection and reads its donations, on as many threads as there are
/// cores; the checks come back in device order.
pub(super) async fn check_all(
    fleet: &mut Vec<Device>,
    collection: DocumentId,
) -> anyhow::Result<Vec<Check>> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let per_thread = fleet.len().div_ceil(threads).max(1);
    let mut tasks = Vec::new();
    let mut rest = std::mem::take(fleet);
    while !rest.is_empty() {
        let tail = rest.split_off(per_thread.min(rest.len()));
        let part = std::mem::replace(&mut rest, tail);
        tasks.push(tokio::task::spawn_blocking(move || {
            let checks = part
                .iter()
                .map(|d| check(&d.home, &collection))
                .collect::<anyhow::Result<Vec<_>>>();
            (part, checks)
        }));
    }
    let mut checks = Vec::with_capacity(tasks.len() * per_thread);
    for task in tasks {
        let (part, part_checks) = task.await.context("a checking thread panicked")?;
        fleet.extend(part);
        checks.extend(part_checks?);
    }
    Ok(checks)
}

pub(super) fn check(home: &DeviceHome, collection: &DocumentId) -> anyhow::Result<Check> {
    let started = Instant::now();
    let c: StreetCollection = home.load(collection)?;
    let load = started.elapsed();
    let donations = c.donations()?;
    Ok(Check {
        count: donations.len(),
        total: donations
            .iter()
            .filter(|d| !d.reversed)
            .map(|d| d.amount.minor)
            .sum(),
        heads: c.heads().into_iter().collect(),
        load,
    })
}

/// The mean number of chunks the devices' stores hold of the collection (each received sync
/// message that brought changes is one chunk; nothing on a device compacts them).
pub(super) fn mean_chunks(fleet: &[Device], collection: &DocumentId) -> anyhow::Result<f64> {
    let mut total = 0;
    for device in fleet {
        total += device.home.store().stored_size(collection)?.chunks;
    }
    Ok(total as f64 / fleet.len().max(1) as f64)
}

/// One once-sync of every device, all engines started together; returns the devices and what
/// the round took.
pub(super) async fn sync_round(
    fleet: Vec<Device>,
    server: &ServerProcess,
) -> anyhow::Result<(Vec<Device>, Round)> {
    let options = SyncOptions {
        mode: SyncMode::Once,
        timeout: ROUND_TIMEOUT,
        retry_unreachable: true,
        ..SyncOptions::default()
    };
    let engines: Vec<(SyncEngine, Membership)> = fleet
        .into_iter()
        .map(|d| {
            let engine = SyncEngine::new(d.home, d.membership.clone(), options.clone());
            (engine, d.membership)
        })
        .collect();
    let server_cpu = server.cpu_time()?;
    let bench_cpu = cpu_time_of("self")?;
    let started = Instant::now();
    let tasks: Vec<_> = engines
        .into_iter()
        .map(|(mut engine, membership)| {
            tokio::spawn(async move {
                let result = engine.run(CancellationToken::new()).await;
                let at = started.elapsed();
                (engine.into_home(), membership, result, at)
            })
        })
        .collect();
    let mut fleet = Vec::with_capacity(tasks.len());
    let mut finished = Vec::with_capacity(tasks.len());
    let mut summaries = Vec::with_capacity(tasks.len());
    let mut failures = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let (home, membership, result, at) = task.await.context("an engine task panicked")?;
        match result {
            Ok(summary) => summaries.push(summary),
            Err(e) => failures.push(format!("device {i}: {e}")),
        }
        finished.push(at);
        fleet.push(Device { home, membership });
    }
    let wall = started.elapsed();
    let round = Round {
        wall,
        finished,
        summaries,
        server_cpu: server.cpu_time()?.saturating_sub(server_cpu),
        bench_cpu: cpu_time_of("self")?.saturating_sub(bench_cpu),
    };
    if !failures.is_empty() {
        bail!("{} engines failed: {}", failures.len(), failures.join("; "));
    }
    Ok((fleet, round))
}
