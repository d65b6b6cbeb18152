//! `idle`: N devices connect, join, sync the club document and stay idle; the server's resident
//! memory before and after, over N, is the memory per idle connection (target: at most
//! 64 KiB).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::{Semaphore, mpsc, watch};

use super::{CONNECT_CONCURRENCY, ensure_open_files};
use crate::device::Device;
use crate::report::{Table, bytes, verdict};
use crate::server::ServerProcess;

/// The target of issue 4, in bytes per connection.
const TARGET_BYTES: f64 = 64.0 * 1024.0;

/// How long the server is left alone before its memory is read, so allocations settle.
const SETTLE: Duration = Duration::from_secs(2);

/// Runs the scenario with `connections` devices and prints its table.
pub async fn run(bin: &Path, connections: usize) -> anyhow::Result<()> {
    ensure_open_files(connections)?;
    let server = ServerProcess::start(bin)?;
    let tokens = server.tokens_for(connections).await?;
    let club = tokens.club_document;
    tokio::time::sleep(SETTLE).await;
    let before = server.resident_bytes()?;

    eprintln!("connecting {connections} devices...");
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<anyhow::Result<()>>();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::with_capacity(connections);
    for i in 0..connections {
        let url = server.ws_url(tokens.for_device(i)?);
        let gate = gate.clone();
        let ready = ready_tx.clone();
        let mut stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await;
            let joined = Device::join_and_fetch(&url, club)
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
            // Idle: answer whatever the server sends until told to stop.
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    frame = device.next() => if frame.is_err() { break },
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
    tokio::time::sleep(SETTLE).await;
    let after = server.resident_bytes()?;
    let open = server.metric("clubsync_connections").await?;

    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }

    let per_connection = (after as f64 - before as f64) / connections as f64;
    let mut table = Table::new(format!("idle: {connections} connections"));
    table.row("open connections (server's /metrics)", open.to_string(), "");
    table.row(
        "time to connect, join and sync the club document",
        format!("{:.1} s", connect_time.as_secs_f64()),
        "",
    );
    table.row("server resident memory before", bytes(before as f64), "");
    table.row(
        "server resident memory with all idle",
        bytes(after as f64),
        "",
    );
    table.row(
        "memory per idle connection",
        bytes(per_connection),
        &format!(
            "at most 64 KiB: {}",
            verdict(per_connection <= TARGET_BYTES)
        ),
    );
    table.print();
    Ok(())
}
