//! `clubsync sync`: once (until everything is on the server) or `--watch` (stay connected), with
//! progress on the terminal.

use std::io::Write as _;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use clubsync_client::{DeviceHome, Membership, SyncEngine, SyncEvent, SyncMode, SyncOptions};
use indicatif::{ProgressBar, ProgressStyle};
use tokio_util::sync::CancellationToken;

use super::Context;

#[derive(Args, Debug)]
pub struct SyncArgs {
    /// Stay connected: send new records as they are made (also by other clubsync commands on
    /// this device) and receive others' as they come, reconnecting whenever the connection drops.
    /// Stop with Ctrl-C.
    #[arg(long)]
    watch: bool,
    /// Give up a one-off sync after this many seconds (what arrived by then is kept).
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    timeout: u64,
    /// Keep trying when the server cannot be reached at first, instead of stopping at once.
    #[arg(long)]
    retry: bool,
    /// The longest wait between reconnection attempts, in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    max_backoff: u64,
}

impl SyncArgs {
    /// A plain one-off sync.
    pub fn once() -> Self {
        Self {
            watch: false,
            timeout: 600,
            retry: false,
            max_backoff: 30,
        }
    }
}

pub fn sync(context: &Context, args: SyncArgs) -> anyhow::Result<()> {
    let home = context.home()?;
    let memberships: Vec<Membership> = match &context.club {
        Some(_) => vec![home.membership(context.club.as_deref())?],
        None => {
            let all = home.memberships()?;
            if all.is_empty() {
                return Err(clubsync_client::ClientError::NotJoined.into());
            }
            all
        }
    };
    drop(home);
    let options = SyncOptions {
        mode: if args.watch {
            SyncMode::Watch
        } else {
            SyncMode::Once
        },
        timeout: Duration::from_secs(args.timeout),
        max_backoff: Duration::from_secs(args.max_backoff.max(1)),
        retry_unreachable: args.retry || args.watch,
        ..SyncOptions::default()
    };
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let stop = CancellationToken::new();
        let on_signal = stop.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            on_signal.cancel();
        });
        let mut runs = Vec::new();
        for mut membership in memberships {
            let mut home = DeviceHome::open(&context.home_dir)?;
            let progress = progress_bar(&membership);
            swap_token_if_due(&mut home, &mut membership, &progress).await;
            let engine = SyncEngine::new(home, membership.clone(), options.clone());
            let task = sync_club(engine, membership, progress, stop.clone());
            if args.watch {
                runs.push(tokio::spawn(task));
            } else {
                let line = task.await?;
                writeln!(context.out(), "{line}")?;
            }
        }
        for run in runs {
            let line = run.await.context("a sync task failed")??;
            writeln!(context.out(), "{line}")?;
        }
        anyhow::Ok(())
    })
}

/// Swaps the device's token for a new one when it is due. A failure is shown and the sync goes
/// on with the current token (still valid); the swap is tried again at the next sync.
async fn swap_token_if_due(
    home: &mut DeviceHome,
    membership: &mut Membership,
    shown: &ProgressBar,
) {
    let now = clubsync_client::now().millis();
    match clubsync_client::token_rotation::rotate_if_due(home, membership, now).await {
        Ok(true) => say(
            shown,
            "swapped this device's token for a new one (done weekly)".into(),
        ),
        Ok(false) => {}
        Err(e) => say(
            shown,
            format!(
                "could not swap this device's token for a new one now ({e}); trying again at the next sync"
            ),
        ),
    }
}

