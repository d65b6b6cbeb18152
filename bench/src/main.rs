//! `clubsync-bench`: a load generator for `clubsync-server`, and its comparison with the
//! reference automerge-repo sync server.
//!
//! It starts the real server binary with `--demo` in a temporary data directory, gets device
//! tokens the way a club does (invites, redeemed over `POST /api/join`), and drives many
//! simulated devices that speak protocol "1" over real websockets through the protocol crate's
//! `ClientSession`. The comparison scenarios (issue 6) also start the reference server
//! (`bench/reference-server/server.mjs` under Node) and drive the same devices, with the same
//! documents, against it; each prints a table with both servers and their ratio.
//!
//! # Layout
//!
//! - `server`: the clubsync-server process (start, restart, address, invites, `/metrics`,
//!   resident memory).
//! - `target`: either server behind one interface (URLs with or without a token, memory, CPU).
//! - `http`: a minimal HTTP/1.1 client for `/api/join` and `/metrics`.
//! - `device`: one simulated device: a websocket, a `ClientSession` and one document at a time.
//! - `records`: real club records (street collections and donations) through `clubsync-core`.
//! - `report`: percentiles and the printed tables.
//! - `scenario`: `idle`, `fanout`, `storm`, `pull`, `many_docs` (both servers), `commit` and
//!   `converge` (real `clubsync-client` devices; clubsync only).

mod device;
mod http;
mod records;
mod report;
mod scenario;
mod server;
mod target;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use scenario::many_docs::Waits;
use target::{ReferenceCheck, ReferenceSetup, Servers};

/// Load generator for clubsync-server: many simulated devices speaking protocol "1", against
/// clubsync-server and the reference automerge-repo sync server.
///
/// Each scenario starts the real server binary (`--server-bin`) with `--demo` in a fresh
/// temporary data directory, makes device tokens through invites, connects devices over
/// websockets on loopback, measures, prints a table and stops the server. Build the server
/// first, and install the reference server's packages for the comparison:
///
///     cargo build --release -p clubsync-server -p clubsync-bench
///     (cd bench/reference-server && npm ci)
///     target/release/clubsync-bench idle
///
/// COMPARISON IS THE DEFAULT for idle (S1), fanout (S2), storm (S3), pull (S4) and
/// many-docs (S5): each runs against clubsync-server, then against the reference
/// automerge-repo sync server (`node bench/reference-server/server.mjs --port 0 --data DIR`:
/// @automerge/automerge-repo 2.5.6 with the websocket server adapter and Node file storage,
/// as automerge-repo-sync-server sets it up), with the same simulated devices and the same
/// documents, and prints one table: figure | clubsync | reference | ratio | target. The
/// ratio says how many times better clubsync is (reference / clubsync for times and memory).
/// `--servers clubsync` (or `reference`) runs one server only. The reference has no
/// authentication: its devices connect without a token. When node or
/// bench/reference-server/node_modules is missing the run fails, unless CLUBSYNC_SKIP_JS=1,
/// which skips the reference (and says so). commit and converge run against clubsync only.
///
/// One device token opens at most 8 connections, so the bench makes one token per 8
/// simulated devices: two from the demo invites, the rest with the admin command
/// `clubsync-server invite`. Each simulated device has its own peer id and storage id. The
/// devices run in this process, on the same cores as the server under test.
#[derive(Parser, Debug)]
#[command(verbatim_doc_comment)]
struct Cli {
    /// The clubsync-server binary to start.
    #[arg(long, global = true, default_value = "target/release/clubsync-server")]
    server_bin: PathBuf,

    /// Which servers the comparison scenarios run against.
    #[arg(long, global = true, value_enum, default_value_t = Which::Both)]
    servers: Which,

    /// The reference server's script (its node_modules must sit beside it).
    #[arg(
        long,
        global = true,
        default_value = "bench/reference-server/server.mjs"
    )]
    reference_server: PathBuf,

    /// The Node.js executable for the reference server.
    #[arg(long, global = true, default_value = "node")]
    node: PathBuf,

    #[command(subcommand)]
    scenario: Scenario,
}

/// Which servers a comparison runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Which {
    /// clubsync-server, then the reference server.
    Both,
    /// clubsync-server only.
    Clubsync,
    /// The reference server only.
    Reference,
}

