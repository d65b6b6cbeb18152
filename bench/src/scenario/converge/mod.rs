//! `converge`: D real devices (`clubsync_client::DeviceHome` + `SyncEngine`, each in its own
//! directory, one tokio task each) share a street collection, each records N donations offline,
//! then all reconnect at once. Measured: the time until every device holds every donation,
//! beside the same merge done by the automerge crate alone in this process (the floor).
//!
//! Every engine runs in `SyncMode::Once`: it returns once the server has confirmed everything
//! the device has, so a device that finishes before the others' changes reached the server does
//! not have them yet. A second round of once-syncs brings every device to the server's final
//! state; the figure is the sum of both rounds (the bench's bookkeeping between them is left
//! out).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use automerge::{Automerge, ChangeHash};
use clubsync_client::join::join_club;
use clubsync_client::{
    DeviceHome, Membership, ServerAddress, SyncEngine, SyncMode, SyncOptions, SyncSummary, Trust,
};
use clubsync_core::collection::{DonationSource, NewCollection, NewDonation, StreetCollection};
use clubsync_core::currency::Currency;
use clubsync_core::document::TypedDocument;
use clubsync_core::ids::{DonationId, MemberId};
use clubsync_core::money::Money;
use clubsync_core::store::DocumentStore;
use clubsync_core::timestamp::Timestamp;
use clubsync_protocol::DocumentId;
use tokio_util::sync::CancellationToken;

use super::ensure_open_files;
use crate::report::{Table, ms, percentile, verdict};
use crate::server::{ServerProcess, cpu_time_of};

mod checks;
mod floor;

use checks::*;
use floor::*;

/// The target: our convergence within this many times the floor.
const TARGET_RATIO: f64 = 3.0;

/// How long one round of once-syncs may take before the engines give up.
const ROUND_TIMEOUT: Duration = Duration::from_secs(1800);

/// How many once-syncs a device may need during setup to find the new collection in the club's
/// index (the server lists it just after committing it, so a device syncing at that moment may
/// miss it once).
const SETUP_ATTEMPTS: usize = 20;

/// One device: its directory and the club it joined.
struct Device {
    home: DeviceHome,
    membership: Membership,
}

/// What one round of once-syncs took.
struct Round {
    /// From starting every engine to the last one returning.
    wall: Duration,
    /// When each engine returned, from the start.
    finished: Vec<Duration>,
    /// Every engine's summary.
    summaries: Vec<SyncSummary>,
    /// CPU time of the server process during the round.
    server_cpu: Duration,
    /// CPU time of this process (the engines) during the round.
    bench_cpu: Duration,
}

/// The floor: the same data merged by automerge alone.
struct Floor {
    /// `hub.merge(device)` for every device.
    merge_in: Duration,
    /// `device.merge(hub)` for every device.
    merge_out: Duration,
}

