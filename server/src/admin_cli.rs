//! The admin subcommands of `clubsync-server`: `init`, `club create|list`, `invite`, `devices`,
//! `revoke`, `backup` and `restore`, run against the data directory and printing for a person.
//!
//! They open the same SQLite files as a running server (WAL lets both work at once), so an admin
//! can invite or revoke without stopping it. The work is done by the library
//! (`clubsync_server::identity`, `clubsync_server::storage`); this module parses, calls and
//! prints.

mod backup;
mod devices;
mod restore;
#[cfg(test)]
mod tests;
mod ttl;

use devices::{list_devices, revoke};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use clubsync_core::club::{ClubProfile, ClubType, Role};
use clubsync_core::currency::Currency;
use clubsync_core::ids::MemberId;
use clubsync_core::time_zone::ClubTimeZone;
use clubsync_core::timestamp::Timestamp;
use clubsync_server::identity::{
    self, ClubId, ClubInfo, DATABASE_FILE, DeviceId, IdentityStore, SCHEMA_VERSION,
};
use clubsync_server::storage::SharedStore;

/// An admin command, run against the data directory instead of serving.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create the data directory and its server database.
    ///
    /// Safe to run again: an existing database is checked and left as it is.
    ///
    ///     clubsync-server --data-dir /var/lib/clubsync init
    #[command(verbatim_doc_comment)]
    Init,

    /// Create or list the clubs this server serves.
    #[command(subcommand)]
    Club(ClubCommand),

    /// Make a one-time invite code that connects one device to a club.
    ///
    /// The code (like K7QM-X2PA-9F) is typed into the clubsync app on the member's phone
    /// or laptop. It works once, for one device, until it expires. Pass it on privately:
    /// whoever enters it first joins the club with the role it grants.
    ///
    /// A new member:
    ///
    ///     clubsync-server invite --club "Leeds Uni" --role volunteer --name "Asha Khan"
    ///
    /// A new member under 16, who never handles money (tins, counts):
    ///
    ///     clubsync-server invite --club "Leeds Uni" --role volunteer --name "Min Park" --under-16
    ///
    /// Another device (a laptop) of an existing member, who keeps their role; `devices`
    /// shows member ids:
    ///
    ///     clubsync-server invite --club "Leeds Uni" --member 0193c0de-7f3a-7c1e-9a52-3e1f0c6b2d11
    #[command(verbatim_doc_comment)]
    Invite(InviteArgs),

    /// List a club's devices (revoked ones too), with their member, role and last sign of life.
    ///
    ///     clubsync-server devices --club "Leeds Uni"
    #[command(verbatim_doc_comment)]
    Devices {
        /// The club, by name or by id (as `club list` shows them).
        #[arg(long)]
        club: String,
    },

    /// Revoke a device (a lost phone, a member who left): its token is refused from now on.
    ///
    /// What the device recorded stays in the club; it just cannot sync any more. To
    /// connect it again, make a new invite. `devices` lists device ids:
    ///
    ///     clubsync-server revoke 0193c0de-7f3a-7c1e-9a52-3e1f0c6b2d11
    #[command(verbatim_doc_comment)]
    Revoke {
        /// The device's id (from `clubsync-server devices --club CLUB`).
        device: DeviceId,
    },

    /// Copy the server's databases into a directory, while the server keeps running.
    ///
    /// Uses SQLite's online backup: each copy is a consistent snapshot, taken without
    /// stopping the server. Writes documents.sqlite (the club records), when there is one,
    /// then server.sqlite (clubs, members, devices, invites, the document registry) into
    /// the directory, which must not hold such copies already.
    ///
    ///     clubsync-server backup /srv/backups/clubsync-2026-11-25
    ///
    /// To restore, stop the server and run `clubsync-server restore` with this directory.
    /// Devices keep their own copies of the records: changes made after the backup come
    /// back when they next sync. Devices that joined after the backup need a new invite.
    #[command(verbatim_doc_comment)]
    Backup {
        /// The directory to write the copies into (created if missing).
        to: PathBuf,
    },

    /// Put a backup's databases into the data directory (the server must be stopped).
    ///
    /// Refused while a server runs on the directory. The backup is copied in and checked
    /// first; only then are the databases there moved aside, into before-restore-<time>/
    /// in the data directory (nothing is deleted), and the copies put in their place.
    ///
    ///     clubsync-server --data-dir /var/lib/clubsync restore /srv/backups/clubsync-2026-11-25
    ///
    /// Then start the server. Devices send again what they recorded after the backup.
    #[command(verbatim_doc_comment)]
    Restore {
        /// The backup directory (as `clubsync-server backup` wrote it).
        from: PathBuf,
    },
}