#[derive(Subcommand, Debug)]
enum Scenario {
    /// S1: memory per idle connection, both servers. Target: at most 64 KiB per connection
    /// and at most a fifth of the reference server's.
    ///
    /// A device puts a street collection on the server; then N devices (default 5,000;
    /// --smoke: 20) connect, each joins (protocol handshake) and syncs the collection, as
    /// a phone that keeps the app open does, then stays idle (answering the server's
    /// pings). The server's resident memory (VmRSS in /proc/PID/status) is read before the
    /// first of the N connections and once all are idle (each time after 2 s alone; --smoke:
    /// 0.3 s); the difference over N is the figure. Needs about N open files here and N in the server: the bench raises its soft
    /// limit to the hard limit (the server inherits it) and says so if that is not enough.
    #[command(verbatim_doc_comment)]
    Idle {
        /// How many devices to connect.
        #[arg(long, default_value_t = 5_000)]
        connections: usize,
        /// Tiny size for a quick check (20 connections).
        #[arg(long)]
        smoke: bool,
    },

    /// S2: fan-out latency to subscribers of one document, both servers. Target: p99 under
    /// 50 ms and at least 3x better than the reference.
    ///
    /// One writer creates a street collection; M subscribers (default 500; --smoke: 5)
    /// sync it. Then the writer records donations one at a time (real records through
    /// clubsync-core); for each, the latency is the time from the writer's local commit
    /// to a subscriber receiving a sync message whose heads include the change. The next
    /// donation is recorded once every subscriber has the previous one. Prints p50, p99
    /// and max over all (donation, subscriber) pairs. The clients run in this process on
    /// the same cores as the server, so their own work is part of the figure.
    #[command(verbatim_doc_comment)]
    Fanout {
        /// How many subscribers.
        #[arg(long, default_value_t = 500)]
        subscribers: usize,
        /// How many donations the writer records.
        #[arg(long, default_value_t = 100)]
        donations: usize,
        /// Tiny size for a quick check (5 subscribers, 10 donations).
        #[arg(long)]
        smoke: bool,
    },

    /// Changes persisted per second, and group commit (clubsync only). Target: more than one
    /// change per commit under load (no throughput target).
    ///
    /// K devices (default 50; --smoke: 4) spread over D street collections (default 5;
    /// --smoke: 2) each record a donation, send it, wait until the server's heads include
    /// it (the server never advertises heads it has not committed), and repeat, for T
    /// seconds (default 10; --smoke: 2). The server's /metrics counters
    /// clubsync_changes_persisted_total and clubsync_commits_total, read before and
    /// after, give changes persisted per second and changes per commit (above 1 when the
    /// server commits several devices' changes in one transaction). A writer whose change
    /// stays unacknowledged for 2 s reconnects (a known fault of the acknowledgement, see
    /// BENCHMARKS.md); the table counts those changes.
    #[command(verbatim_doc_comment)]
    Commit {
        /// How many writing devices.
        #[arg(long, default_value_t = 50)]
        devices: usize,
        /// How many collection documents they share (devices are dealt round-robin).
        #[arg(long, default_value_t = 5)]
        documents: usize,
        /// How long to write, in seconds.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Tiny size for a quick check (4 devices, 2 documents, 2 seconds).
        #[arg(long)]
        smoke: bool,
    },

