//! `clubsync-server`: the binary. Parses flags, opens the data directory, and either serves or
//! runs one admin command. All the work is in the library; this file is glue.

mod admin_cli;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use clubsync_protocol::{Limits, StorageId};
use clubsync_server::documents::OutboxLimits;
use clubsync_server::http_connections::HttpLimits;
use clubsync_server::identity::IdentityStore;
use clubsync_server::serve::{ServeConfig, Server, TlsMode, shutdown_signal};
use clubsync_server::storage::SharedStore;
use clubsync_server::{data_dir, demo, web_app};
use tracing_subscriber::EnvFilter;

/// jemalloc, which gives freed memory back to the OS (a background thread purges within about a
/// second, set in .cargo/config.toml). With glibc's malloc a server that loaded and then
/// unloaded 20,000 documents stayed at its peak of 849 MiB; with jemalloc it falls back to
/// 72 MiB (BENCHMARKS.md, S5).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The clubsync sync server: devices of volunteer clubs sync their records through it.
///
/// With no command it serves. Start a try-out server with a demo club:
///
///     clubsync-server --demo
///
/// A real server: create the data directory and a club, then serve over TLS:
///
///     clubsync-server init
///     clubsync-server club create "Leeds University Club" --country GB --currency GBP
///     clubsync-server invite --club "Leeds University Club" --role coordinator --name "Min-ji"
///     clubsync-server --listen 0.0.0.0:443 --tls-cert cert.pem --tls-key key.pem
#[derive(Parser, Debug)]
#[command(version, verbatim_doc_comment)]
struct Cli {
    /// The directory holding the server's databases.
    #[arg(
        long,
        env = "CLUBSYNC_DATA_DIR",
        default_value = "clubsync-data",
        global = true
    )]
    data_dir: PathBuf,

    /// The address and port to listen on.
    #[arg(long, env = "CLUBSYNC_LISTEN", default_value = "127.0.0.1:3030")]
    listen: SocketAddr,

    /// PEM file with the TLS certificate chain (with --tls-key).
    #[arg(long, env = "CLUBSYNC_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// PEM file with the TLS private key (with --tls-cert).
    #[arg(long, env = "CLUBSYNC_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Serve TLS with a certificate made at start (for a club-room server on a LAN); its PEM is
    /// written to the data directory so devices can pin it.
    #[arg(long, conflicts_with = "tls_cert")]
    self_signed: bool,

    /// A name or address phones reach the server by (its LAN address, such as 192.168.1.20, or
    /// clubroom.lan), put in the --self-signed certificate; repeat for several. The certificate
    /// always names localhost and the --listen address (unless that is 0.0.0.0 or ::). It is
    /// made once: delete the self-signed-*.pem files of the data directory to make it again.
    #[arg(
        long = "self-signed-host",
        value_name = "HOST",
        requires = "self_signed"
    )]
    self_signed_hosts: Vec<String>,

    /// Allow plain HTTP on an address other than loopback. Tokens then cross the network in
    /// the clear: only for a network you trust completely.
    #[arg(long)]
    insecure: bool,

    /// Seconds an unused document stays in memory before it is unloaded.
    #[arg(long, env = "CLUBSYNC_IDLE_UNLOAD_SECS", default_value_t = 300)]
    idle_unload_secs: u64,

    /// The largest websocket frame accepted from a device, in bytes.
    #[arg(long, env = "CLUBSYNC_MAX_FRAME_BYTES", default_value_t = Limits::default().max_frame_bytes)]
    max_frame_bytes: usize,

    /// The largest a stored document may grow, in bytes (default 256 MiB).
    #[arg(long, env = "CLUBSYNC_MAX_DOCUMENT_BYTES", default_value_t = 256 * 1024 * 1024)]
    max_document_bytes: u64,

    /// New documents one device may create in 24 hours (each is stored, registered and listed
    /// in the club's index); past it, the next new document is refused with a reason.
    #[arg(
        long,
        env = "CLUBSYNC_MAX_NEW_DOCUMENTS_PER_DAY",
        default_value_t = 1000
    )]
    max_new_documents_per_day: u64,

    /// Messages one connection may send per second, sustained (a burst may reach twice that).
    #[arg(long, env = "CLUBSYNC_MESSAGES_PER_SECOND", default_value_t = 500)]
    messages_per_second: u32,

    /// Connections open at once, websockets included; past it a new connection is answered 503
    /// (with Retry-After) and closed.
    #[arg(long, env = "CLUBSYNC_MAX_CONNECTIONS", default_value_t = HttpLimits::default().max_connections)]
    max_connections: usize,

    /// Seconds a connection may take to send a request's headers, or stay idle between two
    /// requests, before it is closed (a trickling client cannot hold a connection).
    #[arg(long, env = "CLUBSYNC_HEADER_TIMEOUT_SECS", default_value_t = HttpLimits::default().header_read_timeout.as_secs())]
    header_timeout_secs: u64,

    /// Seconds between pings on each websocket; one silent for two and a half intervals (a phone
    /// that vanished) is closed, and so is one that stops reading for as long.
    #[arg(long, env = "CLUBSYNC_PING_SECS", default_value_t = HttpLimits::default().ping_every.as_secs())]
    ping_secs: u64,

    /// Tries of `/api/join` one address may make a minute (a classroom joining together behind
    /// one address needs room); the whole server takes ten times that.
    #[arg(long, env = "CLUBSYNC_JOINS_PER_MINUTE", default_value_t = HttpLimits::default().joins_per_minute)]
    joins_per_minute: u32,

    /// MiB of sync messages that may wait for one device; a device that falls further behind
    /// (it stopped reading) is closed with a reason and syncs again when it reconnects, so a
    /// stalled phone cannot make the server's memory grow.
    #[arg(long, env = "CLUBSYNC_OUTBOX_MIB", default_value_t = OutboxLimits::default().max_bytes >> 20)]
    outbox_mib: usize,

    /// Days a device token lasts; a device that syncs swaps its token for a new one well
    /// before (a token copied off a stolen phone then dies on its own). 0: tokens never expire.
    #[arg(long, env = "CLUBSYNC_TOKEN_LIFETIME_DAYS", default_value_t = 0)]
    token_lifetime_days: u64,

    /// The token a request must present (`Authorization: Bearer <token>`) to read /metrics;
    /// without one, /metrics answers loopback clients only.
    #[arg(long, env = "CLUBSYNC_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,

    /// The built phone app (`npm run build` in web/ writes web/dist), served under /app/.
    #[arg(long, env = "CLUBSYNC_WEB_DIR", default_value = clubsync_server::web_app::DEFAULT_WEB_DIR)]
    web_dir: PathBuf,

    /// Start even though other users of this machine can read the data directory (it holds
    /// members' names, petition signers and device tokens; by default the server refuses).
    #[arg(long, global = true)]
    allow_readable_data_dir: bool,

    /// Set up a demo club in the data directory (default `clubsync-demo`), print invite codes,
    /// and serve.
    #[arg(long)]
    demo: bool,

    #[command(subcommand)]
    command: Option<admin_cli::AdminCommand>,
}