/// `clubsync-server club ...`
#[derive(Debug, Subcommand)]
pub enum ClubCommand {
    /// Create a club and its club document (profile, members, index of its documents).
    ///
    ///     clubsync-server club create "Leeds Uni" --country GB --currency GBP --type school
    ///
    /// Then invite its first coordinator with `clubsync-server invite`.
    #[command(verbatim_doc_comment)]
    Create {
        /// The club's name, unique on this server, as members will see it.
        name: String,
        /// The country the club is in: ISO 3166-1 alpha-2 code (GB, DE, KE, ...).
        #[arg(long)]
        country: String,
        /// The currency the club keeps its accounts in: ISO 4217 code (GBP, EUR, KES, ...).
        #[arg(long)]
        currency: String,
        /// What kind of club it is.
        #[arg(long = "type", value_enum, default_value_t = ClubTypeArg::Community)]
        club_type: ClubTypeArg,
        /// The club's clock, a tz database name (Asia/Seoul, Europe/London, ...): every date
        /// the app, the CLI and the reports show is on it. Default: the country's main zone.
        #[arg(long = "time-zone", value_name = "ZONE")]
        time_zone: Option<String>,
    },
    /// List the clubs on this server, with their ids and club documents.
    List,
}

/// `clubsync-server invite ...`
#[derive(Debug, Args)]
pub struct InviteArgs {
    /// The club, by name or by id (as `club list` shows them).
    #[arg(long)]
    pub club: String,
    /// The new member's role.
    #[arg(long, value_enum, required_unless_present = "member")]
    pub role: Option<RoleArg>,
    /// The new member's name, as the club will see it.
    #[arg(long, required_unless_present = "member")]
    pub name: Option<String>,
    /// The new member is under 16: they never handle money (tins, counts).
    /// Without it the new member is 16 or over.
    #[arg(long = "under-16")]
    pub under_16: bool,
    /// Instead of a new member: another device for this existing member, who keeps their role.
    #[arg(long, value_name = "MEMBER_ID", conflicts_with_all = ["role", "name", "under_16"])]
    pub member: Option<MemberId>,
    /// How long the code works if unused: minutes, hours, days or weeks (30m, 12h, 7d, 2w);
    /// from 1 minute to 90 days.
    #[arg(long, default_value = "7d", value_parser = ttl::parse_ttl)]
    pub ttl: Duration,
}

/// A member's role, as typed on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Runs the club: reads and writes everything, manages members and devices.
    Coordinator,
    /// Reads the club's profile and members; records and edits activities (collections,
    /// petitions, events).
    Volunteer,
    /// Reads everything, changes nothing (an auditor, a regional officer).
    Observer,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Coordinator => Role::Coordinator,
            RoleArg::Volunteer => Role::Volunteer,
            RoleArg::Observer => Role::Observer,
        }
    }
}

/// A kind of club, as typed on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ClubTypeArg {
    /// A school club.
    School,
    /// A workplace club.
    Workplace,
    /// A community club.
    Community,
}

impl From<ClubTypeArg> for ClubType {
    fn from(kind: ClubTypeArg) -> Self {
        match kind {
            ClubTypeArg::School => ClubType::School,
            ClubTypeArg::Workplace => ClubType::Workplace,
            ClubTypeArg::Community => ClubType::Community,
        }
    }
}