    /// Devices that recorded offline reconnect at once: time until all have converged,
    /// against the floor (clubsync only, real clubsync-client devices). Target: within 3x of
    /// the floor.
    ///
    /// D real devices (default 50; --smoke: 3), each a clubsync_client::DeviceHome in its
    /// own temporary directory, join the club with an invite each (as `clubsync join`
    /// does) and are synced by the real clubsync_client::SyncEngine, one tokio task per
    /// device in this process. Setup: device 0 creates a street collection and syncs;
    /// the others sync until the club's index has brought it to them. Then, offline,
    /// each device records N card donations (default 500; --smoke: 20), each its own
    /// Automerge change, saved in one write.
    ///
    /// Measured: every engine is started at once in SyncMode::Once; round 1 is the wall
    /// time until every engine has returned Ok (each returns once the server has
    /// confirmed everything the device holds, so an early finisher lacks the changes
    /// others sent later). Round 2 is the same again, bringing every device to the
    /// server's final state. Ours = round 1 + round 2. Then every device's collection
    /// is checked: D x N donations, their exact total, and the same heads everywhere;
    /// the scenario fails if not.
    ///
    /// The floor: the same data with the automerge crate alone in this process: D forks
    /// of one base collection, N donations each through clubsync-core, then the time of
    /// hub.merge(fork) for every fork plus fork.merge(hub) for every fork. The table
    /// gives both and the ratio ours / floor. The devices and the server share this
    /// machine's cores; the floor runs alone.
    #[command(verbatim_doc_comment)]
    Converge {
        /// How many devices.
        #[arg(long, default_value_t = 50)]
        devices: usize,
        /// How many donations each device records offline.
        #[arg(long, default_value_t = 500)]
        donations: usize,
        /// Tiny size for a quick check (3 devices, 20 donations each).
        #[arg(long)]
        smoke: bool,
    },

    /// S3: reconnect storm, both servers. Target: at least 3x faster than the reference.
    ///
    /// A device puts a street collection on the server. D devices (default 200; --smoke: 4) each
    /// hold a copy of it with N donations recorded offline (default 500; --smoke: 10; each its own
    /// change, made in this process for each server: the same amounts, in that server's club,
    /// naming the device that sends it). All D connect at the same moment and sync. Measured from
    /// that moment: the time until the server has every change (every device has been sent heads
    /// that include its own last change; for clubsync-server that means committed) and the time
    /// until every device has converged (its heads are the D devices' last changes: it holds
    /// all D x N donations). Each device holds the whole collection in memory at the end, so the
    /// bench needs about D x (D x N) donations of memory.
    #[command(verbatim_doc_comment)]
    Storm {
        /// How many devices.
        #[arg(long, default_value_t = 200)]
        devices: usize,
        /// How many donations each device recorded offline.
        #[arg(long, default_value_t = 500)]
        donations: usize,
        /// Tiny size for a quick check (4 devices, 10 donations each).
        #[arg(long)]
        smoke: bool,
    },

    /// S4: a new device pulls a large collection, both servers. Target: at least 3x faster
    /// than the reference.
    ///
    /// Setup: a street collection of N donations (default 100,000; --smoke: 300; one change each,
    /// made in this process for each server: the same amounts, in that server's club, naming the
    /// device that uploads it) is put on each server by one device in batches (default 2,000;
    /// --smoke: 100), each synced before the next, as a collecting phone would over time. Both
    /// servers then run side by side; the pulls alternate between them (one at a time). A pull: a
    /// new device connects, asks for the collection (`request`) and syncs until it holds the
    /// server's heads; the figure is the time from connecting to that. P pulls each (default 3;
    /// --smoke: 1) with the document loaded in the server, then P pulls each right after a restart
    /// of the server (SIGTERM, then started again on the same data directory). Prints the medians.
    #[command(verbatim_doc_comment)]
    Pull {
        /// How many donations the collection holds.
        #[arg(long, default_value_t = 100_000)]
        donations: usize,
        /// How many donations each upload batch carries.
        #[arg(long, default_value_t = 2_000)]
        batch: usize,
        /// How many pulls of each kind (warm, after a restart) per server.
        #[arg(long, default_value_t = 3)]
        pulls: usize,
        /// Tiny size for a quick check (300 donations in batches of 100, 1 pull each).
        #[arg(long)]
        smoke: bool,
    },

