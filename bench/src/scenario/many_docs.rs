//! `many-docs` (S5): D documents touched once each, then idle; the server's resident memory
//! after the idle timeout against its idle baseline. Target: back within 20% of the baseline.
//! clubsync-server unloads a document once no connection has used it for `--idle-unload-secs`
//! (started here with a short one); the reference server keeps every document it has seen.
//!
//! W writer devices (one connection each) share the documents: each creates its street
//! collections one after another (offers it and waits until the server's heads are its heads),
//! then all disconnect. The resident memory is read before the first connection (the baseline),
//! right after the last disconnection, and after the idle timeout plus a margin.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use automerge::Automerge;
use clubsync_protocol::DocumentId;
use tokio::task::JoinSet;

use super::ensure_open_files;
use crate::device::Device;
use crate::records::new_collection;
use crate::report::{Better, Bytes, CompareTable, Number, verdict};
use crate::target::{Kind, Pair, Servers, Target};

/// The target of issue 6: within this share above the idle baseline.
const TARGET_GROWTH: f64 = 0.2;

/// How many connections the writers may lose, all together, before the run fails.
const MAX_LOST: u64 = 1_000;

/// When the memory is read: the server is left alone `settle` before the baseline and after
/// the last device left, and the last reading is `margin` past the idle timeout (unloading and
/// compaction take a moment).
#[derive(Clone, Copy, Debug)]
pub struct Waits {
    /// Before the baseline, and after the last device left.
    pub settle: Duration,
    /// Past the idle timeout.
    pub margin: Duration,
}

/// What one server did.
struct ManyDocs {
    baseline: u64,
    loaded: u64,
    after: u64,
    touch_time: Duration,
    /// Connections lost while the documents were made (the device connected again).
    lost: u64,
    /// Documents loaded in the server when the last device left, and after the idle timeout
    /// (clubsync-server's /metrics; none for the reference).
    loaded_documents: Option<u64>,
    documents_after: Option<u64>,
}

/// Runs the scenario and prints its table.
pub async fn run(
    servers: &Servers,
    documents: usize,
    writers: usize,
    idle_unload_secs: u64,
    waits: Waits,
) -> anyhow::Result<()> {
    if documents == 0 || writers == 0 {
        bail!("give at least one document and one writer");
    }
    ensure_open_files(writers)?;
    // The same document ids on both servers; the documents themselves are made for each
    // server (see `measure`).
    let ids: Vec<DocumentId> = (0..documents).map(|_| DocumentId::random()).collect();
    let wait = Duration::from_secs(idle_unload_secs) + waits.margin;
    let flags = vec![
        "--idle-unload-secs".to_owned(),
        idle_unload_secs.to_string(),
    ];
    let mut results = Pair::default();
    for kind in servers.kinds() {
        eprintln!("many-docs: {documents} documents on {kind}...");
        let mut target = servers.start(kind, &flags)?;
        let result = measure(&mut target, &ids, writers, waits.settle, wait)
            .await
            .with_context(|| format!("many-docs against {kind}"))?;
        eprintln!(
            "many-docs against {kind}: baseline {}, after the last device left {}, after the \
             idle timeout {}",
            crate::report::bytes(result.baseline as f64),
            crate::report::bytes(result.loaded as f64),
            crate::report::bytes(result.after as f64)
        );
        results.set(kind, result);
    }

    let mut table = CompareTable::new(format!(
        "S5 many documents: {documents} documents touched once by {writers} devices, then idle \
         (clubsync-server --idle-unload-secs {idle_unload_secs}; memory read {} s after the last \
         device left)",
        wait.as_secs_f64()
    ));
    table.row(
        "server resident memory, idle baseline (before any connection)",
        results.get(|r| Bytes(r.baseline as f64)),
        Better::Lower,
        "",
    );
    table.row(
        "time to create the documents",
        results.get(|r| r.touch_time),
        Better::Lower,
        "",
    );
    table.row(
        format!(
            "server resident memory {} s after the last device left",
            waits.settle.as_secs_f64()
        ),
        results.get(|r| Bytes(r.loaded as f64)),
        Better::Lower,
        "",
    );
    let loaded = |n: Option<u64>| n.map_or_else(|| "all (never unloads)".into(), |n| n.to_string());
    let (c, r) = results.get(|r| {
        format!(
            "{} / {}",
            loaded(r.loaded_documents),
            loaded(r.documents_after)
        )
    });
    table.text(
        "documents loaded in the server, when the last device left / after the idle timeout \
         (clubsync's /metrics)",
        c.unwrap_or_else(|| "not run".into()),
        r.unwrap_or_else(|| "not run".into()),
        "",
    );
    table.row(
        "connections lost while making them (the device connected again)",
        results.get(|r| Number(r.lost as f64)),
        Better::Lower,
        "",
    );
    table.row(
        "server resident memory after the idle timeout",
        results.get(|r| Bytes(r.after as f64)),
        Better::Lower,
        "",
    );
    let growth = |r: &ManyDocs| r.after as f64 / r.baseline as f64 - 1.0;
    let verdict_of = |kind: Kind, r: &Option<ManyDocs>| {
        r.as_ref()
            .map(|r| format!("{kind}: {}", verdict(growth(r) <= TARGET_GROWTH)))
    };
    let verdicts: Vec<String> = [
        verdict_of(Kind::Clubsync, &results.clubsync),
        verdict_of(Kind::Reference, &results.reference),
    ]
    .into_iter()
    .flatten()
    .collect();
    table.row(
        "after the idle timeout, above the baseline",
        results.get(|r| Percent(100.0 * growth(r))),
        Better::Neither,
        format!("at most 20%: {}", verdicts.join("; ")),
    );
    table.row(
        "documents",
        results.get(|_| Number(documents as f64)),
        Better::Neither,
        "",
    );
    table.print();
    Ok(())
}