/// Runs `command` against `data_dir` at the current time, printing to standard output.
pub fn run(command: AdminCommand, data_dir: &Path) -> anyhow::Result<()> {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .context("the system clock is before 1970: set the clock and try again")?;
    execute(command, data_dir, now_ms, &mut std::io::stdout().lock())
}

/// Runs `command` against `data_dir` as if the time were `now_ms`, printing to `out`.
pub fn execute(
    command: AdminCommand,
    data_dir: &Path,
    now_ms: i64,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match command {
        AdminCommand::Init => init(data_dir, out),
        AdminCommand::Club(ClubCommand::Create {
            name,
            country,
            currency,
            club_type,
            time_zone,
        }) => {
            let profile =
                club_profile(&name, &country, &currency, club_type, time_zone.as_deref())?;
            create_club(data_dir, &profile, now_ms, out)
        }
        AdminCommand::Club(ClubCommand::List) => list_clubs(data_dir, out),
        AdminCommand::Invite(args) => invite(data_dir, args, now_ms, out),
        AdminCommand::Devices { club } => list_devices(data_dir, &club, out),
        AdminCommand::Revoke { device } => revoke(data_dir, device, now_ms, out),
        AdminCommand::Backup { to } => backup::backup(data_dir, &to, out),
        AdminCommand::Restore { from } => restore::restore(data_dir, &from, now_ms, out),
    }
}

fn init(data_dir: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    let existed = data_dir.join(DATABASE_FILE).exists();
    let store = IdentityStore::open(data_dir)?;
    if existed {
        writeln!(
            out,
            "{} is already initialised (server database schema {SCHEMA_VERSION}); nothing changed.",
            data_dir.display()
        )?;
    } else {
        writeln!(
            out,
            "Initialised {}: created {}.",
            data_dir.display(),
            store.path().display()
        )?;
    }
    writeln!(out, "Next, create a club:")?;
    writeln!(
        out,
        "    clubsync-server club create \"CLUB NAME\" --country GB --currency GBP"
    )?;
    Ok(())
}

fn club_profile(
    name: &str,
    country: &str,
    currency: &str,
    club_type: ClubTypeArg,
    time_zone: Option<&str>,
) -> anyhow::Result<ClubProfile> {
    // Checked here too, so a name the club table would refuse never leaves a stored document.
    let name = name.trim();
    if name.is_empty() || name.chars().count() > identity::MAX_NAME_CHARS {
        bail!(
            "the club name must be 1 to {} characters",
            identity::MAX_NAME_CHARS
        );
    }
    let country = country.trim().to_ascii_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        bail!("--country {country:?} is not a two-letter ISO 3166-1 code such as GB, DE or KE");
    }
    let code = currency.trim().to_ascii_uppercase();
    let Ok(currency) = Currency::new(&code) else {
        bail!("--currency {code:?} is not an ISO 4217 currency code such as GBP, EUR or KES");
    };
    let time_zone = match time_zone {
        Some(zone) => ClubTimeZone::named(zone)
            .map_err(|e| anyhow::anyhow!("--time-zone: {e}"))?
            .name()
            .to_owned(),
        None => ClubProfile::default_time_zone(&country),
    };
    Ok(ClubProfile {
        name: name.to_owned(),
        club_type: club_type.into(),
        country,
        currency,
        time_zone,
    })
}

