//! `clubsync-bench`: a load generator for `clubsync-server`.
//!
//! It starts the real server binary with `--demo` in a temporary data directory, gets device
//! tokens the way a club does (invites, redeemed over `POST /api/join`), and drives many
//! simulated devices that speak protocol "1" over real websockets through the protocol crate's
//! `ClientSession`. Each scenario prints a table of figures and targets (the targets of issue 4).
//!
//! # Layout
//!
//! - `server`: the server process (start, address, invites, `/metrics`, resident memory).
//! - `http`: a minimal HTTP/1.1 client for `/api/join` and `/metrics`.
//! - `device`: one simulated device: a websocket, a `ClientSession` and one document.
//! - `records`: real club records (street collections and donations) through `clubsync-core`.
//! - `report`: percentiles and the printed table.
//! - `scenario`: `idle`, `fanout`, `commit` and `converge` (real `clubsync-client` devices).

mod device;
mod http;
mod records;
mod report;
mod scenario;
mod server;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Load generator for clubsync-server: many simulated devices speaking protocol "1".
///
/// Each scenario starts the real server binary (`--server-bin`) with `--demo` in a fresh
/// temporary data directory, makes device tokens through invites, connects devices over
/// websockets on loopback, measures, prints a table (figure, value, target) and stops the
/// server. Build the server first:
///
///     cargo build --release -p clubsync-server -p clubsync-bench
///     target/release/clubsync-bench idle
///
/// One device token opens at most 8 connections, so the bench makes one token per 8
/// simulated devices: two from the demo invites, the rest with the admin command
/// `clubsync-server invite`. Each simulated device has its own peer id.
#[derive(Parser, Debug)]
#[command(verbatim_doc_comment)]
struct Cli {
    /// The clubsync-server binary to start.
    #[arg(long, global = true, default_value = "target/release/clubsync-server")]
    server_bin: PathBuf,

    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand, Debug)]
enum Scenario {
    /// Memory per idle connection. Target: at most 64 KiB per connection.
    ///
    /// Connects N devices (default 5,000; --smoke: 20); each joins (protocol handshake)
    /// and syncs the demo club's document, as a phone that keeps the app open does, then
    /// stays idle. The server's resident memory (VmRSS in /proc/PID/status) is read before
    /// the first connection and once all are idle; the difference over N is the figure.
    /// Needs about N open files here and N in the server: the bench raises its soft limit
    /// to the hard limit (the server inherits it) and says so if that is not enough.
    #[command(verbatim_doc_comment)]
    Idle {
        /// How many devices to connect.
        #[arg(long, default_value_t = 5_000)]
        connections: usize,
        /// Tiny size for a quick check (20 connections).
        #[arg(long)]
        smoke: bool,
    },

    /// Fan-out latency to subscribers of one document. Target: p99 under 50 ms.
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

    /// Changes persisted per second, and group commit. Target: more than one change per
    /// commit under load (no throughput target).
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
    /// against the floor. Target: within 3x of the floor.
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
    match cli.scenario {
        Scenario::Idle { connections, smoke } => {
            let connections = if smoke { 20 } else { connections };
            scenario::idle::run(&bin, connections).await
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
            scenario::fanout::run(&bin, subscribers, donations).await
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
    }
}