/// A share in percent.
#[derive(Clone, Copy)]
struct Percent(f64);

impl crate::report::Shown for Percent {
    fn show(&self) -> String {
        format!("{:+.1}%", self.0)
    }
    fn value(&self) -> f64 {
        self.0
    }
}

/// Touches every document on one server, then waits and reads its memory.
async fn measure(
    target: &mut Target,
    ids: &[DocumentId],
    writers: usize,
    settle: Duration,
    wait: Duration,
) -> anyhow::Result<ManyDocs> {
    target.prepare(writers).await?;
    // The documents are made here, for this server, not once for both: each names this
    // server's club (clubsync-server refuses a new document of another club). The same empty
    // collections, with the same titles, on both servers; made before the baseline is read,
    // and saved, so the writers load them as before.
    eprintln!("many-docs: making {} street collections...", ids.len());
    let club = target.writer(0)?.club;
    let mut docs = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        docs.push((
            *id,
            new_collection(&format!("Collection {i}"), club)?.save(),
        ));
    }
    tokio::time::sleep(settle).await;
    let baseline = target.resident_bytes()?;

    let started = Instant::now();
    let lost = Arc::new(AtomicU64::new(0));
    let mut tasks = JoinSet::new();
    let share = docs.len().div_ceil(writers);
    for (w, mine) in docs.chunks(share).enumerate() {
        let url = target.url(w)?;
        let mine = mine.to_vec();
        let lost = lost.clone();
        tasks.spawn(async move {
            let mut device = Device::connect(&url)
                .await
                .with_context(|| format!("writer {w} connects"))?;
            for (id, bytes) in mine {
                let doc = Automerge::load(&bytes).context("loading a made document")?;
                device.open(id, doc).await?;
                device = device
                    .until_reconnecting(
                        &url,
                        Duration::from_secs(120),
                        Device::in_sync,
                        &lost,
                        MAX_LOST,
                    )
                    .await
                    .with_context(|| format!("writer {w}: document {id} reaches the server"))?;
            }
            // Done: it leaves.
            device.close().await;
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.context("a writer task failed")??;
    }
    let touch_time = started.elapsed();
    tokio::time::sleep(settle).await;
    let loaded = target.resident_bytes()?;
    let loaded_documents = target.loaded_documents().await?;
    tokio::time::sleep(wait.saturating_sub(settle)).await;
    let after = target.resident_bytes()?;
    let documents_after = target.loaded_documents().await?;
    Ok(ManyDocs {
        baseline,
        loaded,
        after,
        touch_time,
        lost: lost.load(Ordering::Relaxed),
        loaded_documents,
        documents_after,
    })
}
