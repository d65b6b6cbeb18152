//! The `clubsync` command line: arguments (clap) and one module per command group.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use clubsync_client::{DeviceHome, Membership};

mod audit;
mod collection;
mod devices;
mod event;
mod flags;
mod join;
mod members;
mod parse;
mod petition;
mod pick;
mod report;
mod sponsorship;
mod status;
mod sync;
mod terminal_text;

/// clubsync: club records on this laptop, offline first, synced with your club's server.
///
/// Every command works without a connection: records are saved on this device at once and
/// reach the server at the next `clubsync sync`.
///
/// Getting started:
///   clubsync join https://clubs.example.org ABCD-EFGH-JKMN-PQRST   (the invite code from your coordinator)
///   clubsync sync                                           (fetch the club's records)
///   clubsync collection create "High Street, Sat 5 Dec"
///   clubsync collection donate <collection> 5.00
///   clubsync status                                         (what has not reached the server yet)
///   clubsync sync --watch                                   (stay connected)
#[derive(Parser, Debug)]
#[command(name = "clubsync", version, verbatim_doc_comment)]
pub struct Cli {
    /// The device directory: this device's records and club memberships. Use one per device
    /// (several devices can run on one machine).
    #[arg(long, env = "CLUBSYNC_HOME", global = true)]
    home: Option<PathBuf>,

    /// The club a command is about (its id or the start of it), when this device joined more
    /// than one.
    #[arg(long, env = "CLUBSYNC_CLUB", global = true)]
    club: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Join a club with an invite code from a coordinator.
    Join(join::JoinArgs),
    /// List the clubs this device joined.
    Clubs,
    /// Send this device's new records to the server and receive everyone else's.
    Sync(sync::SyncArgs),
    /// Show, per document, how many changes have not reached the server and when it last synced.
    Status,
    /// Street collections: tins, donations, counts, returns.
    #[command(subcommand)]
    Collection(collection::CollectionCommand),
    /// Petitions: signatures with consent.
    #[command(subcommand)]
    Petition(petition::PetitionCommand),
    /// Events and their volunteer shifts.
    #[command(subcommand)]
    Event(event::EventCommand),
    /// Sponsored activities: pledges (with Gift Aid), distance, payments, the sheet.
    #[command(subcommand)]
    Sponsorship(sponsorship::SponsorshipCommand),
    /// Write a report as CSV, to a file or the screen.
    Report(report::ReportArgs),
    /// Show who sent each change of a document, when, and which records it touched
    /// (coordinators; asks the server)
    ///
    ///   clubsync audit "High Street"
    ///   clubsync audit "High Street" --record donations/0194f1a2-7c3e-7d41-9b6e-2f0c4a1d5e77
    #[command(verbatim_doc_comment)]
    Audit(audit::AuditArgs),
    /// The club's members; change a role, record "now 16", a member leaves (coordinators;
    /// asks the server)
    ///
    ///   clubsync members
    ///   clubsync members role "Asha" coordinator
    ///   clubsync members leave "Ben"
    #[command(verbatim_doc_comment)]
    Members {
        #[command(subcommand)]
        command: Option<members::MembersCommand>,
    },
    /// Invite a new member, or another device of a member: prints the code, the link for a
    /// phone and a QR code of it (coordinators; asks the server)
    ///
    ///   clubsync invite --role volunteer --name "Asha Khan"
    ///   clubsync invite --role volunteer --name "Jo Park" --under-16
    ///   clubsync invite --device-for "Kim"          (a laptop for Kim, who keeps her role)
    #[command(verbatim_doc_comment)]
    Invite(members::InviteArgs),
    /// The club's devices, with when each was last seen (coordinators; asks the server)
    Devices,
    /// Revoke a device (a lost phone): its connections end at once and it erases the club's
    /// records the next time it reaches the server (coordinators; asks the server)
    ///
    ///   clubsync revoke "Lee's phone"
    #[command(verbatim_doc_comment)]
    Revoke {
        /// The device: part of its name or its member's name, or the start of its id.
        device: String,
    },
    /// The flags merges left for a coordinator (a tin with two collectors at once, an
    /// overbooked shift, two signatures that look alike), and resolving one with a note
    ///
    ///   clubsync flags
    ///   clubsync flags --resolved
    ///   clubsync flags resolve 1 --note "Ben handed tin 7 to Cho at 11:00"
    #[command(verbatim_doc_comment)]
    Flags {
        #[command(subcommand)]
        command: Option<flags::FlagsCommand>,
        /// Also list the resolved flags: who resolved each, when, how.
        #[arg(long)]
        resolved: bool,
    },
    /// Show the club's time zone, or set it (coordinators): every date is on its clock
    ///
    ///   clubsync time-zone
    ///   clubsync time-zone Asia/Seoul
    #[command(verbatim_doc_comment)]
    TimeZone {
        /// A tz database name, such as Asia/Seoul or Europe/London.
        zone: Option<String>,
    },
}