async fn sync_club(
    mut engine: SyncEngine,
    membership: Membership,
    progress: ProgressBar,
    stop: CancellationToken,
) -> anyhow::Result<String> {
    let mut events = engine.subscribe();
    let shown = progress.clone();
    let watcher = tokio::spawn(async move {
        let mut received = 0usize;
        let mut received_bytes = 0usize;
        let mut sent_bytes = 0usize;
        while let Some(event) = events.recv().await {
            match event {
                SyncEvent::Connecting { server, attempt: 1 } => {
                    shown.set_message(format!("connecting to {server}"))
                }
                SyncEvent::Connecting { attempt, .. } => {
                    shown.set_message(format!("connecting (attempt {attempt})"))
                }
                SyncEvent::Connected { documents } => {
                    shown.set_message(format!("connected; syncing {documents} document(s)"))
                }
                SyncEvent::Received { changes, bytes, .. } => {
                    received += changes;
                    received_bytes += bytes;
                    shown.set_message(format!(
                        "received {received} change(s) ({}), sent {}",
                        kib(received_bytes),
                        kib(sent_bytes)
                    ));
                }
                SyncEvent::Sent { bytes } => {
                    sent_bytes += bytes;
                    shown.set_message(format!(
                        "received {received} change(s) ({}), sent {}",
                        kib(received_bytes),
                        kib(sent_bytes)
                    ));
                }
                SyncEvent::Discovered { documents } => {
                    say(&shown, format!("{documents} new document(s) in the club"))
                }
                SyncEvent::Unavailable { document } => say(
                    &shown,
                    format!(
                        "document {document} is not on the server (or not shared with this device)"
                    ),
                ),
                SyncEvent::AllSynced => shown.set_message("all saved on the server"),
                SyncEvent::Rebuilt { rebuilt, reason } => {
                    let mut text = format!(
                        "the server refused a change to document {}: {reason}\n  this device's \
                         copy is kept aside in {}\n  rebuilt on the server's copy: {} record(s) \
                         written again",
                        rebuilt.document,
                        rebuilt.kept_aside.display(),
                        rebuilt.kept.len()
                    );
                    for dropped in &rebuilt.dropped {
                        text.push_str(&format!("\n  left out: {dropped}"));
                    }
                    say(&shown, text)
                }
                SyncEvent::Erased { documents } => say(
                    &shown,
                    format!(
                        "this device was revoked by a coordinator: the club's {documents} \
                         document(s) were erased from it"
                    ),
                ),
                SyncEvent::Disconnected { reason, retry_in } => say(
                    &shown,
                    format!(
                        "disconnected ({reason}); trying again in {:.1} s",
                        retry_in.as_secs_f64()
                    ),
                ),
                _ => {}
            }
        }
    });
    let result = engine.run(stop).await;
    drop(engine);
    let _ = watcher.await;
    progress.finish_and_clear();
    let summary = match result {
        Err(e @ clubsync_client::ClientError::Unreachable { .. }) => {
            return Err(anyhow::Error::new(e).context(format!(
                "club {}: not synced; everything recorded is saved on this device and will be \
                 sent at the next sync (`clubsync sync --retry` keeps trying)",
                membership.club_id
            )));
        }
        other => other.with_context(|| format!("club {}", membership.club_id))?,
    };
    let line = format!(
        "Club {}: {} document(s); received {} change(s) ({}), sent {}.{}",
        membership.club_id,
        summary.documents,
        summary.received_changes,
        kib(summary.received_bytes),
        kib(summary.sent_bytes),
        if summary.in_sync && summary.refused_documents.is_empty() {
            " All saved on the server."
        } else {
            ""
        }
    );
    for document in &summary.refused_documents {
        eprintln!(
            "warning: the server refused document {document}: its records stay on this device \
             only (ask a coordinator whether you may write it)"
        );
    }
    Ok(line)
}

/// A line for the user: above the progress bar on a terminal, on stderr otherwise (a log).
fn say(bar: &ProgressBar, line: String) {
    if bar.is_hidden() {
        eprintln!("{line}");
    } else {
        bar.println(line);
    }
}

fn progress_bar(membership: &Membership) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix}: {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_prefix(format!("club {}", short(&membership.club_id)));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

fn kib(bytes: usize) -> String {
    if bytes < 10 * 1024 {
        format!("{bytes} B")
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