fn create_club(
    data_dir: &Path,
    profile: &ClubProfile,
    now_ms: i64,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let identity = IdentityStore::open_existing(data_dir)?;
    // Checked before the document is stored, so a taken name leaves nothing behind.
    if let Some(existing) = identity.find_club_by_name(&profile.name)? {
        bail!(
            "a club named {:?} already exists (id {}): choose another name",
            existing.name,
            existing.id
        );
    }
    let (document, bytes) = identity::new_club_document(profile, now_ms)?;
    // The document is committed before the club refers to it: a failure in between leaves an
    // unused document, never a club whose document is missing.
    let documents = SharedStore::open(data_dir)
        .with_context(|| format!("cannot open the document store in {}", data_dir.display()))?;
    documents
        .commit(&[(document, bytes)], &[])
        .context("cannot store the new club document")?;
    let club = identity.create_club(&profile.name, document, now_ms)?;
    writeln!(out, "Created club {:?}.", profile.name)?;
    writeln!(out, "  id:             {club}")?;
    writeln!(out, "  club document:  automerge:{document}")?;
    writeln!(
        out,
        "  country:        {}, accounts in {}",
        profile.country,
        profile.currency.code()
    )?;
    writeln!(
        out,
        "  time zone:      {} (every date the club sees is on this clock; a coordinator \
         changes it with `clubsync time-zone ZONE`)",
        profile.time_zone
    )?;
    writeln!(out, "Next, invite its first coordinator:")?;
    writeln!(
        out,
        "    clubsync-server invite --club {:?} --role coordinator --name \"THEIR NAME\"",
        profile.name
    )?;
    Ok(())
}

fn list_clubs(data_dir: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    let identity = IdentityStore::open_existing(data_dir)?;
    let clubs = identity.list_clubs()?;
    if clubs.is_empty() {
        writeln!(
            out,
            "No clubs yet. Create one with: clubsync-server club create \"CLUB NAME\" --country GB --currency GBP"
        )?;
        return Ok(());
    }
    let width = clubs
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    writeln!(
        out,
        "{:<width$}  {:<36}  {:<10}  CLUB DOCUMENT",
        "NAME", "ID", "CREATED"
    )?;
    for club in clubs {
        writeln!(
            out,
            "{:<width$}  {:<36}  {:<10}  automerge:{}",
            club.name,
            club.id.to_string(),
            club.created_at.date(),
            club.club_document
        )?;
    }
    Ok(())
}

/// The club named by `text`: an id if it parses as one, else a name.
fn find_club(identity: &IdentityStore, text: &str) -> anyhow::Result<ClubInfo> {
    if let Ok(id) = text.parse::<ClubId>()
        && let Some(club) = identity.club(id)?
    {
        return Ok(club);
    }
    identity.find_club_by_name(text)?.with_context(|| {
        format!(
            "no club named {text:?} on this server; `clubsync-server club list` shows the clubs"
        )
    })
}

fn invite(
    data_dir: &Path,
    args: InviteArgs,
    now_ms: i64,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let identity = IdentityStore::open_existing(data_dir)?;
    let club = find_club(&identity, &args.club)?;
    let (code, who) = match (args.member, args.role, args.name) {
        (Some(member), _, _) => {
            let info = identity.member(member)?.with_context(|| {
                format!("no member {member}; `devices --club` lists members' ids")
            })?;
            if info.club != club.id {
                bail!(
                    "member {member} ({}) is not a member of {:?}",
                    info.display_name,
                    club.name
                );
            }
            let code = identity.create_device_invite(member, args.ttl, now_ms)?;
            (code, format!("another device of {}", info.display_name))
        }
        (None, Some(role), Some(name)) => {
            let age16plus = !args.under_16;
            let code =
                identity.create_invite(club.id, role.into(), &name, age16plus, args.ttl, now_ms)?;
            let age = if age16plus {
                ""
            } else {
                " under 16 (never handling money)"
            };
            (code, format!("{}, a new member{age}", name.trim()))
        }
        // clap requires --role and --name unless --member is given.
        _ => bail!(
            "give --role and --name for a new member, or --member for another device of a member"
        ),
    };
    writeln!(
        out,
        "Invite for {who} of {:?}, as {}:",
        club.name, code.role
    )?;
    writeln!(out)?;
    writeln!(out, "    {}", code.as_str())?;
    writeln!(out)?;
    writeln!(
        out,
        "It connects one device and expires at {} (in {}).",
        code.expires_at,
        ttl::human_duration(args.ttl)
    )?;
    writeln!(
        out,
        "Pass it on privately: whoever enters it first joins the club as {}.",
        code.role
    )?;
    Ok(())
}