impl Cli {
    /// Runs the command, printing what it has to say to `out`.
    pub fn run(self, out: Box<dyn std::io::Write>) -> anyhow::Result<()> {
        let home_dir = match self.home {
            Some(dir) => dir,
            None => default_home()?,
        };
        let context = Context {
            home_dir,
            club: self.club,
            out: std::cell::RefCell::new(out),
        };
        match self.command {
            Command::Join(args) => join::join(&context, args),
            Command::Clubs => join::clubs(&context),
            Command::Sync(args) => sync::sync(&context, args),
            Command::Status => status::status(&context),
            Command::Collection(c) => collection::run(&context, c),
            Command::Petition(c) => petition::run(&context, c),
            Command::Event(c) => event::run(&context, c),
            Command::Report(args) => report::run(&context, args),
            Command::Sponsorship(c) => sponsorship::run(&context, c),
            Command::Audit(args) => audit::run(&context, args),
            Command::Members { command: None } => members::list(&context),
            Command::Members { command: Some(c) } => members::run(&context, c),
            Command::Invite(args) => members::invite(&context, args),
            Command::Devices => devices::list(&context),
            Command::Revoke { device } => devices::revoke(&context, &device),
            Command::TimeZone { zone } => members::time_zone(&context, zone),
            Command::Flags {
                command: None,
                resolved,
            } => flags::list(&context, resolved),
            Command::Flags {
                command: Some(flags::FlagsCommand::Resolve(args)),
                ..
            } => flags::resolve(&context, args),
        }
    }
}

/// What every command gets: where the device directory is and which club was asked for.
pub struct Context {
    /// The device directory.
    pub home_dir: PathBuf,
    /// `--club`, if given.
    pub club: Option<String>,
    /// Where the command prints (standard output; a buffer in tests). Progress and warnings
    /// go to standard error.
    pub out: std::cell::RefCell<Box<dyn std::io::Write>>,
}

impl Context {
    /// Where the command prints.
    pub fn out(&self) -> std::cell::RefMut<'_, Box<dyn std::io::Write>> {
        self.out.borrow_mut()
    }

    /// Opens the device directory.
    pub fn home(&self) -> anyhow::Result<DeviceHome> {
        DeviceHome::open(&self.home_dir).with_context(|| {
            format!(
                "cannot open the device directory {}",
                self.home_dir.display()
            )
        })
    }

    /// Opens the device directory and picks the club the command is about.
    pub fn club(&self) -> anyhow::Result<(DeviceHome, Membership)> {
        let home = self.home()?;
        let membership = home.membership(self.club.as_deref())?;
        Ok((home, membership))
    }
}

fn default_home() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("HOME")
        .map(PathBuf::from)
        .context("no device directory: give --home DIR (or set CLUBSYNC_HOME or HOME)")?;
    Ok(base.join(".clubsync"))
}

/// A tokio runtime for the commands that talk to the server.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