/// Runs the scenario and prints its table; fails if a device does not end with every donation.
pub async fn run(bin: &Path, devices: usize, donations: usize) -> anyhow::Result<()> {
    if devices == 0 || donations == 0 {
        bail!("give at least one device and one donation");
    }
    ensure_open_files(devices * 2)?;
    let server = ServerProcess::start(bin)?;
    let address = ServerAddress::parse(&format!("http://{}", server.addr))
        .map_err(|e| anyhow!("the server's address: {e}"))?;
    let trust = Trust::public_roots().map_err(|e| anyhow!("TLS roots: {e}"))?;
    let homes = tempfile::Builder::new()
        .prefix("clubsync-bench-devices-")
        .tempdir()
        .context("cannot make a temporary directory for the devices")?;

    // 1. Every device joins with its own invite, as `clubsync join` does.
    let invites = server.device_invites(devices)?;
    eprintln!("{devices} devices join...");
    let mut fleet = Vec::with_capacity(devices);
    for (i, invite) in invites.iter().enumerate() {
        let mut home = DeviceHome::open(homes.path().join(format!("device-{i}")))
            .with_context(|| format!("device {i}'s directory"))?;
        let membership = join_club(
            &mut home,
            &address,
            &trust,
            invite,
            &format!("converge device {i}"),
        )
        .await
        .with_context(|| format!("device {i} joins"))?;
        fleet.push(Device { home, membership });
    }

    // 2. Device 0 creates the collection and syncs; every other device syncs until it has it.
    let collection = DocumentId::random();
    {
        let first = &mut fleet[0];
        let new = NewCollection {
            club: first.membership.club_document,
            title: "Converge".into(),
            currency: gbp()?,
        };
        let created = StreetCollection::create(None, &new, clubsync_client::now())
            .map_err(|e| anyhow!("cannot create the collection: {e}"))?;
        first
            .home
            .create(&first.membership.club_id, collection, &created)?;
    }
    eprintln!("the collection reaches every device...");
    let creator = fleet.remove(0);
    let (creator, _) = sync_round(vec![creator], &server)
        .await
        .context("the new collection reaches the server")?;
    fleet.splice(0..0, creator);
    let (mut fleet, _) = sync_round(fleet, &server).await.context("setup sync")?;
    for _ in 0..SETUP_ATTEMPTS {
        let missing = fleet
            .iter()
            .filter(|d| d.home.load::<StreetCollection>(&collection).is_err())
            .count();
        if missing == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        fleet = sync_round(fleet, &server).await.context("setup sync")?.0;
    }
    for (i, device) in fleet.iter().enumerate() {
        device
            .home
            .load::<StreetCollection>(&collection)
            .with_context(|| format!("device {i} never got the new collection"))?;
    }

    // 3. Offline: each device records its donations, each one its own change, all saved in one
    // write (one chunk in the device's store).
    eprintln!("each device records {donations} donations offline...");
    let mut expected_total = 0i64;
    for (i, device) in fleet.iter_mut().enumerate() {
        let collector = device
            .membership
            .member_id
            .unwrap_or_else(|| MemberId::new_v7(clubsync_client::now()));
        let new: Vec<NewDonation> = (0..donations)
            .map(|k| donation(i, k, donations, collector, &device.membership.device_id))
            .collect::<anyhow::Result<_>>()?;
        expected_total += new.iter().map(|d| d.amount.minor).sum::<i64>();
        device
            .home
            .write::<StreetCollection, _>(&collection, |c| {
                for d in &new {
                    c.record_donation(d)?;
                }
                Ok(())
            })
            .with_context(|| format!("device {i} records its donations"))?;
    }
    let expected_count = devices * donations;

    // 4. Measured: every engine at once, twice.
    eprintln!("round 1: {devices} devices reconnect at once...");
    let (fleet, first) = sync_round(fleet, &server).await.context("round 1")?;
    let after_first: Vec<BTreeSet<ChangeHash>> = fleet
        .iter()
        .map(|d| d.home.server_heads(&collection).map(BTreeSet::from_iter))
        .collect::<Result<_, _>>()?;
    let chunks_after_first = mean_chunks(&fleet, &collection)?;
    eprintln!("round 2: again, to get what others sent after a device finished...");
    let (mut fleet, second) = sync_round(fleet, &server).await.context("round 2")?;
    let ours = first.wall + second.wall;
    let chunks_after_second = mean_chunks(&fleet, &collection)?;

    // 5. Verify on every device (on every core: each load replays the device's whole store):
    // every donation, the exact sum, one set of heads.
    eprintln!("checking every device...");
    let checks = check_all(&mut fleet, collection).await?;
    let mut problems = Vec::new();
    let mut complete_after_first = 0;
    let mut converged = 0;
    for (i, check) in checks.iter().enumerate() {
        let mut fine = true;
        if check.count != expected_count || check.total != expected_total {
            problems.push(format!(
                "device {i}: {} donations totalling {} pence",
                check.count, check.total
            ));
            fine = false;
        }
        if check.heads != checks[0].heads {
            problems.push(format!("device {i}: other heads than device 0"));
            fine = false;
        }
        complete_after_first += usize::from(after_first[i] == check.heads);
        converged += usize::from(fine);
    }
    let load_from_chunks =
        checks.iter().map(|c| c.load).sum::<Duration>() / checks.len().max(1) as u32;
    // What a connection would pay with a compacted store: device 0, compacted, loaded again.
    let (compaction, load_compacted) = {
        let store = fleet[0].home.store_mut();
        let started = Instant::now();
        store.compact(&collection)?;
        let compaction = started.elapsed();
        let started = Instant::now();
        store
            .load(&collection)?
            .context("device 0's collection is gone after compaction")?;
        (compaction, started.elapsed())
    };

    // 6. The floor, in this process, with nothing else running.
    eprintln!("the floor: the same merge with automerge alone...");
    let device_ids: Vec<String> = fleet
        .iter()
        .map(|d| d.membership.device_id.clone())
        .collect();
    let floor = tokio::task::spawn_blocking(move || floor(&device_ids, donations, expected_total))
        .await
        .context("the floor's thread")??;
    let floor_total = floor.merge_in + floor.merge_out;
    let ratio = ours.as_secs_f64() / floor_total.as_secs_f64();

    let mut table = Table::new(format!(
        "converge: {devices} devices x {donations} donations recorded offline"
    ));
    let changes_received: usize = first
        .summaries
        .iter()
        .chain(&second.summaries)
        .map(|s| s.received_changes)
        .sum();
    let (mut f1, mut f2) = (first.finished.clone(), second.finished.clone());
    f1.sort_unstable();
    f2.sort_unstable();
    table.row(
        "round 1: all engines started to all returned Ok",
        ms(first.wall),
        "",
    );
    table.row(
        "round 1: engine returned, p50 / first",
        format!(
            "{} / {}",
            ms(percentile(&f1, 50.0)),
            ms(f1.first().copied().unwrap_or_default())
        ),
        "",
    );
    table.row(
        "devices holding every donation after round 1",
        format!("{complete_after_first} of {devices}"),
        "",
    );
    table.row(
        "round 2: all engines started to all returned Ok",
        ms(second.wall),
        "",
    );
    table.row(
        "total, reconnect to all converged (round 1 + round 2)",
        ms(ours),
        "",
    );
    table.row(
        "floor: hub.merge(device) for every device",
        ms(floor.merge_in),
        "",
    );
    table.row(
        "floor: device.merge(hub) for every device",
        ms(floor.merge_out),
        "",
    );
    table.row("floor: total", ms(floor_total), "");
    table.row(
        "ratio ours / floor",
        format!("{ratio:.2}"),
        &format!("within {TARGET_RATIO}x: {}", verdict(ratio <= TARGET_RATIO)),
    );
    table.row(
        "every device holds every donation, exact total, same heads",
        format!(
            "{} of {devices} ({expected_count} donations, {expected_total} pence)",
            converged
        ),
        &format!("all: {}", verdict(problems.is_empty())),
    );
    table.row(
        "store chunks of the collection per device after round 1 / round 2 (mean)",
        format!("{chunks_after_first:.0} / {chunks_after_second:.0}"),
        "",
    );
    table.row(
        "loading the collection from a device's store, as every connection starts (mean)",
        ms(load_from_chunks),
        "",
    );
    table.row(
        "the same after compacting the store into one snapshot (device 0; compaction took)",
        format!("{} ({})", ms(load_compacted), ms(compaction)),
        "",
    );
    table.row(
        "changes received by devices (both rounds)",
        changes_received.to_string(),
        "",
    );
    table.row(
        "connections made (both rounds)",
        first
            .summaries
            .iter()
            .chain(&second.summaries)
            .map(|s| s.connections)
            .sum::<u32>()
            .to_string(),
        "",
    );
    table.row(
        "server CPU, round 1 / round 2 (all its threads)",
        format!("{} / {}", ms(first.server_cpu), ms(second.server_cpu)),
        "",
    );
    table.row(
        "devices' CPU (this process), round 1 / round 2",
        format!("{} / {}", ms(first.bench_cpu), ms(second.bench_cpu)),
        "",
    );
    table.print();
    if !problems.is_empty() {
        bail!(
            "the devices did not converge: {}",
            problems
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    drop(server);
    Ok(())
}