    /// S5: many documents touched once, then idle, both servers. Target: resident memory
    /// back within 20% of the idle baseline after the idle timeout.
    ///
    /// clubsync-server is started with --idle-unload-secs S (default 5; --smoke: 1): it
    /// unloads a document no connection has used for S seconds. The reference server has no
    /// such setting and keeps every document. W devices (default 100; --smoke: 4) connect
    /// and create D street collections between them (default 20,000; --smoke: 40), one
    /// after another on each connection, each synced until the server's heads are its
    /// heads; each device leaves when its share is done. Resident memory is read before
    /// the first connection (the baseline, after 2 s alone), 2 s after the last device left,
    /// and S + 10 s after it left (--smoke: 0.3 s, 0.3 s and S + 2 s).
    #[command(verbatim_doc_comment)]
    ManyDocs {
        /// How many documents.
        #[arg(long, default_value_t = 20_000)]
        documents: usize,
        /// How many devices create them.
        #[arg(long, default_value_t = 100)]
        writers: usize,
        /// clubsync-server's --idle-unload-secs.
        #[arg(long, default_value_t = 5)]
        idle_unload_secs: u64,
        /// Tiny size for a quick check (40 documents, 4 devices, unload after 1 s).
        #[arg(long)]
        smoke: bool,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let bin = server::check_binary(&cli.server_bin)?;
    let compared = matches!(
        cli.scenario,
        Scenario::Idle { .. }
            | Scenario::Fanout { .. }
            | Scenario::Storm { .. }
            | Scenario::Pull { .. }
            | Scenario::ManyDocs { .. }
    );
    let servers = if compared {
        servers(&cli, &bin)?
    } else {
        Servers {
            clubsync_bin: bin.clone(),
            reference: None,
            clubsync: true,
        }
    };
    match cli.scenario {
        Scenario::Idle { connections, smoke } => {
            let (connections, settle) = if smoke {
                (20, Duration::from_millis(300))
            } else {
                (connections, Duration::from_secs(2))
            };
            scenario::idle::run(&servers, connections, settle).await
        }
        Scenario::Fanout {
            subscribers,
            donations,
            smoke,
        } => {
            let (subscribers, donations) = if smoke {
                (5, 10)
            } else {
                (subscribers, donations)
            };
            scenario::fanout::run(&servers, subscribers, donations).await
        }
        Scenario::Commit {
            devices,
            documents,
            seconds,
            smoke,
        } => {
            let (devices, documents, seconds) = if smoke {
                (4, 2, 2)
            } else {
                (devices, documents, seconds)
            };
            scenario::commit::run(&bin, devices, documents, seconds).await
        }
        Scenario::Converge {
            devices,
            donations,
            smoke,
        } => {
            let (devices, donations) = if smoke { (3, 20) } else { (devices, donations) };
            scenario::converge::run(&bin, devices, donations).await
        }
        Scenario::Storm {
            devices,
            donations,
            smoke,
        } => {
            let (devices, donations) = if smoke { (4, 10) } else { (devices, donations) };
            scenario::storm::run(&servers, devices, donations).await
        }
        Scenario::Pull {
            donations,
            batch,
            pulls,
            smoke,
        } => {
            let (donations, batch, pulls) = if smoke {
                (300, 100, 1)
            } else {
                (donations, batch, pulls)
            };
            scenario::pull::run(&servers, donations, batch, pulls).await
        }
        Scenario::ManyDocs {
            documents,
            writers,
            idle_unload_secs,
            smoke,
        } => {
            let (documents, writers, idle_unload_secs, waits) = if smoke {
                let waits = Waits {
                    settle: Duration::from_millis(300),
                    margin: Duration::from_secs(2),
                };
                (40, 4, 1, waits)
            } else {
                let waits = Waits {
                    settle: Duration::from_secs(2),
                    margin: Duration::from_secs(10),
                };
                (documents, writers, idle_unload_secs, waits)
            };
            scenario::many_docs::run(&servers, documents, writers, idle_unload_secs, waits).await
        }
    }
}

/// The servers a comparison runs against: the reference is checked (and skipped, saying so,
/// when it cannot run and CLUBSYNC_SKIP_JS=1).
fn servers(cli: &Cli, bin: &std::path::Path) -> anyhow::Result<Servers> {
    let reference = if cli.servers == Which::Clubsync {
        None
    } else {
        match ReferenceSetup::check(&cli.node, &cli.reference_server)? {
            ReferenceCheck::Ready(setup) => Some(setup),
            ReferenceCheck::Skipped(reason) => {
                let note = format!(
                    "CLUBSYNC_SKIP_JS=1: skipping the reference automerge-repo sync server \
                     ({reason}); its column says \"not run\""
                );
                eprintln!("{note}");
                println!("{note}");
                None
            }
        }
    };
    let clubsync = cli.servers != Which::Reference;
    if !clubsync && reference.is_none() {
        anyhow::bail!("--servers reference, but the reference server was skipped");
    }
    Ok(Servers {
        clubsync_bin: bin.to_owned(),
        reference,
        clubsync,
    })
}
