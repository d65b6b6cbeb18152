//! `clubsync join` and `clubsync clubs`: becoming a device of a club, and listing them.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use clubsync_client::join::join_club;
use clubsync_client::{ServerAddress, Trust};

use super::Context;

#[derive(Args, Debug)]
pub struct JoinArgs {
    /// The server, as your coordinator gave it: https://clubs.example.org, or host:port.
    server: String,
    /// The one-time invite code (like ABCD-EFGH-JKMN-PQRST).
    invite: String,
    /// A name for this device that coordinators will see ("Min-ji's laptop").
    #[arg(long)]
    name: Option<String>,
    /// Trust only this certificate (PEM) for the server: for a server with a self-signed
    /// certificate (`clubsync-server --self-signed` writes it to its data directory).
    #[arg(long, value_name = "PEM_FILE")]
    ca_cert: Option<PathBuf>,
    /// Do not fetch the club's records right after joining.
    #[arg(long)]
    no_sync: bool,
}

pub fn join(context: &Context, args: JoinArgs) -> anyhow::Result<()> {
    let address = ServerAddress::parse(&args.server)?;
    let trust = match &args.ca_cert {
        Some(path) => Trust::from_file(path)?,
        None => Trust::public_roots()?,
    };
    let name = args.name.unwrap_or_else(default_device_name);
    let mut home = context.home()?;
    let runtime = super::runtime()?;
    let membership = runtime
        .block_on(join_club(&mut home, &address, &trust, &args.invite, &name))
        .context("could not join")?;
    writeln!(
        context.out(),
        "Joined club {} on {} as {}{} (device {:?}, {}).",
        membership.club_id,
        membership.server,
        membership.role,
        membership
            .member_name
            .as_deref()
            .map(|n| format!(" {n}"))
            .unwrap_or_default(),
        name,
        membership.device_id,
    )?;
    writeln!(
        context.out(),
        "This device's records are kept in {}.",
        home.dir().display()
    )?;
    if args.no_sync {
        writeln!(
            context.out(),
            "Run `clubsync sync` to fetch the club's records."
        )?;
        return Ok(());
    }
    drop(home);
    let club_context = Context {
        home_dir: context.home_dir.clone(),
        club: Some(membership.club_id.clone()),
        // The first sync prints where this command prints.
        out: std::cell::RefCell::new(context.out.replace(Box::new(std::io::sink()))),
    };
    let synced = super::sync::sync(&club_context, super::sync::SyncArgs::once());
    context.out.replace(club_context.out.into_inner());
    if let Err(e) = synced {
        writeln!(
            context.out(),
            "Joined, but the first sync failed ({e:#}); run `clubsync sync` to try again."
        )?;
    }
    Ok(())
}

pub fn clubs(context: &Context) -> anyhow::Result<()> {
    let home = context.home()?;
    let memberships = home.memberships()?;
    if memberships.is_empty() {
        writeln!(
            context.out(),
            "This device has not joined a club yet: run `clubsync join <server> <invite code>`."
        )?;
        return Ok(());
    }
    for m in memberships {
        let name = home
            .club(&m)
            .ok()
            .and_then(|club| club.profile().ok())
            .map(|p| p.name)
            .unwrap_or_else(|| "(not synced yet)".into());
        writeln!(context.out(), "{}  {}", m.club_id, name)?;
        writeln!(context.out(), "    server:  {}", m.server)?;
        writeln!(
            context.out(),
            "    member:  {} ({}){}",
            m.member_name.as_deref().unwrap_or("?"),
            m.role,
            m.member_id
                .map(|id| format!(", id {id}"))
                .unwrap_or_default()
        )?;
        writeln!(context.out(), "    device:  {}", m.device_id)?;
        if let Some(reason) = &m.refused {
            writeln!(context.out(), "    REFUSED: {reason}")?;
        }
    }
    Ok(())
}

fn default_device_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "laptop".into());
    format!("clubsync on {host}")
}