fn main() -> std::process::ExitCode {
    // Errors are for people: the message and its causes, without a backtrace.
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("CLUBSYNC_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let data_dir = if cli.demo && cli.data_dir.as_os_str() == "clubsync-data" {
        PathBuf::from("clubsync-demo")
    } else {
        cli.data_dir.clone()
    };
    // Every file the server makes (databases, their WAL, backups, keys) is its user's alone.
    data_dir::private_new_files();
    if let Some(command) = cli.command {
        if data_dir.exists() {
            data_dir::prepare(&data_dir, cli.allow_readable_data_dir)?;
        }
        return admin_cli::run(command, &data_dir);
    }

    let tls = match (&cli.tls_cert, &cli.tls_key, cli.self_signed) {
        (Some(cert), Some(key), _) => TlsMode::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        (_, _, true) => {
            let mut hosts = vec!["localhost".to_owned()];
            if !cli.listen.ip().is_unspecified() {
                hosts.push(cli.listen.ip().to_string());
            }
            for host in &cli.self_signed_hosts {
                let host = host.trim().to_owned();
                if !host.is_empty() && !hosts.contains(&host) {
                    hosts.push(host);
                }
            }
            TlsMode::SelfSigned { hosts }
        }
        _ => TlsMode::Off,
    };
    if matches!(tls, TlsMode::Off) && !cli.listen.ip().is_loopback() && !cli.insecure {
        bail!(
            "refusing plain HTTP on {}: device tokens would cross the network in the clear.\n\
             Use --tls-cert/--tls-key, or --self-signed for a LAN, or --insecure if you must.",
            cli.listen
        );
    }
    let config = ServeConfig {
        data_dir: data_dir.clone(),
        listen: cli.listen,
        tls,
        idle_unload: Duration::from_secs(cli.idle_unload_secs),
        limits: Limits {
            max_frame_bytes: cli.max_frame_bytes,
            ..Limits::default()
        },
        max_document_bytes: cli.max_document_bytes,
        max_new_documents_per_day: cli.max_new_documents_per_day,
        messages_per_second: cli.messages_per_second.max(1),
        web_dir: cli.web_dir.clone(),
        http: HttpLimits {
            max_connections: cli.max_connections.max(1),
            header_read_timeout: Duration::from_secs(cli.header_timeout_secs.max(1)),
            ping_every: Duration::from_secs(cli.ping_secs.max(1)),
            write_timeout: Duration::from_secs(cli.ping_secs.max(1)),
            joins_per_minute: cli.joins_per_minute.max(1),
        },
        metrics_token: cli.metrics_token.clone(),
        outbox: OutboxLimits {
            max_bytes: cli.outbox_mib.max(1) << 20,
            ..OutboxLimits::default()
        },
    };

    data_dir::prepare(&data_dir, cli.allow_readable_data_dir)?;
    // Held until the process ends: no second server, and no restore, on this directory.
    let _lock = clubsync_server::data_dir_lock::DataDirLock::take(&data_dir)?;
    let identity = Arc::new(IdentityStore::open(&data_dir)?);
    identity.set_token_lifetime(
        (cli.token_lifetime_days > 0)
            .then(|| Duration::from_secs(cli.token_lifetime_days.saturating_mul(86_400))),
    );
    let storage = Arc::new(SharedStore::open(&data_dir)?);
    let storage_id = StorageId::new(demo::server_storage_id(&data_dir)?)?;
    let invites = if cli.demo {
        Some(demo::set_up(&identity, storage.as_ref())?)
    } else {
        None
    };

    let web_dir = config.web_dir.clone();
    let pinned = matches!(config.tls, TlsMode::SelfSigned { .. })
        .then(|| data_dir.join(clubsync_server::tls::SELF_SIGNED_CERT));
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let server = Server::new(identity, storage, storage_id, &config);
        server
            .run(&config, shutdown_signal(), move |addr, scheme| {
                println!("clubsync-server listening on {scheme}://{addr}");
                println!(
                    "  sync endpoint: {}://{addr}/sync",
                    if scheme == "https" { "wss" } else { "ws" }
                );
                if let Some(cert) = &pinned {
                    let fingerprint = std::fs::read_to_string(cert)
                        .ok()
                        .and_then(|pem| clubsync_server::tls::fingerprint(&pem).ok())
                        .unwrap_or_else(|| "(unreadable)".into());
                    println!("  certificate:   {} (kept across restarts)", cert.display());
                    println!("  SHA-256:       {fingerprint}");
                }
                if web_app::is_built(&web_dir) {
                    println!("  phone app:     {scheme}://{addr}{}", web_app::MOUNT);
                } else {
                    println!(
                        "  phone app:     not built ({} has no index.html): run `npm ci && npm run build` in web/",
                        web_dir.display()
                    );
                }
                if let Some(invites) = &invites {
                    demo::print_invites(invites, scheme, addr);
                    if let Some(first) = invites.first() {
                        println!(
                            "On a phone or in a browser, open {scheme}://{addr}{}#join=<code>, e.g. {scheme}://{addr}{}#join={}",
                            web_app::MOUNT,
                            web_app::MOUNT,
                            first.code
                        );
                    }
                }
            })
            .await
    })?;
    Ok(())
}
